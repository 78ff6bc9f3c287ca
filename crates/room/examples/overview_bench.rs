//! Server time of the overview page's request, and of a 90-day hourly category trend, over
//! millions of items in the embedded store.
//!
//! `cargo run --release -p websense-room --example overview_bench -- [millions] [db path] [lexicon dir]`
//! (defaults: 10 million, `/tmp/websense-overview-bench/ws.db`, `lexicons/`).
//!
//! Items are generated scored (no matcher run, for speed): hits are drawn from the lexicon
//! directory's terms, categories and weights, about 12% of posts hit a lexicon and a
//! category flags at its threshold. They are spread over the 100 days before the load, with
//! a daily rhythm (quiet nights, busy evenings), quieter weekends and a slow growth, from 60
//! sources in three languages; the last three hours carry an injected burst of one term of
//! the second category. The database is kept: a second run with the same path reuses it
//! (its `.json` companion holds the item count and the end of the data, which the run pins
//! as `now`). Delete the directory when done.
//!
//! Requests go through the real router (`tower::ServiceExt::oneshot`, bearer token, the
//! authorization layer) with `SeasonalTrends` plugged in. Overview figures: "not cached"
//! asks for a window ending two minutes earlier each time, so each waits for its own spike
//! scan; "cached" repeats one window, as reloads within a minute do; "a minute later each"
//! is a page left open: the last scan answers while a new one runs beside it. The parts are
//! then timed alone.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, DurationRound, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;
use websense_lexicon::LexiconSet;
use websense_model::rng::Rng;
use websense_model::{
    CategoryScore, Field, Hit, Item, ItemId, Language, ScoredItem, SourceId, SourceKind, SourceRef,
};
use websense_room::accounts::{self, Role};
use websense_room::trends::SpikeQuery;
use websense_room::TrendAnalysis;
use websense_room::{PasswordHashCost, PrivacyConfig, Room, RoomConfig, SeasonalTrends};
use websense_store::{
    BucketSize, Filter, SqliteStore, Store, TermCountsQuery, TimeRange, TotalsQuery, TrendQuery,
};

