//! The audit log's hash chain: someone with the file drops the triggers and rewrites, deletes
//! or inserts rows with SQLite directly; verification (at start and `websense audit verify`'s
//! `verify_file`) names the first row that does not hold.

mod common;

use axum::http::StatusCode;
use common::*;
use rusqlite::{params, Connection};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use websense_room::audit::chain::{self, ChainError};
use websense_room::audit::{self, NewEntry};
use websense_room::{Room, RoomConfig, RoomError};

/// A room with a head file and a dozen audit rows of every kind (logins, failed logins,
/// reads with item ids).
async fn room_with_rows() -> (TestRoom, PathBuf) {
    let t = TestRoom::new().await;
    let head = t.dir.path().join("head/audit-head.json");
    std::fs::create_dir_all(head.parent().unwrap()).unwrap();
    let mut db = t.room.db().clone();
    db.export_audit_head(&head);
    let analyst = t.login("analyst").await;
    let at = recent_hour().to_rfc3339().replace("+00:00", "Z");
    for _ in 0..3 {
        let r = t
            .get(
                &format!("/api/items?at={at}&limit=5&category=complot"),
                &analyst,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = t
        .call(
            axum::http::Method::POST,
            "/api/login",
            None,
            Some(serde_json::json!({"user": "nobody", "password": "wrong password!!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    for role in ["curator", "admin", "i2o_liaison"] {
        t.login(role).await;
    }
    // Written through the clone that exports the head, as the room's own calls do.
    db.blocking(|c| {
        audit::append(
            c,
            chrono::Utc::now(),
            &NewEntry {
                actor: "system",
                roles: "",
                action: "purge_raw_text",
                target: None,
                reason: Some("raw-text retention"),
                detail: serde_json::json!({}),
            },
        )
        .unwrap()
    });
    (t, head)
}

fn rows(db: &Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .unwrap()
}

/// What someone with the file does first.
fn tamper(db: &Path, sql: &str) {
    let c = Connection::open(db).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DROP TRIGGER audit_log_chained;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

fn db_path(t: &TestRoom) -> PathBuf {
    t.room.db().path().to_path_buf()
}

/// A room opened anew on the same files, as `websense serve` would at start.
fn restart(t: &TestRoom, head: Option<&Path>) -> Result<Room, RoomError> {
    let config = RoomConfig {
        database: db_path(t),
        audit_head_file: head.map(Path::to_path_buf),
        password_hash: CHEAP,
        ..RoomConfig::default()
    };
    Room::new(
        config,
        Default::default(),
        t.store.clone(),
        lexicon_dir(t.dir.path()),
    )
}

fn refused(t: &TestRoom, head: Option<&Path>) -> String {
    match restart(t, head) {
        Ok(_) => panic!("the room started on a broken audit log"),
        Err(e @ RoomError::AuditChain(_)) => e.to_string(),
        Err(e) => panic!("refused for another reason: {e}"),
    }
}

#[tokio::test]
async fn an_untouched_log_verifies_and_the_head_file_follows_every_row() {
    let (t, head) = room_with_rows().await;
    let n = rows(&db_path(&t));
    assert!(n >= 9, "{n} rows");
    let report = chain::verify_file(&db_path(&t), Some(&head)).unwrap();
    assert_eq!(report.rows, n as u64);
    let (_, recorded) = chain::read_head_file(&head).unwrap().unwrap();
    assert_eq!(Some(recorded.clone()), report.head);
    assert_eq!(recorded.id, n);
    // The chain is one row to the next: each row's prev_hash is the previous row's hash.
    let c = Connection::open(db_path(&t)).unwrap();
    let broken: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM audit_log a JOIN audit_log b ON b.id = a.id + 1
             WHERE b.prev_hash IS NOT a.hash",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(broken, 0);
    // A room started with the head file keeps it on its latest row.
    let room = restart(&t, Some(&head)).expect("an intact log starts");
    append_logout(room.db());
    let (_, recorded) = chain::read_head_file(&head).unwrap().unwrap();
    assert_eq!(recorded.id, n + 1);
    chain::verify_file(&db_path(&t), Some(&head)).unwrap();
}

fn append_logout(db: &websense_room::RoomDb) {
    db.blocking(|c| {
        audit::append(
            c,
            chrono::Utc::now(),
            &NewEntry {
                actor: "analyst",
                roles: "analyst",
                action: "logout",
                target: None,
                reason: None,
                detail: serde_json::json!({}),
            },
        )
        .unwrap()
    });
}

#[tokio::test]
async fn a_rewritten_row_is_named() {
    let (t, head) = room_with_rows().await;
    tamper(
        &db_path(&t),
        "UPDATE audit_log SET actor = 'beheer' WHERE id = 4",
    );
    let e = chain::verify_file(&db_path(&t), None).unwrap_err();
    assert_eq!(e, ChainError::Rewritten { id: 4 });
    assert!(e.to_string().contains("row 4"), "{e}");
    let message = refused(&t, Some(&head));
    assert!(message.contains("row 4"), "{message}");
}

#[tokio::test]
async fn a_rewritten_row_with_its_hash_recomputed_breaks_the_next_link() {
    let (t, _) = room_with_rows().await;
    // Whoever knows the encoding recomputes row 3's hash after changing it: row 4 still
    // points at the old one.
    let db = db_path(&t);
    let c = Connection::open(&db).unwrap();
    type Fields = (
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<Vec<u8>>,
        String,
    );
    let (at_ms, roles, action, target, reason, detail, ids, prev): Fields = c
        .query_row(
            "SELECT at_ms, roles, action, target, reason, detail, item_ids, prev_hash
             FROM audit_log WHERE id = 3",
            [],
            |r| {
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
            },
        )
        .unwrap();
    drop(c);
    let forged = chain_hash(
        3,
        at_ms,
        "someone",
        &roles,
        &action,
        target.as_deref(),
        reason.as_deref(),
        &detail,
        ids.as_deref(),
        &prev,
    );
    tamper(
        &db,
        &format!("UPDATE audit_log SET actor = 'someone', hash = '{forged}' WHERE id = 3"),
    );
    let e = chain::verify_file(&db, None).unwrap_err();
    assert_eq!(
        e,
        ChainError::Broken {
            id: 4,
            after: "row 3".into()
        }
    );
}

#[tokio::test]
async fn a_deleted_middle_row_is_named() {
    let (t, head) = room_with_rows().await;
    tamper(&db_path(&t), "DELETE FROM audit_log WHERE id = 5");
    let e = chain::verify_file(&db_path(&t), Some(&head)).unwrap_err();
    assert_eq!(
        e,
        ChainError::Broken {
            id: 6,
            after: "row 4".into()
        }
    );
    let message = refused(&t, None);
    assert!(message.contains("row 6"), "{message}");
}

#[tokio::test]
async fn an_inserted_row_is_named() {
    let (t, head) = room_with_rows().await;
    let db = db_path(&t);
    let last = rows(&db);
    // In the middle: the rows after 5 move up one, a forged row takes 6.
    tamper(
        &db,
        "UPDATE audit_log SET id = id + 1000 WHERE id > 5;
         UPDATE audit_log SET id = id - 999 WHERE id > 1000;
         INSERT INTO audit_log (id, at_ms, actor, roles, action, detail, prev_hash, hash)
         SELECT 6, at_ms, 'beheer', 'admin', 'login', '{}', hash, hash FROM audit_log WHERE id = 5;",
    );
    assert_eq!(rows(&db), last + 1);
    let e = chain::verify_file(&db, None).unwrap_err();
    assert_eq!(e, ChainError::Rewritten { id: 6 });
    assert!(refused(&t, Some(&head)).contains("row 6"));
}

#[tokio::test]
async fn a_row_appended_with_a_correct_hash_is_caught_by_the_head_file() {
    let (t, head) = room_with_rows().await;
    let db = db_path(&t);
    let last = rows(&db);
    let c = Connection::open(&db).unwrap();
    let prev: String = c
        .query_row("SELECT hash FROM audit_log WHERE id = ?1", [last], |r| {
            r.get(0)
        })
        .unwrap();
    let id = last + 1;
    let hash = forge_hash(id, 1, "analyst", "analyst", "logout", "{}", None, &prev);
    c.execute(
        "INSERT INTO audit_log (id, at_ms, actor, roles, action, detail, prev_hash, hash)
         VALUES (?1, 1, 'analyst', 'analyst', 'logout', '{}', ?2, ?3)",
        params![id, prev, hash],
    )
    .unwrap();
    // The chain itself holds: only the head file tells.
    chain::verify_file(&db, None).unwrap();
    let e = chain::verify_file(&db, Some(&head)).unwrap_err();
    assert_eq!(e.row_id(), Some(id));
    assert!(matches!(e, ChainError::AfterHead { first, last: l, .. } if first == id && l == id));
}

#[tokio::test]
async fn a_deleted_tail_is_caught_by_the_head_file() {
    let (t, head) = room_with_rows().await;
    let db = db_path(&t);
    let last = rows(&db);
    tamper(
        &db,
        &format!("DELETE FROM audit_log WHERE id >= {}", last - 1),
    );
    // Without the head file, a shorter chain is a valid chain.
    chain::verify_file(&db, None).unwrap();
    let e = chain::verify_file(&db, Some(&head)).unwrap_err();
    assert!(
        matches!(&e, ChainError::HeadMissing { head_id, .. } if *head_id == last),
        "{e:?}"
    );
    assert!(e.to_string().contains(&format!("row {last}")), "{e}");
    assert!(refused(&t, Some(&head)).contains(&format!("row {last}")));
}

#[tokio::test]
async fn a_rechained_log_is_caught_by_the_head_file() {
    let (t, head) = room_with_rows().await;
    let db = db_path(&t);
    // Rewrite row 2 and recompute every hash after it.
    tamper(&db, "UPDATE audit_log SET actor = 'someone' WHERE id = 2");
    let c = Connection::open(&db).unwrap();
    type Row = (i64, i64, String, String, String, String, Option<Vec<u8>>);
    let all: Vec<Row> = c
        .prepare(
            "SELECT id, at_ms, actor, roles, action, detail, item_ids FROM audit_log ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = chain::GENESIS.to_string();
    for (id, at_ms, actor, roles, action, detail, ids) in all {
        let (target, reason): (Option<String>, Option<String>) = c
            .query_row(
                "SELECT target, reason FROM audit_log WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let hash = chain_hash(
            id,
            at_ms,
            &actor,
            &roles,
            &action,
            target.as_deref(),
            reason.as_deref(),
            &detail,
            ids.as_deref(),
            &prev,
        );
        c.execute(
            "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE id = ?3",
            params![prev, hash, id],
        )
        .unwrap();
        prev = hash;
    }
    chain::verify_file(&db, None).expect("a consistently recomputed chain holds by itself");
    let e = chain::verify_file(&db, Some(&head)).unwrap_err();
    assert!(matches!(e, ChainError::HeadMismatch { .. }), "{e:?}");
}

#[tokio::test]
async fn a_broken_log_can_be_started_deliberately_and_keeps_failing_verification() {
    let (t, head) = room_with_rows().await;
    tamper(&db_path(&t), "DELETE FROM audit_log WHERE id = 3");
    let config = RoomConfig {
        database: db_path(&t),
        audit_head_file: Some(head.clone()),
        audit_verify_at_start: false,
        password_hash: CHEAP,
        ..RoomConfig::default()
    };
    let before = std::fs::read(&head).unwrap();
    let room = Arc::new(
        Room::new(
            config,
            Default::default(),
            t.store.clone(),
            lexicon_dir(t.dir.path()),
        )
        .expect("starts when told to"),
    );
    drop(room);
    assert_eq!(
        std::fs::read(&head).unwrap(),
        before,
        "the head file is evidence"
    );
    let e = chain::verify_file(&db_path(&t), Some(&head)).unwrap_err();
    assert_eq!(e.row_id(), Some(4));
}

/// The encoding `websense-room` hashes, written out again here from its description, so a
/// forger's view of it is tested too.
#[allow(clippy::too_many_arguments)]
fn chain_hash(
    id: i64,
    at_ms: i64,
    actor: &str,
    roles: &str,
    action: &str,
    target: Option<&str>,
    reason: Option<&str>,
    detail: &str,
    item_ids: Option<&[u8]>,
    prev: &str,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"websense audit row v1\0");
    for v in [id, at_ms] {
        h.update([b'i']);
        h.update(v.to_be_bytes());
    }
    let mut field = |tag: u8, v: Option<&[u8]>| match v {
        None => h.update([b'n']),
        Some(v) => {
            h.update([tag]);
            h.update((v.len() as u64).to_be_bytes());
            h.update(v);
        }
    };
    field(b't', Some(actor.as_bytes()));
    field(b't', Some(roles.as_bytes()));
    field(b't', Some(action.as_bytes()));
    field(b't', target.map(str::as_bytes));
    field(b't', reason.map(str::as_bytes));
    field(b't', Some(detail.as_bytes()));
    field(b'b', item_ids);
    field(b't', Some(prev.as_bytes()));
    hex::encode(h.finalize())
}

#[allow(clippy::too_many_arguments)]
fn forge_hash(
    id: i64,
    at_ms: i64,
    actor: &str,
    roles: &str,
    action: &str,
    detail: &str,
    item_ids: Option<&[u8]>,
    prev: &str,
) -> String {
    chain_hash(
        id, at_ms, actor, roles, action, None, None, detail, item_ids, prev,
    )
}

/// A room database from before the chain (the first two room migrations, as they shipped),
/// with rows: opening it chains them, and they verify.
#[tokio::test]
async fn rows_written_before_the_chain_are_chained_by_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("room.db");
    {
        let mut c = websense_room::db::open_file(&db).unwrap();
        websense_signals::db::migrate(&mut c).unwrap();
        websense_room::db::apply_migrations(
            &mut c,
            "room",
            &[
                (1, "before the chain", LEGACY_SCHEMA),
                (2, "saves", "SELECT 1;"),
            ],
        )
        .unwrap();
        for (i, actor) in ["analyst", "admin", "curator"].iter().enumerate() {
            c.execute(
                "INSERT INTO audit_log (at_ms, actor, roles, action, detail)
                 VALUES (?1, ?2, ?2, 'login', '{}')",
                params![i as i64, actor],
            )
            .unwrap();
        }
    }
    let room = websense_room::RoomDb::open(&db).unwrap();
    let report = chain::verify_file(&db, None).unwrap();
    assert_eq!(report.rows, 3);
    // And new rows continue the chain.
    append_logout(&room);
    assert_eq!(chain::verify_file(&db, None).unwrap().rows, 4);
    // Writing around the room without a hash is refused by the database itself.
    let e = room
        .blocking(|c| {
            c.execute(
                "INSERT INTO audit_log (at_ms, actor, roles, action, detail)
                 VALUES (1, 'x', '', 'login', '{}')",
                [],
            )
        })
        .unwrap_err();
    assert!(e.to_string().contains("hash-chained"), "{e}");
}

const LEGACY_SCHEMA: &str = r#"
CREATE TABLE accounts (name TEXT PRIMARY KEY NOT NULL, roles TEXT NOT NULL,
    password_hash TEXT NOT NULL, created_ms INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE sessions (token_hash TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (name), created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL);
CREATE INDEX sessions_expiry ON sessions (expires_ms);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL, roles TEXT NOT NULL, action TEXT NOT NULL, target TEXT, reason TEXT,
    detail TEXT NOT NULL);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE INDEX audit_log_actor ON audit_log (actor, at_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE lexicon_versions (version TEXT PRIMARY KEY NOT NULL, first_seen_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL, categories INTEGER NOT NULL, terms INTEGER NOT NULL);
CREATE TABLE lexicon_saves (version TEXT PRIMARY KEY NOT NULL, saved_ms INTEGER NOT NULL,
    saved_by TEXT NOT NULL, reason TEXT NOT NULL, previous_version TEXT, files TEXT NOT NULL);
CREATE TABLE rejected_terms (term TEXT PRIMARY KEY NOT NULL, rejected_ms INTEGER NOT NULL,
    rejected_by TEXT NOT NULL, reason TEXT);
"#;
