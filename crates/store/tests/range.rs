//! The range read (`Store::range_items`, `RangeReader`): every item of a time range once, in
//! (event time, id) order, a page at a time after a cursor; pages that cross midnight; items
//! that arrive while paging; any page size; empty ranges. Against the embedded store and
//! ClickHouse, both checked against the oracle (and so against each other).

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use std::collections::{BTreeSet, HashSet};
use websense_model::ScoredItem;
use websense_store::*;
use websense_testkit::services::{clickhouse_url, unique};

const DAY_MS: i64 = 86_400_000;

/// What a range read must give: the oracle's items of the range, by (event time, id).
fn expected(oracle: &Oracle, range: &TimeRange, filter: &Filter) -> Vec<StoredItem> {
    let (lo, hi) = (range.from.timestamp_millis(), range.to.timestamp_millis());
    let mut selected: Vec<&ScoredItem> = oracle
        .items
        .values()
        .filter(|s| (lo..hi).contains(&event_ms(s)) && matches_filter(s, filter))
        .collect();
    selected.sort_by(|a, b| {
        event_ms(a)
            .cmp(&event_ms(b))
            .then(a.item.id.cmp(&b.item.id))
    });
    selected
        .into_iter()
        .map(|s| oracle.expected_stored(s))
        .collect()
}

fn key(s: &StoredItem) -> (i64, String) {
    let ms = s.item.event_time().timestamp_millis();
    (ms, s.item.id.0.clone())
}

/// Every page of a range, read with `RangeReader`.
async fn pages(
    store: &dyn Store,
    range: TimeRange,
    filter: &Filter,
    size: usize,
) -> Vec<Vec<StoredItem>> {
    let mut reader = RangeReader::new(store, RangeQuery::new(range, filter.clone(), size));
    let mut pages = Vec::new();
    while let Some(page) = reader.next_page().await.unwrap() {
        assert!(!page.is_empty(), "the reader gives no empty page");
        pages.push(page);
    }
    assert!(
        reader.next_page().await.unwrap().is_none(),
        "a read range stays read"
    );
    pages
}