const DAYS: i64 = 100;
const BATCH: usize = 5000;
const REPEATS: usize = 20;
const SOURCES: usize = 60;
/// Items an hour the burst adds, all holding one term.
const BURST_PER_HOUR: u64 = 600;
const BURST_HOURS: i64 = 3;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let millions: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10.0);
    let db: PathBuf = args
        .next()
        .unwrap_or_else(|| "/tmp/websense-overview-bench/ws.db".into())
        .into();
    let lexicon_dir = PathBuf::from(args.next().unwrap_or_else(|| "lexicons".into()));
    let (set, _) = LexiconSet::load_dir(&lexicon_dir).expect("lexicon dir");
    let n = (millions * 1e6) as u64;

    let store = SqliteStore::open(&db).await.expect("open store");
    let t = Instant::now();
    let version = store.migrate().await.expect("migrate");
    println!(
        "store schema {version} (migrate: {:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let store: Arc<dyn Store> = Arc::new(store);
    let (anchor, loaded) = match read_marker(&db) {
        Some((items, anchor)) if items == n => {
            println!("reusing {} ({items} items up to {anchor})", db.display());
            (anchor, items)
        }
        Some((items, _)) => panic!(
            "{} holds {items} items, not {n}: remove it or name another path",
            db.display()
        ),
        None => load(&store, &set, n, &db).await,
    };
    print_size(&db);

    let dir = tempfile::tempdir().unwrap();
    let status = dir.path().join("status.json");
    std::fs::write(&status, status_file(anchor)).unwrap();
    let room = Room::new(
        RoomConfig {
            database: dir.path().join("room.db"),
            source_status_file: Some(status),
            scan_interval: std::time::Duration::ZERO,
            ..RoomConfig::default()
        },
        PrivacyConfig::default(),
        store.clone(),
        &lexicon_dir,
    )
    .unwrap()
    .with_trends(Arc::new(SeasonalTrends::new(
        Default::default(),
        &lexicon_dir,
    )));
    let room = Arc::new(room);
    let cost = PasswordHashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let hash = accounts::hash_password("a benchmark password", cost).unwrap();
    room.db()
        .blocking(|c| accounts::create_account(c, "bench", &[Role::Analyst], &hash, Utc::now()))
        .unwrap();
    let router = room.router();
    let login = call(
        &router,
        Request::post("/api/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"user": "bench", "password": "a benchmark password"}).to_string(),
            ))
            .unwrap(),
    )
    .await
    .1;
    let token = login["token"].as_str().expect("token").to_string();
    let get = |uri: String| {
        Request::get(uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };

    println!(
        "\n{loaded} items, now = {anchor}, load average {}",
        load_average()
    );
    let overview = |at: DateTime<Utc>| get(format!("/api/overview?now={}", iso(at)));
    let (first_ms, body) = call(&router, overview(anchor)).await;
    println!(
        "first overview: {first_ms:.0} ms ({} categories, {} rising terms, {} spikes{})",
        body["categories"].as_array().map_or(0, |a| a.len()),
        body["rising_terms"].as_array().map_or(0, |a| a.len()),
        body["spikes"].as_array().map_or(0, |a| a.len()),
        body["spikes_error"]
            .as_str()
            .map(|e| format!(", spikes_error: {e}"))
            .unwrap_or_default()
    );
    let mut cold = Vec::new();
    for i in 1..=REPEATS {
        cold.push(
            call(&router, overview(anchor - Duration::minutes(2 * i as i64)))
                .await
                .0,
        );
    }
    call(&router, overview(anchor)).await;
    let mut warm = Vec::new();
    for _ in 0..REPEATS {
        warm.push(call(&router, overview(anchor)).await.0);
    }
    let mut stale = Vec::new();
    for i in 1..=REPEATS {
        let at = anchor + Duration::seconds(61 * i as i64);
        stale.push(call(&router, overview(at)).await.0);
    }
    let category = set.categories[0].name.clone();
    let trend = format!(
        "/api/trends/categories/{category}?bucket=1h&from={}&to={}",
        iso(anchor - Duration::days(90)),
        iso(anchor)
    );
    let (_, series) = call(&router, get(trend.clone())).await;
    let mut hourly = Vec::new();
    for _ in 0..REPEATS {
        hourly.push(call(&router, get(trend.clone())).await.0);
    }
    println!("\n| request (server time, {REPEATS} runs) | median ms | p95 ms |");
    println!("|---|---|---|");
    for (name, times) in [
        ("overview, spike scan not cached", &mut cold),
        ("overview, spike scan cached", &mut warm),
        (
            "overview, a minute later each (last scan answers, a new one runs beside)",
            &mut stale,
        ),
        (
            &*format!(
                "90-day hourly trend of {category} ({} points)",
                series["points"].as_array().map_or(0, |a| a.len())
            ),
            &mut hourly,
        ),
    ] {
        let (median, p95) = median_p95(times);
        println!("| {name} | {median:.1} | {p95:.1} |");
    }
    println!("load average after: {}", load_average());

    parts(store.as_ref(), &set, &lexicon_dir, anchor).await;
    println!(
        "\nthe database stays for the next run; remove it with: rm -r {}",
        db.parent().unwrap_or(Path::new(".")).display()
    );
}

