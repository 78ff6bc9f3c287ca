//! The embedded store: one SQLite file in WAL mode.
//!
//! # Layout, and what a batch costs
//!
//! A write is one transaction with one `fsync` of the WAL (`synchronous = FULL`: a batch
//! acknowledged survives a power cut, which collectors rely on when they advance their cursors
//! after the acknowledgement). What a batch costs is then mostly the pages it dirties: each is
//! written to the WAL at commit and again at the next checkpoint. So the layout keeps the pages a
//! batch touches few:
//!
//! * `items` (rowid `seq`), `matches` and `scores` (keyed by `seq`) append. The unique index on
//!   the id is the one random-access structure: ids are hashes, so once the index is large each
//!   new item dirties about one of its leaf pages. It is what "the first version of an id wins"
//!   costs, and most of what a batch writes.
//! * The roll-ups are keyed by small integer ids, not names: `categories`, `terms` (a term
//!   within its category), `sources`, `languages` and `tag_lists` map each name to its id once;
//!   the writer keeps the mapping in memory.
//! * `trend_terms` leads with the hour, then the term: a batch of recent items updates rows of
//!   an hour or two, i.e. a few adjacent pages. (Keyed by term first, the terms of a 1,000-item
//!   batch dirtied some 3,400 pages, two to three times the rest of the batch.) A term's
//!   series seeks each hour of its range that holds data; rising terms read the hours of their
//!   range. `trend_categories` leads with the category: there are few, so a batch touches few
//!   pages, and a category's series is one range.
//! * `trend_category_totals` holds the same counts per category and bucket without sources,
//!   languages and tag lists: a series without a filter (the dashboard's usual question, and
//!   the spike detector's) reads one row per 5 minutes instead of one per source, language
//!   and tag list there. 90 days of hours of a category, with 10 million items from 60
//!   sources: 2,160 points in 15 ms instead of 170 ms (`websense-room`'s
//!   `examples/overview_bench.rs`). A batch adds a few rows to it. Schema 2 added it, filled
//!   from `trend_categories`; a writer of an earlier release must not write to a file
//!   migrated since, or its items would be missing from the unfiltered series.
//! * Tags: an item is counted once, under its source's *tag list* (the tags as fetched); a tag
//!   filter selects the lists containing the tag (`tag_list_tags`). Items carry the list's id
//!   instead of one row per tag.
//! * Municipalities (schema 5): likewise an item carries the id of its *municipality list*
//!   (its codes as written; 0 for none), and a filter selects the lists holding any of its
//!   codes (`municipality_list_members`). `trend_municipality_categories` (led by category,
//!   then list) and `trend_municipality_terms` (led by hour, then list) repeat the roll-ups
//!   for the items with a municipality only, each under its one list, so a filter on several
//!   municipalities counts an item once; items without one cost nothing there. The unfiltered
//!   and the other filtered reads do not touch them.
//!
//! `examples/store_bench.rs` (200,000 items in 1,000-item batches, two hits each, on a 2-core
//! machine shared with other work): about 1,250 pages per batch, some 900 of them id-index
//! leaves; 25,000 to 50,000 items/s depending on the load, against 6,000 to 9,000 with the
//! name-keyed, term-first roll-ups. What did not help: 1 or 2 KiB pages (fewer bytes, but the
//! per-page work grows more), multi-row `VALUES` (SQLite's per-statement cost is small next to
//! the B-tree work), inserting a batch in id order, and leaving checkpoints to a later moment.
//!
//! What the file itself gets (mode 0600, `quick_check` at open, `secure_delete`, incremental
//! auto-vacuum and a truncated WAL after purges, the WAL bound `[store] wal_max_bytes`) is in
//! [`mod@file`]; the store identity's two rows of `store_meta` in `identity.rs`.
//!
//! Ids are never deleted or renumbered (retention drops items and roll-up rows, not names), so
//! a cached id stays valid; only ids minted in a transaction that then failed are not, and the
//! writer forgets its whole cache after a failed write.
//!
//! # Where things are
//!
//! * `mod.rs` (here): [`SqliteStore`], opening it, its writer connection and reader pool, and
//!   the [`Store`] implementation that hands each call to one of the files below.
//! * `schema.rs`: the migrations (the tables above) and the check that refuses pre-release files.
//! * `names.rs`: the writer's cache of name ids.
//! * `write.rs`: the write path (a batch in one transaction, roll-ups included).
//! * `query.rs`: every read (trend series, term counts, a bucket's items, a range's items a
//!   page at a time, totals).
//! * `retention.rs`: purging raw text and dropping old months.
//! * `identity.rs`: the store identity (two rows of `store_meta`).
//! * [`mod@file`]: what every websense SQLite file gets (public: the room database and the
//!   author vault use it too).
//! * [`migrate`]: the one migration runner of every websense SQLite file (public: the room
//!   database uses it too).

