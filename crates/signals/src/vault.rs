//! The author resolution vault: pseudonym -> handle, held apart from every other database.
//!
//! The store and the room database hold only keyed pseudonyms. For the rare lawful case that
//! the i2o needs to know who wrote a confirmed signal, a deployment may switch on a vault:
//! a separate SQLite file (created with mode 0600) into which the collector writes, for each
//! item with an author, `(pseudonym, source, handle, event time)`. An admin resolves a
//! confirmed signal's pseudonym through the room API, with a recorded reason, and only while
//! the signal's raw item is still retained; retention purges vault entries whose last event
//! is older than the raw-text retention age, in the same pass that purges raw text.
//!
//! The collector's side: open the vault once ([`AuthorVault::open`]) and hand it to the
//! collector as its [`HandleRecorder`], which calls [`AuthorVault::record`] for every item with
//! an author handle before the handle is dropped.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use websense_model::{HandleRecorder, Pseudonym, SourceId};
use websense_store::sqlite_file;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("author vault {path}: {message}")]
    Open { path: String, message: String },
    #[error("author vault: {0}")]
    Db(#[from] rusqlite::Error),
}

/// What the vault knows about a pseudonym.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VaultEntry {
    pub pseudonym: Pseudonym,
    pub source: SourceId,
    pub handle: String,
    /// The latest event time of an item by this author that the vault recorded.
    pub last_seen: DateTime<Utc>,
}

pub struct AuthorVault {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for AuthorVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorVault")
            .field("path", &self.path)
            .finish()
    }
}

impl AuthorVault {
    /// Open or create the vault file (mode 0600 on Unix; its directory is created).
    pub fn open(path: impl AsRef<Path>) -> Result<AuthorVault, VaultError> {
        let path = path.as_ref().to_path_buf();
        let fail = |message: String| VaultError::Open {
            path: path.display().to_string(),
            message,
        };
        sqlite_file::prepare(&path).map_err(fail)?;
        let conn = Connection::open(&path).map_err(|e| fail(e.to_string()))?;
        sqlite_file::check(&conn, &path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Forgotten handles are overwritten and leave the file (see `sqlite_file`).
        sqlite_file::configure(&conn, sqlite_file::DEFAULT_WAL_MAX_BYTES)?;
        sqlite_file::enable_auto_vacuum(&conn, &path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS authors (
                 pseudonym TEXT PRIMARY KEY NOT NULL,
                 source TEXT NOT NULL,
                 handle TEXT NOT NULL,
                 last_seen_ms INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS authors_last_seen ON authors (last_seen_ms);",
        )?;
        Ok(AuthorVault {
            path,
            conn: Mutex::new(conn),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remember who is behind `pseudonym`, seen in an item of `event_time`. Idempotent; the
    /// latest event time is kept.
    pub fn record(
        &self,
        source: &SourceId,
        pseudonym: &Pseudonym,
        handle: &str,
        event_time: DateTime<Utc>,
    ) -> Result<(), VaultError> {
        self.conn().execute(
            "INSERT INTO authors (pseudonym, source, handle, last_seen_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (pseudonym) DO UPDATE SET
                 handle = excluded.handle,
                 last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)",
            params![
                pseudonym.0,
                source.0,
                handle.trim(),
                event_time.timestamp_millis()
            ],
        )?;
        Ok(())
    }

    pub fn resolve(&self, pseudonym: &Pseudonym) -> Result<Option<VaultEntry>, VaultError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT source, handle, last_seen_ms FROM authors WHERE pseudonym = ?1",
                [&pseudonym.0],
                |r| {
                    Ok(VaultEntry {
                        pseudonym: pseudonym.clone(),
                        source: SourceId(r.get(0)?),
                        handle: r.get(1)?,
                        last_seen: DateTime::from_timestamp_millis(r.get(2)?).unwrap_or_default(),
                    })
                },
            )
            .optional()?)
    }

    /// Forget every author last seen before `cutoff` (raw-text retention). Returns how many.
    /// The rows are overwritten and the write-ahead log is checkpointed and truncated, so no
    /// copy of a forgotten handle stays in the files.
    pub fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, VaultError> {
        let conn = self.conn();
        let n = conn.execute(
            "DELETE FROM authors WHERE last_seen_ms < ?1",
            [cutoff.timestamp_millis()],
        )?;
        if n > 0 {
            sqlite_file::reclaim(&conn)?;
        }
        Ok(n as u64)
    }
}

impl HandleRecorder for AuthorVault {
    fn record(
        &self,
        source: &SourceId,
        pseudonym: &Pseudonym,
        handle: &str,
        event_time: DateTime<Utc>,
    ) -> Result<(), String> {
        AuthorVault::record(self, source, pseudonym, handle, event_time).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn records_resolves_and_expires_with_retention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault/authors.db");
        let vault = AuthorVault::open(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "vault readable by others: {mode:o}");
        }
        let t = |d| Utc.with_ymd_and_hms(2024, 3, d, 12, 0, 0).unwrap();
        let src = SourceId::new("mastodon");
        let (p1, p2) = (Pseudonym("p_1".into()), Pseudonym("p_2".into()));
        vault.record(&src, &p1, "@jan", t(10)).unwrap();
        vault.record(&src, &p1, "@jan", t(2)).unwrap();
        vault.record(&src, &p2, "@piet", t(3)).unwrap();
        let e = vault.resolve(&p1).unwrap().unwrap();
        assert_eq!((e.handle.as_str(), e.last_seen), ("@jan", t(10)));
        let files_hold = |needle: &[u8]| {
            std::fs::read_dir(path.parent().unwrap()).unwrap().any(|e| {
                let bytes = std::fs::read(e.unwrap().path()).unwrap();
                bytes.windows(needle.len()).any(|w| w == needle)
            })
        };
        assert!(files_hold(b"@piet"));
        assert_eq!(vault.purge_before(t(5)).unwrap(), 1);
        assert!(vault.resolve(&p2).unwrap().is_none());
        assert!(
            !files_hold(b"@piet"),
            "a forgotten handle is gone from the files"
        );
        assert!(files_hold(b"@jan"));
        assert!(vault.resolve(&p1).unwrap().is_some());
        drop(vault);
        let reopened = AuthorVault::open(&path).unwrap();
        assert!(reopened.resolve(&p1).unwrap().is_some());
    }

    #[test]
    fn records_through_the_collectors_seam() {
        let dir = tempfile::tempdir().unwrap();
        let vault = AuthorVault::open(dir.path().join("authors.db")).unwrap();
        let recorder: &dyn HandleRecorder = &vault;
        let p = Pseudonym("p_3".into());
        let seen = Utc.with_ymd_and_hms(2024, 3, 4, 5, 6, 7).unwrap();
        recorder
            .record(&SourceId::new("mastodon"), &p, " @an ", seen)
            .unwrap();
        let e = vault.resolve(&p).unwrap().unwrap();
        assert_eq!(
            (e.source.0.as_str(), e.handle.as_str(), e.last_seen),
            ("mastodon", "@an", seen)
        );
    }
}
