//! Server time of the map's figures (`websense_room::local::figures`, what `/kaart` and
//! `GET /api/municipalities` compute on every view) over an embedded store.
//!
//! `cargo run --release -p websense-room --example map_bench -- [thousands of items] [db path]`
//! (defaults: 1000, i.e. one million items, `/tmp/websense-map-bench/ws.db`).
//!
//! Items are generated scored (no matcher run): spread over the 8 days before the load, each
//! attributed to one municipality of Noord-Holland (a few busy ones, many quiet: the share
//! of the n-th falls as 1/n), one in ten flagged. The figures are timed for the region
//! Noord-Holland (44 municipalities) and for the whole country (342), each 10 times; the
//! median and the slowest are printed. The database is kept; a second run with the same path
//! and size reuses it. Delete the directory when done.

use chrono::{Duration, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use websense_gazetteer::Gazetteer;
use websense_model::rng::Rng;
use websense_model::{CategoryScore, Item, ItemId, ScoredItem, SourceId, SourceKind, SourceRef};
use websense_room::local;
use websense_room::region::{Region, RegionConfig};
use websense_store::{SqliteStore, Store, TimeRange};

const BATCH: usize = 5000;
const REPEATS: usize = 10;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let thousands: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let db: PathBuf = args
        .next()
        .unwrap_or_else(|| "/tmp/websense-map-bench/ws.db".into())
        .into();
    let n = thousands * 1000;
    let gazetteer = Gazetteer::shipped();
    let nh = Region::resolve(
        &RegionConfig {
            province: Some("Noord-Holland".into()),
            ..RegionConfig::default()
        },
        &gazetteer,
    )
    .expect("Noord-Holland");
    let country = Region::resolve(&RegionConfig::default(), &gazetteer).expect("country");

    let store = SqliteStore::open(&db).await.expect("open store");
    store.migrate().await.expect("migrate");
    let store: Arc<dyn Store> = Arc::new(store);
    let marker = db.with_extension("json");
    let now = match std::fs::read_to_string(&marker).ok().and_then(|t| {
        t.split_once(' ')
            .map(|(a, b)| (a.to_string(), b.to_string()))
    }) {
        Some((items, at)) if items.parse::<u64>().ok() == Some(n) => {
            println!("reusing {} ({n} items)", db.display());
            at.trim().parse().expect("marker time")
        }
        _ => {
            let now = Utc::now();
            load(store.as_ref(), &nh, n, now).await;
            std::fs::write(&marker, format!("{n} {}", now.to_rfc3339())).unwrap();
            now
        }
    };
    let in_last_day = store
        .range_count(
            TimeRange::new(now - Duration::hours(24), now),
            &Default::default(),
        )
        .await
        .unwrap();
    println!("{n} items, {in_last_day} in the last 24 hours");
    for (name, region) in [("Noord-Holland (44)", &nh), ("the country (342)", &country)] {
        let mut times = Vec::with_capacity(REPEATS);
        let mut rising = 0;
        for _ in 0..REPEATS {
            let t = Instant::now();
            let figures = local::figures(store.as_ref(), region, now).await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rising = figures
                .iter()
                .filter(|f| f.rise == local::Rise::Rising)
                .count();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "map figures for {name}: median {:.1} ms, slowest {:.1} ms ({rising} rising)",
            times[REPEATS / 2],
            times[REPEATS - 1]
        );
    }
}

async fn load(store: &dyn Store, region: &Region, n: u64, now: chrono::DateTime<Utc>) {
    let codes = region.codes();
    // Shares falling as 1/rank: a few busy municipalities, many quiet ones.
    let weights: Vec<f64> = (1..=codes.len()).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut rng = Rng::new(7);
    let source = SourceRef {
        id: SourceId::new("bench"),
        kind: SourceKind::Feed,
        tags: Vec::new(),
    };
    let span_ms = Duration::days(8).num_milliseconds() as u64;
    let t = Instant::now();
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..n {
        let mut roll = (rng.below(1_000_000) as f64 / 1e6) * total;
        let mut code = &codes[0];
        for (c, w) in codes.iter().zip(&weights) {
            if roll < *w {
                code = c;
                break;
            }
            roll -= w;
        }
        let at = now - Duration::milliseconds(rng.below(span_ms as usize) as i64 + 1);
        let mut item = Item::new(
            ItemId(format!("map-{i}")),
            source.clone(),
            "een bericht over de buurt",
        );
        item.published_at = Some(at);
        item.fetched_at = at;
        let flagged = rng.below(10) == 0;
        batch.push(ScoredItem {
            item,
            lexicon_version: "bench".into(),
            matches: Vec::new(),
            scores: vec![CategoryScore {
                category: "anti_overheid".into(),
                score: if flagged { 5.0 } else { 1.0 },
                hits: 1,
                flagged,
            }],
            places: Vec::new(),
            municipalities: vec![code.clone()],
            announcements: Vec::new(),
        });
        if batch.len() == BATCH {
            store
                .write(std::mem::take(&mut batch))
                .await
                .expect("write");
        }
    }
    if !batch.is_empty() {
        store.write(batch).await.expect("write");
    }
    println!("loaded {n} items in {:.1} s", t.elapsed().as_secs_f64());
}
