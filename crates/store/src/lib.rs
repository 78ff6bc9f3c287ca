//! Where scored items are kept and counted: one [`Store`] trait, two backends that give the
//! same answers.
//!
//! * [`SqliteStore`] (`backend = "embedded"`, the default): one SQLite file in WAL mode, for an
//!   analyst on one laptop. Nothing to install.
//! * [`ClickhouseStore`] (`backend = "clickhouse"`): a ClickHouse server or cluster, for a Web
//!   Sense Room fed by many sources. Switching is configuration only ([`StoreConfig`]).
//!
//! This crate owns the storage schemas (and their migrations), the write path from
//! [`websense_model::ScoredItem`] to rows, and the queries the dashboard asks: trend series of
//! a category or a term ([`Store::category_trend`], [`Store::term_trend`]), rising terms
//! ([`Store::rising_terms`]), the items of a bucket with their matches
//! ([`Store::bucket_items`]), every item of a range page by page ([`Store::range_items`],
//! [`RangeReader`]) and [`Store::totals`]; plus raw-text expiry
//! ([`Store::purge_raw_text`]) and retention ([`Store::drop_older_than`]), the store's
//! identity ([`StoreIdentity`]) that the collector's cursors are checked against, and what
//! every websense SQLite file gets ([`sqlite_file`]: owner-only files, `quick_check` at open,
//! purged text gone from the file, a bounded WAL; [`sqlite_migrate`]: the migration runner).
//! It must not match, score, collect, or decide what is shown: it keeps and counts. Both
//! stores are also [`websense_model::ScoredSink`]s ([`scored_sink`] for an `Arc<dyn Store>`).
//!
//! # Where things are
//!
//! * `lib.rs` (here): the [`Store`] trait, [`StoreError`], [`StoreIdentity`], [`scored_sink`].
//! * `query.rs`: the questions and answers, the same for both backends ([`TrendQuery`],
//!   [`ItemsQuery`], [`Totals`], ...); `rows.rs`: how an item becomes columns and back (event
//!   time, clamping, score micros, roll-up tags); `config.rs`: [`StoreConfig`]; `range.rs`:
//!   the range read's query, cursor and [`RangeReader`].
//! * `sqlite/`: the embedded store. `mod.rs` (the store type, opening, the trait
//!   implementation), `schema.rs` (migrations), `names.rs` (the name-id cache), `write.rs`
//!   (the write path), `query.rs` (reads), `retention.rs` (purge and retention),
//!   `identity.rs`; and, shared with every websense SQLite file, `file.rs` ([`sqlite_file`])
//!   and `migrate.rs` ([`sqlite_migrate`], the one migration runner).
//! * `clickhouse/`: the ClickHouse store. `mod.rs` (the store type, the trend and count
//!   reads, purge and retention), `items.rs` (reads of the items themselves), `schema.rs`
//!   (migrations), `writer.rs` (the batching writer and its exactly-once steps),
//!   `identity.rs`.
//!
//! # What is counted
//!
//! Both backends count exactly this, and the test suite checks every answer against a direct
//! count over the generated items (`tests/common`) and the two backends against each other:
//!
//! * An item counts once, under its **id**: the first stored version of an id wins; later
//!   writes of the same id (re-deliveries, re-fetches, another lexicon version) are ignored
//!   and reported as duplicates in [`WriteSummary`].
//! * An item's **event time** is its `published_at`, else its `fetched_at`, kept to the
//!   millisecond and clamped to 1970–2099. Buckets are 5 minutes, an hour or a day, in UTC,
//!   starting at multiples of their width since the epoch. A series over `[from, to)` has a
//!   point for each bucket whose start lies in the range and where something counts.
//! * Per **category** and bucket: `items` with at least one counted hit in the category
//!   (`CategoryScore::hits >= 1`), `flagged` items (`CategoryScore::flagged`, with or without
//!   hits), `hits` (sum of `CategoryScore::hits`) and the score summed over those items. Scores
//!   are kept in millionths (`score_micros`), so sums are exact and equal everywhere.
//! * Per **term** (always within its category) and bucket: `items` containing the term and
//!   `hits` (its `Hit`s).
//! * **Filters**: source id, source tag (an item carries its source's tags as they were when it
//!   was fetched), language code (`""` = unknown), municipalities (CBS codes: items attributed
//!   to any of them, as the matcher's gazetteer wrote `ScoredItem::municipalities`). Filters
//!   combine with AND.
//! * **Municipalities**: an item is kept with its municipalities and places, given back by
//!   the item reads; [`Store::municipality_counts`] counts the items per municipality.
//! * **Rising terms** compare the items of each term in a range (aligned to 5 minutes) with the
//!   same length right before it; [`rank_rising`] ranks them the same way for both backends.
//! * **Totals** count raw items in an exact millisecond range: items, items with hits, hits,
//!   items flagged for any category, purged items.
//! * **Range reads** list the raw items whose event time lies in an exact millisecond range,
//!   in (event time, id) order, a page at a time after a cursor (the last key read), so pages
//!   neither repeat nor skip what was stored when the read began (`tests/range.rs`).
//! * **Purge** blanks title, text, author, url, links and raw metadata of items older than a
//!   cutoff; counts and matches stay. In SQLite the old values also leave the file and its
//!   WAL ([`sqlite_file::reclaim`]). **Retention** drops whole UTC months (ClickHouse drops
//!   monthly partitions); an id dropped and written again is stored again.
//!
//! # Exactly once in ClickHouse
//!
//! ClickHouse has no transactions and no unique keys: a ReplacingMergeTree removes duplicates
//! only when it happens to merge, an insert can fail after some of its parts (or its
//! materialized views) were written, and a writer presumed dead may still be inserting. So
//! exactness does not rest on any single insert succeeding once:
//!
//! 1. **Id check, first version wins.** Before inserting, the writer asks `item_ids` which ids
//!    of the flush are stored, and inserts only the others (and only the first occurrence of
//!    an id within the flush). `item_ids` is ordered by id with small index granules, so the
//!    check reads a few hundred rows per id, not the whole table.
//! 2. **Ids last.** Hits (`matches`) and category scores (`scores`) are inserted first, then
//!    `items`, then `item_ids`. An id in `item_ids` therefore means every row of the item is
//!    in. A crash anywhere before that leaves the id out, the batch is not acknowledged, and
//!    whoever gets it again (this replica or another) writes the item again. Retries re-run
//!    the check, so a flush that half-succeeded finishes the rest.
//! 3. **Every query reads duplicates once.** Step 2 can leave rows twice (the part that made it
//!    before the crash, and the rewrite); a zombie writer can insert a whole batch twice.
//!    Duplicates of a re-delivered batch are identical, so every query is a set operation:
//!    raw-table counts use `uniqExact` over item ids and (item id, hit ordinal); item lists
//!    take `LIMIT 1 BY id`; and the roll-ups fed by materialized views hold, per 5-minute
//!    bucket x category (x term) x source x language x tag, **sets**, not sums: `uniqExact`
//!    states of item ids and of (item id, hit ordinal) for terms, a `groupUniqArray` state of
//!    (item id, hits, score, flagged) for categories. A set merged with itself is itself, so
//!    counts stay exact whatever was inserted twice, merged or not (tested:
//!    `tests/clickhouse.rs` re-inserts every table through the views, and simulates a crash
//!    between the rows and the ids).
//!
//! One case is not exact: two *different* versions of one id in flight at the same time
//! (written, not yet acknowledged, by two writers), e.g. a crash mid-write followed by a
//! re-fetch of an edited post before the re-delivery. Then both versions may count.
//!
//! Roll-up rows carry a tag dimension: each item is counted under the tag `""` ("all") and
//! under each of its distinct tags, so a tag filter reads the roll-up too. Two more roll-ups
//! (`trend_municipality_categories`, `trend_municipality_terms`) add a municipality
//! dimension the same way: an item counts under each of its municipalities (none: no row),
//! and a filter on several municipalities merges their sets, so an item of two counts once.
//!
//! ClickHouse 18.16 (what CI can install) is the floor: the SQL uses only what it has
//! (`DateTime('UTC')`, monthly `toYYYYMM` partitions, `AggregatingMergeTree`, `ALTER ...
//! UPDATE` polled through `system.mutations`, `DROP PARTITION`). The writer reads `version()`
//! at connect and uses `LowCardinality(String)` for dimension columns from 20.1 on. The
//! `clickhouse` client runs with validation off (RowBinary), which 18.16 needs.
//! CI tests against 18.16; the same ClickHouse tests (`tests/clickhouse.rs`, `tests/equality.rs`)
//! also pass against ClickHouse 26.9, with the `LowCardinality` schema, through chdb and
//! `tools/chdb_http.py` (run by hand; see there).
//!
//! # Costs
//!
//! * ClickHouse writes are batched by one writer task per store: a flush happens when
//!   `batch_rows` rows (items + hits + scores) wait, or when the oldest write has waited
//!   `batch_wait`. `write` returns after the flush that holds its batch, so a caller that awaits
//!   each write in turn gets one flush per `batch_wait`; callers that want throughput keep
//!   several writes in flight (parallel consumers). Writes wait, never drop, while
//!   `max_pending_rows` are queued. A flush is retried with backoff (`websense_model::Backoff`:
//!   from 200 ms doubling up to 5 s, full jitter) up to `max_attempts` times; then its writes fail and their callers keep their batches.
//! * A flush is four inserts (hits and scores side by side, then items, then ids) plus the id
//!   check; the materialized views cost more than the inserts themselves. `examples/store_bench.rs`
//!   measures rows/s.
//! * SQLite: one writer connection, one transaction per batch (`synchronous = FULL`: a returned
//!   write survives a power cut), `INSERT OR IGNORE` on the id; hits and scores are keyed by the
//!   item's row number so they append, and the roll-up tables, keyed by integer ids of the
//!   names and led by the hour or the category, are updated in the same transaction for the
//!   newly inserted items only. A batch costs about the pages it dirties, most of them leaves
//!   of the id index (about one per item once it is large); `src/sqlite/mod.rs` explains the
//!   layout. Queries use a pool of reader connections.

