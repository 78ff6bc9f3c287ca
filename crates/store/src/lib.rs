//! Where scored items are kept and counted: ClickHouse or embedded SQLite behind one [`Store`] trait.

mod clickhouse;
mod config;
mod query;
mod rows;
mod sqlite;

pub use crate::clickhouse::ClickhouseStore;
pub use config::{ClickhouseConfig, EmbeddedConfig, StoreConfig};
pub use query::{
    rank_rising, BucketSize, CategoryPoint, Filter, ItemsQuery, RisingQuery, RisingTerm,
    StoredItem, Subject, TermCount, TermCountsQuery, TermPoint, TimeRange, Totals, TotalsQuery,
    TrendQuery, WriteSummary,
};
pub use sqlite::SqliteStore;

use chrono::{DateTime, Utc};
use std::sync::Arc;
use websense_model::{BoxFuture, ScoredItem, ScoredSink, SinkError};

/// Why a store operation failed. A failed write stored nothing the caller may rely on: the
/// caller keeps its batch and writes it again later (ids make the repeat harmless).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("clickhouse: {0}")]
    Clickhouse(String),
    #[error("sqlite: {0}")]
    Sqlite(String),
    #[error("store configuration: {0}")]
    Config(String),
    #[error("store is shut down")]
    Closed,
}

/// A place that keeps scored items and answers the dashboard's questions about them.
///
/// Object-safe: callers hold an `Arc<dyn Store>`. Every backend gives the same answers to the
/// same questions after the same writes (see the crate documentation for the counting rules).
pub trait Store: Send + Sync {
    /// `"embedded"` or `"clickhouse"`.
    fn backend(&self) -> &'static str;

    /// Apply the schema migrations not applied yet; returns the schema version. Idempotent,
    /// and safe to run from several processes at once.
    fn migrate(&self) -> BoxFuture<'_, Result<u32, StoreError>>;

    /// Store a batch. `Ok` only once every item of it is durable. Items whose id is already
    /// stored are ignored (the first stored version of an id wins), so writing a batch again
    /// never counts anything twice.
    fn write(&self, batch: Vec<ScoredItem>) -> BoxFuture<'_, Result<WriteSummary, StoreError>>;

    /// A category's series.
    fn category_trend<'a>(
        &'a self,
        category: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<CategoryPoint>, StoreError>>;

    /// A term's series (a term within its category).
    fn term_trend<'a>(
        &'a self,
        category: &'a str,
        term: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<TermPoint>, StoreError>>;

    /// Per term, its items in the current and the baseline range; sorted by category, term.
    /// Terms that occur in neither are left out.
    fn term_counts<'a>(
        &'a self,
        query: &'a TermCountsQuery,
    ) -> BoxFuture<'a, Result<Vec<TermCount>, StoreError>>;

    /// The items of one bucket with their matches and scores.
    fn bucket_items<'a>(
        &'a self,
        query: &'a ItemsQuery,
    ) -> BoxFuture<'a, Result<Vec<StoredItem>, StoreError>>;

    /// Counts over the stored items.
    fn totals<'a>(&'a self, query: &'a TotalsQuery) -> BoxFuture<'a, Result<Totals, StoreError>>;

    /// Remove title, text, author, url, links and raw metadata of items whose event time is
    /// before `cutoff`; their matches, scores and every count stay. Returns how many items were
    /// purged now.
    fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Retention: drop every item (and its matches, scores and roll-ups) of the UTC months
    /// that end at or before `cutoff`, i.e. whose event time is before the first instant of
    /// `cutoff`'s month. Whole months go, as ClickHouse drops monthly partitions. Returns how
    /// many items were dropped. A dropped id written again is stored again.
    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// The terms that rose most, ranked by [`rank_rising`].
    fn rising_terms<'a>(
        &'a self,
        query: &'a RisingQuery,
    ) -> BoxFuture<'a, Result<Vec<RisingTerm>, StoreError>> {
        Box::pin(async move {
            let counts = self.term_counts(&query.counts).await?;
            Ok(rank_rising(counts, query.min_items, query.limit))
        })
    }
}

/// The store as the matcher's [`ScoredSink`], for callers holding an `Arc<dyn Store>`.
pub fn scored_sink(store: Arc<dyn Store>) -> Arc<dyn ScoredSink> {
    Arc::new(StoreSink(store))
}

struct StoreSink(Arc<dyn Store>);

impl ScoredSink for StoreSink {
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.0
                .write(items)
                .await
                .map(|_| ())
                .map_err(|e| SinkError::new(format!("store:{}", self.0.backend()), e))
        })
    }
}
