//! `[room]` and `[privacy]`: what the room needs from websense's configuration file.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use websense_model::legacy_duration;
use websense_signals::{CandidateRules, WebhookConfig};
use websense_store::StoreConfig;

const DAY: u64 = 86_400;

// Durations are text (`"8h"`); the old keys (`token_ttl_minutes = 480`) are read for one
// release, in their old unit, with a deprecation notice.
legacy_duration!(token_ttl, "room", "token_ttl", "token_ttl_minutes", Minutes);
legacy_duration!(
    scan_interval,
    "room",
    "scan_interval",
    "scan_interval_secs",
    Seconds
);
legacy_duration!(
    live_interval,
    "room",
    "live_interval",
    "live_interval_secs",
    Seconds
);
legacy_duration!(
    evaluate_max_range,
    "room",
    "evaluate_max_range",
    "evaluate_max_days",
    Days
);
legacy_duration!(max_range, "room", "max_range", "max_range_days", Days);
legacy_duration!(
    request_deadline,
    "room",
    "request_deadline",
    "request_deadline_secs",
    Seconds
);
legacy_duration!(
    queue_wait,
    "room.login",
    "queue_wait",
    "queue_wait_secs",
    Seconds
);
legacy_duration!(
    max_delay,
    "room.login",
    "max_delay",
    "max_delay_secs",
    Seconds
);
legacy_duration!(
    forget_after,
    "room.login",
    "forget_after",
    "forget_after_minutes",
    Minutes
);

/// Whole days in `d` (the API's ranges and evaluations count days).
pub fn whole_days(d: Duration) -> u64 {
    d.as_secs() / DAY
}

