//! Count series as the detectors read them: the store's points floored onto their buckets
//! and summed, missing buckets filled with 0 ([`fill_series`]); samples of a series from
//! elsewhere snapped to the nearest bucket, missing buckets unknown ([`snap_series`]).

use chrono::{DateTime, Utc};
use websense_model::BucketSize;

/// `points` as a regular series over the buckets whose start lies in `[from, to)`: missing
/// buckets are 0, points are floored onto their bucket and summed, points outside are left out.
pub fn fill_series(
    points: impl IntoIterator<Item = (DateTime<Utc>, f64)>,
    bucket: BucketSize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, f64)> {
    let size = bucket.seconds();
    let first = ceil_to(from.timestamp(), size);
    let end = ceil_to(to.timestamp(), size);
    let n = ((end - first) / size).max(0) as usize;
    let mut values = vec![0.0; n];
    for (at, value) in points {
        let slot = at.timestamp().div_euclid(size) * size;
        if (first..end).contains(&slot) {
            values[((slot - first) / size) as usize] += value;
        }
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (time_at(first + i as i64 * size), v))
        .collect()
}

fn ceil_to(secs: i64, size: i64) -> i64 {
    let floor = secs.div_euclid(size) * size;
    if floor == secs {
        floor
    } else {
        floor + size
    }
}

pub(crate) fn time_at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The series as values on consecutive buckets, and the first bucket's start (seconds).
pub(crate) fn regular(
    series: &[(DateTime<Utc>, f64)],
    bucket: BucketSize,
) -> Option<(Vec<f64>, i64)> {
    let size = bucket.seconds();
    let slot = |t: &DateTime<Utc>| t.timestamp().div_euclid(size);
    let first = series.iter().map(|(t, _)| slot(t)).min()?;
    let last = series.iter().map(|(t, _)| slot(t)).max()?;
    let mut values = vec![0.0; (last - first + 1) as usize];
    for (t, v) in series {
        values[(slot(t) - first) as usize] += v.max(0.0);
    }
    Some((values, first * size))
}

/// A regular count series: consecutive buckets of `bucket_secs` from `start`, each with its
/// count or `None` where it is unknown (a gap in the data, not an empty bucket).
#[derive(Clone, Debug, PartialEq)]
pub struct CountSeries {
    pub start: DateTime<Utc>,
    pub bucket_secs: i64,
    pub values: Vec<Option<f64>>,
    /// The UTC offset in seconds of each bucket's local time, for a series whose daily cycle
    /// follows a zone with daylight-saving time; empty: the cycle follows UTC.
    pub utc_offsets: Vec<i32>,
}

impl CountSeries {
    /// The start of bucket `i`.
    pub fn at(&self, i: usize) -> DateTime<Utc> {
        time_at(self.start.timestamp() + i as i64 * self.bucket_secs)
    }
}

/// What a bucket without any sample means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Gaps {
    /// Nothing is known about it: it is left out of every baseline and never scored.
    #[default]
    Unknown,
    /// It counted nothing.
    Zero,
}

/// A snapped series and the buckets that more than one sample fell on (their samples are
/// summed).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapped {
    pub series: CountSeries,
    pub duplicates: Vec<DateTime<Utc>>,
}

/// Samples of a count series (any order, irregular times) as a [`CountSeries`]: each sample
/// counts for the bucket whose start is nearest (so drifting seconds or a series sampled a
/// little after each bucket start land where they belong), or, with `floor`, for the bucket
/// it lies in (samples finer than the bucket, summed up); samples on one bucket are summed
/// and listed as duplicates, buckets without a sample are `gaps`. `None` without samples.
pub fn snap_series(
    points: &[(DateTime<Utc>, f64)],
    bucket_secs: i64,
    gaps: Gaps,
    floor: bool,
) -> Option<Snapped> {
    let size = bucket_secs.max(1);
    let half = if floor { 0 } else { size / 2 };
    let slot = |t: &DateTime<Utc>| (t.timestamp() + half).div_euclid(size);
    let first = points.iter().map(|(t, _)| slot(t)).min()?;
    let last = points.iter().map(|(t, _)| slot(t)).max()?;
    let empty = match gaps {
        Gaps::Unknown => None,
        Gaps::Zero => Some(0.0),
    };
    let mut values = vec![empty; (last - first + 1) as usize];
    let mut seen = vec![false; values.len()];
    let mut duplicates = Vec::new();
    for (t, v) in points {
        let i = (slot(t) - first) as usize;
        if seen[i] {
            duplicates.push(time_at((first + i as i64) * size));
        }
        seen[i] = true;
        values[i] = Some(values[i].unwrap_or(0.0) + v.max(0.0));
    }
    duplicates.sort();
    duplicates.dedup();
    Some(Snapped {
        series: CountSeries {
            start: time_at(first * size),
            bucket_secs: size,
            values,
            utc_offsets: Vec::new(),
        },
        duplicates,
    })
}
