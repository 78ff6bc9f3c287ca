//! `GET /api/overview`: everything the overview page shows, in one request: per lexicon
//! category its items in the window against the window before and a week of hours, the terms
//! that rose most with their week, the spikes, the sources' health and the window's totals.
//!
//! Counts come from the trend roll-ups, by 5-minute bucket: a bucket counts in a window (or
//! an hour of a sparkline) when its start lies in it, as in the trend series. The totals
//! count raw items to the millisecond. The store's questions run side by side (SQLite
//! answers each on a blocking thread).
//!
//! The spikes come from the room's spike cache ([`crate::spike_cache`]): the scan behind them
//! is by far the slowest part, so the overview usually gets the last one.
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
use crate::spike_cache;
use crate::trends::ReportedSpike;
use crate::Room;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinSet;
use websense_lexicon::{parse_categories, Category, CATEGORIES_FILE};
use websense_model::{LastError, SourceId, SourceKind};
use websense_signals::{NamedMunicipality, TermHits};
use websense_store::{
    rank_rising, BucketSize, CategoryPoint, Filter, StoreError, TermCountsQuery, TermPoint,
    TimeRange, TotalsQuery, TrendQuery,
};
use websense_trends::SpikeState;

/// Hours in a sparkline: a week.
const SPARKLINE_HOURS: i64 = 168;
/// The longest window.
const MAX_HOURS: i64 = 168;
const RISING_TERMS: usize = 10;
/// A term needs this many items in the window to rise (as `/api/terms/rising`'s default).
const RISING_MIN_ITEMS: u64 = 3;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverviewParams {
    hours: Option<i64>,
    /// CBS codes: the overview of these municipalities' items.
    municipality: Option<String>,
    #[serde(default, deserialize_with = "crate::api::params::maybe_at")]
    now: Option<DateTime<Utc>>,
}

/// `GET /api/overview`'s answer.
#[derive(Serialize)]
pub(crate) struct Overview {
    now: DateTime<Utc>,
    hours: i64,
    window: TimeRange,
    previous_window: TimeRange,
    sparkline: SparklineAxis,
    categories: Vec<CategoryLine>,
    /// Why `categories.toml` could not be read (labels are then missing).
    lexicon_error: Option<String>,
    rising_terms: Vec<RisingTermLine>,
    /// Highest score first.
    spikes: Vec<SpikeLine>,
    /// The end of the window the spikes were scanned for.
    spikes_as_of: Option<DateTime<Utc>>,
    spikes_error: Option<String>,
    sources: Option<SourcesBrief>,
    sources_error: Option<String>,
    totals: WindowTotals,
}

/// What every sparkline covers: `points` buckets from `from`.
#[derive(Serialize)]
struct SparklineAxis {
    from: DateTime<Utc>,
    bucket: BucketSize,
    points: i64,
}

/// One lexicon category: its items in the window and the window before, and its week.
#[derive(Serialize)]
struct CategoryLine {
    category: String,
    label: Option<String>,
    items: u64,
    previous_items: u64,
    /// `items / previous_items`; none when nothing came before.
    ratio: Option<f64>,
    flagged: u64,
    sparkline: Vec<u64>,
}

/// One of the terms that rose most, with its week.
#[derive(Serialize)]
struct RisingTermLine {
    category: String,
    term: String,
    items: u64,
    previous_items: u64,
    ratio: f64,
    sparkline: Vec<u64>,
}

/// A spike as the overview lists it.
#[derive(Serialize)]
struct SpikeLine {
    category: String,
    term: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// The municipalities of the series (empty: all), named.
    municipalities: Vec<NamedMunicipality>,
    bucket: BucketSize,
    bucket_start: DateTime<Utc>,
    end: DateTime<Utc>,
    observed: u64,
    expected: f64,
    ratio: f64,
    score: f64,
    state: SpikeState,
    top_terms: Vec<TermHits>,
}

/// The sources' health in brief.
#[derive(Serialize)]
struct SourcesBrief {
    file: PathBuf,
    total: usize,
    failing: usize,
    sources: Vec<SourceBrief>,
}

/// One source's last fetch, items and last error.
#[derive(Serialize)]
struct SourceBrief {
    id: SourceId,
    kind: SourceKind,
    last_fetch: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    next_fetch: Option<DateTime<Utc>>,
    items_total: u64,
    consecutive_failures: u32,
    last_error: Option<LastError>,
}

/// Raw items in the window, to the millisecond.
#[derive(Serialize)]
struct WindowTotals {
    items: u64,
    flagged_items: u64,
}