async fn written(store: &dyn Store, seed: u64, n: usize) -> Oracle {
    store.migrate().await.unwrap();
    let mut oracle = Oracle::default();
    for batch in batches(&generate(seed, n), 100) {
        assert_eq!(
            store.write(batch.clone()).await.unwrap(),
            oracle.write(&batch)
        );
    }
    oracle
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// Pages of 7 over two and a half days, from noon to noon: the concatenation is the range in
/// order, pages are full but the last, some page holds items of two days, and a cursor
/// carried through JSON (as an API would) continues where it was.
async fn pages_cross_day_boundaries(store: &dyn Store) {
    let oracle = written(store, 41, 400).await;
    let from = base_time() + Duration::hours(36);
    let range = TimeRange::new(from, from + Duration::hours(60));
    let want = expected(&oracle, &range, &Filter::default());
    assert!(want.len() > 100, "{} items", want.len());

    let got = pages(store, range, &Filter::default(), 7).await;
    let (last, full) = got.split_last().unwrap();
    assert!(full.iter().all(|p| p.len() == 7));
    assert!(!last.is_empty() && last.len() <= 7);
    assert!(
        got.iter().any(|p| {
            let day = |s: &StoredItem| key(s).0.div_euclid(DAY_MS);
            day(&p[0]) != day(&p[p.len() - 1])
        }),
        "some page crosses midnight"
    );
    let flat: Vec<StoredItem> = got.into_iter().flatten().collect();
    assert_eq!(flat.len(), want.len());
    assert_eq!(flat, want);

    // The same read by hand, the cursor going through JSON between pages.
    let mut query = RangeQuery::new(range, Filter::default(), 7);
    let mut by_hand = Vec::new();
    loop {
        let page = store.range_items(&query).await.unwrap();
        by_hand.extend(page.items);
        match page.next {
            Some(next) => {
                let json = serde_json::to_string(&next).unwrap();
                query.after = Some(serde_json::from_str(&json).unwrap());
            }
            None => break,
        }
    }
    assert_eq!(by_hand, want);
}

/// Page size 1, a few, and one page for everything give the same sequence, the oracle's, with
/// and without filters.
async fn page_sizes_agree(store: &dyn Store) {
    let oracle = written(store, 42, 300).await;
    let whole = TimeRange::new(base_time(), base_time() + Duration::days(6));
    let small = TimeRange::new(
        base_time() + Duration::hours(44),
        base_time() + Duration::hours(56),
    );
    let mut filters = filters();
    filters.push(Filter {
        source: Some("no-such-source".into()),
        ..Filter::default()
    });
    for filter in &filters {
        for range in [whole, small] {
            let want = expected(&oracle, &range, filter);
            let one_page: Vec<StoredItem> = pages(store, range, filter, 100_000)
                .await
                .into_iter()
                .flatten()
                .collect();
            assert_eq!(one_page, want, "one page, {filter:?} {range:?}");
            for size in [7, 64, want.len().max(1)] {
                let got: Vec<StoredItem> = pages(store, range, filter, size)
                    .await
                    .into_iter()
                    .flatten()
                    .collect();
                assert_eq!(got, want, "pages of {size}, {filter:?} {range:?}");
            }
        }
    }
    // Page size 1 (and 0, read as 1) over the small range.
    let want = expected(&oracle, &small, &Filter::default());
    assert!(want.len() > 10, "{} items", want.len());
    for size in [1, 0] {
        let got = pages(store, small, &Filter::default(), size).await;
        assert!(got.iter().all(|p| p.len() == 1));
        let got: Vec<StoredItem> = got.into_iter().flatten().collect();
        assert_eq!(got, want, "pages of {size}");
    }
}

/// `n` new items (ids `late-{seed}-{i}`) at the given event times.
fn arriving(seed: u64, times: &[i64]) -> Vec<ScoredItem> {
    generate(seed, times.len())
        .into_iter()
        .zip(times)
        .enumerate()
        .map(|(i, (mut s, &t))| {
            s.item.id.0 = format!("late-{seed}-{i}");
            s.item.published_at = Some(at(t));
            s.item.fetched_at = at(t);
            s
        })
        .collect()
}

/// Items written between pages: earlier than the cursor (an offset would then read an item
/// twice), later than it, outside the range, and new versions of ids already read and not yet
/// read. Every item there at the start is read exactly once, in its first version; nothing is
/// read twice; items behind the cursor are not read, items ahead of it are.
async fn items_arriving_while_paging(store: &dyn Store) {
    let mut oracle = written(store, 43, 300).await;
    let range = TimeRange::new(
        base_time() + Duration::hours(12),
        base_time() + Duration::hours(84),
    );
    let before = expected(&oracle, &range, &Filter::default());
    let mut reader = RangeReader::new(store, RangeQuery::new(range, Filter::default(), 10));
    let mut read: Vec<StoredItem> = Vec::new();
    let mut behind = Vec::new();
    let mut ahead = Vec::new();
    for round in 0..3u64 {
        for _ in 0..4 {
            read.extend(reader.next_page().await.unwrap().unwrap());
        }
        let cursor = key(read.last().unwrap()).0;
        let (lo, hi) = (range.from.timestamp_millis(), range.to.timestamp_millis());
        let times = [
            lo,                     // behind: the first instant of the range
            lo + (cursor - lo) / 2, // behind
            cursor - 1,             // behind
            cursor + 1,             // ahead
            (cursor + hi) / 2,      // ahead
            hi - 1,                 // ahead: the last instant
            hi,                     // outside
            lo - 1,                 // outside
        ];
        let mut batch = arriving(100 + round, &times);
        behind.extend(batch[..3].iter().map(|s| s.item.id.0.clone()));
        ahead.extend(batch[3..6].iter().map(|s| s.item.id.0.clone()));
        // New versions of an item already read and of one still to come: ignored.
        let seen = oracle.items[read[0].item.id.as_str()].clone();
        let to_come = oracle.items[before[read.len() + 5].item.id.as_str()].clone();
        batch.push(changed_version(&seen, 200 + round));
        batch.push(changed_version(&to_come, 300 + round));
        assert_eq!(
            store.write(batch.clone()).await.unwrap(),
            oracle.write(&batch)
        );
        assert_eq!(oracle.items[seen.item.id.as_str()], seen);
    }
    while let Some(page) = reader.next_page().await.unwrap() {
        read.extend(page);
    }

    let ids: Vec<&str> = read.iter().map(|s| s.item.id.as_str()).collect();
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "an item was read twice");
    assert!(
        read.windows(2).all(|w| key(&w[0]) < key(&w[1])),
        "out of order"
    );
    for b in &behind {
        assert!(
            !distinct.contains(b.as_str()),
            "{b} arrived behind the cursor"
        );
    }
    for a in &ahead {
        assert!(
            distinct.contains(a.as_str()),
            "{a} arrived ahead of the cursor"
        );
    }
    // What was there at the start, exactly once and as first written; the rest is what
    // arrived ahead of the cursor.
    let late: BTreeSet<&str> = ahead.iter().map(String::as_str).collect();
    let original: Vec<StoredItem> = read
        .iter()
        .filter(|s| !late.contains(s.item.id.as_str()))
        .cloned()
        .collect();
    assert_eq!(original, before);
    assert_eq!(read.len(), before.len() + ahead.len());
    // Read again now, everything is there: the reader's view was one of the stable ones.
    let after = expected(&oracle, &range, &Filter::default());
    let again: Vec<StoredItem> = pages(store, range, &Filter::default(), 10)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(again, after);
    assert_eq!(after.len(), before.len() + behind.len() + ahead.len());
}

