//! Writer throughput of both stores (a benchmark, not a test: it prints figures).
//!
//! ```text
//! eval "$(scripts/services start)"
//! cargo run --release -p websense-store --example store_bench -- [ITEMS] [CLICKHOUSE_URL | embedded]
//! ```
//!
//! Generates ITEMS scored items (default 200,000; about two hits and one or two category
//! scores each, from a dozen sources, event times rising through a week as from live
//! feeds), then:
//! * ClickHouse (URL, else `WEBSENSE_TEST_CLICKHOUSE`; skipped when neither is set or the
//!   second argument is `embedded`): several writers send batches of 1,000 items at once, as
//!   parallel bus consumers would; the writer batches them by `batch_rows`. Reported: rows/s (items + hits + category scores,
//!   the rows inserted) and items/s from the first write to the last acknowledgement. Then
//!   everything is written again, which is all duplicates (the id check only).
//! * Embedded SQLite: one writer, batches of 1,000 items; items/s, then the re-delivery.
//! * For both: a day-bucket category series and an hour-bucket term series over the week, and
//!   the rising terms of the last day against the day before, from the roll-ups.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;
use websense_model::{
    CategoryScore, Hit, Item, ItemId, Language, ScoredItem, SourceId, SourceKind, SourceRef,
    TermKind,
};
use websense_store::{
    BucketSize, ClickhouseConfig, ClickhouseStore, Filter, RisingQuery, SqliteStore, Store,
    TermCountsQuery, TimeRange, TrendQuery,
};

const BATCH: usize = 1_000;
/// Concurrent writers (as parallel bus consumers): enough to fill `batch_rows`.
const WRITERS: usize = 32;

fn generate(n: usize) -> Vec<ScoredItem> {
    let categories = ["anti_overheid", "complot", "polarisatie", "geweld"];
    let start = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            let source = next() % 12;
            let mut item = Item::new(
                ItemId(format!(
                    "{:032x}",
                    (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
                )),
                SourceRef {
                    id: SourceId::new(format!("source-{source}")),
                    kind: SourceKind::Feed,
                    tags: vec![format!("region-{}", source % 3)],
                },
                format!(
                    "Bericht nummer {i} over de gemeente, het plan en wat mensen ervan vinden."
                ),
            );
            // Arrival order, as from live feeds: event times rise through the week, with
            // up to ten minutes of disorder.
            let at = (i as u64 * 7 * 86_400 / n as u64) as i64 + (next() % 600) as i64;
            item.published_at = Some(start + Duration::seconds(at));
            item.language = Some(Language {
                code: "nld".into(),
                confidence: 0.9,
                reliable: true,
            });
            let hits = 1 + (next() % 3) as usize;
            let matches: Vec<Hit> = (0..hits)
                .map(|h| {
                    let category = categories[(next() % 4) as usize];
                    Hit {
                        term: format!("term{}", next() % 200),
                        category: category.into(),
                        kind: TermKind::Word,
                        weight: 1.0,
                        field: websense_model::Field::Text,
                        start: h * 10,
                        end: h * 10 + 6,
                        method: Default::default(),
                        context: Vec::new(),
                    }
                })
                .collect();
            let mut scores: Vec<CategoryScore> = Vec::new();
            for h in &matches {
                match scores.iter_mut().find(|s| s.category == h.category) {
                    Some(s) => {
                        s.hits += 1;
                        s.score += 0.7;
                    }
                    None => scores.push(CategoryScore {
                        category: h.category.clone(),
                        score: 0.7,
                        hits: 1,
                        flagged: false,
                    }),
                }
            }
            for s in &mut scores {
                s.flagged = s.score >= 1.0;
            }
            ScoredItem {
                item,
                lexicon_version: "bench".into(),
                matches,
                scores,
                places: Vec::new(),
                municipalities: Vec::new(),
                announcements: Vec::new(),
            }
        })
        .collect()
}

fn rows(items: &[ScoredItem]) -> usize {
    items
        .iter()
        .map(|s| 1 + s.matches.len() + s.scores.len())
        .sum()
}

/// Write all items through `WRITERS` concurrent writers; returns (seconds, items written).
async fn write_concurrently(store: Arc<dyn Store>, items: Arc<Vec<ScoredItem>>) -> (f64, usize) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = store.clone();
            let items = items.clone();
            tokio::spawn(async move {
                let mut written = 0;
                for chunk in items.chunks(BATCH).skip(w).step_by(WRITERS) {
                    written += store.write(chunk.to_vec()).await.expect("write").written;
                }
                written
            })
        })
        .collect();
    let mut written = 0;
    for t in tasks {
        written += t.await.expect("writer task");
    }
    (started.elapsed().as_secs_f64(), written)
}

