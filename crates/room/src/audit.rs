//! The append-only audit log: who did what, when, and why.
//!
//! Rows are only ever inserted: this module has no update or delete, and the table's
//! triggers abort any `UPDATE` or `DELETE` (see `db.rs`), so not even a bug elsewhere in
//! the room can rewrite history. A row is written in the same transaction as the decision it
//! records, and before the answer that reveals item text or an export leaves the server: if
//! the audit row cannot be written, nothing is revealed.

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
    pub const PURGE_RAW_TEXT: &str = "purge_raw_text";
    pub const SAVE_LEXICON: &str = "save_lexicon";
    pub const REJECT_TERM: &str = "reject_term";
    pub const SWITCH_SOURCE: &str = "switch_source";
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
    conn.execute(
        "INSERT INTO audit_log (at_ms, actor, roles, action, target, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            at.timestamp_millis(),
            e.actor,
            e.roles,
            e.action,
            e.target,
            e.reason,
            e.detail.to_string()
        ],
    )?;
    Ok(conn.last_insert_rowid())
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
        "SELECT id, at_ms, actor, roles, action, target, reason, detail FROM audit_log WHERE 1 = 1",
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
        Ok(AuditEntry {
            id: r.get(0)?,
            at: DateTime::from_timestamp_millis(r.get(1)?).unwrap_or_default(),
            actor: r.get(2)?,
            roles: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            reason: r.get(6)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
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
