//! The embedded store's file as an attacker with a copy of it, or an operator with a small
//! disk, sees it: who may read it, whether purged text is still in its bytes, how large its
//! WAL grows, whether a damaged page is noticed, and the store's identity.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use std::path::Path;
use websense_store::*;

const MARKER: &str = "QXZMARKERQXZ";

/// Generated items whose title, text, url and author all carry `MARKER`.
fn marked(seed: u64, n: usize) -> Vec<websense_model::ScoredItem> {
    let mut items = generate(seed, n);
    for (i, s) in items.iter_mut().enumerate() {
        s.item.text = format!("{MARKER} tekst {i} {}", "vulling ".repeat(20));
        s.item.title = Some(format!("{MARKER} kop {i}"));
        s.item.url = Some(format!("https://example.org/{MARKER}/{i}"));
        s.item.author = Some(websense_model::Author {
            pseudonym: websense_model::Pseudonym(format!("p_{MARKER}_{i}")),
            handle: Some(format!("@{MARKER}{i}")),
        });
    }
    items
}

/// Where `MARKER` occurs in the database file and its WAL, if anywhere.
fn marker_in_files(db: &Path) -> Vec<String> {
    sqlite_file::companions(db)
        .iter()
        .filter_map(|file| {
            let bytes = std::fs::read(file).ok()?;
            let hits = bytes
                .windows(MARKER.len())
                .filter(|w| *w == MARKER.as_bytes())
                .count();
            (hits > 0).then(|| format!("{}: {hits} times", file.display()))
        })
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[tokio::test]
async fn the_file_and_its_wal_are_readable_by_the_owner_only_and_loose_ones_are_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/websense.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    store.write(generate(1, 50)).await.unwrap();
    let files = sqlite_file::companions(&path);
    for file in &files {
        assert!(file.exists(), "{} should exist while open", file.display());
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    // A file made by an older release (or copied with cp) is world-readable: tightened.
    for file in &files[..2] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let again = SqliteStore::open(&path).await.unwrap();
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    drop((store, again));
}

#[tokio::test]
async fn purged_raw_text_is_gone_from_the_file_and_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let items = marked(2, 400);
    for chunk in items.chunks(100) {
        store.write(chunk.to_vec()).await.unwrap();
    }
    store.totals(&TotalsQuery::default()).await.unwrap();
    assert!(!marker_in_files(&path).is_empty(), "the marker is written");
    let purged = store
        .purge_raw_text(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(purged, 400);
    // Still open, as a running Room would be: the bytes on disk must not hold the text.
    let left = marker_in_files(&path);
    assert!(left.is_empty(), "purged text still on disk: {left:?}");
    assert_eq!(
        store.totals(&TotalsQuery::default()).await.unwrap().items,
        400,
        "counts stay"
    );
}

#[tokio::test]
async fn items_dropped_by_retention_are_gone_from_the_file_and_its_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    for chunk in marked(3, 400).chunks(100) {
        store.write(chunk.to_vec()).await.unwrap();
    }
    let dropped = store
        .drop_older_than(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    assert_eq!(dropped, 400);
    let left = marker_in_files(&path);
    assert!(left.is_empty(), "dropped items still on disk: {left:?}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let free: i64 = conn
        .query_row("PRAGMA freelist_count", [], |r| r.get(0))
        .unwrap();
    assert_eq!(free, 0, "free pages go back to the file system");
}

#[tokio::test]
async fn the_wal_stays_under_its_configured_bound_during_a_write_burst() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    // Half of it is the checkpoint threshold; the other half must hold one batch (~0.5 MiB).
    let bound = 2 * sqlite_file::MIN_WAL_MAX_BYTES;
    let config = StoreConfig::Embedded(EmbeddedConfig {
        path: path.clone(),
        wal_max_bytes: bound,
        ..Default::default()
    });
    let store = config.open().await.unwrap();
    let wal = sqlite_file::companions(&path)[1].clone();
    let mut largest = 0;
    for (n, chunk) in generate(4, 6000).chunks(50).enumerate() {
        store
            .write(
                chunk
                    .iter()
                    .cloned()
                    .map(|mut s| {
                        s.item.text = format!("{} {}", s.item.text, "tekst ".repeat(100));
                        s
                    })
                    .collect(),
            )
            .await
            .unwrap();
        largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        assert!(
            largest <= bound,
            "WAL of {largest} bytes after batch {n}, bound {bound}"
        );
    }
    let db = std::fs::metadata(&path).unwrap().len();
    assert!(db > 3 * bound, "the burst outgrew the bound: {db} bytes");
    println!("wal_max_bytes {bound}: largest WAL {largest} bytes, database {db} bytes");
    // Configured below the minimum: refused, naming the key.
    let tiny = StoreConfig::Embedded(EmbeddedConfig {
        path: path.clone(),
        wal_max_bytes: 4096,
        ..Default::default()
    });
    let err = tiny.open().await.err().unwrap().to_string();
    assert!(err.contains("wal_max_bytes"), "{err}");
}

#[tokio::test]
async fn a_damaged_page_is_reported_at_open_with_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        store.write(generate(5, 300)).await.unwrap();
    }
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'items'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let page_size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (root, page_size)
    };
    // Overwrite the items table's root page, past its header, as a torn write would.
    let mut bytes = std::fs::read(&path).unwrap();
    let start = ((root - 1) * page_size) as usize;
    bytes[start + 8..start + page_size as usize].fill(0xA5);
    std::fs::write(&path, bytes).unwrap();
    let err = match SqliteStore::open(&path).await {
        Ok(store) => match store.migrate().await {
            Ok(_) => panic!("a damaged file opened without complaint"),
            Err(e) => e.to_string(),
        },
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("is damaged") && err.contains("ws.db") && err.contains("backup"),
        "{err}"
    );
}

#[tokio::test]
async fn a_file_made_without_incremental_vacuum_is_rebuilt_once_at_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA auto_vacuum = NONE; CREATE TABLE older (x TEXT);")
            .unwrap();
    }
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: i64 = conn
        .query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, 2, "incremental");
}

#[tokio::test]
async fn the_identity_is_made_once_and_its_generation_counts_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.identity().await.unwrap(), None);
    let first = store.next_generation().await.unwrap();
    assert_eq!(first.generation, 1);
    assert_eq!(first.id.len(), 36, "a UUID: {}", first.id);
    let second = store.next_generation().await.unwrap();
    assert_eq!(
        (second.id.as_str(), second.generation),
        (first.id.as_str(), 2)
    );
    drop(store);
    let reopened = SqliteStore::open(&path).await.unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(reopened.identity().await.unwrap(), Some(second));
    let other = SqliteStore::open(dir.path().join("other.db"))
        .await
        .unwrap();
    other.migrate().await.unwrap();
    assert_ne!(other.next_generation().await.unwrap().id, first.id);
}
