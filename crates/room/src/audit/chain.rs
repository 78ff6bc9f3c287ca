//! The audit log's hash chain: each row carries the SHA-256 of its own fields and of the row
//! before it, so a row rewritten, deleted or inserted with direct access to the file breaks
//! the chain at that row, and `websense audit verify` (and the room at start) names it.
//!
//! The triggers (see `db.rs`) stop the room's own code from rewriting the log; the chain is
//! what catches someone who drops them. Without a key, someone who can write the file can also
//! recompute every hash after a change: the optional head file (`[room] audit_head_file`,
//! the latest row's id and hash, rewritten after every write) is what catches that, and a
//! deleted tail, as long as it is kept where that person cannot write (another volume, a
//! log shipper, a backup).
//!
//! SHA-256 over a length-prefixed encoding of the fields (no separator can be forged) with
//! `sha2`, which the room already uses for session tokens; no chain crate fits a table we
//! already own.

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const DOMAIN: &[u8] = b"websense audit row v1\0";

/// A row's fields as stored, in the order they are hashed.
pub(crate) struct StoredRow<'a> {
    pub id: i64,
    pub at_ms: i64,
    pub actor: &'a str,
    pub roles: &'a str,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub detail: &'a str,
    pub item_ids: Option<&'a [u8]>,
    pub prev_hash: &'a str,
}

/// The hash a row carries: lowercase hex SHA-256.
pub(crate) fn row_hash(r: &StoredRow<'_>) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    let int = |h: &mut Sha256, v: i64| {
        h.update([b'i']);
        h.update(v.to_be_bytes());
    };
    let bytes = |h: &mut Sha256, tag: u8, v: Option<&[u8]>| match v {
        None => h.update([b'n']),
        Some(v) => {
            h.update([tag]);
            h.update((v.len() as u64).to_be_bytes());
            h.update(v);
        }
    };
    int(&mut h, r.id);
    int(&mut h, r.at_ms);
    bytes(&mut h, b't', Some(r.actor.as_bytes()));
    bytes(&mut h, b't', Some(r.roles.as_bytes()));
    bytes(&mut h, b't', Some(r.action.as_bytes()));
    bytes(&mut h, b't', r.target.map(str::as_bytes));
    bytes(&mut h, b't', r.reason.map(str::as_bytes));
    bytes(&mut h, b't', Some(r.detail.as_bytes()));
    bytes(&mut h, b'b', r.item_ids);
    bytes(&mut h, b't', Some(r.prev_hash.as_bytes()));
    hex::encode(h.finalize())
}

/// The latest row: what the head file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub id: i64,
    pub hash: String,
}

