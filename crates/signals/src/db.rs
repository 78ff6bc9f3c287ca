//! Signals and their deliveries in the room database (SQLite).
//!
//! Plain functions over a [`Connection`] (or a transaction: it derefs to one), so the caller
//! can put a decision and its audit row in one transaction.

use crate::signal::{Decision, Explanation, Origin, Signal, SignalId, SignalState};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use websense_store::sqlite_migrate;

/// The room database's one connection, shared by the Room's API and workers and by the
/// webhook [`Deliverer`](crate::Deliverer). The Room opens the file (`websense_room::db`);
/// this crate only owns the signals tables in it.
pub type SharedConnection = Arc<Mutex<Connection>>;

const MIGRATIONS: &[(u32, &str, &str)] = &[(
    1,
    "signals, deliveries and delivery attempts",
    r#"
CREATE TABLE signals (
    id TEXT PRIMARY KEY NOT NULL,
    origin_kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('candidate', 'confirmed', 'dismissed')),
    explanation TEXT NOT NULL,
    event_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    decided_by TEXT,
    decided_ms INTEGER,
    reason TEXT
);
CREATE INDEX signals_state_event ON signals (state, event_ms);
CREATE INDEX signals_event ON signals (event_ms);
-- A decision is final: nothing changes a decided signal.
CREATE TRIGGER signals_decided_final BEFORE UPDATE ON signals WHEN OLD.state <> 'candidate'
BEGIN SELECT RAISE(ABORT, 'a decided signal cannot change'); END;
CREATE TABLE signal_deliveries (
    signal_id TEXT PRIMARY KEY NOT NULL REFERENCES signals (id),
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER,
    last_error TEXT,
    delivered_ms INTEGER,
    created_ms INTEGER NOT NULL
);
CREATE INDEX signal_deliveries_due ON signal_deliveries (state, next_attempt_ms);
CREATE TABLE signal_delivery_attempts (
    signal_id TEXT NOT NULL REFERENCES signals (id),
    attempt INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (signal_id, attempt)
);
"#,
)];

/// Create or update the signals tables.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    sqlite_migrate::apply(
        conn,
        sqlite_migrate::Ledger::Component("signals"),
        MIGRATIONS,
    )
}

/// Why a signal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SignalError {
    #[error("no signal {0}")]
    NotFound(SignalId),
    #[error("signal {id} is already {state}; a decision is final")]
    AlreadyDecided { id: SignalId, state: &'static str },
    #[error("a reason is required to confirm a signal")]
    ReasonRequired,
    #[error("room database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored signal {id} is unreadable: {message}")]
    Corrupt { id: String, message: String },
}

pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Store a new candidate. Returns false (and changes nothing) when a signal with its id
/// exists already, whatever its state: a dismissed candidate stays dismissed.
pub fn insert_candidate(conn: &Connection, signal: &Signal) -> Result<bool, SignalError> {
    let origin = serde_json::to_string(&signal.origin).map_err(|e| corrupt(&signal.id.0, e))?;
    let explanation =
        serde_json::to_string(&signal.explanation).map_err(|e| corrupt(&signal.id.0, e))?;
    let n = conn.execute(
        "INSERT OR IGNORE INTO signals (id, origin_kind, origin, state, explanation, event_ms, created_ms)
         VALUES (?1, ?2, ?3, 'candidate', ?4, ?5, ?6)",
        params![
            signal.id.0,
            signal.origin.kind(),
            origin,
            explanation,
            ms(signal.explanation.event_time),
            ms(signal.created_at)
        ],
    )?;
    Ok(n == 1)
}

fn corrupt(id: &str, e: serde_json::Error) -> SignalError {
    SignalError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    }
}

pub(crate) const SIGNAL_COLUMNS: &str =
    "id, origin, state, explanation, created_ms, decided_by, decided_ms, reason";

pub(crate) type SignalRow = (
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<i64>,
    Option<String>,
);

pub(crate) fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SignalRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

