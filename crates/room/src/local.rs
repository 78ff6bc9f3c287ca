//! The local picture: per municipality of the region, its posts of the last 24 hours against
//! its baseline (the average day of the week before), and whether that is a rise. The map
//! (`/kaart`, server-rendered), its table and `GET /api/municipalities` show the same figures,
//! computed here once.
//!
//! These are aggregate counts, so every watcher sees them for the whole region, scoped
//! accounts included ([`crate::scope`]): no post text is in them.
//!
//! Counts are the store's raw-item counts per municipality: two questions for the whole
//! region (the last 24 hours, the baseline), and the flagged posts of each municipality with
//! posts now (eight at once).

use crate::region::Region;
use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use std::collections::HashMap;
use websense_store::{Filter, MunicipalityCount, Store, StoreError, TimeRange, TotalsQuery};

/// Days in the baseline before the current day.
pub const BASELINE_DAYS: i64 = 7;
/// Counts asked of the store at once.
const CONCURRENT: usize = 8;

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
    /// Of which flagged for a category.
    pub flagged_items: u64,
    /// Posts per day in the [`BASELINE_DAYS`] before.
    pub baseline_per_day: f64,
    pub rise: Rise,
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
    // Flagged posts are counted for the municipalities with posts now only.
    let flagged: Vec<_> = region
        .municipalities()
        .iter()
        .filter(|m| count_of(&now_counts, &m.code) > 0)
        .map(|m| flagged_items(store, m.code.clone(), current))
        .collect();
    let flagged: HashMap<String, u64> = stream::iter(flagged)
        .buffered(CONCURRENT)
        .try_collect()
        .await?;
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
                flagged_items: flagged.get(&m.code).copied().unwrap_or(0),
                baseline_per_day,
                rise: Rise::of(items, baseline_per_day),
            }
        })
        .collect())
}

/// One municipality's flagged posts in `range`.
async fn flagged_items(
    store: &dyn Store,
    code: String,
    range: TimeRange,
) -> Result<(String, u64), StoreError> {
    let totals = store
        .totals(&TotalsQuery {
            range: Some(range),
            filter: Filter::municipalities([code.clone()]),
        })
        .await?;
    Ok((code, totals.flagged_items))
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
