//! What only the embedded store can show: a file on disk, reopened; concurrent access.
//! The shared scenario runs in `equality.rs`.

mod common;

use common::*;
use websense_store::*;

#[tokio::test]
async fn writes_survive_reopening_and_the_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/ws.db");
    let config = StoreConfig::Embedded(EmbeddedConfig {
        path: path.clone(),
        retention_days: None,
    });
    let items = generate(3, 120);
    let mut oracle = Oracle::default();
    {
        let store = config.open().await.unwrap();
        assert_eq!(store.backend(), "embedded");
        oracle.write(&items);
        let sink = scored_sink(store.clone());
        sink.send_scored(items[..60].to_vec()).await.unwrap();
        sink.send_scored(items[60..].to_vec()).await.unwrap();
    }
    let store = config.open().await.unwrap();
    let q = TotalsQuery::default();
    assert_eq!(store.totals(&q).await.unwrap(), oracle.totals(&q));
    assert_eq!(
        store.write(items.clone()).await.unwrap(),
        WriteSummary {
            written: 0,
            duplicates: 120
        }
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let err = SqliteStore::open(":memory:")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("needs a file path"), "{err}");
}

#[tokio::test]
async fn concurrent_writers_and_readers_agree_with_the_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(dir.path().join("ws.db")).await.unwrap());
    store.migrate().await.unwrap();
    let items = generate(11, 400);
    let mut oracle = Oracle::default();
    oracle.write(&items);
    // Four writers with overlapping batches: every item exactly once, whoever wins.
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        let items = items.clone();
        tasks.push(tokio::spawn(async move {
            let mut written = 0;
            for chunk in items[w * 50..].chunks(70) {
                written += store.write(chunk.to_vec()).await.unwrap().written;
                store.totals(&TotalsQuery::default()).await.unwrap();
            }
            written
        }));
    }
    let mut written = 0;
    for t in tasks {
        written += t.await.unwrap();
    }
    assert_eq!(written, 400);
    check_all(store.as_ref(), &oracle, "concurrent").await;
}
