//! Bytes per audit row of an item read, as the room writes them now and as it wrote them
//! before the chain (a JSON list of ids beside empty filters, no hashes), and how long a full
//! chain verification takes.
//!
//! `cargo run --release -p websense-room --example audit_bytes -- [ROWS]`

use chrono::Utc;
use rusqlite::{params, Connection};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Instant;
use websense_room::audit::{self, chain, NewEntry};
use websense_room::RoomDb;

fn ids(n: usize, seed: usize) -> Vec<String> {
    (0..n)
        .map(|i| hex::encode(&Sha256::digest(format!("{seed}-{i}"))[..16]))
        .collect()
}

fn file_bytes(c: &Connection) -> u64 {
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
        .unwrap();
    let pages: u64 = c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
    let size: u64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    pages * size
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let target = "bucket 1h 2026-12-04T10:00:00+00:00";
    let subject = json!({ "category": "complot" });
    for per_read in [1usize, 50, 500] {
        // Before: main's INSERT and detail, in a table of main's shape.
        let old = Connection::open(dir.path().join(format!("old-{per_read}.db"))).unwrap();
        old.execute_batch(
            "CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,
             actor TEXT NOT NULL, roles TEXT NOT NULL, action TEXT NOT NULL, target TEXT,
             reason TEXT, detail TEXT NOT NULL);
             CREATE INDEX audit_log_at ON audit_log (at_ms);
             CREATE INDEX audit_log_actor ON audit_log (actor, at_ms);",
        )
        .unwrap();
        let empty = file_bytes(&old);
        for r in 0..rows {
            let detail = json!({
                "subject": subject,
                "filter": { "source": null, "tag": null, "language": null },
                "offset": 0,
                "item_ids": ids(per_read, r),
            });
            old.execute(
                "INSERT INTO audit_log (at_ms, actor, roles, action, target, reason, detail)
                 VALUES (?1, 'analist', 'analyst', 'read_items', ?2, NULL, ?3)",
                params![Utc::now().timestamp_millis(), target, detail.to_string()],
            )
            .unwrap();
        }
        let before = (file_bytes(&old) - empty) as f64 / rows as f64;

        let path = dir.path().join(format!("new-{per_read}.db"));
        let db = RoomDb::open(&path).unwrap();
        let empty = db.blocking(|c| file_bytes(c));
        for r in 0..rows {
            let ids = ids(per_read, r);
            db.blocking(|c| {
                audit::append_read(
                    c,
                    Utc::now(),
                    &NewEntry {
                        actor: "analist",
                        roles: "analyst",
                        action: "read_items",
                        target: Some(target),
                        reason: None,
                        detail: json!({ "subject": subject }),
                    },
                    &ids,
                )
                .unwrap()
            });
        }
        let after = (db.blocking(|c| file_bytes(c)) - empty) as f64 / rows as f64;
        let started = Instant::now();
        let report = chain::verify_file(&path, None).unwrap();
        let verify = started.elapsed();
        println!(
            "read of {per_read:>3} items: {before:>7.0} bytes/row before, {after:>7.0} after \
             ({:.0} %); verifying {} rows took {:.0} ms ({:.1} µs/row)",
            100.0 * after / before,
            report.rows,
            verify.as_secs_f64() * 1e3,
            verify.as_secs_f64() * 1e6 / report.rows as f64
        );
    }
}
