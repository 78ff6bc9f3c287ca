//! The ClickHouse store against the real server: exactness when rows arrive twice in ways only
//! a cluster produces (zombie writers, a crash between inserts), batching, failures. The shared
//! scenario runs in `equality.rs`.

mod common;

use common::*;
use websense_store::*;
use websense_testkit::services::{clickhouse_url, unique};

async fn count(url: &str, sql: &str) -> u64 {
    raw_client(url).query(sql).fetch_one::<u64>().await.unwrap()
}

async fn run(url: &str, sql: &str) {
    raw_client(url).query(sql).execute().await.unwrap();
}

async fn wait_for_mutations(url: &str, db: &str) {
    for _ in 0..600 {
        let running = count(
            url,
            &format!(
                "SELECT count() FROM system.mutations WHERE database = '{db}' AND is_done = 0"
            ),
        )
        .await;
        if running == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("mutations in {db} did not finish");
}

#[tokio::test]
async fn rows_written_twice_by_a_zombie_writer_are_counted_once() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("zombie");
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let items = generate(21, 300);
    let mut oracle = Oracle::default();
    for batch in batches(&items, 100) {
        assert_eq!(
            store.write(batch.clone()).await.unwrap(),
            oracle.write(&batch)
        );
    }
    // A writer that was declared dead (and skipped the id check) inserts everything again,
    // through the same materialized views.
    let rows_before = count(&url, &format!("SELECT count() FROM {db}.matches")).await;
    for table in ["matches", "scores", "items", "item_ids"] {
        run(
            &url,
            &format!("INSERT INTO {db}.{table} SELECT * FROM {db}.{table}"),
        )
        .await;
    }
    assert_eq!(
        count(&url, &format!("SELECT count() FROM {db}.matches")).await,
        2 * rows_before
    );
    check_all(&store, &oracle, "zombie duplicates").await;
    // Merging the duplicated parts changes no answer either.
    for table in [
        "matches",
        "scores",
        "items",
        "item_ids",
        "trend_categories",
        "trend_terms",
        "trend_municipality_categories",
        "trend_municipality_terms",
    ] {
        run(&url, &format!("OPTIMIZE TABLE {db}.{table} FINAL")).await;
    }
    check_all(&store, &oracle, "zombie duplicates, merged").await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn a_schema_3_database_gets_the_municipalities_and_counts_new_items_by_them() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("schema3");
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    assert_eq!(store.migrate().await.unwrap(), 4);
    // Schema 3 kept no municipalities: the items it can hold. Those written after the
    // migration have them.
    let mut items = generate(25, 400);
    for s in &mut items[..250] {
        s.places.clear();
        s.municipalities.clear();
    }
    let mut oracle = Oracle::default();
    oracle.write(&items[..250]);
    store.write(items[..250].to_vec()).await.unwrap();
    // Back to schema 3: without the views, tables and columns of 4, and its version row.
    for sql in [
        "DROP TABLE {db}.trend_municipality_categories_mv",
        "DROP TABLE {db}.trend_municipality_terms_mv",
        "DROP TABLE {db}.trend_municipality_categories",
        "DROP TABLE {db}.trend_municipality_terms",
        "ALTER TABLE {db}.items DROP COLUMN municipalities",
        "ALTER TABLE {db}.items DROP COLUMN places",
        "ALTER TABLE {db}.matches DROP COLUMN municipalities",
        "ALTER TABLE {db}.scores DROP COLUMN municipalities",
        "ALTER TABLE {db}.schema_migrations DELETE WHERE version = 4",
    ] {
        run(&url, &sql.replace("{db}", &db)).await;
    }
    wait_for_mutations(&url, &db).await;
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    assert_eq!(store.migrate().await.unwrap(), 4);
    check_all(&store, &oracle, "migrated from schema 3").await;
    oracle.write(&items[250..]);
    store.write(items[250..].to_vec()).await.unwrap();
    check_all(&store, &oracle, "written after the migration").await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn a_crash_before_the_ids_are_written_is_repaired_by_redelivery() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("crash");
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let items = generate(22, 200);
    let mut oracle = Oracle::default();
    oracle.write(&items);
    store.write(items.clone()).await.unwrap();
    // As if the writer died after inserting hits, scores and items of 50 items, but before
    // their ids: the batch is not acknowledged and arrives again (maybe at another replica).
    let lost: Vec<String> = items[100..150]
        .iter()
        .map(|s| format!("'{}'", s.item.id))
        .collect();
    run(
        &url,
        &format!(
            "ALTER TABLE {db}.item_ids DELETE WHERE id IN ({})",
            lost.join(",")
        ),
    )
    .await;
    wait_for_mutations(&url, &db).await;
    let replica = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    let summary = replica.write(items[80..180].to_vec()).await.unwrap();
    assert_eq!(
        summary,
        WriteSummary {
            written: 50,
            duplicates: 50
        }
    );
    assert_eq!(
        count(&url, &format!("SELECT count() FROM {db}.items")).await,
        250,
        "50 items are in twice"
    );
    check_all(&store, &oracle, "after crash and redelivery").await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn concurrent_writes_are_batched_and_each_gets_its_own_summary() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("concurrent");
    let config = ClickhouseConfig {
        batch_rows: 500,
        batch_wait: std::time::Duration::from_millis(200),
        ..clickhouse_config(&url, &db)
    };
    let store = std::sync::Arc::new(ClickhouseStore::connect(config).await.unwrap());
    store.migrate().await.unwrap();
    let items = generate(23, 400);
    let mut oracle = Oracle::default();
    oracle.write(&items);
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        let items = items.clone();
        tasks.push(tokio::spawn(async move {
            let mut total = WriteSummary::default();
            for chunk in items[w * 50..].chunks(30) {
                let s = store.write(chunk.to_vec()).await.unwrap();
                assert_eq!(s.written + s.duplicates, chunk.len());
                total.written += s.written;
                total.duplicates += s.duplicates;
            }
            total
        }));
    }
    let mut written = 0;
    for t in tasks {
        written += t.await.unwrap().written;
    }
    assert_eq!(
        written, 400,
        "every item written exactly once across writers"
    );
    // Far fewer inserts than writes: the writer batched them.
    let parts = count(
        &url,
        &format!("SELECT count() FROM system.parts WHERE database = '{db}' AND table = 'item_ids'"),
    )
    .await;
    assert!(parts < 30, "{parts} parts for 40 writes");
    check_all(store.as_ref(), &oracle, "concurrent").await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn a_write_that_cannot_be_stored_fails_after_its_retries() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("failing");
    let config = ClickhouseConfig {
        max_attempts: 2,
        ..clickhouse_config(&url, &db)
    };
    let store = ClickhouseStore::connect(config).await.unwrap();
    store.migrate().await.unwrap();
    run(&url, &format!("DROP TABLE {db}.items")).await;
    let err = store.write(generate(24, 10)).await.unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("after 2 attempts") && message.contains("items"),
        "{message}"
    );
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn unreachable_server_and_bad_names_are_clear_errors() {
    let Some(_) = clickhouse_url() else { return };
    let config = ClickhouseConfig {
        url: "http://127.0.0.1:9".into(),
        ..ClickhouseConfig::default()
    };
    let err = ClickhouseStore::connect(config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("cannot reach http://127.0.0.1:9"), "{err}");
    let config = ClickhouseConfig {
        database: "x; DROP".into(),
        ..ClickhouseConfig::default()
    };
    let err = ClickhouseStore::connect(config)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("letters, digits"), "{err}");
}

#[tokio::test]
async fn the_identity_is_made_once_and_its_generation_counts_up() {
    let Some(url) = clickhouse_url() else { return };
    let db = unique("identity");
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.identity().await.unwrap(), None);
    let first = store.next_generation().await.unwrap();
    assert_eq!((first.generation, first.id.len()), (1, 36));
    let second = store.next_generation().await.unwrap();
    assert_eq!(
        (second.id.as_str(), second.generation),
        (first.id.as_str(), 2)
    );
    let again = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    assert_eq!(again.identity().await.unwrap(), Some(second));
    run(&url, &format!("DROP DATABASE {db}")).await;
}