async fn write_sequentially(store: &dyn Store, items: &[ScoredItem]) -> (f64, usize) {
    let started = Instant::now();
    let mut written = 0;
    for chunk in items.chunks(BATCH) {
        written += store.write(chunk.to_vec()).await.expect("write").written;
    }
    (started.elapsed().as_secs_f64(), written)
}

/// Print the read timings: a category series, a term series, the rising terms.
async fn queries(store: &dyn Store, from: DateTime<Utc>) {
    let week = TimeRange::new(from, from + Duration::days(7));
    let q = TrendQuery {
        bucket: BucketSize::Day,
        range: week,
        filter: Filter::default(),
    };
    let started = Instant::now();
    let points = store.category_trend("complot", &q).await.expect("series");
    println!(
        "  day series of a category over the week: {:.1} ms ({} items)",
        started.elapsed().as_secs_f64() * 1000.0,
        points.iter().map(|p| p.items).sum::<u64>()
    );
    let q = TrendQuery {
        bucket: BucketSize::Hour,
        ..q
    };
    let started = Instant::now();
    let points = store
        .term_trend("complot", "term7", &q)
        .await
        .expect("term series");
    println!(
        "  hour series of a term over the week: {:.1} ms ({} items)",
        started.elapsed().as_secs_f64() * 1000.0,
        points.iter().map(|p| p.items).sum::<u64>()
    );
    let q = RisingQuery {
        counts: TermCountsQuery {
            current: TimeRange::new(week.to - Duration::days(1), week.to),
            category: None,
            filter: Filter::default(),
        },
        min_items: 5,
        limit: 10,
    };
    let started = Instant::now();
    let rising = store.rising_terms(&q).await.expect("rising terms");
    println!(
        "  rising terms of the last day: {:.1} ms ({} listed)",
        started.elapsed().as_secs_f64() * 1000.0,
        rising.len()
    );
}

#[tokio::main]
async fn main() {
    // RUST_LOG=websense_store=debug shows each ClickHouse flush's check and insert times.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|a| a.parse().expect("ITEMS must be a number"))
        .unwrap_or(200_000);
    let url = match args.get(2).map(String::as_str) {
        Some("embedded") => None,
        Some(url) => Some(url.to_string()),
        None => std::env::var("WEBSENSE_TEST_CLICKHOUSE").ok(),
    };
    let t = Instant::now();
    let items = Arc::new(generate(n));
    let total_rows = rows(&items);
    let week = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    println!(
        "generated {n} items, {total_rows} rows ({:.2} hits/item) in {:.1} s",
        items.iter().map(|s| s.matches.len()).sum::<usize>() as f64 / n as f64,
        t.elapsed().as_secs_f64()
    );

    match url {
        None => {
            println!("clickhouse: skipped (no URL, or `embedded`)")
        }
        Some(url) => {
            let database = format!("ws_bench_{}", std::process::id());
            let config = ClickhouseConfig {
                url: url.clone(),
                database: database.clone(),
                ..ClickhouseConfig::default()
            };
            let store = ClickhouseStore::connect(config.clone())
                .await
                .expect("connect");
            store.migrate().await.expect("migrate");
            println!(
                "clickhouse {} (batch_rows {}, batch_wait {:?}, {WRITERS} writers x {BATCH}-item batches):",
                store.server_version(),
                config.batch_rows,
                config.batch_wait
            );
            let store: Arc<dyn Store> = Arc::new(store);
            let (secs, written) = write_concurrently(store.clone(), items.clone()).await;
            assert_eq!(written, n);
            println!(
                "  write:      {:>9.0} rows/s  {:>8.0} items/s  ({secs:.2} s)",
                total_rows as f64 / secs,
                n as f64 / secs
            );
            let (secs, written) = write_concurrently(store.clone(), items.clone()).await;
            assert_eq!(written, 0);
            println!(
                "  re-deliver: {:>9.0} items/s checked, all duplicates ({secs:.2} s)",
                n as f64 / secs
            );
            queries(store.as_ref(), week).await;
            clickhouse::Client::default()
                .with_url(&url)
                .with_validation(false)
                .query(&format!("DROP DATABASE IF EXISTS {database}"))
                .execute()
                .await
                .expect("drop bench database");
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("bench.db"))
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    println!("embedded sqlite (one writer, {BATCH}-item batches, WAL, synchronous=FULL):");
    let (secs, written) = write_sequentially(&store, &items).await;
    assert_eq!(written, n);
    println!(
        "  write:      {:>9.0} items/s  {:>8.0} rows/s  ({secs:.2} s)",
        n as f64 / secs,
        total_rows as f64 / secs
    );
    let (secs, written) = write_sequentially(&store, &items).await;
    assert_eq!(written, 0);
    println!(
        "  re-deliver: {:>9.0} items/s checked, all duplicates ({secs:.2} s)",
        n as f64 / secs
    );
    queries(&store, week).await;
}