use crate::query::*;
use crate::range::{RangePage, RangeQuery};
use crate::rows::{clamp_ms, month_start};
use crate::{Store, StoreError, StoreIdentity};
use chrono::{DateTime, Utc};
use names::NameIds;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use websense_model::{BoxFuture, ScoredItem, ScoredSink, SinkError};

pub mod file;
mod identity;
pub mod migrate;
mod names;
mod query;
mod range_texts;
mod retention;
mod schema;
mod write;

/// The writer's page cache (64 MiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// The embedded store. Cheap to clone; clones share the database.
///
/// One writer connection writes each batch in one transaction (`synchronous = FULL`, so a
/// write that returned survives a power cut); queries use a small pool of reader
/// connections, which WAL lets read while the writer writes. Blocking work runs on Tokio's
/// blocking threads.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
}

struct Writer {
    conn: Connection,
    ids: NameIds,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Sqlite(format!("{}: {e}", path.display()))
}

impl SqliteStore {
    /// Open (or create) the database file; the directory is created when missing. Call
    /// [`Store::migrate`] before use ([`crate::StoreConfig::open`] does).
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with_wal_limit(path, file::DEFAULT_WAL_MAX_BYTES).await
    }

    /// As [`SqliteStore::open`], with the WAL kept below about `wal_max_bytes` (`[store]
    /// wal_max_bytes`; see [`mod@file`]). The file is created readable by its owner only and
    /// checked with `PRAGMA quick_check`: a damaged file is an error here, naming the file.
    pub async fn open_with_wal_limit(
        path: impl AsRef<Path>,
        wal_max_bytes: u64,
    ) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        // Every connection to ":memory:" is a database of its own: readers would see nothing.
        if path.as_os_str().to_string_lossy().contains(":memory:") {
            return Err(StoreError::Config(
                "embedded store needs a file path; an in-memory SQLite database cannot be shared \
                 between its connections"
                    .into(),
            ));
        }
        tokio::task::spawn_blocking(move || {
            file::prepare(&path).map_err(StoreError::Sqlite)?;
            let damage = |e: rusqlite::Error| {
                if file::is_damage(&e) {
                    StoreError::Sqlite(file::damaged(&path, &e.to_string()))
                } else {
                    sql_err(&path)(e)
                }
            };
            let conn = open_connection(&path).map_err(damage)?;
            file::check(&conn, &path).map_err(StoreError::Sqlite)?;
            // A batch touches pages all over the id index; with SQLite's default 2 MB cache
            // they spill to the WAL mid-transaction and are read back, ten times slower.
            file::configure(&conn, wal_max_bytes)
                .and_then(|_| conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB))
                .map_err(damage)?;
            Ok(SqliteStore {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(Writer {
                        conn,
                        ids: NameIds::default(),
                    }),
                    readers: Mutex::new(Vec::new()),
                }),
            })
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("open task failed: {e}")))?
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    async fn with_writer<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Writer) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut writer).map_err(sql_err(&inner.path))
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("write task failed: {e}")))?
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop();
            let conn = match pooled {
                Some(c) => c,
                None => open_connection(&inner.path).map_err(sql_err(&inner.path))?,
            };
            let out = f(&conn).map_err(sql_err(&inner.path));
            inner
                .readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            out
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("query task failed: {e}")))?
    }
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    fn migrate(&self) -> BoxFuture<'_, Result<u32, StoreError>> {
        Box::pin(self.with_writer(|w| schema::migrate(&mut w.conn)))
    }

    fn write(&self, batch: Vec<ScoredItem>) -> BoxFuture<'_, Result<WriteSummary, StoreError>> {
        Box::pin(self.with_writer(move |w| {
            let written = write::write_batch(&mut w.conn, &mut w.ids, &batch);
            if written.is_err() {
                w.ids = NameIds::default();
            }
            written
        }))
    }

    fn category_trend<'a>(
        &'a self,
        category: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<CategoryPoint>, StoreError>> {
        let (category, query) = (category.to_string(), query.clone());
        Box::pin(self.with_reader(move |conn| query::category_trend(conn, &category, &query)))
    }

    fn term_trend<'a>(
        &'a self,
        category: &'a str,
        term: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<TermPoint>, StoreError>> {
        let (category, term, query) = (category.to_string(), term.to_string(), query.clone());
        Box::pin(self.with_reader(move |conn| query::term_trend(conn, &category, &term, &query)))
    }

    fn term_counts<'a>(
        &'a self,
        query: &'a TermCountsQuery,
    ) -> BoxFuture<'a, Result<Vec<TermCount>, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| query::term_counts(conn, &query)))
    }

    fn bucket_items<'a>(
        &'a self,
        query: &'a ItemsQuery,
    ) -> BoxFuture<'a, Result<Vec<StoredItem>, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| query::bucket_items(conn, &query)))
    }

    fn range_items<'a>(
        &'a self,
        query: &'a RangeQuery,
    ) -> BoxFuture<'a, Result<RangePage, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| query::range_items(conn, &query)))
    }

    fn range_texts<'a>(
        &'a self,
        query: &'a RangeQuery,
    ) -> BoxFuture<'a, Result<crate::RangeTextPage, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| range_texts::range_texts(conn, &query)))
    }

    fn range_count<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        let filter = filter.clone();
        Box::pin(
            self.with_reader(move |conn| range_texts::range_count(conn, range.millis(), &filter)),
        )
    }

    fn totals<'a>(&'a self, query: &'a TotalsQuery) -> BoxFuture<'a, Result<Totals, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| query::totals(conn, &query)))
    }

    fn municipality_counts<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<MunicipalityCount>, StoreError>> {
        let filter = filter.clone();
        Box::pin(
            self.with_reader(move |conn| query::municipality_counts(conn, range.millis(), &filter)),
        )
    }

    fn source_counts(&self) -> BoxFuture<'_, Result<Vec<SourceCount>, StoreError>> {
        Box::pin(self.with_reader(query::source_counts))
    }

    fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        let cutoff_ms = clamp_ms(cutoff.timestamp_millis());
        Box::pin(self.with_writer(move |w| retention::purge(&mut w.conn, cutoff_ms)))
    }

    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        let boundary = month_start(cutoff);
        Box::pin(self.with_writer(move |w| retention::drop_before(&mut w.conn, boundary)))
    }

    fn identity(&self) -> BoxFuture<'_, Result<Option<StoreIdentity>, StoreError>> {
        Box::pin(self.read_identity())
    }

    fn next_generation(&self) -> BoxFuture<'_, Result<StoreIdentity, StoreError>> {
        Box::pin(self.claim_generation())
    }
}

impl ScoredSink for SqliteStore {
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.write(items)
                .await
                .map(|_| ())
                .map_err(|e| SinkError::new(format!("store:{}", self.path().display()), e))
        })
    }
}