/// What each of the overview's questions costs alone, median of five.
async fn parts(store: &dyn Store, set: &LexiconSet, lexicon_dir: &Path, now: DateTime<Utc>) {
    let window = TimeRange::new(now - Duration::hours(24), now);
    let spark_from = now.duration_trunc(Duration::hours(1)).unwrap() - Duration::hours(167);
    let series = TrendQuery {
        bucket: BucketSize::FiveMinutes,
        range: TimeRange::new(spark_from, now),
        filter: Filter::default(),
    };
    let counts_query = TermCountsQuery {
        current: window,
        category: None,
        filter: Filter::default(),
    };
    let rising =
        websense_store::rank_rising(store.term_counts(&counts_query).await.unwrap(), 3, 10);
    let trends = SeasonalTrends::new(Default::default(), lexicon_dir);
    let spike_query = SpikeQuery {
        range: window,
        bucket: BucketSize::Hour,
        category: None,
        term: None,
        filter: None,
    };
    println!("\n| part of the overview (alone, median of 5) | ms |\n|---|---|");
    macro_rules! part {
        ($name:expr, $body:expr) => {{
            let mut times = Vec::new();
            for _ in 0..5 {
                let t = Instant::now();
                $body;
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            println!("| {} | {:.1} |", $name, median_p95(&mut times).0);
        }};
    }
    part!("term counts, 2 x 24 h (rising terms)", {
        store.term_counts(&counts_query).await.unwrap();
    });
    part!(
        format!("{} category series, 7 days of 5 min", set.categories.len()),
        {
            for c in &set.categories {
                store.category_trend(&c.name, &series).await.unwrap();
            }
        }
    );
    part!(format!("{} term series, 7 days of 5 min", rising.len()), {
        for r in &rising {
            store
                .term_trend(&r.category, &r.term, &series)
                .await
                .unwrap();
        }
    });
    part!("totals of 24 h (raw items)", {
        store
            .totals(&TotalsQuery {
                range: Some(window),
                filter: Filter::default(),
            })
            .await
            .unwrap();
    });
    part!("spike scan (4 weeks, every category, 60 terms)", {
        trends.spikes(store, &spike_query).await.unwrap();
    });
}

async fn call(router: &axum::Router, request: Request<Body>) -> (f64, Value) {
    let t = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    (ms, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn median_p95(times: &mut [f64]) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95))
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn marker_path(db: &Path) -> PathBuf {
    db.with_extension("json")
}

fn read_marker(db: &Path) -> Option<(u64, DateTime<Utc>)> {
    let v: Value = serde_json::from_slice(&std::fs::read(marker_path(db)).ok()?).ok()?;
    Some((v["items"].as_u64()?, v["until"].as_str()?.parse().ok()?))
}

fn print_size(db: &Path) {
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    println!("{}: {:.2} GB", db.display(), size as f64 / 1e9);
}

/// Generate and write `n` items over the 100 days before now (plus the burst); returns the
/// end of the data.
async fn load(store: &Arc<dyn Store>, set: &LexiconSet, n: u64, db: &Path) -> (DateTime<Utc>, u64) {
    let until = Utc::now().duration_trunc(Duration::minutes(1)).unwrap();
    let generator = Generator::new(set, n, until);
    let total = n;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<ScoredItem>>(4);
    let producer = tokio::task::spawn_blocking(move || {
        generator.run(|batch| tx.blocking_send(batch).is_ok());
    });
    let t = Instant::now();
    let (mut written, mut next_report) = (0u64, 500_000u64);
    println!("loading {total} items into {} ...", db.display());
    while let Some(batch) = rx.recv().await {
        written += store.write(batch).await.expect("write").written as u64;
        if written >= next_report {
            let s = t.elapsed().as_secs_f64();
            println!(
                "  {written:>10} items, {s:>6.0} s, {:>6.0} items/s, load average {}",
                written as f64 / s,
                load_average()
            );
            next_report += 500_000;
        }
    }
    producer.await.unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "loaded {written} items in {s:.0} s ({:.0} items/s)",
        written as f64 / s
    );
    std::fs::write(
        marker_path(db),
        json!({"items": total, "until": iso(until)}).to_string(),
    )
    .unwrap();
    (until, written)
}

struct Term {
    text: String,
    category: usize,
    weight: f64,
    kind: websense_model::TermKind,
}

struct Generator {
    n: u64,
    until: DateTime<Utc>,
    version: String,
    categories: Vec<(String, f64)>,
    /// Per category, its terms' indices, the first ones the most common.
    terms_of: Vec<Vec<usize>>,
    terms: Vec<Term>,
    /// Cumulative share of hitting items per category.
    category_share: Vec<f64>,
    sources: Vec<SourceRef>,
}