/// The id and hash the next row chains to: the latest row's, or none for an empty log.
pub(crate) fn last(conn: &Connection) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    conn.query_row(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The latest chained row, if any.
pub fn head(conn: &Connection) -> rusqlite::Result<Option<ChainHead>> {
    Ok(last(conn)?.and_then(|(id, hash)| hash.map(|hash| ChainHead { id, hash })))
}

/// Chain the rows written before the log was chained (the migration that added the columns
/// leaves them without a hash). Only rows older than every chained row qualify: an unchained
/// row after a chained one was written behind the room's back and is left for `verify` to
/// report. Returns how many rows were chained.
pub(crate) fn chain_legacy_rows(conn: &mut Connection) -> rusqlite::Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let first_chained: Option<i64> = tx.query_row(
        "SELECT MIN(id) FROM audit_log WHERE hash IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let mut prev = GENESIS.to_string();
    let mut chained = 0;
    {
        let mut select = tx.prepare(
            "SELECT id, at_ms, actor, roles, action, target, reason, detail, item_ids
             FROM audit_log WHERE hash IS NULL AND id < ?1 ORDER BY id",
        )?;
        let mut update =
            tx.prepare("UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3")?;
        let mut rows = select.query([first_chained.unwrap_or(i64::MAX)])?;
        while let Some(r) = rows.next()? {
            let (target, reason): (Option<String>, Option<String>) = (r.get(5)?, r.get(6)?);
            let item_ids: Option<Vec<u8>> = r.get(8)?;
            let id: i64 = r.get(0)?;
            let hash = row_hash(&StoredRow {
                id,
                at_ms: r.get(1)?,
                actor: &r.get::<_, String>(2)?,
                roles: &r.get::<_, String>(3)?,
                action: &r.get::<_, String>(4)?,
                target: target.as_deref(),
                reason: reason.as_deref(),
                detail: &r.get::<_, String>(7)?,
                item_ids: item_ids.as_deref(),
                prev_hash: &prev,
            });
            update.execute(params![prev, hash, id])?;
            prev = hash;
            chained += 1;
        }
    }
    tx.commit()?;
    Ok(chained)
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error(
        "audit log row {id} carries no hash: it was written outside websense (or the room has \
         not been started since the upgrade that chains the log)"
    )]
    Unchained { id: i64 },
    #[error(
        "audit log row {id} was changed after it was written: its fields no longer match its hash"
    )]
    Rewritten { id: i64 },
    #[error(
        "audit log row {id} does not follow {after}: a row before it was deleted, inserted or \
         rewritten"
    )]
    Broken { id: i64, after: String },
    #[error(
        "the audit head file {file} names row {head_id}, which is not in the log: the log's \
         tail (row {head_id} at least) was deleted"
    )]
    HeadMissing { file: String, head_id: i64 },
    #[error(
        "audit log row {head_id} differs from the one the head file {file} recorded: the log \
         was rewritten up to there"
    )]
    HeadMismatch { file: String, head_id: i64 },
    #[error(
        "audit log rows {first} to {last} come after the head file {file} (row {head_id}): they \
         were added outside the room, or the room stopped between writing a row and the head \
         file"
    )]
    AfterHead {
        file: String,
        head_id: i64,
        first: i64,
        last: i64,
    },
    #[error("audit head file {file}: {message}")]
    HeadFile { file: String, message: String },
    #[error("room database {path}: {message}")]
    Database { path: String, message: String },
}

impl ChainError {
    /// The id of the first row that breaks the chain, where one row does.
    pub fn row_id(&self) -> Option<i64> {
        match self {
            ChainError::Unchained { id }
            | ChainError::Rewritten { id }
            | ChainError::Broken { id, .. } => Some(*id),
            ChainError::HeadMissing { head_id, .. } | ChainError::HeadMismatch { head_id, .. } => {
                Some(*head_id)
            }
            ChainError::AfterHead { first, .. } => Some(*first),
            ChainError::HeadFile { .. } | ChainError::Database { .. } => None,
        }
    }
}

/// What a successful verification saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub rows: u64,
    pub head: Option<ChainHead>,
    /// The head file that was compared against, when one is configured.
    pub head_file: Option<PathBuf>,
}

fn db_error(e: rusqlite::Error) -> ChainError {
    ChainError::Database {
        path: String::new(),
        message: e.to_string(),
    }
}

