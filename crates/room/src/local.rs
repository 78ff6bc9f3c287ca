//! The local picture: per municipality of the region, its posts of the last 24 hours against
//! its baseline (the average day of the week before), and whether that is a rise. The map
//! (`/kaart`, server-rendered), its table and `GET /api/municipalities` show the same figures,
//! computed here once.
//!
//! These are aggregate counts, so every watcher sees them for the whole region, scoped
//! accounts included ([`crate::scope`]): no post text is in them.
//!
//! Counts are the store's raw-item counts per municipality: two questions for the whole
//! region (the last 24 hours, the baseline), whatever its size, reused for a minute
//! ([`FiguresCache`]). Measured: 3.5 s over a million items in the embedded store on the
//! 2-core development machine, for Noord-Holland and for the country alike (`cargo run
//! --release -p websense-room --example map_bench -- 1000`). Flagged posts per municipality
//! would cost a question per municipality (13 s for Noord-Holland's 44 over the same million
//! items), so the map leaves them to a municipality's own overview.

use crate::region::Region;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use websense_store::{Filter, MunicipalityCount, Store, StoreError, TimeRange};

/// Days in the baseline before the current day.
pub const BASELINE_DAYS: i64 = 7;

/// How a municipality's last 24 hours compare with its baseline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rise {
    /// No posts now or in the baseline.
    Quiet,
    /// At least 3 posts, and at least half again as many as an average baseline day.
    Rising,
    /// At most two thirds of an average baseline day of at least 3 posts.
    Falling,
    Steady,
}

impl Rise {
    /// `(current + 1) / (baseline + 1)`, as the rising terms rank: the +1 keeps a new
    /// municipality's ratio finite and a jump from 0 to 2 small.
    pub fn of(current: u64, baseline_per_day: f64) -> Rise {
        let ratio = (current as f64 + 1.0) / (baseline_per_day + 1.0);
        if current == 0 && baseline_per_day == 0.0 {
            Rise::Quiet
        } else if current >= 3 && ratio >= 1.5 {
            Rise::Rising
        } else if baseline_per_day >= 3.0 && ratio <= 2.0 / 3.0 {
            Rise::Falling
        } else {
            Rise::Steady
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rise::Quiet => "quiet",
            Rise::Rising => "rising",
            Rise::Falling => "falling",
            Rise::Steady => "steady",
        }
    }
}

/// One municipality's figures.
#[derive(Clone, Debug, Serialize)]
pub struct MunicipalityFigures {
    pub code: String,
    pub name: String,
    pub province: String,
    pub lat: f64,
    pub lon: f64,
    /// Posts of the last 24 hours.
    pub items: u64,
    /// Posts per day in the [`BASELINE_DAYS`] before.
    pub baseline_per_day: f64,
    pub rise: Rise,
}

/// How long the map's figures for "now" are reused: a map reloaded, or opened by several
/// people, within a minute asks the store once.
pub const CACHE_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Figures computed at a moment: when (on the clock and the monotonic clock), and what.
type Computed = (
    std::time::Instant,
    DateTime<Utc>,
    std::sync::Arc<Vec<MunicipalityFigures>>,
);

/// The last figures computed for "now", and when.
#[derive(Default)]
pub struct FiguresCache(tokio::sync::Mutex<Option<Computed>>);

impl FiguresCache {
    /// The figures at the present moment: the cached ones while younger than [`CACHE_FOR`],
    /// else computed now (one at a time: a second caller waits for the first's answer).
    pub async fn now(
        &self,
        store: &dyn Store,
        region: &Region,
    ) -> Result<(DateTime<Utc>, std::sync::Arc<Vec<MunicipalityFigures>>), StoreError> {
        let mut last = self.0.lock().await;
        if let Some((at, now, figures)) = last.as_ref() {
            if at.elapsed() < CACHE_FOR {
                return Ok((*now, figures.clone()));
            }
        }
        let now = Utc::now();
        let figures = std::sync::Arc::new(figures(store, region, now).await?);
        *last = Some((std::time::Instant::now(), now, figures.clone()));
        Ok((now, figures))
    }
}

/// The figures of every municipality of `region`, in the region's order, at `now`.
pub async fn figures(
    store: &dyn Store,
    region: &Region,
    now: DateTime<Utc>,
) -> Result<Vec<MunicipalityFigures>, StoreError> {
    let current = TimeRange::new(now - Duration::hours(24), now);
    let baseline = TimeRange::new(now - Duration::days(BASELINE_DAYS + 1), current.from);
    let everything = Filter::default();
    let (now_counts, before_counts) = futures_util::try_join!(
        store.municipality_counts(current, &everything),
        store.municipality_counts(baseline, &everything),
    )?;
    let count_of = |counts: &[MunicipalityCount], code: &str| {
        counts
            .binary_search_by(|c| c.municipality.as_str().cmp(code))
            .map(|i| counts[i].items)
            .unwrap_or(0)
    };
    Ok(region
        .municipalities()
        .iter()
        .map(|m| {
            let items = count_of(&now_counts, &m.code);
            let baseline_per_day = count_of(&before_counts, &m.code) as f64 / BASELINE_DAYS as f64;
            MunicipalityFigures {
                code: m.code.clone(),
                name: m.name.clone(),
                province: m.province.clone(),
                lat: m.lat,
                lon: m.lon,
                items,
                baseline_per_day,
                rise: Rise::of(items, baseline_per_day),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_needs_posts_and_half_again_the_baseline() {
        assert_eq!(Rise::of(0, 0.0), Rise::Quiet);
        assert_eq!(Rise::of(2, 0.0), Rise::Steady, "two posts are no rise");
        assert_eq!(Rise::of(3, 0.0), Rise::Rising);
        assert_eq!(Rise::of(12, 7.0), Rise::Rising);
        assert_eq!(Rise::of(10, 7.0), Rise::Steady);
        assert_eq!(Rise::of(4, 7.0), Rise::Falling);
        assert_eq!(
            Rise::of(0, 2.0),
            Rise::Steady,
            "a small baseline does not fall"
        );
    }
}