pub(crate) fn to_signal(row: SignalRow) -> Result<Signal, SignalError> {
    let (id, origin, state, explanation, created_ms, by, decided_ms, reason) = row;
    let origin: Origin = serde_json::from_str(&origin).map_err(|e| corrupt(&id, e))?;
    let explanation: Explanation =
        serde_json::from_str(&explanation).map_err(|e| corrupt(&id, e))?;
    let state = SignalState::parse(&state).ok_or_else(|| SignalError::Corrupt {
        id: id.clone(),
        message: format!("unknown state {state:?}"),
    })?;
    let decision = match (by, decided_ms) {
        (Some(by), Some(at)) => Some(Decision {
            by,
            at: from_ms(at),
            reason,
        }),
        _ => None,
    };
    Ok(Signal {
        id: SignalId(id),
        origin,
        state,
        explanation,
        created_at: from_ms(created_ms),
        decision,
    })
}

pub fn get(conn: &Connection, id: &SignalId) -> Result<Option<Signal>, SignalError> {
    let row = conn
        .query_row(
            &format!("SELECT {SIGNAL_COLUMNS} FROM signals WHERE id = ?1"),
            [&id.0],
            read_row,
        )
        .optional()?;
    row.map(to_signal).transpose()
}

pub use crate::listing::{
    count, count_by_state, facets, list, SignalFacets, SignalFilter, SignalSort,
};

/// Confirm a candidate. `reason` must say something; `deliver` queues the confirmed signal
/// for the webhook (in the same transaction as the decision when `conn` is one).
pub fn confirm(
    conn: &Connection,
    id: &SignalId,
    by: &str,
    reason: &str,
    at: DateTime<Utc>,
    deliver: bool,
) -> Result<Signal, SignalError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(SignalError::ReasonRequired);
    }
    let signal = decide(conn, id, SignalState::Confirmed, by, Some(reason), at)?;
    if deliver {
        enqueue_delivery(conn, &signal, at)?;
    }
    Ok(signal)
}

/// Dismiss a candidate, with or without a reason.
pub fn dismiss(
    conn: &Connection,
    id: &SignalId,
    by: &str,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Signal, SignalError> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    decide(conn, id, SignalState::Dismissed, by, reason, at)
}

fn decide(
    conn: &Connection,
    id: &SignalId,
    state: SignalState,
    by: &str,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Signal, SignalError> {
    let changed = conn.execute(
        "UPDATE signals SET state = ?2, decided_by = ?3, decided_ms = ?4, reason = ?5
         WHERE id = ?1 AND state = 'candidate'",
        params![id.0, state.as_str(), by, ms(at), reason],
    )?;
    let signal = get(conn, id)?.ok_or_else(|| SignalError::NotFound(id.clone()))?;
    if changed == 0 {
        return Err(SignalError::AlreadyDecided {
            id: id.clone(),
            state: signal.state.as_str(),
        });
    }
    Ok(signal)
}

/// Retention: delete candidates and dismissed signals whose event time is before `cutoff`
/// (their decisions stay in the room's audit log). Confirmed signals stay: they are the case
/// table's records. Returns how many were deleted.
pub fn expire_undecided(conn: &Connection, cutoff: DateTime<Utc>) -> Result<u64, SignalError> {
    let n = conn.execute(
        "DELETE FROM signals WHERE state IN ('candidate', 'dismissed') AND event_ms < ?1",
        [ms(cutoff)],
    )?;
    Ok(n as u64)
}

/// Where a confirmed signal's webhook delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    /// Every attempt failed; kept for people to look at.
    Failed,
}

impl DeliveryState {
    fn parse(s: &str) -> DeliveryState {
        match s {
            "delivered" => DeliveryState::Delivered,
            "failed" => DeliveryState::Failed,
            _ => DeliveryState::Pending,
        }
    }
}

/// One POST to the webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    pub signal_id: SignalId,
    pub state: DeliveryState,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// Queue a confirmed signal for delivery. The payload is fixed now, so every retry sends the