/// Walk the whole log in id order and check every row's hash and link; then compare the
/// latest row with the head file, when one is given and exists.
pub fn verify(conn: &Connection, head_file: Option<&Path>) -> Result<ChainReport, ChainError> {
    // Read the head file first: the log read after it is at least as new.
    let recorded = match head_file {
        Some(f) => read_head_file(f)?,
        None => None,
    };
    let mut stmt = conn
        .prepare(
            "SELECT id, at_ms, actor, roles, action, target, reason, detail, item_ids, prev_hash,
                    hash
             FROM audit_log ORDER BY id",
        )
        .map_err(db_error)?;
    let mut rows = stmt.query([]).map_err(db_error)?;
    let mut prev: (Option<i64>, String) = (None, GENESIS.to_string());
    let mut count = 0u64;
    let mut recorded_seen = false;
    while let Some(r) = rows.next().map_err(db_error)? {
        let text = |i: usize| -> Result<Option<String>, ChainError> {
            match r.get_ref(i).map_err(db_error)? {
                ValueRef::Null => Ok(None),
                ValueRef::Text(t) => Ok(Some(String::from_utf8_lossy(t).into_owned())),
                other => Ok(Some(format!("{other:?}"))),
            }
        };
        let id: i64 = r.get(0).map_err(db_error)?;
        let (Some(prev_hash), Some(hash)) = (text(9)?, text(10)?) else {
            return Err(ChainError::Unchained { id });
        };
        let item_ids: Option<Vec<u8>> = match r.get_ref(8).map_err(db_error)? {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(b.to_vec()),
            ValueRef::Text(t) => Some(t.to_vec()),
            _ => return Err(ChainError::Rewritten { id }),
        };
        let Ok(at_ms) = r.get::<_, i64>(1) else {
            return Err(ChainError::Rewritten { id });
        };
        let (actor, roles, action) = (text(2)?, text(3)?, text(4)?);
        let (target, reason, detail) = (text(5)?, text(6)?, text(7)?);
        let computed = row_hash(&StoredRow {
            id,
            at_ms,
            actor: actor.as_deref().unwrap_or_default(),
            roles: roles.as_deref().unwrap_or_default(),
            action: action.as_deref().unwrap_or_default(),
            target: target.as_deref(),
            reason: reason.as_deref(),
            detail: detail.as_deref().unwrap_or_default(),
            item_ids: item_ids.as_deref(),
            prev_hash: &prev_hash,
        });
        if prev_hash != prev.1 {
            let after = match prev.0 {
                Some(p) => format!("row {p}"),
                None => "the start of the log".to_string(),
            };
            return Err(ChainError::Broken { id, after });
        }
        if computed != hash {
            return Err(ChainError::Rewritten { id });
        }
        if let Some((file, h)) = &recorded {
            if id == h.id {
                if hash != h.hash {
                    return Err(ChainError::HeadMismatch {
                        file: file.clone(),
                        head_id: h.id,
                    });
                }
                recorded_seen = true;
            } else if id > h.id && !recorded_seen {
                return Err(ChainError::HeadMissing {
                    file: file.clone(),
                    head_id: h.id,
                });
            }
        }
        prev = (Some(id), hash);
        count += 1;
    }
    if let Some((file, h)) = &recorded {
        if !recorded_seen {
            return Err(ChainError::HeadMissing {
                file: file.clone(),
                head_id: h.id,
            });
        }
        if let Some(last) = prev.0.filter(|l| *l > h.id) {
            let first: i64 = conn
                .query_row("SELECT MIN(id) FROM audit_log WHERE id > ?1", [h.id], |r| {
                    r.get(0)
                })
                .map_err(db_error)?;
            return Err(ChainError::AfterHead {
                file: file.clone(),
                head_id: h.id,
                first,
                last,
            });
        }
    }
    Ok(ChainReport {
        rows: count,
        head: prev.0.map(|id| ChainHead { id, hash: prev.1 }),
        head_file: head_file.map(Path::to_path_buf),
    })
}

/// Verify the log in a room database file, opened read-only (the room may be running).
pub fn verify_file(database: &Path, head_file: Option<&Path>) -> Result<ChainReport, ChainError> {
    let fail = |message: String| ChainError::Database {
        path: database.display().to_string(),
        message,
    };
    if !database.is_file() {
        return Err(fail("no such file".into()));
    }
    let conn = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| fail(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| fail(e.to_string()))?;
    let chained: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('audit_log') WHERE name = 'hash'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| fail(e.to_string()))?;
    if !chained {
        return Err(fail(
            "its audit log is not chained yet: start the room once with this version (it chains \
             the existing rows), then verify"
                .into(),
        ));
    }
    verify(&conn, head_file).map_err(|e| match e {
        ChainError::Database { message, .. } => fail(message),
        e => e,
    })
}

/// The head file's contents: `{"id": ..., "hash": "..."}`. None when the file does not exist
/// yet (the room writes it after its first row).
pub fn read_head_file(file: &Path) -> Result<Option<(String, ChainHead)>, ChainError> {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ChainError::HeadFile {
                file: name,
                message: e.to_string(),
            })
        }
    };
    let head: ChainHead = serde_json::from_str(&text).map_err(|e| ChainError::HeadFile {
        file: name.clone(),
        message: format!("not a chain head ({{\"id\": ..., \"hash\": \"...\"}}): {e}"),
    })?;
    Ok(Some((name, head)))
}

/// Write the head file atomically (a temporary file beside it, then a rename), so a reader
/// never sees half of it.
pub fn write_head_file(file: &Path, head: &ChainHead) -> std::io::Result<()> {
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let text = serde_json::to_string(head).map_err(std::io::Error::other)? + "\n";
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, file)
}