impl Generator {
    fn new(set: &LexiconSet, n: u64, until: DateTime<Utc>) -> Generator {
        let categories: Vec<(String, f64)> = set
            .categories
            .iter()
            .map(|c| (c.name.clone(), c.threshold))
            .collect();
        let mut terms = Vec::new();
        let mut terms_of = vec![Vec::new(); categories.len()];
        for t in set.terms() {
            if let Some(c) = categories.iter().position(|(name, _)| *name == t.category) {
                terms_of[c].push(terms.len());
                terms.push(Term {
                    text: t.text.clone(),
                    category: c,
                    weight: t.weight,
                    kind: t.kind,
                });
            }
        }
        // Categories are not equally common: shares 1, 1/2, 1/3, ...
        let shares: Vec<f64> = (0..categories.len())
            .map(|i| 1.0 / (i + 1) as f64)
            .collect();
        let sum: f64 = shares.iter().sum();
        let category_share = shares
            .iter()
            .scan(0.0, |acc, s| {
                *acc += s / sum;
                Some(*acc)
            })
            .collect();
        let tag_lists: [&[&str]; 4] = [
            &["nieuws"],
            &["social"],
            &["social", "forum"],
            &["lokaal", "nieuws"],
        ];
        let kinds = [SourceKind::Feed, SourceKind::Mastodon, SourceKind::Reddit];
        let sources = (0..SOURCES)
            .map(|i| SourceRef {
                id: SourceId::new(format!("source-{i:02}")),
                kind: kinds[i % kinds.len()],
                tags: tag_lists[i % tag_lists.len()]
                    .iter()
                    .map(|t| t.to_string())
                    .collect(),
            })
            .collect();
        Generator {
            n,
            until,
            version: set.version.clone(),
            categories,
            terms_of,
            terms,
            category_share,
            sources,
        }
    }

    /// Relative volume of an hour: the daily rhythm, weekends, growth.
    fn volume(&self, at: DateTime<Utc>) -> f64 {
        use chrono::{Datelike, Timelike};
        let hour = at.hour() as f64;
        let daily = 1.0 + 0.7 * (2.0 * std::f64::consts::PI * (hour - 14.0) / 24.0).sin();
        let weekly = if at.weekday().number_from_monday() >= 6 {
            0.75
        } else {
            1.0
        };
        let age_days = (self.until - at).num_hours() as f64 / 24.0;
        let growth = 0.8 + 0.4 * (1.0 - age_days / DAYS as f64);
        daily * weekly * growth
    }

