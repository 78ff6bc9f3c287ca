use crate::{ClickhouseStore, SqliteStore, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use websense_model::legacy_duration;

// Durations are text (`"730d"`, `"1s"`); the old keys are read for one release, in their old
// unit, with a deprecation notice.
legacy_duration!(option retention, "store", "retention", "retention_days", Days);
legacy_duration!(batch_wait, "store", "batch_wait", "batch_ms", Millis);

const DAY: Duration = Duration::from_secs(86_400);

/// The `[store]` section of the configuration: which backend keeps the items.
///
/// ```toml
/// [store]
/// backend = "embedded"            # the default
/// path = "./data/websense.db"
///
/// # or, for a ClickHouse server or cluster:
/// [store]
/// backend = "clickhouse"
/// url = "http://127.0.0.1:8123"
/// database = "websense"
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum StoreConfig {
    Embedded(EmbeddedConfig),
    Clickhouse(ClickhouseConfig),
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig::Embedded(EmbeddedConfig::default())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedConfig {
    #[serde(default = "default_path")]
    pub path: PathBuf,
    /// Drop whole months of items once they are all older than this (`"730d"`, whole days,
    /// at least one; none: keep).
    #[serde(
        default,
        alias = "retention_days",
        deserialize_with = "retention",
        serialize_with = "websense_model::duration::option_text::serialize"
    )]
    pub retention: Option<Duration>,
    /// Keep the write-ahead log (`websense.db-wal`) below about this many bytes: it is
    /// checkpointed at half of it and truncated back after each checkpoint. Default 32 MiB,
    /// at least 1 MiB. A WAL grows past it only while a reader holds one snapshot that long.
    #[serde(default = "default_wal_max_bytes")]
    pub wal_max_bytes: u64,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        EmbeddedConfig {
            path: default_path(),
            retention: None,
            wal_max_bytes: default_wal_max_bytes(),
        }
    }
}

fn default_wal_max_bytes() -> u64 {
    crate::sqlite_file::DEFAULT_WAL_MAX_BYTES
}

fn default_path() -> PathBuf {
    PathBuf::from("./data/websense.db")
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClickhouseConfig {
    #[serde(default = "default_url")]
    pub url: String,
    /// Letters, digits and `_` only.
    #[serde(default = "default_database")]
    pub database: String,
    #[serde(default = "default_user")]
    pub user: String,
    #[serde(default)]
    pub password: String,
    /// Flush once this many rows (items + hits + category scores) are waiting.
    #[serde(default = "default_batch_rows")]
    pub batch_rows: usize,
    /// Flush once the oldest waiting write has waited this long (`"1s"`).
    #[serde(
        default = "default_batch_wait",
        alias = "batch_ms",
        deserialize_with = "batch_wait",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub batch_wait: Duration,
    /// Writes wait (they are never dropped) while this many rows are waiting or in flight.
    #[serde(default = "default_max_pending_rows")]
    pub max_pending_rows: usize,
    /// Attempts per flush before its writes fail (the callers keep their batches and retry).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Drop whole months of items once they are all older than this (`"730d"`, whole days,
    /// at least one; none: keep).
    #[serde(
        default,
        alias = "retention_days",
        deserialize_with = "retention",
        serialize_with = "websense_model::duration::option_text::serialize"
    )]
    pub retention: Option<Duration>,
}

impl std::fmt::Debug for ClickhouseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickhouseConfig")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &"<secret>")
            .field("batch_rows", &self.batch_rows)
            .field("batch_wait", &self.batch_wait)
            .field("max_pending_rows", &self.max_pending_rows)
            .field("max_attempts", &self.max_attempts)
            .field("retention", &self.retention)
            .finish()
    }
}

impl Default for ClickhouseConfig {
    fn default() -> Self {
        ClickhouseConfig {
            url: default_url(),
            database: default_database(),
            user: default_user(),
            password: String::new(),
            batch_rows: default_batch_rows(),
            batch_wait: default_batch_wait(),
            max_pending_rows: default_max_pending_rows(),
            max_attempts: default_max_attempts(),
            retention: None,
        }
    }
}

fn default_url() -> String {
    "http://127.0.0.1:8123".into()
}
fn default_database() -> String {
    "websense".into()
}
fn default_user() -> String {
    "default".into()
}
fn default_batch_rows() -> usize {
    100_000
}
fn default_batch_wait() -> Duration {
    Duration::from_secs(1)
}
fn default_max_pending_rows() -> usize {
    400_000
}
fn default_max_attempts() -> u32 {
    8
}

impl StoreConfig {
    /// How long items are kept (none: for ever).
    pub fn retention(&self) -> Option<Duration> {
        match self {
            StoreConfig::Embedded(c) => c.retention,
            StoreConfig::Clickhouse(c) => c.retention,
        }
    }

    /// [`StoreConfig::retention`] in whole days, as the monthly drop counts it.
    pub fn retention_days(&self) -> Option<u32> {
        self.retention()
            .map(|d| u32::try_from(d.as_secs() / DAY.as_secs()).unwrap_or(u32::MAX))
    }

