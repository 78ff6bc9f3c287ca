//! `GET /api/overview`: everything the overview page shows, in one request: per lexicon
//! category its items in the window against the window before and a week of hours, the terms
//! that rose most with their week, the spikes, the sources' health and the window's totals.
//!
//! Counts come from the trend roll-ups, by 5-minute bucket: a bucket counts in a window (or
//! an hour of a sparkline) when its start lies in it, as in the trend series. The totals
//! count raw items to the millisecond. The store's questions run side by side (SQLite
//! answers each on a blocking thread).
//!
//! The spike scan reads four weeks of series for every category and the busiest terms, and
//! the items behind each spike: far more than the rest. So the room keeps the last scan
//! ([`SpikeCache`]):
//! an overview of the same window length whose end lies up to [`SPIKE_FRESH_SECS`] after the
//! scan's gets it as it is; one up to [`SPIKE_STALE_SECS`] after gets it too, and starts a
//! new scan in the background for the next overview. Only the first overview, one after a
//! quiet spell or one of another window waits for a scan; overviews arriving meanwhile wait
//! for that one rather than start another. `spikes_as_of` says which scan answered. A failed
//! scan is not kept. The room's workers scan for the default window every
//! [`SPIKE_FRESH_SECS`] ([`warm`]), from start-up on, so the default overview finds a recent
//! scan even when nobody has looked for a while.
//!
//! Measured with 10 million items from 60 sources over 100 days in the embedded store, on
//! the 2-core development machine at a load average of 2.4
//! (`cargo run --release -p websense-room --example overview_bench`): 72 ms (p95 75) with the
//! last scan fresh, 123 ms (p95 157) while a new scan runs beside, 258 ms (p95 416) when
//! the request waits for its own scan. Alone, the totals take 58 ms (raw items: three
//! counts over the window's 100,000 items), the spike scan 194 ms, the category and term
//! series 9 and 5 ms, the term counts 13 ms.

use crate::api::admin::{failing, read_source_statuses};
use crate::error::{ApiError, ApiQuery};
use crate::trends::{ReportedSpike, SpikeQuery};
use crate::Room;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::task::JoinSet;
use websense_lexicon::{parse_categories, Category, CATEGORIES_FILE};
use websense_store::{
    rank_rising, BucketSize, CategoryPoint, Filter, StoreError, TermCountsQuery, TermPoint,
    TimeRange, TotalsQuery, TrendQuery,
};

/// Hours in a sparkline: a week.
const SPARKLINE_HOURS: i64 = 168;
/// The longest window.
const MAX_HOURS: i64 = 168;
const RISING_TERMS: usize = 10;
/// A term needs this many items in the window to rise (as `/api/terms/rising`'s default).
const RISING_MIN_ITEMS: u64 = 3;
/// A spike scan this recent answers an overview as it is.
pub const SPIKE_FRESH_SECS: i64 = 60;
/// A spike scan this recent answers an overview while a new one runs in the background.
pub const SPIKE_STALE_SECS: i64 = 600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverviewParams {
    hours: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::params::maybe_at")]
    now: Option<DateTime<Utc>>,
}

/// The last spike scan of an overview (see the module documentation).
#[derive(Default)]
pub(crate) struct SpikeCache {
    last: tokio::sync::Mutex<Option<CachedSpikes>>,
    refreshing: AtomicBool,
}

#[derive(Clone)]
struct CachedSpikes {
    hours: i64,
    /// The end of the scanned window.
    until: DateTime<Utc>,
    spikes: Vec<ReportedSpike>,
}

