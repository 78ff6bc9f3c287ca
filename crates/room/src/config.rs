//! `[room]` and `[privacy]`: what the room needs from websense's configuration file.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use websense_signals::{CandidateRules, WebhookConfig};
use websense_store::StoreConfig;

/// `[room]`: the API server, its database and its workers.
///
/// ```toml
/// [room]
/// listen = "127.0.0.1:8080"
/// database = "./data/room.db"
/// token_ttl_minutes = 480
/// source_status_file = "./state/status.json"
///
/// [room.webhook]
/// url = "https://casustafel.example.nl/websense"
/// secret = "..."
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoomConfig {
    /// Address and port to listen on. Put a TLS-terminating proxy in front for anything but
    /// localhost.
    pub listen: String,
    /// The room database (accounts, sessions, audit log, signals, deliveries). SQLite in every
    /// deployment.
    pub database: PathBuf,
    /// How long a login lasts.
    pub token_ttl_minutes: u32,
    /// Mark the session cookie `Secure` (sent over HTTPS only). Switch off only for local use
    /// over plain HTTP.
    pub cookie_secure: bool,
    /// Where the collector writes its per-source status (`STATE_DIR/status.json`).
    pub source_status_file: Option<PathBuf>,
    /// Where confirmed signals are pushed; none: they are only exported.
    pub webhook: Option<WebhookConfig>,
    /// Which flagged items become signal candidates.
    pub candidates: CandidateRules,
    /// How often new items and spikes are scanned for candidates (0: only on request).
    pub scan_interval_secs: u64,
    /// The curator's draft evaluation reads at most this many days back ...
    pub evaluate_max_days: u32,
    /// ... and at most this many items (the answer says when it stopped early).
    pub evaluate_max_items: usize,
    /// Argon2id cost for new password hashes (existing hashes keep their own).
    pub password_hash: PasswordHashCost,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            listen: "127.0.0.1:8080".into(),
            database: PathBuf::from("./data/room.db"),
            token_ttl_minutes: 8 * 60,
            cookie_secure: true,
            source_status_file: None,
            webhook: None,
            candidates: CandidateRules::default(),
            scan_interval_secs: 300,
            evaluate_max_days: 90,
            evaluate_max_items: 200_000,
            password_hash: PasswordHashCost::default(),
        }
    }
}

/// Argon2id parameters. The defaults are OWASP's minimum for Argon2id (19 MiB, 2 passes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasswordHashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordHashCost {
    fn default() -> Self {
        PasswordHashCost {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// `[privacy]`, the room's part: how long raw text stays, and whether authors can be
/// resolved. The collector's settings of the same section (`pseudonym_key_file`,
/// `keep_author_handles`) are accepted here too, so one `[privacy]` section serves both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Title, text, author, url, links and raw metadata of items are purged this many days
    /// after the item's event time; matches, scores and trend counts stay.
    pub raw_text_retention_days: u32,
    /// The author resolution vault (a separate file, never the main database). None: no
    /// author can ever be resolved.
    pub author_vault: Option<PathBuf>,
    /// The collector's: the secret behind pseudonyms.
    pub pseudonym_key_file: Option<PathBuf>,
    /// The collector's: keep raw handles in the store (off; the room never shows them).
    pub keep_author_handles: bool,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            raw_text_retention_days: 30,
            author_vault: None,
            pseudonym_key_file: None,
            keep_author_handles: false,
        }
    }
}

/// The file `websense serve --config FILE` reads: `[room]`, `[privacy]`, `[store]`,
/// `[trends]` and `lexicons = "DIR"`. Other top-level sections (`[collect]`, `[[sources]]`) are left to
/// their own readers, so the same file serves every command.
#[derive(Clone, Debug, Deserialize)]
pub struct ServeConfig {
    #[serde(default)]
    pub room: RoomConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
    #[serde(default)]
    pub store: StoreConfig,
    /// The lexicon directory the matcher uses.
    pub lexicons: PathBuf,
    /// Spike detection and emerging terms (`websense-trends`).
    #[serde(default)]
    pub trends: websense_trends::TrendsConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Parse { path: String, message: String },
    #[error("[{section}] {message}")]
    Setting {
        section: &'static str,
        message: String,
    },
}