    /// Check the settings; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.retention().is_some_and(|d| d < DAY) {
            // `"30m"` written for `"30d"` would drop nearly everything.
            return Err("[store] retention must be at least 1d".into());
        }
        if let StoreConfig::Clickhouse(c) = self {
            if c.batch_wait.is_zero() {
                return Err("[store] batch_wait must be longer than zero".into());
            }
        }
        Ok(())
    }

    /// Open the configured store and bring its schema up to date. ClickHouse needs a Tokio
    /// runtime (its writer is a task).
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
        self.validate().map_err(StoreError::Config)?;
        let store: Arc<dyn Store> = match self {
            StoreConfig::Embedded(c) => {
                if c.wal_max_bytes < crate::sqlite_file::MIN_WAL_MAX_BYTES {
                    return Err(StoreError::Config(format!(
                        "[store] wal_max_bytes must be at least {} (1 MiB), not {}",
                        crate::sqlite_file::MIN_WAL_MAX_BYTES,
                        c.wal_max_bytes
                    )));
                }
                Arc::new(SqliteStore::open_with_wal_limit(&c.path, c.wal_max_bytes).await?)
            }
            StoreConfig::Clickhouse(c) => Arc::new(ClickhouseStore::connect(c.clone()).await?),
        };
        store.migrate().await?;
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        store: StoreConfig,
    }

    #[test]
    fn reads_both_backends_and_defaults_to_embedded() {
        let f: File = toml::from_str("").unwrap();
        assert_eq!(f.store, StoreConfig::default());
        let f: File =
            toml::from_str("[store]\nbackend = \"embedded\"\npath = \"/tmp/x.db\"\n").unwrap();
        assert_eq!(
            f.store,
            StoreConfig::Embedded(EmbeddedConfig {
                path: "/tmp/x.db".into(),
                retention: None,
                wal_max_bytes: 32 * 1024 * 1024,
            })
        );
        let f: File = toml::from_str(
            "[store]\nbackend = \"clickhouse\"\nurl = \"http://ch:8123\"\nretention_days = 90\npassword = \"pw\"\n",
        )
        .unwrap();
        let StoreConfig::Clickhouse(c) = &f.store else {
            panic!("not clickhouse: {:?}", f.store)
        };
        assert_eq!(c.url, "http://ch:8123");
        assert_eq!(c.database, "websense");
        assert_eq!(f.store.retention_days(), Some(90));
        assert!(!format!("{c:?}").contains("pw"));
        assert!(
            toml::from_str::<File>("[store]\nbackend = \"clickhouse\"\nurll = \"x\"\n").is_err()
        );
    }

    /// `retention` (both backends) and `batch_wait` read as text; the old keys in their
    /// units with a notice; both spellings at once are an error.
    #[test]
    fn durations_read_new_and_old_keys() {
        use websense_model::duration::take_deprecations;
        type Get = fn(&StoreConfig) -> Option<Duration>;
        let ch = "backend = \"clickhouse\"\n";
        let wait: Get = |c| match c {
            StoreConfig::Clickhouse(c) => Some(c.batch_wait),
            _ => None,
        };
        let cases: [(&str, &str, &str, Get, Duration); 3] = [
            (
                "backend = \"embedded\"\n",
                "retention_days = 90",
                "retention = \"90d\"",
                StoreConfig::retention,
                90 * DAY,
            ),
            (
                ch,
                "retention_days = 730",
                "retention = \"730d\"",
                StoreConfig::retention,
                730 * DAY,
            ),
            (
                ch,
                "batch_ms = 250",
                "batch_wait = \"250ms\"",
                wait,
                Duration::from_millis(250),
            ),
        ];
        let store = |text: String| -> Result<StoreConfig, String> {
            let f: File = toml::from_str(&format!("[store]\n{text}")).map_err(|e| e.to_string())?;
            f.store.validate().map(|_| f.store)
        };
        for (backend, old, new, get, want) in cases {
            take_deprecations();
            assert_eq!(
                get(&store(format!("{backend}{new}\n")).unwrap()),
                Some(want)
            );
            assert!(take_deprecations().is_empty(), "{new}");
            assert_eq!(
                get(&store(format!("{backend}{old}\n")).unwrap()),
                Some(want)
            );
            let notices = take_deprecations();
            assert!(
                notices.len() == 1
                    && notices[0].contains(&format!("[store] `{old}`"))
                    && notices[0].contains(&format!("write `{new}`")),
                "{notices:?}"
            );
            let e = store(format!("{backend}{new}\n{old}\n")).unwrap_err();
            assert!(e.contains("duplicate field"), "{e}");
        }
        let e = store(format!("{ch}retention = \"30m\"\n")).unwrap_err();
        assert!(e.contains("retention must be at least 1d"), "{e}");
        let StoreConfig::Clickhouse(c) = store(ch.into()).unwrap() else {
            panic!("not clickhouse")
        };
        assert_eq!(c.batch_wait, Duration::from_secs(1));
        assert_eq!(
            store(format!("{ch}retention = \"36h\"\n"))
                .unwrap()
                .retention_days(),
            Some(1)
        );
    }
}
