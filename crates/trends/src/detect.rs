//! Spike detection over one regular series: the public types and entry points. The
//! expectation of each bucket is `expect.rs`'s, the following of spikes and level shifts
//! `episode.rs`'s. See the crate documentation for the method.

use crate::expect::Detector;
pub use crate::expect::History;
pub use crate::series::fill_series;
use crate::series::{regular, time_at, CountSeries};
use crate::SpikeParams;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use websense_model::BucketSize;

/// The window that found a spike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Single buckets against the same slot of the seasonal cycle in earlier weeks.
    Short,
    /// The last `long_window` against the windows of the same length before them.
    Long,
    /// The last `mid_window` of buckets summed against their summed expectation (at
    /// buckets shorter than a quarter of `mid_window` only).
    Mid,
}

/// Where a spike stands at the end of the series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeState {
    /// Confirmed in the last bucket: new.
    Open,
    /// Confirmed earlier and not closed yet.
    Ongoing,
    /// `close_after` quiet buckets have passed since its last active bucket (a level
    /// shift: it was confirmed before the last bucket).
    Closed,
}

/// What a detected episode is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeKind {
    /// A rise that passes.
    #[default]
    Spike,
    /// The series settled at a new level (up or down, see the ratio): reported once, and
    /// normal from `end` on.
    LevelShift,
}

/// What one window saw of a spike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowHit {
    pub window: Window,
    /// Short: from the first to the end of the last hot bucket. Long: the window of the
    /// strongest test.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Short: summed over the hot buckets. Long: the window's total and the median of the
    /// earlier windows' totals.
    pub observed: f64,
    pub expected: f64,
    /// `observed / max(expected, 1)`.
    pub ratio: f64,
    /// The highest score the window reached.
    pub score: f64,
}

/// A spike in a series, without what it is a series of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesSpike {
    /// The first anomalous bucket's start (the onset).
    pub start: DateTime<Utc>,
    /// The end of the last active bucket (for a level shift: of the bucket that confirmed
    /// it).
    pub end: DateTime<Utc>,
    /// The start of the bucket in which the spike was confirmed (an alert would go out then).
    pub detected_at: DateTime<Utc>,
    /// The start of the bucket with the highest short-window score.
    pub peak: DateTime<Utc>,
    /// Items in `start..end`, and what the seasonal baseline expected there.
    pub observed: f64,
    pub expected: f64,
    /// `observed / max(expected, 1)`.
    pub ratio: f64,
    /// The highest score of any window (a level shift down: the score of its total, below 0).
    pub score: f64,
    pub windows: Vec<WindowHit>,
    pub state: SpikeState,
    #[serde(default)]
    pub kind: SpikeKind,
    /// The history the expectation came from when it was confirmed: `short` means wider
    /// uncertainty (less than `min_fallback_days` days).
    #[serde(default)]
    pub history: History,
}

impl SeriesSpike {
    pub fn fired(&self, window: Window) -> bool {
        self.windows.iter().any(|w| w.window == window)
    }
}

/// Find the spikes of a series, oldest first.
///
/// `series` is read as a regular series of `bucket`: each point is floored onto its bucket,
/// buckets between the first and the last point that are missing count 0, and points on the
/// same bucket are summed (so the series may come in any order). Give the series from the
/// start of its history (see [`fill_series`]): leading empty buckets are history too.
pub fn detect(
    series: &[(DateTime<Utc>, f64)],
    bucket: BucketSize,
    params: &SpikeParams,
) -> Vec<SeriesSpike> {
    match regular(series, bucket) {
        Some((values, origin)) => crate::episode::run(
            &Detector::new(bucket.seconds(), params, &[]),
            &values,
            origin,
        ),
        None => Vec::new(),
    }
}

/// Find the spikes of a [`CountSeries`] (unknown buckets are left out, a zoned series keeps
/// its daily cycle in local time), oldest first. A series without gaps or zone gives what
/// [`detect`] gives for the same buckets.
pub fn detect_series(series: &CountSeries, params: &SpikeParams) -> Vec<SeriesSpike> {
    let values: Vec<f64> = series
        .values
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let offsets = if series.utc_offsets.len() == values.len() {
        series.utc_offsets.as_slice()
    } else {
        &[]
    };
    let detector = Detector::new(series.bucket_secs, params, offsets);
    crate::episode::run(&detector, &values, series.start.timestamp())
}

/// One bucket of a series as the short window sees it: for drawing the expected band
/// under a trend chart, and for explaining a spike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BucketScore {
    pub at: DateTime<Utc>,
    pub observed: f64,
    /// `None` while the history is too short for a baseline.
    pub expected: Option<f64>,
    /// The standard deviation the score divides by.
    pub scale: Option<f64>,
    pub score: Option<f64>,
    /// Score, ratio and volume all passed their thresholds.
    pub hot: bool,
}

/// Every bucket of a series (read as by [`detect`]) with its expectation and score.
pub fn score_series(
    series: &[(DateTime<Utc>, f64)],
    bucket: BucketSize,
    params: &SpikeParams,
) -> Vec<BucketScore> {
    let Some((values, origin)) = regular(series, bucket) else {
        return Vec::new();
    };
    let detector = Detector::new(bucket.seconds(), params, &[]);
    detector
        .evaluate(&values)
        .into_iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (e, &observed))| BucketScore {
            at: time_at(origin + i as i64 * bucket.seconds()),
            observed,
            expected: e.map(|e| e.expected),
            scale: e.map(|e| e.scale),
            score: e.map(|e| e.score),
            hot: e.is_some_and(|e| e.hot),
        })
        .collect()
}

#[cfg(test)]
#[path = "detect_tests.rs"]
mod tests;