mod clickhouse;
mod config;
mod query;
mod range;
mod rows;
mod sqlite;

pub use crate::clickhouse::ClickhouseStore;
pub use config::{ClickhouseConfig, EmbeddedConfig, StoreConfig};
pub use query::{
    rank_rising, BucketSize, CategoryPoint, Filter, ItemsQuery, MunicipalityCount, RisingQuery,
    RisingTerm, SourceCount, StoredItem, Subject, TermCount, TermCountsQuery, TermPoint, TimeRange,
    Totals, TotalsQuery, TrendQuery, WriteSummary,
};
pub use range::{
    RangeCursor, RangePage, RangeQuery, RangeReader, RangeText, RangeTextPage, RangeTextReader,
};
pub use sqlite::file as sqlite_file;
pub use sqlite::migrate as sqlite_migrate;
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

    /// One page of the items of a time range (and filter), with their matches and scores, in
    /// (event time, id) order after the query's cursor: keyset paging that stays stable while
    /// items are written ([`RangeReader`] reads a whole range; see `range.rs`).
    fn range_items<'a>(
        &'a self,
        query: &'a RangeQuery,
    ) -> BoxFuture<'a, Result<RangePage, StoreError>>;

    /// The same page as [`Store::range_items`] in the lean form a re-score reads: text,
    /// stored hits and scores, no other metadata. Backends override it where skipping the
    /// metadata pays (the embedded store); the default reads the full page.
    fn range_texts<'a>(
        &'a self,
        query: &'a RangeQuery,
    ) -> BoxFuture<'a, Result<RangeTextPage, StoreError>> {
        Box::pin(async move {
            let page = self.range_items(query).await?;
            Ok(RangeTextPage {
                items: page.items.into_iter().map(RangeText::of).collect(),
                next: page.next,
            })
        })
    }

    /// How many items a range read of `range` and `filter` gives (purged ones included):
    /// [`Totals::items`], without the other counts where a backend can skip them.
    fn range_count<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let query = TotalsQuery {
                range: Some(range),
                filter: filter.clone(),
            };
            Ok(self.totals(&query).await?.items)
        })
    }

    /// Counts over the stored items.
    fn totals<'a>(&'a self, query: &'a TotalsQuery) -> BoxFuture<'a, Result<Totals, StoreError>>;

    /// Per municipality, the items of `range` (to the millisecond) and `filter` attributed to
    /// it; sorted by code. Municipalities with no items are left out. (The spike scan picks
    /// the municipalities it watches with it; a map colours them by it.)
    fn municipality_counts<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<MunicipalityCount>, StoreError>>;

    /// Per source, the items it holds and its newest item's event time; sorted by source.
    /// Sources with no items are left out. (The Room lists sources the collector does not
    /// report, such as imported history, with these.)
    fn source_counts(&self) -> BoxFuture<'_, Result<Vec<SourceCount>, StoreError>>;

    /// Remove title, text, author, url, links and raw metadata of items whose event time is
    /// before `cutoff`; their matches, scores and every count stay. Returns how many items were
    /// purged now.
    fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Retention: drop every item (and its matches, scores and roll-ups) of the UTC months
    /// that end at or before `cutoff`, i.e. whose event time is before the first instant of
    /// `cutoff`'s month. Whole months go, as ClickHouse drops monthly partitions. Returns how
    /// many items were dropped. A dropped id written again is stored again.
    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// This store's identity, or `None` while it has none (a new or re-created store).
    fn identity(&self) -> BoxFuture<'_, Result<Option<StoreIdentity>, StoreError>>;

    /// Give the store an identity if it has none, and count its generation one up; returns
    /// the new identity. Only the process that keeps the collector's cursors calls it.
    fn next_generation(&self) -> BoxFuture<'_, Result<StoreIdentity, StoreError>>;

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

/// Who a store is, so that the collector's cursors can tell whether they belong to it.
///
/// `id` is a random UUID written into the store the first time a collector starts against
/// it; `generation` counts up at every collector start and hourly while it runs. The same
/// pair is kept beside the cursors (`STATE_DIR/store-identity.json`). A store whose id
/// differs, that has none, or whose generation is behind the cursors' was deleted,
/// replaced, emptied or restored from an older backup: the cursors would never fetch what
/// it lacks again (`websense_pipeline::identity` decides what to do).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoreIdentity {
    pub id: String,
    pub generation: u64,
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
