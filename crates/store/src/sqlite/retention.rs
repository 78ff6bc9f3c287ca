//! Raw-text expiry (purge) and retention (whole months dropped), each followed by giving the
//! freed pages back ([`super::file::reclaim`]).

use super::file;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

pub(super) fn purge(conn: &mut Connection, cutoff_ms: i64) -> rusqlite::Result<u64> {
    let n = conn.execute(
        "UPDATE items SET title = NULL, text = '', author_pseudonym = NULL, author_handle = NULL, url = NULL,
             links = '[]', raw = '', purged = 1
         WHERE event_ms < ?1 AND purged = 0",
        [cutoff_ms],
    )?;
    if n > 0 {
        file::reclaim(conn)?;
    }
    Ok(n as u64)
}

pub(super) fn drop_before(conn: &mut Connection, boundary: DateTime<Utc>) -> rusqlite::Result<u64> {
    let ms = boundary.timestamp_millis();
    let secs = boundary.timestamp();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let old = "SELECT seq FROM items WHERE event_ms < ?1";
    tx.execute(
        &format!("DELETE FROM matches WHERE item_seq IN ({old})"),
        [ms],
    )?;
    tx.execute(
        &format!("DELETE FROM scores WHERE item_seq IN ({old})"),
        [ms],
    )?;
    let dropped = tx.execute("DELETE FROM items WHERE event_ms < ?1", [ms])?;
    tx.execute("DELETE FROM trend_categories WHERE bucket < ?1", [secs])?;
    tx.execute(
        "DELETE FROM trend_category_totals WHERE bucket < ?1",
        [secs],
    )?;
    tx.execute("DELETE FROM trend_terms WHERE hour < ?1", [secs])?;
    tx.execute(
        "DELETE FROM trend_municipality_categories WHERE bucket < ?1",
        [secs],
    )?;
    tx.execute(
        "DELETE FROM trend_municipality_terms WHERE hour < ?1",
        [secs],
    )?;
    tx.commit()?;
    if dropped > 0 {
        file::reclaim(conn)?;
    }
    Ok(dropped as u64)
}