pub(crate) async fn overview(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<OverviewParams>,
) -> Result<Json<Value>, ApiError> {
    let hours = p.hours.unwrap_or(DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::bad_request(format!(
            "`hours` must be between 1 and {MAX_HOURS}"
        )));
    }
    let now = p.now.unwrap_or_else(Utc::now);
    let window = TimeRange::new(now - Duration::hours(hours), now);
    let previous = TimeRange::new(window.from - Duration::hours(hours), window.from);
    let spark_from = now
        .duration_trunc(Duration::hours(1))
        .map_err(|e| ApiError::bad_request(format!("`now` is out of range: {e}")))?
        - Duration::hours(SPARKLINE_HOURS - 1);

    // The slow and independent parts start first.
    let spikes = tokio::spawn(spikes(room.clone(), hours, window));
    let totals = {
        let store = room.store.clone();
        tokio::spawn(async move {
            store
                .totals(&TotalsQuery {
                    range: Some(window),
                    filter: Filter::default(),
                })
                .await
        })
    };
    let sources = tokio::spawn(sources(room.clone()));

    let (declared, lexicon_error) = declared_categories(&room).await;
    let counts = room
        .store
        .term_counts(&TermCountsQuery {
            current: window,
            category: None,
            filter: Filter::default(),
        })
        .await?;
    let mut names: Vec<String> = declared.iter().map(|c| c.name.clone()).collect();
    let seen: BTreeSet<&String> = counts.iter().map(|c| &c.category).collect();
    for name in seen {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let rising = rank_rising(counts, RISING_MIN_ITEMS, RISING_TERMS);

    // Every series over 5-minute buckets from the earlier of the sparkline's first hour and
    // the previous window's start, up to now.
    let series = TrendQuery {
        bucket: BucketSize::FiveMinutes,
        range: TimeRange::new(spark_from.min(previous.from), now),
        filter: Filter::default(),
    };
    let mut category_series = JoinSet::new();
    for (i, name) in names.iter().enumerate() {
        let (store, name, query) = (room.store.clone(), name.clone(), series.clone());
        category_series.spawn(async move {
            let points = store.category_trend(&name, &query).await;
            (i, points)
        });
    }
    let mut term_series = JoinSet::new();
    for (i, term) in rising.iter().enumerate() {
        let (store, query) = (room.store.clone(), series.clone());
        let (category, term) = (term.category.clone(), term.term.clone());
        term_series.spawn(async move {
            let points = store.term_trend(&category, &term, &query).await;
            (i, points)
        });
    }
    let category_points: Vec<Vec<CategoryPoint>> = collect(category_series, names.len()).await?;
    let term_points: Vec<Vec<TermPoint>> = collect(term_series, rising.len()).await?;

    let categories: Vec<Value> = names
        .iter()
        .zip(&category_points)
        .map(|(name, points)| {
            let label = declared
                .iter()
                .find(|c| &c.name == name)
                .map(|c| c.label.clone());
            let sum = |range: &TimeRange, flagged: bool| -> u64 {
                points
                    .iter()
                    .filter(|p| p.bucket_start >= range.from && p.bucket_start < range.to)
                    .map(|p| if flagged { p.flagged } else { p.items })
                    .sum()
            };
            let (items, previous_items) = (sum(&window, false), sum(&previous, false));
            let spark = sparkline(spark_from, points.iter().map(|p| (p.bucket_start, p.items)));
            json!({
                "category": name,
                "label": label,
                "items": items,
                "previous_items": previous_items,
                "ratio": ratio(items, previous_items),
                "flagged": sum(&window, true),
                "sparkline": spark,
            })
        })
        .collect();
    let rising_terms: Vec<Value> = rising
        .iter()
        .zip(&term_points)
        .map(|(t, points)| {
            json!({
                "category": t.category,
                "term": t.term,
                "items": t.current_items,
                "previous_items": t.baseline_items,
                "ratio": t.ratio,
                "sparkline": sparkline(spark_from, points.iter().map(|p| (p.bucket_start, p.items))),
            })
        })
        .collect();

    let totals = totals
        .await
        .map_err(|e| ApiError::internal("totals task failed", e))??;
    let (spikes, spikes_as_of, spikes_error) = match spikes.await {
        Ok(Ok((spikes, until))) => (
            spikes.iter().map(spike_json).collect(),
            json!(until),
            Value::Null,
        ),
        Ok(Err(e)) => (Vec::new(), Value::Null, json!(e)),
        Err(e) => (
            Vec::new(),
            Value::Null,
            json!(format!("spike detection task failed: {e}")),
        ),
    };
    let (sources, sources_error) = match sources.await {
        Ok(Ok(s)) => (s, Value::Null),
        Ok(Err(e)) => (Value::Null, json!(e.message)),
        Err(e) => (
            Value::Null,
            json!(format!("source status task failed: {e}")),
        ),
    };
    Ok(Json(json!({
        "now": now,
        "hours": hours,
        "window": window,
        "previous_window": previous,
        "sparkline": {
            "from": spark_from,
            "bucket": BucketSize::Hour,
            "points": SPARKLINE_HOURS,
        },
        "categories": categories,
        "lexicon_error": lexicon_error,
        "rising_terms": rising_terms,
        "spikes": spikes,
        "spikes_as_of": spikes_as_of,
        "spikes_error": spikes_error,
        "sources": sources,
        "sources_error": sources_error,
        "totals": {
            "items": totals.items,
            "flagged_items": totals.flagged_items,
        },
    })))
}

