//! Listing signals for a review queue: filters (state, time, category, source, origin), sort
//! (newest or score), paging with a total, counts per state, and the categories and sources
//! a filter can offer.
//!
//! Category, source and score live in the stored origin and explanation (JSON), so the
//! filters read them with SQLite's JSON functions: signals are few (people decide each one),
//! and a scan of their rows costs less than keeping copies of those fields in columns.

use crate::db::{ms, read_row, to_signal, SignalError, SIGNAL_COLUMNS};
use crate::signal::{Signal, SignalState};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The order of a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalSort {
    /// Newest event time first.
    #[default]
    Newest,
    /// Highest score first (a flagged item's best category score, a spike's detector
    /// score), then newest.
    Score,
}

/// Which signals to list, in which order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SignalFilter {
    #[serde(default)]
    pub state: Option<SignalState>,
    /// Event time `[from, to)`.
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
    /// A category that hit the flagged item (with at least one hit), or the spike's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The flagged item's source, or the source a spike's series was limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The origin's kind: `flagged_item` or `spike`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Signals of any of these municipalities (CBS codes, in the explanation's
    /// `municipalities`). Empty: no restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
    #[serde(default, skip_serializing_if = "is_newest")]
    pub sort: SignalSort,
    pub limit: usize,
    #[serde(default)]
    pub offset: usize,
}

fn is_newest(sort: &SignalSort) -> bool {
    *sort == SignalSort::Newest
}

/// The score a signal sorts by.
const SCORE: &str = "COALESCE(json_extract(explanation, '$.spike.score'), \
     (SELECT MAX(json_extract(value, '$.score')) FROM json_each(explanation, '$.categories')), 0)";

/// `WHERE` conditions and their values for `filter`, the state left out when `with_state`
/// is false (for counts per state).
fn conditions(filter: &SignalFilter, with_state: bool) -> (String, Vec<Value>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut values: Vec<Value> = Vec::new();
    let mut add = |values: &mut Vec<Value>, value: Value, condition: &str| {
        values.push(value);
        sql.push_str(&condition.replace("?N", &format!("?{}", values.len())));
    };
    if let (true, Some(state)) = (with_state, filter.state) {
        add(
            &mut values,
            Value::Text(state.as_str().into()),
            " AND state = ?N",
        );
    }
    if let Some(from) = filter.from {
        add(&mut values, Value::Integer(ms(from)), " AND event_ms >= ?N");
    }
    if let Some(to) = filter.to {
        add(&mut values, Value::Integer(ms(to)), " AND event_ms < ?N");
    }
    if let Some(origin) = &filter.origin {
        add(
            &mut values,
            Value::Text(origin.clone()),
            " AND origin_kind = ?N",
        );
    }
    if let Some(category) = &filter.category {
        add(
            &mut values,
            Value::Text(category.clone()),
            " AND (json_extract(origin, '$.category') = ?N OR EXISTS (SELECT 1 FROM \
             json_each(explanation, '$.categories') WHERE json_extract(value, '$.category') = ?N \
             AND json_extract(value, '$.hits') > 0))",
        );
    }
    if let Some(source) = &filter.source {
        add(
            &mut values,
            Value::Text(source.clone()),
            " AND COALESCE(json_extract(explanation, '$.source.id'), \
             json_extract(origin, '$.filter.source')) = ?N",
        );
    }
    if !filter.municipalities.is_empty() {
        let mut any = Vec::new();
        for code in &filter.municipalities {
            values.push(Value::Text(code.clone()));
            any.push(format!("?{}", values.len()));
        }
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM json_each(explanation, '$.municipalities') \
             WHERE json_extract(value, '$.code') IN ({}))",
            any.join(", ")
        ));
    }
    (sql, values)
}

/// One page of the signals `filter` selects, in its order.
pub fn list(conn: &Connection, filter: &SignalFilter) -> Result<Vec<Signal>, SignalError> {
    let (conditions, mut values) = conditions(filter, true);
    let order = match filter.sort {
        SignalSort::Newest => "event_ms DESC, id".to_string(),
        SignalSort::Score => format!("{SCORE} DESC, event_ms DESC, id"),
    };
    values.push(Value::Integer(filter.limit.min(i64::MAX as usize) as i64));
    values.push(Value::Integer(filter.offset.min(i64::MAX as usize) as i64));
    let sql = format!(
        "SELECT {SIGNAL_COLUMNS} FROM signals{conditions} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        values.len() - 1,
        values.len()
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(values), read_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(to_signal(row?)?);
    }
    Ok(out)
}

/// How many signals `filter` selects (all pages).
pub fn count(conn: &Connection, filter: &SignalFilter) -> Result<u64, SignalError> {
    let (conditions, values) = conditions(filter, true);
    let n: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM signals{conditions}"),
        params_from_iter(values),
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// How many signals `filter` selects in each state, its own state left out (every state
/// appears, with 0 when none).
pub fn count_by_state(
    conn: &Connection,
    filter: &SignalFilter,
) -> Result<BTreeMap<&'static str, u64>, SignalError> {
    let (conditions, values) = conditions(filter, false);
    let mut counts: BTreeMap<&'static str, u64> = [
        SignalState::Candidate,
        SignalState::Confirmed,
        SignalState::Dismissed,
    ]
    .into_iter()
    .map(|s| (s.as_str(), 0))
    .collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT state, COUNT(*) FROM signals{conditions} GROUP BY state"
    ))?;
    let rows = stmt.query_map(params_from_iter(values), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (state, n) = row?;
        if let Some(state) = SignalState::parse(&state) {
            counts.insert(state.as_str(), n.max(0) as u64);
        }
    }
    Ok(counts)
}

/// The categories and sources signals name, for a queue's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalFacets {
    pub categories: Vec<String>,
    pub sources: Vec<String>,
    /// The origin kinds present.
    pub origins: Vec<String>,
}

/// The categories, sources and origin kinds of the signals in `state` (all states: None).
pub fn facets(conn: &Connection, state: Option<SignalState>) -> Result<SignalFacets, SignalError> {
    let (condition, values): (&str, Vec<Value>) = match state {
        Some(s) => (" AND state = ?1", vec![Value::Text(s.as_str().into())]),
        None => ("", Vec::new()),
    };
    let strings = |sql: String| -> Result<Vec<String>, SignalError> {
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(values.clone()), |r| {
            r.get::<_, Option<String>>(0)
        })?;
        let mut out = Vec::new();
        for row in rows {
            out.extend(row?);
        }
        Ok(out)
    };
    Ok(SignalFacets {
        categories: strings(format!(
            "SELECT json_extract(value, '$.category') AS c FROM signals, \
             json_each(signals.explanation, '$.categories') \
             WHERE json_extract(value, '$.hits') > 0{condition} \
             UNION SELECT json_extract(origin, '$.category') FROM signals \
             WHERE origin_kind = 'spike'{condition} ORDER BY 1"
        ))?,
        sources: strings(format!(
            "SELECT DISTINCT COALESCE(json_extract(explanation, '$.source.id'), \
             json_extract(origin, '$.filter.source')) AS s FROM signals \
             WHERE s IS NOT NULL{condition} ORDER BY 1"
        ))?,
        origins: strings(format!(
            "SELECT DISTINCT origin_kind FROM signals WHERE 1 = 1{condition} ORDER BY 1"
        ))?,
    })
}
