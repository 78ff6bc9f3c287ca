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
//! * Each backend writes the items twice, into two databases: without municipalities, and the
//!   same items with municipalities as the gazetteer attributes them (of 40 municipalities:
//!   40 % none, 50 % one, 10 % two, each with a place), a tenth of each in turn (so load
//!   that comes and goes on a shared machine weighs on both), and prints the ratio of the
//!   two write rates: what keeping and rolling up municipalities costs. The queries are
//!   timed on the second, also for one municipality.

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;
use websense_model::{
    CategoryScore, Hit, Item, ItemId, Language, Place, PlaceBasis, PlaceKind, ScoredItem, SourceId,
    SourceKind, SourceRef, TermKind,
};
use websense_store::{
    BucketSize, ClickhouseConfig, ClickhouseStore, Filter, RisingQuery, SqliteStore, Store,
    TermCountsQuery, TimeRange, TrendQuery,
};

const BATCH: usize = 1_000;
/// Concurrent writers (as parallel bus consumers): enough to fill `batch_rows`.
const WRITERS: usize = 32;

/// Municipalities of the generated items.
const MUNICIPALITIES: u64 = 40;

fn generate(n: usize, with_municipalities: bool) -> Vec<ScoredItem> {
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
            let draw = next();
            let count = match draw % 10 {
                0..=3 => 0,
                4..=8 => 1,
                _ => 2,
            };
            let mut municipalities: Vec<String> = Vec::new();
            let mut places = Vec::new();
            if with_municipalities {
                for k in 0..count {
                    let code = format!("GM{:04}", 300 + (draw / 10 + k * 7) % MUNICIPALITIES);
                    places.push(Place {
                        text: format!("Plaats{code}"),
                        start: 0,
                        end: 12,
                        field: websense_model::Field::Text,
                        municipality_code: code.clone(),
                        municipality: format!("Gemeente {code}"),
                        province: "Noord-Holland".into(),
                        kind: PlaceKind::Place,
                        basis: PlaceBasis::Name,
                    });
                    municipalities.push(code);
                }
            }
            ScoredItem {
                item,
                lexicon_version: "bench".into(),
                matches,
                scores,
                places,
                municipalities,
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

/// Print the read timings: a category series, a term series, the rising terms (of
/// `filter`'s items: all, or one municipality's).
async fn queries(store: &dyn Store, from: DateTime<Utc>, filter: &Filter) {
    let week = TimeRange::new(from, from + Duration::days(7));
    if !filter.municipalities.is_empty() {
        println!("  of {:?} only:", filter.municipalities);
    }
    let q = TrendQuery {
        bucket: BucketSize::Day,
        range: week,
        filter: filter.clone(),
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
            filter: filter.clone(),
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

/// Segments each variant's items are written in, alternating between the variants (and
/// which goes first), so that load that comes and goes on a shared machine weighs on both.
const ROUNDS: usize = 10;

/// Write every variant's items into its own store, a segment of each in turn; returns each
/// variant's seconds of writing.
async fn write_interleaved(
    stores: &[Arc<dyn Store>],
    variants: &[Arc<Vec<ScoredItem>>],
    concurrent: bool,
) -> Vec<f64> {
    let mut secs = vec![0.0; variants.len()];
    for round in 0..ROUNDS {
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for v in order {
            let items = &variants[v];
            let segment = &items[round * items.len() / ROUNDS..(round + 1) * items.len() / ROUNDS];
            let (took, written) = if concurrent {
                write_concurrently(stores[v].clone(), Arc::new(segment.to_vec())).await
            } else {
                write_sequentially(stores[v].as_ref(), segment).await
            };
            assert_eq!(written, segment.len());
            secs[v] += took;
        }
    }
    secs
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
    let week = Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
    let one = Filter::municipalities(["GM0307"]);
    let names = ["without municipalities", "with municipalities"];
    let mut variants: Vec<Arc<Vec<ScoredItem>>> = Vec::new();
    for (name, with_municipalities) in names.iter().zip([false, true]) {
        let t = Instant::now();
        let items = generate(n, with_municipalities);
        println!(
            "{name}: generated {n} items, {} rows ({:.2} hits/item, {:.2} municipalities/item) in {:.1} s",
            rows(&items),
            items.iter().map(|s| s.matches.len()).sum::<usize>() as f64 / n as f64,
            items.iter().map(|s| s.municipalities.len()).sum::<usize>() as f64 / n as f64,
            t.elapsed().as_secs_f64()
        );
        variants.push(Arc::new(items));
    }
    let total_rows = rows(&variants[0]);
    let mut ratios: Vec<(&str, Vec<f64>)> = Vec::new();

    match &url {
        None => println!("clickhouse: skipped (no URL, or `embedded`)"),
        Some(url) => {
            let mut stores: Vec<Arc<dyn Store>> = Vec::new();
            let mut databases = Vec::new();
            let mut config = ClickhouseConfig::default();
            let mut version = String::new();
            for v in 0..variants.len() {
                let database = format!("ws_bench_{}_{v}", std::process::id());
                config = ClickhouseConfig {
                    url: url.clone(),
                    database: database.clone(),
                    ..ClickhouseConfig::default()
                };
                let store = ClickhouseStore::connect(config.clone())
                    .await
                    .expect("connect");
                store.migrate().await.expect("migrate");
                version = store.server_version().to_string();
                stores.push(Arc::new(store));
                databases.push(database);
            }
            println!(
                "\nclickhouse {version} (batch_rows {}, batch_wait {:?}, {WRITERS} writers x {BATCH}-item batches, \
                 the variants in turn in {ROUNDS} segments):",
                config.batch_rows, config.batch_wait
            );
            let secs = write_interleaved(&stores, &variants, true).await;
            for (v, name) in names.iter().enumerate() {
                println!(
                    "  write {name}: {:>9.0} rows/s  {:>8.0} items/s  ({:.2} s)",
                    total_rows as f64 / secs[v],
                    n as f64 / secs[v],
                    secs[v]
                );
            }
            ratios.push(("clickhouse", secs));
            for (v, name) in names.iter().enumerate() {
                let (secs, written) =
                    write_concurrently(stores[v].clone(), variants[v].clone()).await;
                assert_eq!(written, 0);
                println!(
                    "  re-deliver {name}: {:>9.0} items/s checked, all duplicates ({secs:.2} s)",
                    n as f64 / secs
                );
            }
            println!("  with municipalities:");
            queries(stores[1].as_ref(), week, &Filter::default()).await;
            queries(stores[1].as_ref(), week, &one).await;
            for database in databases {
                clickhouse::Client::default()
                    .with_url(url)
                    .with_validation(false)
                    .query(&format!("DROP DATABASE IF EXISTS {database}"))
                    .execute()
                    .await
                    .expect("drop bench database");
            }
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let mut stores: Vec<Arc<dyn Store>> = Vec::new();
    for v in 0..variants.len() {
        let store = SqliteStore::open(dir.path().join(format!("bench-{v}.db")))
            .await
            .expect("open");
        store.migrate().await.expect("migrate");
        stores.push(Arc::new(store));
    }
    println!(
        "\nembedded sqlite (one writer, {BATCH}-item batches, WAL, synchronous=FULL, the variants in turn in {ROUNDS} segments):"
    );
    let secs = write_interleaved(&stores, &variants, false).await;
    for (v, name) in names.iter().enumerate() {
        println!(
            "  write {name}: {:>9.0} items/s  {:>8.0} rows/s  ({:.2} s)",
            n as f64 / secs[v],
            total_rows as f64 / secs[v],
            secs[v]
        );
    }
    ratios.push(("embedded", secs));
    for (v, name) in names.iter().enumerate() {
        let (secs, written) = write_sequentially(stores[v].as_ref(), &variants[v]).await;
        assert_eq!(written, 0);
        println!(
            "  re-deliver {name}: {:>9.0} items/s checked, all duplicates ({secs:.2} s)",
            n as f64 / secs
        );
    }
    println!("  with municipalities:");
    queries(stores[1].as_ref(), week, &Filter::default()).await;
    queries(stores[1].as_ref(), week, &one).await;

    println!();
    for (backend, secs) in ratios {
        println!(
            "{backend}: writes with municipalities at {:.2}x the rate without ({:.0} vs {:.0} items/s)",
            secs[0] / secs[1],
            n as f64 / secs[1],
            n as f64 / secs[0]
        );
    }
}