/// The results of `tasks`, each a `(position, result)`, in position order.
async fn collect<T: 'static>(
    mut tasks: JoinSet<(usize, Result<T, StoreError>)>,
    n: usize,
) -> Result<Vec<T>, ApiError> {
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    while let Some(done) = tasks.join_next().await {
        let (i, result) = done.map_err(|e| ApiError::internal("series task failed", e))?;
        out[i] = Some(result?);
    }
    Ok(out.into_iter().flatten().collect())
}

/// `current / previous`; none when there was nothing before.
fn ratio(current: u64, previous: u64) -> Option<f64> {
    (previous > 0).then(|| current as f64 / previous as f64)
}

/// Counts per hour for the [`SPARKLINE_HOURS`] hours from `from`.
fn sparkline(from: DateTime<Utc>, points: impl Iterator<Item = (DateTime<Utc>, u64)>) -> Vec<u64> {
    let mut hours = vec![0; SPARKLINE_HOURS as usize];
    for (at, count) in points {
        let slot = (at - from).num_seconds().div_euclid(3600);
        if (0..SPARKLINE_HOURS).contains(&slot) {
            hours[slot as usize] += count;
        }
    }
    hours
}

/// The categories of the lexicon directory's `categories.toml`, in its order; with the reason
/// when it cannot be read (the overview then lists the categories the store shows).
async fn declared_categories(room: &Room) -> (Vec<Category>, Option<String>) {
    let path = room.lexicon_dir.join(CATEGORIES_FILE);
    let read = tokio::task::spawn_blocking(move || {
        std::fs::read_to_string(&path)
            .map(|text| parse_categories(&path, &text).0.valid)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    })
    .await;
    match read {
        Ok(Ok(categories)) => (categories, None),
        Ok(Err(e)) => (Vec::new(), Some(e)),
        Err(e) => (Vec::new(), Some(format!("lexicon read task failed: {e}"))),
    }
}

/// Spikes overlapping `window` (all series the analysis scans), highest score first, and
/// the end of the window they were scanned for (see the module documentation).
async fn spikes(
    room: Arc<Room>,
    hours: i64,
    window: TimeRange,
) -> Result<(Vec<ReportedSpike>, DateTime<Utc>), String> {
    if room.trends.is_none() {
        return Err("spike detection needs trend analysis, which this server runs without".into());
    }
    let mut last = room.overview_spikes.last.lock().await;
    if let Some(c) = last.as_ref().filter(|c| c.hours == hours) {
        let behind = (window.to - c.until).num_seconds();
        if (0..SPIKE_STALE_SECS).contains(&behind) {
            if behind >= SPIKE_FRESH_SECS
                && !room.overview_spikes.refreshing.swap(true, Ordering::AcqRel)
            {
                tokio::spawn(refresh(room.clone(), hours, window));
            }
            return Ok((c.spikes.clone(), c.until));
        }
    }
    let scanned = scan(&room, hours, window).await?;
    *last = Some(scanned.clone());
    Ok((scanned.spikes, scanned.until))
}

