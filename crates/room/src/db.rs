//! The room database: accounts, sessions, the audit log and lexicon versions, next to the
//! signals tables of `websense-signals`, in one SQLite file.

use crate::error::ApiError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use websense_signals::db as signals_db;
use websense_signals::SharedConnection;

const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "accounts, sessions, append-only audit log, lexicon versions",
        r#"
CREATE TABLE accounts (
    name TEXT PRIMARY KEY NOT NULL,
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (name),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_ms);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    roles TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    reason TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_actor ON audit_log (actor, at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE lexicon_versions (
    version TEXT PRIMARY KEY NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    categories INTEGER NOT NULL,
    terms INTEGER NOT NULL
);
"#,
    ),
    (
        2,
        "lexicon versions saved from the Room, rejected term suggestions",
        r#"
CREATE TABLE lexicon_saves (
    version TEXT PRIMARY KEY NOT NULL,
    saved_ms INTEGER NOT NULL,
    saved_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    previous_version TEXT,
    files TEXT NOT NULL
);
CREATE TABLE rejected_terms (
    term TEXT PRIMARY KEY NOT NULL,
    rejected_ms INTEGER NOT NULL,
    rejected_by TEXT NOT NULL,
    reason TEXT
);
"#,
    ),
];

/// Why the room database cannot be opened.
#[derive(Debug, thiserror::Error)]
#[error("room database {path}: {message}")]
pub struct OpenError {
    pub path: String,
    pub message: String,
}

/// The room database. Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct RoomDb {
    conn: SharedConnection,
    path: PathBuf,
}

impl RoomDb {
    /// Open or create the database (and its directory) and bring its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<RoomDb, OpenError> {
        let path = path.as_ref().to_path_buf();
        let fail = |message: String| OpenError {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
        }
        let mut conn = signals_db::open_database(&path).map_err(|e| fail(e.to_string()))?;
        signals_db::migrate(&mut conn).map_err(|e| fail(e.to_string()))?;
        signals_db::apply_migrations(&mut conn, "room", MIGRATIONS)
            .map_err(|e| fail(e.to_string()))?;
        Ok(RoomDb {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The shared connection (for the webhook worker).
    pub fn connection(&self) -> SharedConnection {
        self.conn.clone()
    }

    /// Run `f` on the connection, here and now (CLI, tests).
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Run `f` on the connection on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| ApiError::internal("room database task failed", e))?
    }
}
