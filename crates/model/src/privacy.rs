//! `[privacy]`: what is kept of authors and for how long. One section for every command, so
//! its type lives here where both the collector and the Room can read it.

use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

crate::legacy_duration!(
    raw_text_retention,
    "privacy",
    "raw_text_retention",
    "raw_text_retention_days",
    Days
);

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
    /// long after the item's event time (`"30d"`, at least `"1d"`); matches, scores and
    /// trend counts stay.
    #[serde(
        alias = "raw_text_retention_days",
        deserialize_with = "raw_text_retention"
    )]
    pub raw_text_retention: Duration,
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
            raw_text_retention: 30 * DAY,
            author_vault: None,
        }
    }
}

impl PrivacyConfig {
    /// Check the settings; the message names the key (the section is the caller's to add).
    pub fn validate(&self) -> Result<(), String> {
        // At least a day: `"30m"` written for `"30d"` would purge nearly everything.
        if self.raw_text_retention < DAY {
            return Err(format!(
                "raw_text_retention = \"{}\" is shorter than the shortest allowed, \"1d\"",
                crate::format_duration(self.raw_text_retention)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duration::take_deprecations;

    fn read(text: &str) -> Result<PrivacyConfig, String> {
        toml::from_str::<PrivacyConfig>(text)
            .map_err(|e| e.to_string())
            .and_then(|c| c.validate().map(|_| c))
    }

    #[test]
    fn retention_reads_new_and_old_keys_and_refuses_both() {
        take_deprecations();
        assert_eq!(read("").unwrap().raw_text_retention, 30 * DAY);
        assert_eq!(
            read("raw_text_retention = \"14d\"\n")
                .unwrap()
                .raw_text_retention,
            14 * DAY
        );
        assert!(take_deprecations().is_empty());
        assert_eq!(
            read("raw_text_retention_days = 14\n")
                .unwrap()
                .raw_text_retention,
            14 * DAY
        );
        let notices = take_deprecations();
        assert!(
            notices.len() == 1
                && notices[0].contains("[privacy] `raw_text_retention_days = 14`")
                && notices[0].contains("write `raw_text_retention = \"14d\"`"),
            "{notices:?}"
        );
        let e = read("raw_text_retention = \"14d\"\nraw_text_retention_days = 14\n").unwrap_err();
        assert!(e.contains("duplicate field `raw_text_retention`"), "{e}");
    }

    #[test]
    fn retention_is_at_least_a_day() {
        let e = read("raw_text_retention = \"30m\"\n").unwrap_err();
        assert!(
            e.contains("raw_text_retention = \"30m\"") && e.contains("1d"),
            "{e}"
        );
        let e = read("raw_text_retention_days = 0\n").unwrap_err();
        assert!(e.contains("raw_text_retention"), "{e}");
        assert!(read("raw_text_retention = \"24h\"\n").is_ok());
    }
}
