//! The room database: accounts, sessions, the audit log and lexicon versions, next to the
//! signals tables of `websense-signals`, in one SQLite file: created readable by its owner
//! only and checked with `PRAGMA quick_check` when opened (`websense_store::sqlite_file`), so
//! a damaged file stops the start with its name instead of failing logins with 500.

use crate::error::ApiError;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use websense_signals::db as signals_db;
use websense_signals::SharedConnection;
use websense_store::{sqlite_file, sqlite_migrate};

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
    (
        3,
        "hash-chained audit log, compact item ids",
        r#"
ALTER TABLE audit_log ADD COLUMN item_ids BLOB;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
-- Rows stay as written; the one update allowed is chaining a row written before the chain
-- (RoomDb::open does that once, right after this migration).
DROP TRIGGER audit_log_no_update;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN OLD.hash IS NOT NULL OR NEW.hash IS NULL OR NEW.prev_hash IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.at_ms IS NOT OLD.at_ms OR NEW.actor IS NOT OLD.actor
    OR NEW.roles IS NOT OLD.roles OR NEW.action IS NOT OLD.action
    OR NEW.target IS NOT OLD.target OR NEW.reason IS NOT OLD.reason
    OR NEW.detail IS NOT OLD.detail OR NEW.item_ids IS NOT OLD.item_ids
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_chained BEFORE INSERT ON audit_log
WHEN NEW.hash IS NULL OR NEW.prev_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'audit rows are hash-chained: write them through websense'); END;
"#,
    ),
    (
        4,
        "municipality scopes of accounts, per-account settings",
        r#"
-- The municipalities (CBS codes, comma-separated) whose posts an account may read; empty:
-- no scope (the role decides alone).
ALTER TABLE accounts ADD COLUMN municipalities TEXT NOT NULL DEFAULT '';
-- What a person chose and the pages remember (the municipality filter).
CREATE TABLE account_settings (
    account TEXT NOT NULL REFERENCES accounts (name),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (account, key)
);
"#,
    ),
];

/// Open (or create) a room database file: readable by its owner only, checked with `PRAGMA
/// quick_check` (a damaged file is an error naming it, at start rather than at the first
/// login), in WAL mode with a busy timeout, `secure_delete` (expired signals, links and
/// pseudonyms are overwritten, not left in free pages) and a bounded WAL
/// (`websense_store::sqlite_file`). Its directory is created when missing.
pub fn open_file(path: &Path) -> Result<Connection, String> {
    sqlite_file::prepare(path)?;
    let damage = |e: rusqlite::Error| {
        if sqlite_file::is_damage(&e) {
            sqlite_file::damaged(path, &e.to_string())
        } else {
            e.to_string()
        }
    };
    let conn = Connection::open(path).map_err(damage)?;
    sqlite_file::check(&conn, path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .and_then(|_| sqlite_file::configure(&conn, sqlite_file::DEFAULT_WAL_MAX_BYTES))
        .and_then(|_| conn.pragma_update(None, "foreign_keys", "ON"))
        .map_err(damage)?;
    Ok(conn)
}

/// Apply `component`'s migrations not applied yet, each once, in one transaction with its
/// version row. Several components (signals, room) share one `migrations` table. The runner
/// is the one of every websense SQLite file ([`sqlite_migrate`]).
pub fn apply_migrations(
    conn: &mut Connection,
    component: &str,
    migrations: &[(u32, &str, &str)],
) -> rusqlite::Result<u32> {
    sqlite_migrate::apply(
        conn,
        sqlite_migrate::Ledger::Component(component),
        migrations,
    )
}

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
    audit_head: Option<Arc<HeadExport>>,
}

/// Where the audit chain's head goes after every write, and the row last written there.
struct HeadExport {
    file: PathBuf,
    exported: AtomicI64,
}

impl HeadExport {
    /// Write the head file when the latest row changed. Called with the connection held, after
    /// the caller's work ended (committed or rolled back), so the file never names a row that
    /// a rollback took back.
    fn update(&self, conn: &Connection) {
        let head = match crate::audit::chain::head(conn) {
            Ok(Some(h)) => h,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the audit chain head");
                return;
            }
        };
        if self.exported.load(Ordering::Relaxed) == head.id {
            return;
        }
        match crate::audit::chain::write_head_file(&self.file, &head) {
            Ok(()) => self.exported.store(head.id, Ordering::Relaxed),
            Err(e) => tracing::error!(
                file = %self.file.display(), error = %e, "cannot write the audit head file"
            ),
        }
    }
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
        let mut conn = open_file(&path).map_err(|e| fail(e.to_string()))?;
        signals_db::migrate(&mut conn).map_err(|e| fail(e.to_string()))?;
        apply_migrations(&mut conn, "room", MIGRATIONS).map_err(|e| fail(e.to_string()))?;
        let chained =
            crate::audit::chain::chain_legacy_rows(&mut conn).map_err(|e| fail(e.to_string()))?;
        if chained > 0 {
            tracing::info!(
                rows = chained,
                "audit log: chained the rows written before the chain"
            );
        }
        // Files made before purges reclaimed their pages: rebuilt once.
        websense_store::sqlite_file::enable_auto_vacuum(&conn, &path)
            .map_err(|e| fail(e.to_string()))?;
        Ok(RoomDb {
            conn: Arc::new(Mutex::new(conn)),
            path,
            audit_head: None,
        })
    }

    /// Keep `file` holding the audit chain's head (latest row id and hash) from now on; it is
    /// written now and after every call that adds a row.
    pub fn export_audit_head(&mut self, file: impl Into<PathBuf>) {
        let export = Arc::new(HeadExport {
            file: file.into(),
            exported: AtomicI64::new(0),
        });
        export.update(&self.conn.lock().unwrap_or_else(|p| p.into_inner()));
        self.audit_head = Some(export);
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
        let out = f(&mut conn);
        if let Some(h) = &self.audit_head {
            h.update(&conn);
        }
        out
    }

    /// Run `f` on the connection on a blocking thread.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let conn = self.conn.clone();
        let head = self.audit_head.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            let out = f(&mut c);
            if let Some(h) = &head {
                h.update(&c);
            }
            out
        })
        .await
        .map_err(|e| ApiError::internal("room database task failed", e))?
    }
}
