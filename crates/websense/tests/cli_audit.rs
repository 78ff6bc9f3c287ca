//! `websense audit verify --config FILE`: exit 0 on an intact log; exit 1 naming the first
//! broken row after the room database was edited with SQLite directly.

use std::path::Path;
use std::process::{Command, Output};
use websense_room::audit::{self, NewEntry};
use websense_room::RoomDb;

fn write_config(dir: &Path) -> std::path::PathBuf {
    let config = dir.join("websense.toml");
    std::fs::write(
        &config,
        "[store]\nbackend = \"embedded\"\npath = \"data/websense.db\"\n\
         [room]\ndatabase = \"data/room.db\"\naudit_head_file = \"head/audit-head.json\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("head")).unwrap();
    config
}

/// Six rows written by the room's own code, with the head file kept.
fn write_rows(dir: &Path) {
    let mut db = RoomDb::open(dir.join("data/room.db")).unwrap();
    db.export_audit_head(dir.join("head/audit-head.json"));
    for (i, actor) in ["analist", "beheer", "curator", "i2o", "analist", "beheer"]
        .iter()
        .enumerate()
    {
        db.blocking(|c| {
            audit::append_read(
                c,
                chrono::Utc::now(),
                &NewEntry {
                    actor,
                    roles: "analyst",
                    action: "read_items",
                    target: Some("bucket 1h 2026-01-01T00:00:00+00:00"),
                    reason: None,
                    detail: serde_json::json!({ "n": i }),
                },
                &["0123456789abcdef0123456789abcdef", "it-7"],
            )
            .unwrap()
        });
    }
}

fn verify(config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_websense"))
        .args(["audit", "verify", "--config"])
        .arg(config)
        .output()
        .unwrap()
}

fn tamper(dir: &Path, sql: &str) {
    let c = rusqlite::Connection::open(dir.join("data/room.db")).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DROP TRIGGER audit_log_chained;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

#[test]
fn verify_passes_an_intact_log_and_names_the_first_broken_row() {
    for (sql, named) in [
        (
            "UPDATE audit_log SET reason = 'nothing to see' WHERE id = 2",
            "row 2",
        ),
        ("DELETE FROM audit_log WHERE id = 3", "row 4"),
        ("DELETE FROM audit_log WHERE id >= 5", "row 6"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(dir.path());
        write_rows(dir.path());
        let ok = verify(&config);
        let stdout = String::from_utf8_lossy(&ok.stdout);
        assert!(
            ok.status.success(),
            "{stdout} {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(stdout.contains("intact: 6 rows"), "{stdout}");
        assert!(stdout.contains("head file"), "{stdout}");

        tamper(dir.path(), sql);
        let broken = verify(&config);
        let stderr = String::from_utf8_lossy(&broken.stderr);
        assert_eq!(broken.status.code(), Some(1), "{sql}: {stderr}");
        assert!(stderr.contains(named), "{sql}: {stderr}");
    }
}

#[test]
fn a_missing_database_is_a_clear_error_not_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let out = verify(&config);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("room.db"), "{stderr}");
}
