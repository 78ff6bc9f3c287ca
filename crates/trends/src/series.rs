//! Count series as the detectors read them: points floored onto their buckets and summed,
//! missing buckets filled with 0.

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