    fn run(&self, mut send: impl FnMut(Vec<ScoredItem>) -> bool) {
        let hours = DAYS * 24;
        let first = self.until - Duration::hours(hours);
        let volumes: Vec<f64> = (0..hours)
            .map(|h| self.volume(first + Duration::hours(h)))
            .collect();
        let burst_items = BURST_PER_HOUR * BURST_HOURS as u64;
        let regular = self.n.saturating_sub(burst_items);
        let scale = regular as f64 / volumes.iter().sum::<f64>();
        let mut rng = Rng::new(7);
        let mut batch = Vec::with_capacity(BATCH);
        let (mut made, mut carry, mut seq) = (0u64, 0.0, 0u64);
        for (h, v) in volumes.iter().enumerate() {
            carry += v * scale;
            let mut count = carry.floor() as u64;
            carry -= count as f64;
            if h as i64 == hours - 1 {
                count = regular - made;
            }
            made += count;
            let start = first + Duration::hours(h as i64);
            let extra = if h as i64 >= hours - BURST_HOURS {
                BURST_PER_HOUR
            } else {
                0
            };
            // (millisecond in the hour, part of the burst)
            let mut times: Vec<(i64, bool)> = (0..count + extra)
                .map(|k| (rng.below(3_600_000) as i64, k >= count))
                .collect();
            times.sort_unstable();
            for (ms, in_burst) in times {
                let at = start + Duration::milliseconds(ms);
                batch.push(self.item(&mut rng, seq, at, in_burst));
                seq += 1;
                if batch.len() == BATCH && !send(std::mem::take(&mut batch)) {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            send(batch);
        }
    }

    fn item(&self, rng: &mut Rng, n: u64, at: DateTime<Utc>, in_burst: bool) -> ScoredItem {
        let source = self.sources[rng.below(SOURCES)].clone();
        let mut hits: Vec<usize> = Vec::new();
        if in_burst {
            // The burst: the second category's most common term.
            let c = 1.min(self.categories.len() - 1);
            hits.push(self.terms_of[c][0]);
        } else if rng.unit() < 0.12 {
            let count = if rng.unit() < 0.3 {
                2 + rng.below(2)
            } else {
                1
            };
            for _ in 0..count {
                let u = rng.unit();
                let c = self.category_share.iter().position(|&s| u < s).unwrap_or(0);
                let terms = &self.terms_of[c];
                if terms.is_empty() {
                    continue;
                }
                // Zipf-like: a few terms carry most hits.
                let r = ((terms.len() as f64).powf(rng.unit()) - 1.0) as usize;
                hits.push(terms[r.min(terms.len() - 1)]);
            }
        }
        let mut text = format!("bericht {n} over de gemeente");
        let mut matches = Vec::new();
        for &t in &hits {
            let term = &self.terms[t];
            text.push(' ');
            let start = text.len();
            text.push_str(&term.text);
            matches.push(Hit {
                term: term.text.clone(),
                category: self.categories[term.category].0.clone(),
                kind: term.kind,
                weight: term.weight,
                field: Field::Text,
                start,
                end: text.len(),
                method: Default::default(),
                context: Vec::new(),
            });
        }
        let mut scores: Vec<CategoryScore> = Vec::new();
        for h in &matches {
            match scores.iter_mut().find(|s| s.category == h.category) {
                Some(s) => {
                    s.score += h.weight;
                    s.hits += 1;
                }
                None => scores.push(CategoryScore {
                    category: h.category.clone(),
                    score: h.weight,
                    hits: 1,
                    flagged: false,
                }),
            }
        }
        for s in &mut scores {
            let threshold = self
                .categories
                .iter()
                .find(|(c, _)| *c == s.category)
                .map_or(f64::MAX, |c| c.1);
            s.flagged = s.score >= threshold;
        }
        let id = websense_model::rng::mix(n);
        let mut item = Item::new(ItemId(format!("{id:016x}")), source, text);
        item.url = Some(format!(
            "https://example.org/{}/{id:016x}",
            item.source.id.as_str()
        ));
        item.published_at = Some(at);
        item.fetched_at = at + Duration::seconds(30);
        let (code, share) = match rng.below(20) {
            0 => ("", 0.0),
            1..=5 => ("eng", 0.9),
            _ => ("nld", 0.95),
        };
        item.language = (!code.is_empty()).then(|| Language {
            code: code.into(),
            confidence: share,
            reliable: true,
        });
        ScoredItem {
            item,
            lexicon_version: self.version.clone(),
            matches,
            scores,
            places: Vec::new(),
            municipalities: Vec::new(),
            announcements: Vec::new(),
        }
    }
}

/// A collector's status file for 60 sources, two of them failing.
fn status_file(now: DateTime<Utc>) -> String {
    let sources: Vec<Value> = (0..SOURCES)
        .map(|i| {
            let failing = i % 30 == 7;
            json!({
                "id": format!("source-{i:02}"), "kind": "feed",
                "url": format!("https://example.org/source-{i:02}/feed.xml"),
                "last_fetch": iso(now - Duration::minutes(3)),
                "last_success": iso(now - Duration::minutes(if failing { 300 } else { 3 })),
                "last_error": if failing { json!({"at": iso(now), "url": "https://example.org/", "message": "HTTP 503"}) } else { Value::Null },
                "items_total": 1000 * i, "duplicates_total": 0,
                "consecutive_failures": if failing { 5 } else { 0 },
                "warnings": [], "next_fetch": iso(now + Duration::minutes(12)),
            })
        })
        .collect();
    serde_json::to_string(&sources).unwrap()
}
