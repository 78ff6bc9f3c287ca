//! The questions the dashboard asks a store, and the answers, identical for every backend.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use websense_model::{CategoryScore, Hit, Item, Place};

pub use websense_model::BucketSize;

/// A half-open time range `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl TimeRange {
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> TimeRange {
        TimeRange { from, to }
    }

    /// The bucket starts (Unix seconds) `[lo, hi)` of the buckets of `size` whose start lies
    /// in this range. Both backends select roll-up rows with exactly these bounds.
    pub(crate) fn bucket_bounds(&self, size: BucketSize) -> (i64, i64) {
        let ceil = |t: DateTime<Utc>| {
            let s = size.seconds();
            let secs = crate::rows::clamp_ms(t.timestamp_millis()).div_euclid(1000);
            let floor = secs.div_euclid(s) * s;
            let exact = floor * 1000 == crate::rows::clamp_ms(t.timestamp_millis());
            if exact {
                floor
            } else {
                floor + s
            }
        };
        (ceil(self.from), ceil(self.to))
    }

    /// The range in clamped milliseconds `[lo, hi)`.
    pub(crate) fn millis(&self) -> (i64, i64) {
        (
            crate::rows::clamp_ms(self.from.timestamp_millis()),
            crate::rows::clamp_ms(self.to.timestamp_millis()),
        )
    }
}

/// Which items count. Every field left `None` means "all". A `tag` of `""` is the same as
/// `None` (the empty tag is never stored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub tag: Option<String>,
    /// An ISO 639-3 code; `""` selects items whose language is unknown.
    #[serde(default)]
    pub language: Option<String>,
    /// CBS municipality codes (`GM0479`): items attributed to any of them (OR between
    /// them). Empty: no restriction.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
}

impl Filter {
    /// The tag value the roll-ups are keyed by: `""` stands for "every item".
    pub(crate) fn rollup_tag(&self) -> &str {
        self.tag.as_deref().unwrap_or("")
    }

    pub(crate) fn tag(&self) -> Option<&str> {
        self.tag.as_deref().filter(|t| !t.is_empty())
    }

    /// A filter on these municipalities only (OR between them), nothing else.
    pub fn municipalities<I: IntoIterator<Item = S>, S: Into<String>>(codes: I) -> Filter {
        Filter {
            municipalities: codes.into_iter().map(Into::into).collect(),
            ..Filter::default()
        }
    }

    /// Whether the filter restricts municipalities: then the municipality roll-ups answer.
    pub(crate) fn by_municipality(&self) -> bool {
        !self.municipalities.is_empty()
    }
}

/// What a trend series or an item list is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Category(String),
    /// A term is always asked for within its category (the same word may be in two).
    Term {
        category: String,
        term: String,
    },
}

/// A trend series: one point per bucket of `bucket` whose start lies in `range`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendQuery {
    pub bucket: BucketSize,
    pub range: TimeRange,
    #[serde(default)]
    pub filter: Filter,
}

/// One bucket of a category's series. Buckets where no item counts are left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryPoint {
    pub bucket_start: DateTime<Utc>,
    /// Items with at least one counted hit in the category.
    pub items: u64,
    /// Items flagged for the category.
    pub flagged: u64,
    /// Counted hits of the category, summed over the items.
    pub hits: u64,
    /// The category's score summed over the items, in millionths (the stored precision).
    pub score_micros: i64,
}

impl CategoryPoint {
    pub fn score(&self) -> f64 {
        self.score_micros as f64 / 1e6
    }
}

/// One bucket of a term's series. Buckets where the term does not occur are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermPoint {
    pub bucket_start: DateTime<Utc>,
    /// Items containing the term.
    pub items: u64,
    /// Hits of the term, summed over the items.
    pub hits: u64,
}

/// Per term, the items containing it in a current range and in the baseline range of the
/// same length right before it (both aligned to 5-minute buckets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermCountsQuery {
    pub current: TimeRange,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub filter: Filter,
}