/// same bytes under the same idempotency key.
pub fn enqueue_delivery(
    conn: &Connection,
    signal: &Signal,
    now: DateTime<Utc>,
) -> Result<(), SignalError> {
    let payload =
        serde_json::to_string(&signal.outbound()).map_err(|e| corrupt(&signal.id.0, e))?;
    conn.execute(
        "INSERT OR IGNORE INTO signal_deliveries (signal_id, payload, state, next_attempt_ms, created_ms)
         VALUES (?1, ?2, 'pending', ?3, ?3)",
        params![signal.id.0, payload, ms(now)],
    )?;
    Ok(())
}

/// A delivery whose next attempt is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueDelivery {
    pub signal_id: SignalId,
    pub payload: String,
    /// Attempts made so far.
    pub attempts: u32,
}

pub fn due_deliveries(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<DueDelivery>, SignalError> {
    let mut stmt = conn.prepare(
        "SELECT signal_id, payload, attempts FROM signal_deliveries
         WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, signal_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![ms(now), limit as i64], |r| {
        Ok(DueDelivery {
            signal_id: SignalId(r.get(0)?),
            payload: r.get(1)?,
            attempts: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the earliest pending delivery is due, if any is pending.
pub fn next_due(conn: &Connection) -> Result<Option<DateTime<Utc>>, SignalError> {
    let next: Option<i64> = conn.query_row(
        "SELECT MIN(next_attempt_ms) FROM signal_deliveries WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?;
    Ok(next.map(from_ms))
}

/// What happens after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    RetryAt(DateTime<Utc>),
    GiveUp,
}

/// Record an attempt and its consequence, in one transaction.
pub fn record_attempt(
    conn: &mut Connection,
    id: &SignalId,
    attempt: &Attempt,
    outcome: AttemptOutcome,
) -> Result<(), SignalError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO signal_delivery_attempts (signal_id, attempt, at_ms, status, error, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id.0,
            attempt.attempt,
            ms(attempt.at),
            attempt.status,
            attempt.error,
            attempt.duration_ms as i64
        ],
    )?;
    let (state, next, delivered) = match outcome {
        AttemptOutcome::Delivered => ("delivered", None, Some(ms(attempt.at))),
        AttemptOutcome::RetryAt(t) => ("pending", Some(ms(t)), None),
        AttemptOutcome::GiveUp => ("failed", None, None),
    };
    tx.execute(
        "UPDATE signal_deliveries SET state = ?2, attempts = ?3, next_attempt_ms = ?4,
             delivered_ms = COALESCE(?5, delivered_ms), last_error = ?6
         WHERE signal_id = ?1",
        params![id.0, state, attempt.attempt, next, delivered, attempt.error],
    )?;
    tx.commit()?;
    Ok(())
}

pub fn delivery(conn: &Connection, id: &SignalId) -> Result<Option<DeliveryStatus>, SignalError> {
    let head = conn
        .query_row(
            "SELECT state, next_attempt_ms, delivered_ms, last_error FROM signal_deliveries
             WHERE signal_id = ?1",
            [&id.0],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            },
        )
        .optional()?;
    let Some((state, next, delivered, last_error)) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT attempt, at_ms, status, error, duration_ms FROM signal_delivery_attempts
         WHERE signal_id = ?1 ORDER BY attempt",
    )?;
    let attempts = stmt
        .query_map([&id.0], |r| {
            Ok(Attempt {
                attempt: r.get(0)?,
                at: from_ms(r.get(1)?),
                status: r.get(2)?,
                error: r.get(3)?,
                duration_ms: r.get::<_, i64>(4)?.max(0) as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let state = DeliveryState::parse(&state);
    Ok(Some(DeliveryStatus {
        signal_id: id.clone(),
        state,
        attempts,
        next_attempt_at: next
            .filter(|_| state == DeliveryState::Pending)
            .map(from_ms),
        delivered_at: delivered.map(from_ms),
        last_error,
    }))
}