pub(crate) async fn overview(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<OverviewParams>,
) -> Result<Json<Overview>, ApiError> {
    let hours = p.hours.unwrap_or(spike_cache::DEFAULT_HOURS);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::bad_request(format!(
            "`hours` must be between 1 and {MAX_HOURS}"
        )));
    }
    let now = p.now.unwrap_or_else(Utc::now);
    let filter = Filter::municipalities(crate::api::params::municipalities(
        p.municipality.as_deref(),
    )?);
    let window = TimeRange::new(now - Duration::hours(hours), now);
    let previous = TimeRange::new(window.from - Duration::hours(hours), window.from);
    let spark_from = now
        .duration_trunc(Duration::hours(1))
        .map_err(|e| ApiError::bad_request(format!("`now` is out of range: {e}")))?
        - Duration::hours(SPARKLINE_HOURS - 1);

    // The slow and independent parts start first.
    let spikes = tokio::spawn(spike_cache::spikes(room.clone(), hours, window));
    let totals = {
        let (store, filter) = (room.store.clone(), filter.clone());
        tokio::spawn(async move {
            store
                .totals(&TotalsQuery {
                    range: Some(window),
                    filter,
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
            filter: filter.clone(),
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
        filter: filter.clone(),
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

    let categories: Vec<CategoryLine> = names
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
            CategoryLine {
                category: name.clone(),
                label,
                items,
                previous_items,
                ratio: ratio(items, previous_items),
                flagged: sum(&window, true),
                sparkline: sparkline(spark_from, points.iter().map(|p| (p.bucket_start, p.items))),
            }
        })
        .collect();
    let rising_terms: Vec<RisingTermLine> = rising
        .iter()
        .zip(&term_points)
        .map(|(t, points)| RisingTermLine {
            category: t.category.clone(),
            term: t.term.clone(),
            items: t.current_items,
            previous_items: t.baseline_items,
            ratio: t.ratio,
            sparkline: sparkline(spark_from, points.iter().map(|p| (p.bucket_start, p.items))),
        })
        .collect();

    let totals = totals
        .await
        .map_err(|e| ApiError::internal("totals task failed", e))??;
    let (spikes, spikes_as_of, spikes_error) = match spikes.await {
        Ok(Ok((spikes, until))) => (
            spikes
                .iter()
                .filter(|s| of_municipalities(s, &filter))
                .map(spike_line)
                .collect(),
            Some(until),
            None,
        ),
        Ok(Err(e)) => (Vec::new(), None, Some(e)),
        Err(e) => (
            Vec::new(),
            None,
            Some(format!("spike detection task failed: {e}")),
        ),
    };
    let (sources, sources_error) = match sources.await {
        Ok(Ok(s)) => (Some(s), None),
        Ok(Err(e)) => (None, Some(e.message)),
        Err(e) => (None, Some(format!("source status task failed: {e}"))),
    };
    Ok(Json(Overview {
        now,
        hours,
        window,
        previous_window: previous,
        sparkline: SparklineAxis {
            from: spark_from,
            bucket: BucketSize::Hour,
            points: SPARKLINE_HOURS,
        },
        categories,
        lexicon_error,
        rising_terms,
        spikes,
        spikes_as_of,
        spikes_error,
        sources,
        sources_error,
        totals: WindowTotals {
            items: totals.items,
            flagged_items: totals.flagged_items,
        },
    }))
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
pub(crate) async fn declared_categories(room: &Room) -> (Vec<Category>, Option<String>) {
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

/// Whether a spike belongs in an overview of `filter`'s municipalities: every spike when it
/// names none, else the spikes of their own series (those the scan watches).
fn of_municipalities(s: &ReportedSpike, filter: &Filter) -> bool {
    filter.municipalities.is_empty()
        || s.evidence
            .filter
            .municipalities
            .iter()
            .any(|m| filter.municipalities.contains(m))
}

fn spike_line(s: &ReportedSpike) -> SpikeLine {
    let e = &s.evidence;
    SpikeLine {
        category: e.category.clone(),
        term: e.term.clone(),
        tag: e.filter.tag.clone(),
        language: e.filter.language.clone(),
        municipalities: e.municipalities.clone(),
        bucket: e.bucket,
        bucket_start: e.bucket_start,
        end: s.end,
        observed: e.items,
        expected: e.expected,
        ratio: s.ratio,
        score: e.score,
        state: s.state,
        top_terms: e.top_terms.clone(),
    }
}

/// The status file in brief: how many sources, how many failing, and per source its last
/// fetch, items and last error.
async fn sources(room: Arc<Room>) -> Result<SourcesBrief, ApiError> {
    let (file, sources) = read_source_statuses(&room).await?;
    let failing = failing(&sources);
    let total = sources.len();
    let sources = sources
        .into_iter()
        .map(|s| SourceBrief {
            id: s.id,
            kind: s.kind,
            last_fetch: s.last_fetch,
            last_success: s.last_success,
            next_fetch: s.next_fetch,
            items_total: s.items_total,
            consecutive_failures: s.consecutive_failures,
            last_error: s.last_error,
        })
        .collect();
    Ok(SourcesBrief {
        file,
        total,
        failing,
        sources,
    })
}