/// `[room]`: the API server, its database and its workers.
///
/// ```toml
/// [room]
/// listen = "127.0.0.1:8080"
/// database = "./data/room.db"
/// token_ttl = "8h"
/// source_status_file = "./state/status.json"
/// audit_head_file = "/var/log/websense/audit-head.json"
/// four_eyes = true
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
    #[serde(
        alias = "token_ttl_minutes",
        deserialize_with = "token_ttl",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub token_ttl: Duration,
    /// Mark the session cookie `Secure` (sent over HTTPS only). Switch off only for local use
    /// over plain HTTP.
    pub cookie_secure: bool,
    /// Where the collector writes its per-source status (`STATE_DIR/status.json`).
    pub source_status_file: Option<PathBuf>,
    /// Where confirmed signals are pushed; none: they are only exported.
    pub webhook: Option<WebhookConfig>,
    /// Which flagged items become signal candidates.
    pub candidates: CandidateRules,
    /// How often new items and spikes are scanned for candidates (`"0s"`: only on request).
    #[serde(
        alias = "scan_interval_secs",
        deserialize_with = "scan_interval",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub scan_interval: Duration,
    /// `websense run` serves the Room too (one process for everything on one machine).
    pub serve_with_run: bool,
    /// How often the overview's live spike list is recomputed while a page listens (at
    /// most once a second).
    #[serde(
        alias = "live_interval_secs",
        deserialize_with = "live_interval",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub live_interval: Duration,
    /// The curator's draft evaluation reads at most this far back, in whole days (`"90d"`) ...
    #[serde(
        alias = "evaluate_max_days",
        deserialize_with = "evaluate_max_range",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub evaluate_max_range: Duration,
    /// ... and at most this many items (the answer says when it stopped early).
    pub evaluate_max_items: usize,
    /// Test-only: each page of a draft evaluation takes at least this many milliseconds,
    /// in pages of 10 items, so that page tests can watch its progress and cancel it.
    /// 0 (the default) in production.
    pub evaluate_test_pace_ms: u64,
    /// Argon2id cost for new password hashes (existing hashes keep their own).
    pub password_hash: PasswordHashCost,
    /// How many password checks run at once, how many logins wait, and how failed logins
    /// are slowed down.
    pub login: LoginConfig,
    /// The longest range the API analyses in one request (series, totals, rising and
    /// emerging terms, spikes): longer ones are refused with 400, since the work grows with
    /// the range. Whole days count (`"366d"`).
    #[serde(
        alias = "max_range_days",
        deserialize_with = "max_range",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub max_range: Duration,
    /// A read (`GET`, `HEAD`) that has not answered after this long gets 503 instead.
    #[serde(
        alias = "request_deadline_secs",
        deserialize_with = "request_deadline",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub request_deadline: Duration,
    /// Where the audit log's chain head (latest row id and hash) is written after every
    /// write, so a deleted tail or a rewritten chain is detected. Put it where the room can
    /// write but whoever could edit the room database cannot (another volume, a log shipper).
    pub audit_head_file: Option<PathBuf>,
    /// Verify the audit log's hash chain at start and refuse to start when it is broken. Set
    /// to false only to start a room whose log is known broken (kept as evidence): it then
    /// starts with an error in its log, and `websense audit verify` keeps failing.
    pub audit_verify_at_start: bool,
    /// Four-eyes author resolution: the admin who resolves a signal's author must not be the
    /// analyst who confirmed it (one account holding both roles cannot do both).
    pub four_eyes: bool,
    /// Origins (`https://room.example.nl`) besides the request's own `Host` whose pages may
    /// send the API's POSTs: needed only behind a proxy that rewrites `Host`.
    pub allowed_origins: Vec<String>,
    /// The `[region]` section (a section of its own in the file, not a key of `[room]`):
    /// the binary copies it here.
    #[serde(skip)]
    pub region: crate::region::RegionConfig,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            listen: "127.0.0.1:8080".into(),
            database: PathBuf::from("./data/room.db"),
            token_ttl: Duration::from_secs(8 * 3600),
            cookie_secure: true,
            source_status_file: None,
            webhook: None,
            candidates: CandidateRules::default(),
            scan_interval: Duration::from_secs(300),
            live_interval: Duration::from_secs(30),
            serve_with_run: false,
            evaluate_max_range: Duration::from_secs(90 * DAY),
            evaluate_max_items: 10_000_000,
            evaluate_test_pace_ms: 0,
            password_hash: PasswordHashCost::default(),
            login: LoginConfig::default(),
            max_range: Duration::from_secs(366 * DAY),
            request_deadline: Duration::from_secs(30),
            audit_head_file: None,
            audit_verify_at_start: true,
            four_eyes: false,
            allowed_origins: Vec::new(),
            region: Default::default(),
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

/// `[room.login]`: bounds on the work and memory logins may take, and the failed-login
/// throttle (see `docs/privacy.md`).
///
/// ```toml
/// [room.login]
/// concurrency = 4
/// queue = 32
/// queue_wait = "5s"
/// free_failures = 5
/// address_free_failures = 20
/// max_delay = "60s"
/// forget_after = "15m"
/// trusted_proxies = ["127.0.0.1"]
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// Password checks at once. Each holds `password_hash.memory_kib` of memory, reserved
    /// when the room opens and reused: the room never holds more for logins.
    pub concurrency: usize,
    /// Logins that may wait for a check; beyond that a login is answered 503 with
    /// `Retry-After` at once.
    pub queue: usize,
    /// The longest a login waits for a check before it is answered 503.
    #[serde(
        alias = "queue_wait_secs",
        deserialize_with = "queue_wait",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub queue_wait: Duration,
    /// Failed logins for one name from one address before each further try must wait: 1 s,
    /// then twice as long after every failure, up to `max_delay` (answered 429 with
    /// `Retry-After`). Nobody is locked out: the owner's own address is not slowed by
    /// failures from other addresses.
    pub free_failures: u32,
    /// The same for all names from one address (guessing many names, or unknown ones).
    pub address_free_failures: u32,
    #[serde(
        alias = "max_delay_secs",
        deserialize_with = "max_delay",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub max_delay: Duration,
    /// Failures are forgotten this long after the last one.
    #[serde(
        alias = "forget_after_minutes",
        deserialize_with = "forget_after",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub forget_after: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client. Empty: the peer address of
    /// the connection is the client (right when nothing sits in front, or when the proxy
    /// is the only client and should be throttled as one).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            concurrency: 4,
            queue: 32,
            queue_wait: Duration::from_secs(5),
            free_failures: 5,
            address_free_failures: 20,
            max_delay: Duration::from_secs(60),
            forget_after: Duration::from_secs(15 * 60),
            trusted_proxies: Vec::new(),
        }
    }
}

