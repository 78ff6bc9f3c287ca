//! The seam to trend analysis: spike detection and emerging-term suggestions.
//!
//! Detecting spikes and suggesting new terms is `websense-trends`' job. The room asks through
//! [`TrendAnalysis`], so it builds, serves and is tested without it: with no analysis
//! plugged in (`Room::with_trends`), `/api/spikes` and `/api/terms/emerging` answer
//! 501 and candidate scans make candidates from flagged items only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use websense_model::BoxFuture;
use websense_signals::SpikeEvidence;
use websense_store::{BucketSize, Filter, Store, TimeRange};

/// Which spikes to look for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeQuery {
    /// Buckets whose start lies in this range are tested.
    pub range: TimeRange,
    pub bucket: BucketSize,
    /// Only this category (and its terms); none: every category.
    pub category: Option<String>,
    pub filter: Filter,
}

/// Which emerging terms to suggest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmergingQuery {
    pub range: TimeRange,
    pub filter: Filter,
    pub limit: usize,
}

/// A word or phrase not in any lexicon that became frequent in texts that hit one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmergingTerm {
    pub term: String,
    /// The categories whose items it appeared in.
    pub categories: Vec<String>,
    pub current_items: u64,
    pub baseline_items: u64,
    pub score: f64,
    pub first_seen: Option<DateTime<Utc>>,
}

/// Spike detection and emerging-term suggestion over a store.
pub trait TrendAnalysis: Send + Sync {
    fn spikes<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a SpikeQuery,
    ) -> BoxFuture<'a, Result<Vec<SpikeEvidence>, String>>;

    fn emerging<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a EmergingQuery,
    ) -> BoxFuture<'a, Result<Vec<EmergingTerm>, String>>;
}
