//! The lean range read (`Store::range_texts`, `RangeTextReader`) and `Store::range_count`:
//! the same items, order, cursors, hits and scores as the full range read, with and without
//! filters, for any page size, purged items included. Against the embedded store (which
//! reads it its own way) and ClickHouse (the default, from the full read).

mod common;

use chrono::Duration;
use common::*;
use std::sync::Arc;
use websense_store::*;
use websense_testkit::services::{clickhouse_url, unique};

async fn full_pages(
    store: &dyn Store,
    range: TimeRange,
    filter: &Filter,
    size: usize,
) -> Vec<RangePage> {
    let mut query = RangeQuery::new(range, filter.clone(), size);
    let mut out = Vec::new();
    loop {
        let page = store.range_items(&query).await.unwrap();
        let next = page.next.clone();
        out.push(page);
        match next {
            Some(next) => query.after = Some(next),
            None => return out,
        }
    }
}

async fn lean_agrees(store: Arc<dyn Store>) {
    store.migrate().await.unwrap();
    // Written out of event order, so that pages hold far-apart `seq`s (read by list) as well
    // as close ones (pages of one item, read as a `seq` range).
    let mut items = generate(43, 600);
    items.sort_by_key(|s| s.item.id.0.clone());
    for batch in batches(&items, 100) {
        store.write(batch).await.unwrap();
    }
    store
        .purge_raw_text(base_time() + Duration::hours(30))
        .await
        .unwrap();
    let whole = TimeRange::new(base_time(), base_time() + Duration::days(6));
    let small = TimeRange::new(
        base_time() + Duration::hours(20),
        base_time() + Duration::hours(50),
    );
    let mut purged = 0;
    for filter in &filters() {
        for range in [whole, small] {
            for size in [1, 7, 100, 100_000] {
                if size == 1 && range != small {
                    continue; // a page per item: the small range shows it, and quicker
                }
                let full = full_pages(store.as_ref(), range, filter, size).await;
                let mut query = RangeQuery::new(range, filter.clone(), size);
                for page in &full {
                    let lean = store.range_texts(&query).await.unwrap();
                    let want: Vec<RangeText> =
                        page.items.iter().cloned().map(RangeText::of).collect();
                    assert_eq!(lean.items, want, "{filter:?} {range:?} page size {size}");
                    assert_eq!(lean.next, page.next);
                    purged += lean.items.iter().filter(|t| t.text_purged).count();
                    query.after = lean.next;
                }
                let count: usize = full.iter().map(|p| p.items.len()).sum();
                assert_eq!(
                    store.range_count(range, filter).await.unwrap(),
                    count as u64,
                    "{filter:?} {range:?}"
                );
                let mut reader = RangeTextReader::new(
                    store.clone(),
                    RangeQuery::new(range, filter.clone(), size),
                );
                let mut read = 0;
                while let Some(page) = reader.next_page().await.unwrap() {
                    assert!(!page.is_empty());
                    read += page.len();
                }
                assert_eq!(read, count);
            }
        }
    }
    assert!(purged > 0, "purged items are read too");
}

#[tokio::test]
async fn embedded_lean_read_agrees_with_the_full_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    lean_agrees(Arc::new(store)).await;
}

#[tokio::test]
async fn clickhouse_lean_read_agrees_with_the_full_read() {
    let Some(url) = clickhouse_url() else {
        return;
    };
    let db = unique("range_texts");
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    lean_agrees(Arc::new(store)).await;
    drop_database(&url, &db).await;
}
