//! What `websense run` prints about the stored items: totals, per category, frequent terms.

use chrono::{DateTime, Utc};
use std::fmt;
use websense_lexicon::Category;
use websense_store::{
    BucketSize, Filter, Store, StoreError, TermCount, TermCountsQuery, TimeRange, Totals,
    TotalsQuery, TrendQuery,
};

/// A category's counts over every stored item.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryLine {
    pub name: String,
    pub label: String,
    pub items: u64,
    pub flagged: u64,
    pub hits: u64,
}

/// Counts over everything in a store.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendSummary {
    pub totals: Totals,
    /// Categories with at least one item, most items first.
    pub categories: Vec<CategoryLine>,
    /// The terms in most items, most first.
    pub top_terms: Vec<TermCount>,
}

/// Everything from 1970 to 2100: the store clamps event times to that range.
fn all_time() -> TimeRange {
    TimeRange::new(
        DateTime::<Utc>::UNIX_EPOCH,
        DateTime::from_timestamp(4_102_444_800, 0).expect("2100-01-01 is a valid time"),
    )
}

impl TrendSummary {
    /// Ask `store` (its trend roll-ups, through the same queries the dashboard uses).
    pub async fn query(
        store: &dyn Store,
        categories: &[Category],
        top: usize,
    ) -> Result<TrendSummary, StoreError> {
        let totals = store.totals(&TotalsQuery::default()).await?;
        let trend = TrendQuery {
            bucket: BucketSize::Day,
            range: all_time(),
            filter: Filter::default(),
        };
        let mut lines = Vec::new();
        for category in categories {
            let points = store.category_trend(&category.name, &trend).await?;
            let line = CategoryLine {
                name: category.name.clone(),
                label: category.label.clone(),
                items: points.iter().map(|p| p.items).sum(),
                flagged: points.iter().map(|p| p.flagged).sum(),
                hits: points.iter().map(|p| p.hits).sum(),
            };
            if line.items > 0 || line.flagged > 0 {
                lines.push(line);
            }
        }
        lines.sort_by(|a, b| b.items.cmp(&a.items).then_with(|| a.name.cmp(&b.name)));
        let mut terms = store
            .term_counts(&TermCountsQuery {
                current: all_time(),
                category: None,
                filter: Filter::default(),
            })
            .await?;
        terms.sort_by(|a, b| {
            b.current_items
                .cmp(&a.current_items)
                .then_with(|| a.term.cmp(&b.term))
        });
        terms.truncate(top);
        Ok(TrendSummary {
            totals,
            categories: lines,
            top_terms: terms,
        })
    }
}

impl fmt::Display for TrendSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.totals;
        writeln!(
            f,
            "stored: {} items, {} with lexicon hits ({} hits), {} flagged for a category",
            t.items, t.matched_items, t.hits, t.flagged_items
        )?;
        if !self.categories.is_empty() {
            let width = self
                .categories
                .iter()
                .map(|c| c.label.chars().count())
                .max()
                .unwrap_or(0);
            writeln!(
                f,
                "  {:width$}  {:>6}  {:>7}",
                "category", "items", "flagged"
            )?;
            for c in &self.categories {
                writeln!(f, "  {:width$}  {:>6}  {:>7}", c.label, c.items, c.flagged)?;
            }
        }
        if !self.top_terms.is_empty() {
            let terms: Vec<String> = self
                .top_terms
                .iter()
                .map(|t| format!("{} ({})", t.term, t.current_items))
                .collect();
            writeln!(f, "  most frequent terms: {}", terms.join(", "))?;
        }
        Ok(())
    }
}
