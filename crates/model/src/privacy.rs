//! `[privacy]`: what is kept of authors and for how long. One section for every command, so
//! its type lives here where both the collector and the Room can read it.

use serde::Deserialize;
use std::path::PathBuf;

/// `[privacy]`: what is kept of authors and for how long. One section for every command: the
/// collector reads the pseudonym key and whether handles are kept, the Room (`websense serve`)
/// how long raw text stays and whether authors can be resolved. The defaults are the lawful
/// ones: no handles kept, raw text purged after 30 days, no author vault.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// The secret behind author pseudonyms, kept away from the data. Default:
    /// `$XDG_CONFIG_HOME/websense/pseudonym.key` (else `~/.config/websense/pseudonym.key`),
    /// generated on first run by the collector (`websense_collect::key`).
    pub pseudonym_key_file: Option<PathBuf>,
    /// Accept a key inside a data directory (with a warning); refused otherwise.
    pub allow_key_in_data_dir: bool,
    /// Keep raw author handles next to pseudonyms. Off by default; switch on only with a
    /// lawful basis for it.
    pub keep_author_handles: bool,
    /// The Room's: title, text, author, url, links and raw metadata of items are purged this
    /// many days after the item's event time; matches, scores and trend counts stay.
    pub raw_text_retention_days: u32,
    /// The Room's: the author resolution vault (a separate file, never the main database).
    /// None: no author can ever be resolved.
    pub author_vault: Option<PathBuf>,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            pseudonym_key_file: None,
            allow_key_in_data_dir: false,
            keep_author_handles: false,
            raw_text_retention_days: 30,
            author_vault: None,
        }
    }
}

impl PrivacyConfig {
    /// Check the settings; the message names the key (the section is the caller's to add).
    pub fn validate(&self) -> Result<(), String> {
        if self.raw_text_retention_days == 0 {
            return Err("raw_text_retention_days must be at least 1".into());
        }
        Ok(())
    }
}