/// `[privacy]`: one section for every command, its type shared through `websense_model` (the
/// collector reads `pseudonym_key_file` and `keep_author_handles`); the room reads
/// `raw_text_retention` and `author_vault`.
pub use websense_model::PrivacyConfig;
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
        self.privacy
            .validate()
            .map_err(|message| ConfigError::Setting {
                section: "privacy",
                message,
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
        if self.token_ttl < Duration::from_secs(60) {
            return bad("token_ttl must be at least 1m".into());
        }
        if whole_days(self.evaluate_max_range) == 0 || self.evaluate_max_items == 0 {
            return bad(
                "evaluate_max_range must be at least 1d and evaluate_max_items at least 1".into(),
            );
        }
        if whole_days(self.max_range) == 0 {
            return bad("max_range must be at least 1d".into());
        }
        if self.request_deadline < Duration::from_secs(1) {
            return bad("request_deadline must be at least 1s".into());
        }
        for origin in &self.allowed_origins {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.trim_end_matches('/').contains('/')) {
                return bad(format!(
                    "allowed_origins: {origin:?} is not an origin like https://room.example.nl"
                ));
            }
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
        let l = &self.login;
        if l.concurrency == 0 || l.concurrency > 256 {
            return bad(format!(
                "login.concurrency {} must be 1 to 256 (each check holds password_hash.memory_kib)",
                l.concurrency
            ));
        }
        if [l.queue_wait, l.max_delay, l.forget_after]
            .iter()
            .any(|d| *d < Duration::from_secs(1))
        {
            return bad("login.queue_wait, max_delay and forget_after must be at least 1s".into());
        }
        if l.free_failures == 0 || l.address_free_failures == 0 {
            return bad("login.free_failures and address_free_failures must be at least 1".into());
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
    use websense_model::duration::take_deprecations;

    const MS: Duration = Duration::from_millis(1);
    const SEC: Duration = Duration::from_secs(1);
    const MIN: Duration = Duration::from_secs(60);
    const DAY_D: Duration = Duration::from_secs(DAY);

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
        let e = parse("[login]\nconcurrency = 0\n").unwrap_err();
        assert!(e.contains("login.concurrency"), "{e}");
        let e = parse("[login]\nfree_failures = 0\n").unwrap_err();
        assert!(e.contains("free_failures"), "{e}");
        let e = parse("[login]\ntrusted_proxies = [\"proxy\"]\n").unwrap_err();
        assert!(e.contains("trusted_proxies"), "{e}");
        let privacy = PrivacyConfig {
            raw_text_retention: Duration::from_secs(3600),
            ..PrivacyConfig::default()
        };
        let e = privacy.validate().unwrap_err().to_string();
        assert!(e.contains("raw_text_retention"), "{e}");
    }

    /// Every duration of `[room]`, `[room.login]` and `[room.webhook]`: the new key reads, the
    /// old one reads in its old unit with a notice naming the new key and value, and both
    /// at once are an error.
    #[test]
    fn duration_keys_read_new_and_old_spellings() {
        type Get = fn(&RoomConfig) -> Duration;
        let webhook = "[webhook]\nurl = \"https://hook.example.nl/in\"\n";
        let cases: [(&str, &str, &str, Get, Duration); 12] = [
            (
                "",
                "token_ttl_minutes = 90",
                "token_ttl = \"90m\"",
                |c| c.token_ttl,
                90 * MIN,
            ),
            (
                "",
                "scan_interval_secs = 0",
                "scan_interval = \"0s\"",
                |c| c.scan_interval,
                Duration::ZERO,
            ),
            (
                "",
                "live_interval_secs = 15",
                "live_interval = \"15s\"",
                |c| c.live_interval,
                15 * SEC,
            ),
            (
                "",
                "evaluate_max_days = 7",
                "evaluate_max_range = \"7d\"",
                |c| c.evaluate_max_range,
                7 * DAY_D,
            ),
            (
                "",
                "max_range_days = 400",
                "max_range = \"400d\"",
                |c| c.max_range,
                400 * DAY_D,
            ),
            (
                "",
                "request_deadline_secs = 120",
                "request_deadline = \"2m\"",
                |c| c.request_deadline,
                120 * SEC,
            ),
            (
                "[login]\n",
                "queue_wait_secs = 3",
                "queue_wait = \"3s\"",
                |c| c.login.queue_wait,
                3 * SEC,
            ),
            (
                "[login]\n",
                "max_delay_secs = 120",
                "max_delay = \"2m\"",
                |c| c.login.max_delay,
                120 * SEC,
            ),
            (
                "[login]\n",
                "forget_after_minutes = 60",
                "forget_after = \"1h\"",
                |c| c.login.forget_after,
                60 * MIN,
            ),
            (
                webhook,
                "base_delay_ms = 1500",
                "base_delay = \"1500ms\"",
                |c| c.webhook.as_ref().unwrap().base_delay,
                1500 * MS,
            ),
            (
                webhook,
                "max_delay_ms = 60000",
                "max_delay = \"1m\"",
                |c| c.webhook.as_ref().unwrap().max_delay,
                60 * SEC,
            ),
            (
                webhook,
                "timeout_ms = 2000",
                "timeout = \"2s\"",
                |c| c.webhook.as_ref().unwrap().timeout,
                2 * SEC,
            ),
        ];
        for (table, old, new, get, want) in cases {
            take_deprecations();
            let c = parse(&format!("{table}{new}\n")).unwrap_or_else(|e| panic!("{new}: {e}"));
            assert_eq!(get(&c), want, "{new}");
            assert!(take_deprecations().is_empty(), "{new}");
            let c = parse(&format!("{table}{old}\n")).unwrap_or_else(|e| panic!("{old}: {e}"));
            assert_eq!(get(&c), want, "{old}");
            let notices = take_deprecations();
            assert!(
                notices.len() == 1
                    && notices[0].contains(&format!("`{old}`"))
                    && notices[0].contains(&format!("write `{new}`")),
                "{old}: {notices:?}"
            );
            let e = parse(&format!("{table}{new}\n{old}\n")).unwrap_err();
            assert!(e.contains("duplicate field"), "{old} and {new}: {e}");
        }
        let d = RoomConfig::default();
        assert_eq!(
            (
                d.token_ttl,
                d.scan_interval,
                d.live_interval,
                d.request_deadline
            ),
            (8 * 60 * MIN, 5 * MIN, 30 * SEC, 30 * SEC)
        );
        assert_eq!(
            (d.evaluate_max_range, d.max_range),
            (90 * DAY_D, 366 * DAY_D)
        );
        let l = d.login;
        assert_eq!(
            (l.queue_wait, l.max_delay, l.forget_after),
            (5 * SEC, 60 * SEC, 15 * MIN)
        );
        let e = parse("token_ttl = \"30s\"\n").unwrap_err();
        assert!(e.contains("token_ttl must be at least 1m"), "{e}");
        let e = parse("max_range = \"12h\"\n").unwrap_err();
        assert!(e.contains("max_range must be at least 1d"), "{e}");
    }
}