/// Empty ranges give an empty last page at once: `from == to`, `from > to`, a range with no
/// items, a filter that selects nothing, and a cursor at the end of the range.
async fn empty_ranges(store: &dyn Store) {
    let oracle = written(store, 44, 100).await;
    let t = base_time() + Duration::hours(30);
    let nobody = Filter {
        language: Some("xxx".into()),
        ..Filter::default()
    };
    let cases = [
        (TimeRange::new(t, t), Filter::default()),
        (TimeRange::new(t, t - Duration::days(1)), Filter::default()),
        (
            TimeRange::new(
                base_time() - Duration::days(400),
                base_time() - Duration::days(1),
            ),
            Filter::default(),
        ),
        (
            TimeRange::new(base_time(), base_time() + Duration::days(6)),
            nobody,
        ),
    ];
    for (range, filter) in cases {
        assert!(expected(&oracle, &range, &filter).is_empty());
        for size in [1, 1000] {
            let page = store
                .range_items(&RangeQuery::new(range, filter.clone(), size))
                .await
                .unwrap();
            assert_eq!(
                page,
                RangePage {
                    items: vec![],
                    next: None
                },
                "{range:?} {filter:?}"
            );
            assert!(pages(store, range, &filter, size).await.is_empty());
        }
    }
    // Past the last item of a range: empty.
    let range = TimeRange::new(base_time(), base_time() + Duration::days(6));
    let all = expected(&oracle, &range, &Filter::default());
    let mut query = RangeQuery::new(range, Filter::default(), all.len());
    let page = store.range_items(&query).await.unwrap();
    assert_eq!(page.items, all);
    query.after = page.next;
    assert!(query.after.is_some(), "a full page has a next page");
    let page = store.range_items(&query).await.unwrap();
    assert_eq!(
        page,
        RangePage {
            items: vec![],
            next: None
        }
    );
}

async fn embedded() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    (dir, store)
}

/// A ClickHouse store in a database of its own (`None`: skipped, see `clickhouse_url`).
async fn clickhouse(name: &str) -> Option<(String, String, ClickhouseStore)> {
    let url = clickhouse_url()?;
    let db = unique(name);
    let store = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    Some((url, db, store))
}

#[tokio::test]
async fn embedded_pages_cross_day_boundaries() {
    let (_dir, store) = embedded().await;
    pages_cross_day_boundaries(&store).await;
}

#[tokio::test]
async fn embedded_page_sizes_agree() {
    let (_dir, store) = embedded().await;
    page_sizes_agree(&store).await;
}

#[tokio::test]
async fn embedded_items_arriving_while_paging() {
    let (_dir, store) = embedded().await;
    items_arriving_while_paging(&store).await;
}

#[tokio::test]
async fn embedded_empty_ranges() {
    let (_dir, store) = embedded().await;
    empty_ranges(&store).await;
}

#[tokio::test]
async fn clickhouse_pages_cross_day_boundaries() {
    let Some((url, db, store)) = clickhouse("range_days").await else {
        return;
    };
    pages_cross_day_boundaries(&store).await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn clickhouse_page_sizes_agree() {
    let Some((url, db, store)) = clickhouse("range_sizes").await else {
        return;
    };
    page_sizes_agree(&store).await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn clickhouse_items_arriving_while_paging() {
    let Some((url, db, store)) = clickhouse("range_arriving").await else {
        return;
    };
    items_arriving_while_paging(&store).await;
    drop_database(&url, &db).await;
}

#[tokio::test]
async fn clickhouse_empty_ranges() {
    let Some((url, db, store)) = clickhouse("range_empty").await else {
        return;
    };
    empty_ranges(&store).await;
    drop_database(&url, &db).await;
}