impl TermCountsQuery {
    /// `(baseline_lo, current_lo, current_hi)` in Unix seconds on 5-minute bucket starts.
    pub(crate) fn bounds(&self) -> (i64, i64, i64) {
        let (lo, hi) = self.current.bucket_bounds(BucketSize::FiveMinutes);
        (lo - (hi - lo), lo, hi)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermCount {
    pub category: String,
    pub term: String,
    pub current_items: u64,
    pub baseline_items: u64,
}

/// The terms that rose most from the baseline to the current range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RisingQuery {
    #[serde(flatten)]
    pub counts: TermCountsQuery,
    /// A term needs at least this many items in the current range to be listed.
    pub min_items: u64,
    pub limit: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RisingTerm {
    pub category: String,
    pub term: String,
    pub current_items: u64,
    pub baseline_items: u64,
    /// `(current + 1) / (baseline + 1)`: the +1 keeps new terms finite and ranks a jump from
    /// 0 to 20 above one from 0 to 2.
    pub ratio: f64,
}

/// Rank term counts into rising terms: terms with at least `min_items` current items and
/// more current than baseline items, by ratio, then current items, then name. The same code
/// ranks for every backend, so equal counts give equal rankings.
pub fn rank_rising(counts: Vec<TermCount>, min_items: u64, limit: usize) -> Vec<RisingTerm> {
    let mut rising: Vec<RisingTerm> = counts
        .into_iter()
        .filter(|c| c.current_items >= min_items && c.current_items > c.baseline_items)
        .map(|c| RisingTerm {
            ratio: (c.current_items + 1) as f64 / (c.baseline_items + 1) as f64,
            category: c.category,
            term: c.term,
            current_items: c.current_items,
            baseline_items: c.baseline_items,
        })
        .collect();
    rising.sort_by(|a, b| {
        b.ratio
            .total_cmp(&a.ratio)
            .then(b.current_items.cmp(&a.current_items))
            .then_with(|| a.category.cmp(&b.category))
            .then_with(|| a.term.cmp(&b.term))
    });
    rising.truncate(limit);
    rising
}

/// The items of one bucket, in event time order (then id), a page at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsQuery {
    pub bucket: BucketSize,
    /// Any time inside the bucket; the bucket containing it is listed.
    pub at: DateTime<Utc>,
    /// Only items with a counted hit in the category, or containing the term.
    #[serde(default)]
    pub subject: Option<Subject>,
    #[serde(default)]
    pub filter: Filter,
    pub limit: usize,
    #[serde(default)]
    pub offset: usize,
}

impl ItemsQuery {
    /// The bucket as clamped milliseconds `[lo, hi)`.
    pub(crate) fn millis(&self) -> (i64, i64) {
        let size_ms = self.bucket.seconds() * 1000;
        let lo = crate::rows::clamp_ms(self.at.timestamp_millis()).div_euclid(size_ms) * size_ms;
        (lo, lo + size_ms)
    }
}

/// An item as the store gives it back. Times have millisecond precision. After
/// [`crate::Store::purge_raw_text`] the item keeps its id, source, times, language, lexicon
/// version, matches and scores; its title, text, author, url, links and raw metadata are gone
/// (`text` is empty, the options `None`) and `text_purged` is set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredItem {
    pub item: Item,
    pub lexicon_version: String,
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
    pub text_purged: bool,
    /// The places the item names, as the matcher wrote them (kept through a purge: a place
    /// name is no personal data, and the municipality counts rest on them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// The municipality codes the item is attributed to, in the order written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
}

/// Counts over the raw items (not the roll-ups). `range`, when given, bounds the items' event
/// times `[from, to)` to the millisecond.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalsQuery {
    #[serde(default)]
    pub range: Option<TimeRange>,
    #[serde(default)]
    pub filter: Filter,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub items: u64,
    /// Items with at least one hit.
    pub matched_items: u64,
    pub hits: u64,
    /// Items flagged for at least one category.
    pub flagged_items: u64,
    /// Items whose raw text has been purged.
    pub purged_items: u64,
}

/// How many items of a range are attributed to a municipality.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MunicipalityCount {
    /// CBS code, `GM0479`.
    pub municipality: String,
    pub items: u64,
}

/// How many items a source holds, and its newest item's event time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCount {
    pub source: String,
    pub items: u64,
    pub newest: DateTime<Utc>,
}

/// What a write did with its batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteSummary {
    /// Items stored for the first time.
    pub written: usize,
    /// Items whose id was already stored (or came earlier in the same batch): ignored.
    pub duplicates: usize,
}