/// The default overview's window.
pub(crate) const DEFAULT_HOURS: i64 = 24;

/// Scan the default overview's spikes now, unless a scan is running already: the room's
/// workers call this every [`SPIKE_FRESH_SECS`], so that overviews find a recent scan and
/// never wait for their own (the first one after start-up included).
pub(crate) async fn warm(room: Arc<Room>) {
    if room.trends.is_none() || room.overview_spikes.refreshing.swap(true, Ordering::AcqRel) {
        return;
    }
    let now = Utc::now();
    let window = TimeRange::new(now - Duration::hours(DEFAULT_HOURS), now);
    refresh(room, DEFAULT_HOURS, window).await;
}

/// The spikes of the default overview's last scan (none before the first).
pub(crate) async fn latest_spikes(room: &Room) -> Vec<ReportedSpike> {
    let last = room.overview_spikes.last.lock().await;
    last.as_ref()
        .filter(|c| c.hours == DEFAULT_HOURS)
        .map(|c| c.spikes.clone())
        .unwrap_or_default()
}

/// A new scan for the next overview; the last one stays when it fails.
async fn refresh(room: Arc<Room>, hours: i64, window: TimeRange) {
    match scan(&room, hours, window).await {
        Ok(scanned) => {
            let mut last = room.overview_spikes.last.lock().await;
            if last.as_ref().is_none_or(|c| c.until <= scanned.until) {
                *last = Some(scanned);
            }
        }
        Err(e) => tracing::warn!("overview spike scan failed: {e}"),
    }
    room.overview_spikes
        .refreshing
        .store(false, Ordering::Release);
}

async fn scan(room: &Room, hours: i64, window: TimeRange) -> Result<CachedSpikes, String> {
    let trends = room
        .trends
        .clone()
        .ok_or("spike detection needs trend analysis, which this server runs without")?;
    let query = SpikeQuery {
        range: window,
        bucket: BucketSize::Hour,
        category: None,
        term: None,
        filter: None,
    };
    let mut spikes = trends
        .spikes(room.store.as_ref(), &query)
        .await
        .map_err(|e| format!("spike detection failed: {e}"))?;
    spikes.sort_by(|a, b| b.evidence.score.total_cmp(&a.evidence.score));
    Ok(CachedSpikes {
        hours,
        until: window.to,
        spikes,
    })
}

fn spike_json(s: &ReportedSpike) -> Value {
    let e = &s.evidence;
    json!({
        "category": e.category,
        "term": e.term,
        "tag": e.filter.tag,
        "language": e.filter.language,
        "bucket": e.bucket,
        "bucket_start": e.bucket_start,
        "end": s.end,
        "observed": e.items,
        "expected": e.expected,
        "ratio": s.ratio,
        "score": e.score,
        "state": s.state,
        "top_terms": e.top_terms,
    })
}

/// The status file in brief: how many sources, how many failing, and per source its last
/// fetch, items and last error.
async fn sources(room: Arc<Room>) -> Result<Value, ApiError> {
    let (path, sources) = read_source_statuses(&room).await?;
    let brief: Vec<Value> = sources
        .iter()
        .map(|s| {
            json!({
                "id": s["id"],
                "kind": s["kind"],
                "last_fetch": s["last_fetch"],
                "last_success": s["last_success"],
                "next_fetch": s["next_fetch"],
                "items_total": s["items_total"],
                "consecutive_failures": s["consecutive_failures"],
                "last_error": s["last_error"],
            })
        })
        .collect();
    Ok(json!({
        "file": path,
        "total": sources.len(),
        "failing": failing(&sources),
        "sources": brief,
    }))
}
