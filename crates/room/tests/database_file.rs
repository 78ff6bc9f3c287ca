//! The room database as a file: who may read it, and a damaged page noticed at start rather
//! than as a 500 at the next login.

use websense_room::accounts::{create_account, Role};
use websense_room::db::RoomDb;

fn with_accounts(path: &std::path::Path) {
    let db = RoomDb::open(path).unwrap();
    db.blocking(|c| {
        for n in 0..40 {
            let name = format!("medewerker{n}");
            create_account(
                c,
                &name,
                &[Role::Analyst],
                "$argon2id$x",
                chrono::Utc::now(),
            )
            .unwrap();
        }
    });
}

#[cfg(unix)]
#[test]
fn the_room_database_and_its_wal_are_readable_by_the_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("room/room.db");
    let db = RoomDb::open(&path).unwrap();
    db.blocking(|c| {
        create_account(
            c,
            "beheer",
            &[Role::Admin],
            "$argon2id$x",
            chrono::Utc::now(),
        )
        .unwrap()
    });
    for file in websense_store::sqlite_file::companions(&path) {
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
}

#[test]
fn a_damaged_page_of_the_room_database_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("room.db");
    with_accounts(&path);
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        (
            conn.query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'accounts'",
                [],
                |r| r.get(0),
            )
            .unwrap(),
            conn.query_row("PRAGMA page_size", [], |r| r.get(0))
                .unwrap(),
        )
    };
    // A torn write over the accounts table, past its page header.
    let mut bytes = std::fs::read(&path).unwrap();
    let start = ((root - 1) * page_size) as usize;
    bytes[start + 8..start + page_size as usize].fill(0xA5);
    std::fs::write(&path, bytes).unwrap();
    let err = match RoomDb::open(&path) {
        Ok(_) => panic!("a damaged room database opened; logins would fail with 500"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("room.db") && err.contains("is damaged") && err.contains("backup"),
        "{err}"
    );
}
