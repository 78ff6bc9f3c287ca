//! The append-only audit log: who did what, when, and why.
//!
//! Rows are only ever inserted: this module has no update or delete, and the table's
//! triggers abort any `UPDATE` or `DELETE` (see `db.rs`), so not even a bug elsewhere in
//! the room can rewrite history. A row is written in the same transaction as the decision it
//! records, and before the answer that reveals item text or an export leaves the server: if
//! the audit row cannot be written, nothing is revealed.
//!
//! Every row is hash-chained to the one before it ([`chain`]), so a change made with direct
//! access to the file is found at start and by `websense audit verify`. The ids of items
//! whose text was shown are kept in a compact binary column (16 bytes for websense's own
//! 32-hex-digit ids, instead of 35 in a JSON list) and shown as `detail.item_ids`.

pub mod chain;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use websense_signals::csv_row;

/// The actions the log records.
pub mod action {
    pub const LOGIN: &str = "login";
    pub const LOGIN_FAILED: &str = "login_failed";
    pub const LOGOUT: &str = "logout";
    /// Item text was shown (a bucket's items, or a signal's item).
    pub const READ_ITEMS: &str = "read_items";
    pub const EXPORT_SIGNALS: &str = "export_signals";
    pub const EXPORT_AUDIT: &str = "export_audit";
    pub const CONFIRM_SIGNAL: &str = "confirm_signal";
    pub const DISMISS_SIGNAL: &str = "dismiss_signal";
    pub const SCAN_SIGNALS: &str = "scan_signals";
    pub const RESOLVE_AUTHOR: &str = "resolve_author";
    pub const RESOLVE_AUTHOR_REFUSED: &str = "resolve_author_refused";
    pub const EVALUATE_LEXICON: &str = "evaluate_lexicon";
    /// A running draft evaluation was stopped (by its curator or an admin).
    pub const CANCEL_EVALUATION: &str = "cancel_evaluation";
    pub const PURGE_RAW_TEXT: &str = "purge_raw_text";
    pub const SAVE_LEXICON: &str = "save_lexicon";
    pub const REJECT_TERM: &str = "reject_term";
    pub const SWITCH_SOURCE: &str = "switch_source";
    /// A Telegram channel proposed by discovery was added as a source.
    pub const ADD_SOURCE: &str = "add_source";
    /// A Telegram channel proposed by discovery is no longer proposed.
    pub const DISMISS_PROPOSAL: &str = "dismiss_proposal";
    /// An admin scoped an account to municipalities, or lifted its scope.
    pub const SCOPE_ACCOUNT: &str = "scope_account";
}

/// One row of the log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The account, or `system` for the room's own workers. For a failed login, the name
    /// that was tried when it is an account, `(unknown account)` when it is not.
    pub actor: String,
    /// The actor's roles at the time.
    pub roles: String,
    pub action: String,
    /// What it was done to: a signal id, a bucket, a file.
    pub target: Option<String>,
    /// Why, in the actor's words, where the action asks for it.
    pub reason: Option<String>,
    /// Specifics: item ids read, counts, filters.
    pub detail: serde_json::Value,
}

/// A row to append.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub actor: &'a str,
    pub roles: &'a str,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub detail: serde_json::Value,
}

/// Append a row; returns its id.
pub fn append(conn: &Connection, at: DateTime<Utc>, e: &NewEntry<'_>) -> rusqlite::Result<i64> {
    append_read::<&str>(conn, at, e, &[])
}

/// Append a row that records the ids of the items whose text is shown; returns its id.
///
/// The row takes the id after the latest row's and chains to its hash; a second writer
/// racing for the same id fails on the primary key instead of forking the chain.
pub fn append_read<S: AsRef<str>>(
    conn: &Connection,
    at: DateTime<Utc>,
    e: &NewEntry<'_>,
    item_ids: &[S],
) -> rusqlite::Result<i64> {
    let (id, prev_hash) = match chain::last(conn)? {
        None => (1, chain::GENESIS.to_string()),
        Some((id, Some(hash))) => (id + 1, hash),
        Some((id, None)) => {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(format!(
                    "audit log row {id} carries no hash; run `websense audit verify`"
                )),
            ))
        }
    };
    let actor = neutralise_bidi(e.actor);
    let target = e.target.map(neutralise_bidi);
    let detail = e.detail.to_string();
    let ids = (!item_ids.is_empty()).then(|| encode_item_ids(item_ids));
    let at_ms = at.timestamp_millis();
    let hash = chain::row_hash(&chain::StoredRow {
        id,
        at_ms,
        actor: &actor,
        roles: e.roles,
        action: e.action,
        target: target.as_deref(),
        reason: e.reason,
        detail: &detail,
        item_ids: ids.as_deref(),
        prev_hash: &prev_hash,
    });
    conn.execute(
        "INSERT INTO audit_log
             (id, at_ms, actor, roles, action, target, reason, detail, item_ids, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id, at_ms, actor, e.roles, e.action, target, e.reason, detail, ids, prev_hash, hash
        ],
    )?;
    Ok(id)
}

