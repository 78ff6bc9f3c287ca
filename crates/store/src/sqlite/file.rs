//! What every SQLite file websense creates gets, whoever owns its schema: the embedded store
//! (`websense.db`), the room database (`room.db`) and the author vault.
//!
//! * **Owner-only files.** [`prepare`] creates the file with mode 0600 before SQLite opens it
//!   (SQLite gives its `-wal` and `-shm` files the database file's mode), and tightens an
//!   existing file, `-wal` or `-shm` that others may read, with a warning. The files hold post
//!   text, pseudonyms and the audit log.
//! * **A damaged file is named at start.** [`check`] runs `PRAGMA quick_check`, so a torn or
//!   overwritten page stops the process with the file's name and what to do, instead of
//!   failing later, request by request (logins with 500).
//! * **Deleted means gone from the file.** [`configure`] switches on `secure_delete` (freed
//!   cells and pages are overwritten with zeros) and incremental auto-vacuum; [`reclaim`],
//!   called after every purge, checkpoints the WAL and truncates it to nothing (the WAL holds
//!   the old page images until then) and returns free pages to the file system. A file made
//!   before incremental auto-vacuum is rebuilt once with `VACUUM` ([`enable_auto_vacuum`]).
//! * **A bounded WAL.** [`configure`] checkpoints once the WAL holds half of `wal_max_bytes`
//!   and truncates it back to that half after each checkpoint: a WAL stays below
//!   `wal_max_bytes` plus one transaction, as long as no reader keeps a snapshot open for
//!   the whole time (a checkpoint cannot pass a reader's snapshot).
//!
//! Hand-written rather than a crate: it is a handful of pragmas and one `chmod`, and the
//! connection pools and migrations stay with their owners.

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The default bound on a WAL file (`[store] wal_max_bytes`): 32 MiB.
pub const DEFAULT_WAL_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The smallest bound accepted: below it, checkpoints would run after nearly every write.
pub const MIN_WAL_MAX_BYTES: u64 = 1024 * 1024;

/// The file and its two companions SQLite creates next to it in WAL mode.
pub fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

/// Create the database file (and its directory) readable by its owner only, or tighten an
/// existing one, its `-wal` and its `-shm`. Call before SQLite opens the file.
pub fn prepare(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        // An empty file is a valid new database to SQLite.
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    }
    for file in companions(path) {
        owner_only(&file)?;
    }
    Ok(())
}

/// Take group and other permissions off `path` if it exists, with a warning when there were
/// any. For the pseudonym key too.
pub fn owner_only(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("cannot read the mode of {}: {e}", path.display())),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700)).map_err(
                |e| {
                    format!(
                        "{} can be read by others (mode {mode:o}) and cannot be made private: {e}",
                        path.display()
                    )
                },
            )?;
            tracing::warn!(
                path = %path.display(),
                was = format!("{mode:o}"),
                now = format!("{:o}", mode & 0o700),
                "file could be read by other users; made readable by its owner only"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Is this error SQLite saying the file is damaged (or not a database at all)?
pub fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// The message for a damaged file: its name, SQLite's findings, and what to do.
pub fn damaged(path: &Path, findings: &str) -> String {
    format!(
        "{} is damaged ({findings}); websense does not start on a damaged database. Stop every \
         process using it, keep a copy of the file, and restore the last backup (deploy/operations.md, \
         \"Backups\" and \"A damaged database\")",
        path.display()
    )
}

/// `PRAGMA quick_check`: `Ok` when SQLite finds the file sound, else an error naming it.
pub fn check(conn: &Connection, path: &Path) -> Result<(), String> {
    let findings = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .map_err(|e| damaged(path, &e.to_string()))?;
    if findings.len() == 1 && findings[0] == "ok" {
        return Ok(());
    }
    Err(damaged(path, &findings.join("; ")))
}

/// The pragmas of every websense database connection that writes: WAL, `synchronous =
/// FULL`, `secure_delete`, and a WAL bounded by `wal_max_bytes`. Incremental auto-vacuum is
/// set here for a new file (it only takes effect before the first table exists); see
/// [`enable_auto_vacuum`] for older files.
pub fn configure(conn: &Connection, wal_max_bytes: u64) -> rusqlite::Result<()> {
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    bound_wal(conn, wal_max_bytes)
}

/// Checkpoint at half of `wal_max_bytes`, and truncate the WAL to that half after each.
pub fn bound_wal(conn: &Connection, wal_max_bytes: u64) -> rusqlite::Result<()> {
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let half = (wal_max_bytes / 2).min(i64::MAX as u64) as i64;
    // Each page in the WAL carries a 24-byte frame header.
    let frame = page_size.max(512) + 24;
    conn.pragma_update(None, "wal_autocheckpoint", (half / frame).max(16))?;
    // `pragma_update` would expect no row back; this pragma answers with its new value.
    conn.query_row(&format!("PRAGMA journal_size_limit = {half}"), [], |_| {
        Ok(())
    })?;
    Ok(())
}

/// Switch a file made without incremental auto-vacuum over to it: one `VACUUM`, which
/// rewrites the whole file (and needs its size again in free disk space for a moment).
/// Returns whether it had to.
pub fn enable_auto_vacuum(conn: &Connection, path: &Path) -> rusqlite::Result<bool> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode == 2 {
        return Ok(false);
    }
    tracing::warn!(
        path = %path.display(),
        "rebuilding the database once (VACUUM) so that purged text leaves the file; this takes a while on a large file"
    );
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    conn.execute_batch("VACUUM")?;
    reclaim(conn)?;
    Ok(true)
}

/// After a purge: move every change into the database file, empty the WAL (it still holds
/// the purged text in its old page images), and hand free pages back to the file system.
/// Readers that hold a snapshot keep the WAL from emptying; the next purge finishes it.
pub fn reclaim(conn: &Connection) -> rusqlite::Result<()> {
    checkpoint(conn)?;
    // It frees one page per row it steps over: every row must be read.
    let mut vacuum = conn.prepare("PRAGMA incremental_vacuum")?;
    let mut pages = vacuum.query([])?;
    while pages.next()?.is_some() {}
    drop(pages);
    drop(vacuum);
    checkpoint(conn)
}

fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        tracing::warn!(
            "WAL checkpoint after a purge was blocked by a reader; the next one finishes it"
        );
    }
    Ok(())
}
