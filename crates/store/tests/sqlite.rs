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
        retention: None,
        ..Default::default()
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

#[tokio::test]
async fn a_failed_write_leaves_no_name_ids_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    let store = SqliteStore::open(&path).await.unwrap();
    store.migrate().await.unwrap();
    let whole = TimeRange::new(
        base_time() - chrono::Duration::days(1),
        base_time() + chrono::Duration::days(6),
    );
    let trend = TrendQuery {
        bucket: BucketSize::Hour,
        range: whole,
        filter: Filter::default(),
    };
    // An empty store answers every question with nothing.
    assert!(store
        .category_trend("complot", &trend)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .term_trend("complot", "gif", &trend)
        .await
        .unwrap()
        .is_empty());
    let counts = TermCountsQuery {
        current: whole,
        category: None,
        filter: Filter::default(),
    };
    assert!(store.term_counts(&counts).await.unwrap().is_empty());

    // The first write mints every name (sources, tags, languages, categories, terms), then
    // fails at the roll-ups: its transaction, with those names, is rolled back.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON trend_categories
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .unwrap();
    let items = generate(5, 300);
    let err = store.write(items[..150].to_vec()).await.unwrap_err();
    assert!(err.to_string().contains("refused by the test"), "{err}");
    raw.execute_batch("DROP TRIGGER refuse").unwrap();

    // Written again, in another order, the names get ids that exist; ids the writer had cached
    // from the failed write would count items under names that are not stored.
    let mut oracle = Oracle::default();
    let mut reordered = items.clone();
    reordered.reverse();
    for batch in reordered.chunks(100) {
        assert_eq!(
            store.write(batch.to_vec()).await.unwrap(),
            oracle.write(batch)
        );
    }
    check_all(&store, &oracle, "after a failed write").await;
}

#[tokio::test]
async fn two_stores_on_one_file_agree_on_the_name_ids() {
    // Two processes on one file: each writer keeps its own name ids; they must be the same.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ws.db");
    let first = SqliteStore::open(&path).await.unwrap();
    let second = SqliteStore::open(&path).await.unwrap();
    first.migrate().await.unwrap();
    second.migrate().await.unwrap();
    let items = generate(13, 400);
    let mut oracle = Oracle::default();
    oracle.write(&items);
    let (a, b) = tokio::join!(
        async {
            let mut written = 0;
            for chunk in items.chunks(40).step_by(2) {
                written += first.write(chunk.to_vec()).await.unwrap().written;
            }
            written
        },
        async {
            let mut written = 0;
            for chunk in items.chunks(40).skip(1).step_by(2) {
                written += second.write(chunk.to_vec()).await.unwrap().written;
            }
            written
        }
    );
    assert_eq!(a + b, 400);
    check_all(&first, &oracle, "first store").await;
    check_all(&second, &oracle, "second store").await;
}

#[tokio::test]
async fn a_pre_release_database_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE item_tags (item_seq INTEGER NOT NULL, tag TEXT NOT NULL)")
        .unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    let err = store.migrate().await.unwrap_err().to_string();
    assert!(
        err.contains("pre-release") && err.contains("old.db"),
        "{err}"
    );
}

#[tokio::test]
async fn a_schema_1_database_gets_the_unfiltered_roll_up_from_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    // Schema 1 kept no method or context per hit, nor municipalities: the items a schema-1
    // file can hold. Those written after the migration have them.
    let mut items = generate(21, 500);
    for hit in items.iter_mut().flat_map(|s| &mut s.matches) {
        hit.method = websense_model::MatchMethod::Exact;
        hit.context.clear();
    }
    for s in &mut items[..300] {
        s.places.clear();
        s.municipalities.clear();
    }
    let mut oracle = Oracle::default();
    {
        let store = SqliteStore::open(&path).await.unwrap();
        store.migrate().await.unwrap();
        for batch in items[..300].chunks(60) {
            oracle.write(batch);
            store.write(batch.to_vec()).await.unwrap();
        }
    }
    // Back to schema 1: without the table, and without its version row.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP TABLE trend_category_totals; DROP TABLE store_meta; \
             ALTER TABLE matches DROP COLUMN method; ALTER TABLE matches DROP COLUMN context; \
             ALTER TABLE items DROP COLUMN municipality_list; ALTER TABLE items DROP COLUMN places; \
             DROP TABLE municipality_lists; DROP TABLE municipality_list_members; \
             DROP TABLE trend_municipality_categories; DROP TABLE trend_municipality_terms; \
             DELETE FROM schema_migrations WHERE version >= 2",
        )
        .unwrap();
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(store.migrate().await.unwrap(), 5);
    check_all(&store, &oracle, "migrated from schema 1").await;
    // Writes after the migration count in both roll-ups.
    for batch in items[300..].chunks(60) {
        oracle.write(batch);
        store.write(batch.to_vec()).await.unwrap();
    }
    check_all(&store, &oracle, "written after the migration").await;
}