/// Bidirectional embedding, override and isolate controls (and the marks) turn text around
/// on screen: a name with U+202E reads backwards in the log. They are stored as U+FFFD, so
/// the log shows that something was there without letting it reorder what follows.
pub fn neutralise_bidi(text: &str) -> String {
    text.chars()
        .map(|c| if is_bidi_control(c) { '\u{FFFD}' } else { c })
        .collect()
}

pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Item ids, compactly: per id, tag 0 and 16 bytes for a 32-digit lowercase hex id (every
/// id websense mints), else tag 1, a LEB128 length and the id's bytes.
pub fn encode_item_ids<S: AsRef<str>>(ids: &[S]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 17);
    for id in ids {
        let id = id.as_ref();
        let packed = (id.len() == 32 && !id.bytes().any(|b| b.is_ascii_uppercase()))
            .then(|| hex::decode(id).ok())
            .flatten();
        match packed {
            Some(bytes) => {
                out.push(0);
                out.extend_from_slice(&bytes);
            }
            None => {
                out.push(1);
                let mut n = id.len();
                loop {
                    let byte = (n & 0x7f) as u8;
                    n >>= 7;
                    if n == 0 {
                        out.push(byte);
                        break;
                    }
                    out.push(byte | 0x80);
                }
                out.extend_from_slice(id.as_bytes());
            }
        }
    }
    out
}

/// The ids [`encode_item_ids`] wrote; None when the bytes are not such a list.
pub fn decode_item_ids(mut bytes: &[u8]) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        match tag {
            0 => {
                let (id, rest) = rest.split_at_checked(16)?;
                ids.push(hex::encode(id));
                bytes = rest;
            }
            1 => {
                let (mut n, mut shift, mut rest) = (0usize, 0u32, rest);
                loop {
                    let (&b, r) = rest.split_first()?;
                    rest = r;
                    n |= usize::from(b & 0x7f).checked_shl(shift)?;
                    shift += 7;
                    if b & 0x80 == 0 {
                        break;
                    }
                }
                let (id, rest) = rest.split_at_checked(n)?;
                ids.push(String::from_utf8(id.to_vec()).ok()?);
                bytes = rest;
            }
            _ => return None,
        }
    }
    Some(ids)
}

/// Which rows to read, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// `[from, to)` on the time of the row.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: usize,
    pub offset: usize,
}

pub fn query(conn: &Connection, f: &AuditFilter) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut sql = String::from(
        "SELECT id, at_ms, actor, roles, action, target, reason, detail, item_ids FROM audit_log
         WHERE 1 = 1",
    );
    let mut values: Vec<Value> = Vec::new();
    let mut cond = |sql: &mut String, column: &str, op: &str, v: Value| {
        values.push(v);
        sql.push_str(&format!(" AND {column} {op} ?{}", values.len()));
    };
    if let Some(a) = &f.actor {
        cond(&mut sql, "actor", "=", Value::Text(a.clone()));
    }
    if let Some(a) = &f.action {
        cond(&mut sql, "action", "=", Value::Text(a.clone()));
    }
    if let Some(t) = f.from {
        cond(
            &mut sql,
            "at_ms",
            ">=",
            Value::Integer(t.timestamp_millis()),
        );
    }
    if let Some(t) = f.to {
        cond(&mut sql, "at_ms", "<", Value::Integer(t.timestamp_millis()));
    }
    values.push(Value::Integer(f.limit.min(i64::MAX as usize) as i64));
    values.push(Value::Integer(f.offset.min(i64::MAX as usize) as i64));
    sql.push_str(&format!(
        " ORDER BY id DESC LIMIT ?{} OFFSET ?{}",
        values.len() - 1,
        values.len()
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(values), |r| {
        let detail: String = r.get(7)?;
        let mut detail = serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail));
        let item_ids: Option<Vec<u8>> = r.get(8)?;
        if let (Some(bytes), serde_json::Value::Object(map)) = (item_ids, &mut detail) {
            let ids = decode_item_ids(&bytes)
                .map(|ids| serde_json::json!(ids))
                .unwrap_or_else(|| {
                    serde_json::json!(format!("undecodable: {}", hex::encode(&bytes)))
                });
            map.insert("item_ids".into(), ids);
        }
        Ok(AuditEntry {
            id: r.get(0)?,
            at: DateTime::from_timestamp_millis(r.get(1)?).unwrap_or_default(),
            actor: r.get(2)?,
            roles: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            reason: r.get(6)?,
            detail,
        })
    })?;
    rows.collect()
}

/// The rows as CSV (guarded against formula injection like every export).
pub fn entries_csv(entries: &[AuditEntry]) -> String {
    let mut out = csv_row(&[
        "id", "at", "actor", "roles", "action", "target", "reason", "detail",
    ]);
    for e in entries {
        out.push_str(&csv_row(&[
            e.id.to_string(),
            e.at.to_rfc3339(),
            e.actor.clone(),
            e.roles.clone(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.reason.clone().unwrap_or_default(),
            e.detail.to_string(),
        ]));
    }
    out
}
