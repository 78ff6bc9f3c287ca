use crate::{ClickhouseStore, SqliteStore, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Drop whole months of items once they are all older than this many days (none: keep).
    #[serde(default)]
    pub retention_days: Option<u32>,
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
            retention_days: None,
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
    /// Flush once the oldest waiting write has waited this long.
    #[serde(default = "default_batch_ms")]
    pub batch_ms: u64,
    /// Writes wait (they are never dropped) while this many rows are waiting or in flight.
    #[serde(default = "default_max_pending_rows")]
    pub max_pending_rows: usize,
    /// Attempts per flush before its writes fail (the callers keep their batches and retry).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Drop whole months of items once they are all older than this many days (none: keep).
    #[serde(default)]
    pub retention_days: Option<u32>,
}

impl std::fmt::Debug for ClickhouseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickhouseConfig")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &"<secret>")
            .field("batch_rows", &self.batch_rows)
            .field("batch_ms", &self.batch_ms)
            .field("max_pending_rows", &self.max_pending_rows)
            .field("max_attempts", &self.max_attempts)
            .field("retention_days", &self.retention_days)
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
            batch_ms: default_batch_ms(),
            max_pending_rows: default_max_pending_rows(),
            max_attempts: default_max_attempts(),
            retention_days: None,
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
fn default_batch_ms() -> u64 {
    1000
}
fn default_max_pending_rows() -> usize {
    400_000
}
fn default_max_attempts() -> u32 {
    8
}

impl StoreConfig {
    pub fn retention_days(&self) -> Option<u32> {
        match self {
            StoreConfig::Embedded(c) => c.retention_days,
            StoreConfig::Clickhouse(c) => c.retention_days,
        }
    }

    /// Open the configured store and bring its schema up to date. ClickHouse needs a Tokio
    /// runtime (its writer is a task).
    pub async fn open(&self) -> Result<Arc<dyn Store>, StoreError> {
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
                retention_days: None,
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
}