impl ServeConfig {
    /// Read and check a configuration file. Relative paths are relative to the file.
    pub fn load(path: &Path) -> Result<ServeConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut config: ServeConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if let Some(base) = path.parent() {
            config.resolve_paths(base);
        }
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.lexicons);
        fix(&mut self.room.database);
        if let Some(p) = &mut self.room.source_status_file {
            fix(p);
        }
        if let Some(p) = &mut self.privacy.author_vault {
            fix(p);
        }
        if let Some(p) = &mut self.privacy.pseudonym_key_file {
            fix(p);
        }
        if let StoreConfig::Embedded(e) = &mut self.store {
            fix(&mut e.path);
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.room.validate()?;
        self.privacy.validate()
    }
}

impl RoomConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |message: String| {
            Err(ConfigError::Setting {
                section: "room",
                message,
            })
        };
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad(format!(
                "listen {:?} is not an address:port like 127.0.0.1:8080",
                self.listen
            ));
        }
        if self.token_ttl_minutes == 0 {
            return bad("token_ttl_minutes must be at least 1".into());
        }
        if self.evaluate_max_days == 0 || self.evaluate_max_items == 0 {
            return bad("evaluate_max_days and evaluate_max_items must be at least 1".into());
        }
        if let Some(w) = &self.webhook {
            if let Err(m) = w.validate() {
                return bad(m);
            }
        }
        if let Some(min) = self.candidates.min_score {
            if !(min.is_finite() && min > 0.0) {
                return bad("candidates.min_score must be a number above 0".into());
            }
        }
        let c = self.password_hash;
        if argon2::Params::new(c.memory_kib, c.iterations, c.parallelism, None).is_err() {
            return bad(format!(
                "password_hash {c:?} are not valid Argon2 parameters"
            ));
        }
        Ok(())
    }
}

impl PrivacyConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.raw_text_retention_days == 0 {
            return Err(ConfigError::Setting {
                section: "privacy",
                message: "raw_text_retention_days must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_file_with_relative_paths_and_other_sections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("websense.toml");
        std::fs::write(
            &path,
            r#"
lexicons = "lexicons"
[collect]
user_agent = "x"
[store]
backend = "embedded"
path = "data/ws.db"
[privacy]
raw_text_retention_days = 14
author_vault = "vault/authors.db"
keep_author_handles = false
[room]
listen = "0.0.0.0:9000"
[room.webhook]
url = "https://hook.example.nl/in"
secret = "geheim"
"#,
        )
        .unwrap();
        let c = ServeConfig::load(&path).unwrap();
        assert_eq!(c.lexicons, dir.path().join("lexicons"));
        assert_eq!(c.room.database, dir.path().join("./data/room.db"));
        assert_eq!(c.privacy.raw_text_retention_days, 14);
        assert_eq!(
            c.privacy.author_vault,
            Some(dir.path().join("vault/authors.db"))
        );
        let w = c.room.webhook.as_ref().unwrap();
        assert_eq!(w.max_attempts, 10);
        assert!(!format!("{w:?}").contains("geheim"));
        let StoreConfig::Embedded(e) = &c.store else {
            panic!()
        };
        assert_eq!(e.path, dir.path().join("data/ws.db"));
    }

    #[test]
    fn typos_and_bad_values_are_named() {
        let parse = |s: &str| {
            toml::from_str::<ServeConfig>(s)
                .map_err(|e| e.to_string())
                .and_then(|c| c.validate().map_err(|e| e.to_string()))
        };
        let e = parse("lexicons = \"l\"\n[room]\nlissen = \"x\"\n").unwrap_err();
        assert!(e.contains("lissen"), "{e}");
        let e = parse("lexicons = \"l\"\n[room]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(e.contains("listen"), "{e}");
        let e = parse("lexicons = \"l\"\n[room.webhook]\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(e.contains("webhook.url"), "{e}");
        let e = parse("lexicons = \"l\"\n[privacy]\nraw_text_retention_days = 0\n").unwrap_err();
        assert!(e.contains("raw_text_retention_days"), "{e}");
        assert!(parse("[room]\n").unwrap_err().contains("lexicons"));
    }
}
