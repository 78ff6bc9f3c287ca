//! `[room]` and `[privacy]`: what the room needs from websense's configuration file.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
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
    /// `websense run` serves the Room too (one process for everything on one machine).
    pub serve_with_run: bool,
    /// How often the overview's live spike list is recomputed while a page listens.
    pub live_interval_secs: u64,
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
            live_interval_secs: 30,
            serve_with_run: false,
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

/// `[privacy]`: one section for every command, owned by the collector's crate (it sets
/// `pseudonym_key_file` and `keep_author_handles`); the room reads `raw_text_retention_days`
/// and `author_vault`.
pub use websense_collect::PrivacyConfig;
pub use websense_trends::TrendsConfig;

/// What `websense serve` needs: the `[room]`, `[privacy]`, `[store]` and `[trends]` sections
/// and the matcher's lexicon directory, taken from websense's one configuration file (the
/// binary reads and resolves the file).
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub room: RoomConfig,
    pub privacy: PrivacyConfig,
    pub store: StoreConfig,
    /// The lexicon directory the matcher uses.
    pub lexicons: PathBuf,
    /// Spike detection and emerging terms (`websense-trends`).
    pub trends: TrendsConfig,
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
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.room.validate()?;
        self.privacy.validate().map_err(|e| ConfigError::Setting {
            section: "privacy",
            message: e.to_string(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<RoomConfig, String> {
        toml::from_str::<RoomConfig>(s)
            .map_err(|e| e.to_string())
            .and_then(|c| c.validate().map(|_| c).map_err(|e| e.to_string()))
    }

    #[test]
    fn reads_a_full_section() {
        let c = parse(
            "listen = \"0.0.0.0:9000\"\nsource_status_file = \"state/status.json\"\n\
             [webhook]\nurl = \"https://hook.example.nl/in\"\nsecret = \"geheim\"\n",
        )
        .unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(
            c.source_status_file,
            Some(PathBuf::from("state/status.json"))
        );
        let w = c.webhook.as_ref().unwrap();
        assert_eq!(w.max_attempts, 10);
        assert!(!format!("{w:?}").contains("geheim"));
    }

    #[test]
    fn typos_and_bad_values_are_named() {
        let e = parse("lissen = \"x\"\n").unwrap_err();
        assert!(e.contains("lissen"), "{e}");
        let e = parse("listen = \"localhost\"\n").unwrap_err();
        assert!(e.contains("listen"), "{e}");
        let e = parse("[webhook]\nurl = \"ftp://x\"\n").unwrap_err();
        assert!(e.contains("webhook.url"), "{e}");
        let privacy = PrivacyConfig {
            raw_text_retention_days: 0,
            ..PrivacyConfig::default()
        };
        let e = privacy.validate().unwrap_err().to_string();
        assert!(e.contains("raw_text_retention_days"), "{e}");
    }
}
