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

use crate::query::*;
use crate::rows::*;
use crate::{Store, StoreError, StoreIdentity};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use websense_model::{BoxFuture, CategoryScore, Hit, ScoredItem, ScoredSink, SinkError, TermKind};

pub mod file;
mod identity;

/// Versioned migrations; each runs once, in one transaction with its version row.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "items, matches, scores, names and trend roll-ups",
        r#"
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_ms INTEGER NOT NULL,
    published_ms INTEGER,
    fetched_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    tag_list INTEGER NOT NULL,
    language TEXT NOT NULL,
    language_confidence REAL NOT NULL,
    language_reliable INTEGER NOT NULL,
    lexicon_version TEXT NOT NULL,
    url TEXT,
    author_pseudonym TEXT,
    author_handle TEXT,
    title TEXT,
    text TEXT NOT NULL,
    links TEXT NOT NULL,
    raw TEXT NOT NULL,
    purged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS items_event ON items (event_ms);
CREATE TABLE IF NOT EXISTS matches (
    item_seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    category TEXT NOT NULL,
    term TEXT NOT NULL,
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (item_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores (
    item_seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    category TEXT NOT NULL,
    score_micros INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    PRIMARY KEY (item_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS terms (
    id INTEGER PRIMARY KEY,
    category INTEGER NOT NULL,
    term TEXT NOT NULL,
    UNIQUE (category, term)
);
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS languages (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
-- A source's tags as an item carried them (JSON, as given), and the distinct non-empty tags
-- of each list.
CREATE TABLE IF NOT EXISTS tag_lists (id INTEGER PRIMARY KEY, tags TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS tag_list_tags (
    tag TEXT NOT NULL,
    tag_list INTEGER NOT NULL,
    PRIMARY KEY (tag, tag_list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_categories (
    category INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, bucket, source, language, tag_list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_terms (
    hour INTEGER NOT NULL,
    term INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (hour, term, bucket, source, language, tag_list)
) WITHOUT ROWID;
"#,
    ),
    (
        2,
        "unfiltered category roll-up",
        r#"
CREATE TABLE IF NOT EXISTS trend_category_totals (
    category INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, bucket)
) WITHOUT ROWID;
INSERT OR IGNORE INTO trend_category_totals (category, bucket, items, flagged, hits, score_micros)
SELECT category, bucket, SUM(items), SUM(flagged), SUM(hits), SUM(score_micros)
FROM trend_categories GROUP BY category, bucket;
"#,
    ),
    (
        3,
        "store identity",
        "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    ),
];

/// The writer's page cache (64 MiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

const ITEM_COLUMNS: &str = "i.id, i.source, i.source_kind, (SELECT l.tags FROM tag_lists l WHERE l.id = i.tag_list), \
     i.url, i.author_pseudonym, i.author_handle, i.published_ms, i.fetched_ms, i.language, i.language_confidence, \
     i.language_reliable, i.title, i.text, i.links, i.raw, i.lexicon_version, i.purged, i.seq";

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

fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Pre-release databases have version 1 with per-tag rows and name-keyed roll-ups; this
    // code would fail on them with "no such column" at the first write.
    let pre_release: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'item_tags')",
        [],
        |r| r.get(0),
    )?;
    if pre_release {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(
                "made by a pre-release of the embedded store (it has an item_tags table); \
                 write its items into a new file"
                    .into(),
            ),
        ));
    }
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: u32 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let mut version = current;
    for &(v, name, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![v, name, Utc::now().to_rfc3339()],
        )?;
        version = v;
    }
    tx.commit()?;
    // Files made before purges reclaimed their pages: rebuilt once, so purged text leaves them.
    let path = conn.path().map(PathBuf::from).unwrap_or_default();
    file::enable_auto_vacuum(conn, &path)?;
    Ok(version)
}

/// The writer's cache of name ids (see the module documentation). A miss inserts the name if
/// it is new and reads its id, inside the write's transaction.
#[derive(Default)]
struct NameIds {
    categories: HashMap<String, i64>,
    /// By category id, then term.
    terms: HashMap<i64, HashMap<String, i64>>,
    sources: HashMap<String, i64>,
    languages: HashMap<String, i64>,
    /// By the JSON of the list.
    tag_lists: HashMap<String, i64>,
}

/// The id of `name` in a table `(id INTEGER PRIMARY KEY, <column> TEXT NOT NULL UNIQUE)`.
fn name_id(
    conn: &Connection,
    cache: &mut HashMap<String, i64>,
    table: &str,
    column: &str,
    name: &str,
) -> rusqlite::Result<i64> {
    if let Some(&id) = cache.get(name) {
        return Ok(id);
    }
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {table} ({column}) VALUES (?1)"
    ))?
    .execute([name])?;
    let id = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
        .query_row([name], |r| r.get(0))?;
    cache.insert(name.to_string(), id);
    Ok(id)
}

impl NameIds {
    fn category(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.categories, "categories", "name", name)
    }

    fn source(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.sources, "sources", "name", name)
    }

    fn language(&mut self, conn: &Connection, code: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.languages, "languages", "code", code)
    }

    fn term(&mut self, conn: &Connection, category: &str, term: &str) -> rusqlite::Result<i64> {
        let category = self.category(conn, category)?;
        let terms = self.terms.entry(category).or_default();
        if let Some(&id) = terms.get(term) {
            return Ok(id);
        }
        conn.prepare_cached("INSERT OR IGNORE INTO terms (category, term) VALUES (?1, ?2)")?
            .execute(params![category, term])?;
        let id = conn
            .prepare_cached("SELECT id FROM terms WHERE category = ?1 AND term = ?2")?
            .query_row(params![category, term], |r| r.get(0))?;
        terms.insert(term.to_string(), id);
        Ok(id)
    }

    /// `json` is `tags` as JSON, the list's key.
    fn tag_list(
        &mut self,
        conn: &Connection,
        json: &str,
        tags: &[String],
    ) -> rusqlite::Result<i64> {
        if let Some(&id) = self.tag_lists.get(json) {
            return Ok(id);
        }
        let id = name_id(conn, &mut self.tag_lists, "tag_lists", "tags", json)?;
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO tag_list_tags (tag, tag_list) VALUES (?1, ?2)",
        )?;
        for tag in rollup_tags(tags) {
            insert.execute(params![tag, id])?;
        }
        Ok(id)
    }
}

/// `trend_terms` is partitioned by hour (see the module documentation).
const HOUR_SECS: i64 = 3600;

fn hour_of(bucket: i64) -> i64 {
    bucket - bucket % HOUR_SECS
}

#[derive(Default)]
struct CategoryDelta {
    items: i64,
    flagged: i64,
    hits: i64,
    score_micros: i64,
}

#[derive(Default)]
struct TermDelta {
    items: i64,
    hits: i64,
}

/// (category, bucket, source, language, tag list): `trend_categories`' key, in its order.
type CategoryKey = (i64, i64, i64, i64, i64);
/// (hour, term, bucket, source, language, tag list): `trend_terms`' key, in its order.
type TermKey = (i64, i64, i64, i64, i64, i64);

fn write_batch(
    conn: &mut Connection,
    ids: &mut NameIds,
    batch: &[ScoredItem],
) -> rusqlite::Result<WriteSummary> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut summary = WriteSummary::default();
    // Sorted by key, so the upserts walk each roll-up table in order.
    let mut categories: BTreeMap<CategoryKey, CategoryDelta> = BTreeMap::new();
    let mut category_totals: BTreeMap<(i64, i64), CategoryDelta> = BTreeMap::new();
    let mut terms: BTreeMap<TermKey, TermDelta> = BTreeMap::new();
    {
        let mut insert_item = tx.prepare_cached(
            "INSERT OR IGNORE INTO items (id, event_ms, published_ms, fetched_ms, source, source_kind, tag_list,
                 language, language_confidence, language_reliable, lexicon_version, url, author_pseudonym,
                 author_handle, title, text, links, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        let mut insert_match = tx.prepare_cached(
            "INSERT INTO matches (item_seq, ordinal, category, term, kind, field, span_start, span_end, weight)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut insert_score = tx.prepare_cached(
            "INSERT INTO scores (item_seq, ordinal, category, score_micros, hits, flagged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        // (term id, hits) of one item.
        let mut item_terms: Vec<(i64, i64)> = Vec::new();
        for scored in batch {
            let item = &scored.item;
            let tags = &item.source.tags;
            let tags_json = serde_json::to_string(tags).unwrap_or_default();
            let tag_list = ids.tag_list(&tx, &tags_json, tags)?;
            let language = language_code(item);
            let event = event_ms(item);
            let inserted = insert_item.execute(params![
                item.id.0,
                event,
                item.published_at.map(|t| t.timestamp_millis()),
                item.fetched_at.timestamp_millis(),
                item.source.id.0,
                item.source.kind.as_str(),
                tag_list,
                language,
                item.language.as_ref().map_or(0.0, |l| l.confidence),
                item.language.as_ref().is_some_and(|l| l.reliable),
                scored.lexicon_version,
                item.url,
                item.author.as_ref().map(|a| &a.pseudonym.0),
                item.author.as_ref().and_then(|a| a.handle.as_ref()),
                item.title,
                item.text,
                serde_json::to_string(&item.links).unwrap_or_default(),
                raw_json(item),
            ])?;
            if inserted == 0 {
                summary.duplicates += 1;
                continue;
            }
            summary.written += 1;
            let seq = tx.last_insert_rowid();
            for (ordinal, h) in scored.matches.iter().enumerate() {
                insert_match.execute(params![
                    seq,
                    ordinal as i64,
                    h.category,
                    h.term,
                    h.kind.as_str(),
                    field_str(h.field),
                    h.start as i64,
                    h.end as i64,
                    h.weight,
                ])?;
            }
            for (ordinal, s) in scored.scores.iter().enumerate() {
                insert_score.execute(params![
                    seq,
                    ordinal as i64,
                    s.category,
                    score_micros(s.score),
                    s.hits,
                    s.flagged
                ])?;
            }

            let bucket = rollup_bucket(event);
            let source = ids.source(&tx, item.source.id.as_str())?;
            let language = ids.language(&tx, language)?;
            for s in scored.scores.iter().filter(|s| s.hits >= 1 || s.flagged) {
                let category = ids.category(&tx, &s.category)?;
                for d in [
                    categories
                        .entry((category, bucket, source, language, tag_list))
                        .or_default(),
                    category_totals.entry((category, bucket)).or_default(),
                ] {
                    d.items += i64::from(s.hits >= 1);
                    d.flagged += i64::from(s.flagged);
                    d.hits += i64::from(s.hits);
                    d.score_micros += score_micros(s.score);
                }
            }
            item_terms.clear();
            for h in &scored.matches {
                let term = ids.term(&tx, &h.category, &h.term)?;
                match item_terms.iter_mut().find(|(t, _)| *t == term) {
                    Some((_, hits)) => *hits += 1,
                    None => item_terms.push((term, 1)),
                }
            }
            for &(term, hits) in &item_terms {
                let d = terms
                    .entry((hour_of(bucket), term, bucket, source, language, tag_list))
                    .or_default();
                d.items += 1;
                d.hits += hits;
            }
        }

        let mut add_category = tx.prepare_cached(
            "INSERT INTO trend_categories (category, bucket, source, language, tag_list, items, flagged, hits, score_micros)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (category, bucket, source, language, tag_list) DO UPDATE SET
                 items = items + excluded.items, flagged = flagged + excluded.flagged,
                 hits = hits + excluded.hits, score_micros = score_micros + excluded.score_micros",
        )?;
        for (&(category, bucket, source, language, tag_list), d) in &categories {
            add_category.execute(params![
                category,
                bucket,
                source,
                language,
                tag_list,
                d.items,
                d.flagged,
                d.hits,
                d.score_micros
            ])?;
        }
        let mut add_category_total = tx.prepare_cached(
            "INSERT INTO trend_category_totals (category, bucket, items, flagged, hits, score_micros)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (category, bucket) DO UPDATE SET
                 items = items + excluded.items, flagged = flagged + excluded.flagged,
                 hits = hits + excluded.hits, score_micros = score_micros + excluded.score_micros",
        )?;
        for (&(category, bucket), d) in &category_totals {
            add_category_total.execute(params![
                category,
                bucket,
                d.items,
                d.flagged,
                d.hits,
                d.score_micros
            ])?;
        }
        let mut add_term = tx.prepare_cached(
            "INSERT INTO trend_terms (hour, term, bucket, source, language, tag_list, items, hits)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (hour, term, bucket, source, language, tag_list) DO UPDATE SET
                 items = items + excluded.items, hits = hits + excluded.hits",
        )?;
        for (&(hour, term, bucket, source, language, tag_list), d) in &terms {
            add_term.execute(params![
                hour, term, bucket, source, language, tag_list, d.items, d.hits
            ])?;
        }
    }
    tx.commit()?;
    Ok(summary)
}

/// `AND ...` conditions on the roll-up columns `source`, `language` and `tag_list` of the
/// table aliased `r`.
fn rollup_filter(filter: &Filter, params: &mut Vec<Value>) -> String {
    let mut sql = String::new();
    if let Some(source) = &filter.source {
        params.push(Value::Text(source.clone()));
        sql.push_str(&format!(
            " AND r.source = (SELECT id FROM sources WHERE name = ?{})",
            params.len()
        ));
    }
    if let Some(language) = &filter.language {
        params.push(Value::Text(language.clone()));
        sql.push_str(&format!(
            " AND r.language = (SELECT id FROM languages WHERE code = ?{})",
            params.len()
        ));
    }
    if let Some(tag) = filter.tag() {
        params.push(Value::Text(tag.to_string()));
        sql.push_str(&format!(
            " AND r.tag_list IN (SELECT tag_list FROM tag_list_tags WHERE tag = ?{})",
            params.len()
        ));
    }
    sql
}

/// `AND ...` conditions on the items aliased `i`.
fn item_filter(filter: &Filter, range_ms: Option<(i64, i64)>, params: &mut Vec<Value>) -> String {
    let mut sql = String::new();
    if let Some((lo, hi)) = range_ms {
        params.push(Value::Integer(lo));
        params.push(Value::Integer(hi));
        sql.push_str(&format!(
            " AND i.event_ms >= ?{} AND i.event_ms < ?{}",
            params.len() - 1,
            params.len()
        ));
    }
    if let Some(source) = &filter.source {
        params.push(Value::Text(source.clone()));
        sql.push_str(&format!(" AND i.source = ?{}", params.len()));
    }
    if let Some(language) = &filter.language {
        params.push(Value::Text(language.clone()));
        sql.push_str(&format!(" AND i.language = ?{}", params.len()));
    }
    if let Some(tag) = filter.tag() {
        params.push(Value::Text(tag.to_string()));
        sql.push_str(&format!(
            " AND i.tag_list IN (SELECT tag_list FROM tag_list_tags WHERE tag = ?{})",
            params.len()
        ));
    }
    sql
}

fn category_trend(
    conn: &Connection,
    category: &str,
    q: &TrendQuery,
) -> rusqlite::Result<Vec<CategoryPoint>> {
    let size = q.bucket.seconds();
    let (lo, hi) = q.range.bucket_bounds(q.bucket);
    let mut params = vec![
        Value::Text(category.to_string()),
        Value::Integer(lo),
        Value::Integer(hi),
    ];
    let filter = rollup_filter(&q.filter, &mut params);
    // Without a filter, the roll-up without sources, languages and tags answers.
    let table = if filter.is_empty() {
        "trend_category_totals"
    } else {
        "trend_categories"
    };
    let sql = format!(
        "SELECT (r.bucket / {size}) * {size} AS b, SUM(r.items), SUM(r.flagged), SUM(r.hits), SUM(r.score_micros)
         FROM {table} r
         WHERE r.category = (SELECT id FROM categories WHERE name = ?1) AND r.bucket >= ?2 AND r.bucket < ?3 {filter}
         GROUP BY b ORDER BY b"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params), |r| {
        Ok(CategoryPoint {
            bucket_start: secs_to_time(r.get(0)?),
            items: r.get::<_, i64>(1)? as u64,
            flagged: r.get::<_, i64>(2)? as u64,
            hits: r.get::<_, i64>(3)? as u64,
            score_micros: r.get(4)?,
        })
    })?;
    rows.collect()
}

fn term_trend(
    conn: &Connection,
    category: &str,
    term: &str,
    q: &TrendQuery,
) -> rusqlite::Result<Vec<TermPoint>> {
    let size = q.bucket.seconds();
    let (lo, hi) = q.range.bucket_bounds(q.bucket);
    let mut params = vec![
        Value::Text(category.to_string()),
        Value::Text(term.to_string()),
        Value::Integer(lo),
        Value::Integer(hi),
    ];
    let filter = rollup_filter(&q.filter, &mut params);
    // `trend_terms` leads with the hour: seek (hour, term) for each hour of the range, from the
    // first to the last hour that holds any data.
    let sql = format!(
        "WITH RECURSIVE h(hour) AS (
             SELECT MAX(?3 - ?3 % {HOUR_SECS}, (SELECT MIN(hour) FROM trend_terms))
             UNION ALL
             SELECT hour + {HOUR_SECS} FROM h
             WHERE hour + {HOUR_SECS} < MIN(?4, (SELECT MAX(hour) + 1 FROM trend_terms))
         )
         SELECT (r.bucket / {size}) * {size} AS p, SUM(r.items), SUM(r.hits)
         FROM h CROSS JOIN trend_terms r
         WHERE r.hour = h.hour AND r.bucket >= ?3 AND r.bucket < ?4
           AND r.term = (SELECT t.id FROM terms t JOIN categories c ON c.id = t.category
                         WHERE c.name = ?1 AND t.term = ?2) {filter}
         GROUP BY p ORDER BY p"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params), |r| {
        Ok(TermPoint {
            bucket_start: secs_to_time(r.get(0)?),
            items: r.get::<_, i64>(1)? as u64,
            hits: r.get::<_, i64>(2)? as u64,
        })
    })?;
    rows.collect()
}

fn term_counts(conn: &Connection, q: &TermCountsQuery) -> rusqlite::Result<Vec<TermCount>> {
    let (base_lo, cur_lo, cur_hi) = q.bounds();
    let mut params = vec![
        Value::Integer(base_lo),
        Value::Integer(cur_lo),
        Value::Integer(cur_hi),
    ];
    let mut filter = rollup_filter(&q.filter, &mut params);
    if let Some(category) = &q.category {
        params.push(Value::Text(category.clone()));
        filter.push_str(&format!(
            " AND r.term IN (SELECT t.id FROM terms t JOIN categories c ON c.id = t.category WHERE c.name = ?{})",
            params.len()
        ));
    }
    // Count by term id over the hours of the range, then name the terms.
    let sql = format!(
        "SELECT c.name, t.term, x.current, x.baseline
         FROM (SELECT r.term,
                      SUM(CASE WHEN r.bucket >= ?2 THEN r.items ELSE 0 END) AS current,
                      SUM(CASE WHEN r.bucket < ?2 THEN r.items ELSE 0 END) AS baseline
               FROM trend_terms r
               WHERE r.hour >= ?1 - ?1 % {HOUR_SECS} AND r.hour < ?3 AND r.bucket >= ?1 AND r.bucket < ?3 {filter}
               GROUP BY r.term) x
         JOIN terms t ON t.id = x.term JOIN categories c ON c.id = t.category
         ORDER BY c.name, t.term"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(params), |r| {
        Ok(TermCount {
            category: r.get(0)?,
            term: r.get(1)?,
            current_items: r.get::<_, i64>(2)? as u64,
            baseline_items: r.get::<_, i64>(3)? as u64,
        })
    })?;
    rows.collect()
}

fn bucket_items(conn: &Connection, q: &ItemsQuery) -> rusqlite::Result<Vec<StoredItem>> {
    let mut params = Vec::new();
    let mut filter = item_filter(&q.filter, Some(q.millis()), &mut params);
    match &q.subject {
        None => {}
        Some(Subject::Category(category)) => {
            params.push(Value::Text(category.clone()));
            filter.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM scores s WHERE s.item_seq = i.seq AND s.category = ?{} AND s.hits >= 1)",
                params.len()
            ));
        }
        Some(Subject::Term { category, term }) => {
            params.push(Value::Text(category.clone()));
            params.push(Value::Text(term.clone()));
            filter.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM matches m WHERE m.item_seq = i.seq AND m.category = ?{} AND m.term = ?{})",
                params.len() - 1,
                params.len()
            ));
        }
    }
    params.push(Value::Integer(q.limit as i64));
    params.push(Value::Integer(q.offset as i64));
    let sql = format!(
        "SELECT {ITEM_COLUMNS} FROM items i WHERE 1 = 1 {filter}
         ORDER BY i.event_ms, i.id LIMIT ?{} OFFSET ?{}",
        params.len() - 1,
        params.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let heads: Vec<(ItemColumns, String, bool, i64)> = stmt
        .query_map(params_from_iter(params), |r| {
            let tags: String = r.get(3)?;
            let links: String = r.get(14)?;
            Ok((
                ItemColumns {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    source_kind: r.get(2)?,
                    tags: serde_json::from_str(&tags).unwrap_or_default(),
                    url: r.get(4)?,
                    author_pseudonym: r.get(5)?,
                    author_handle: r.get(6)?,
                    published_ms: r.get(7)?,
                    fetched_ms: r.get(8)?,
                    language: r.get(9)?,
                    language_confidence: r.get(10)?,
                    language_reliable: r.get(11)?,
                    title: r.get(12)?,
                    text: r.get(13)?,
                    links: serde_json::from_str(&links).unwrap_or_default(),
                    raw: r.get(15)?,
                },
                r.get(16)?,
                r.get(17)?,
                r.get(18)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut matches_of = conn.prepare_cached(
        "SELECT term, category, kind, field, span_start, span_end, weight FROM matches
         WHERE item_seq = ?1 ORDER BY ordinal",
    )?;
    let mut scores_of = conn.prepare_cached(
        "SELECT category, score_micros, hits, flagged FROM scores WHERE item_seq = ?1 ORDER BY ordinal",
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (columns, lexicon_version, purged, seq) in heads {
        let matches = matches_of
            .query_map([seq], |r| {
                let kind: String = r.get(2)?;
                let field: String = r.get(3)?;
                Ok(Hit {
                    term: r.get(0)?,
                    category: r.get(1)?,
                    kind: TermKind::parse(&kind).unwrap_or(TermKind::Word),
                    weight: r.get(6)?,
                    field: parse_field(&field),
                    start: r.get::<_, i64>(4)? as usize,
                    end: r.get::<_, i64>(5)? as usize,
                    method: Default::default(),
                    context: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let scores = scores_of
            .query_map([seq], |r| {
                Ok(CategoryScore {
                    category: r.get(0)?,
                    score: score_from_micros(r.get(1)?),
                    hits: r.get(2)?,
                    flagged: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        out.push(StoredItem {
            item: columns.into_item(),
            lexicon_version,
            matches,
            scores,
            text_purged: purged,
        });
    }
    Ok(out)
}

fn totals(conn: &Connection, q: &TotalsQuery) -> rusqlite::Result<Totals> {
    let range = q.range.map(|r| r.millis());
    let mut params = Vec::new();
    let filter = item_filter(&q.filter, range, &mut params);
    let (items, purged_items): (i64, i64) = conn.query_row(
        &format!("SELECT COUNT(*), COALESCE(SUM(i.purged), 0) FROM items i WHERE 1 = 1 {filter}"),
        params_from_iter(params.iter()),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (matched_items, hits): (i64, i64) = conn.query_row(
        &format!(
            "SELECT COUNT(DISTINCT m.item_seq), COUNT(*) FROM matches m JOIN items i ON i.seq = m.item_seq
             WHERE 1 = 1 {filter}"
        ),
        params_from_iter(params.iter()),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let flagged_items: i64 = conn.query_row(
        &format!(
            "SELECT COUNT(DISTINCT s.item_seq) FROM scores s JOIN items i ON i.seq = s.item_seq
             WHERE s.flagged = 1 {filter}"
        ),
        params_from_iter(params.iter()),
        |r| r.get(0),
    )?;
    Ok(Totals {
        items: items as u64,
        matched_items: matched_items as u64,
        hits: hits as u64,
        flagged_items: flagged_items as u64,
        purged_items: purged_items as u64,
    })
}

fn purge(conn: &mut Connection, cutoff_ms: i64) -> rusqlite::Result<u64> {
    let n = conn.execute(
        "UPDATE items SET title = NULL, text = '', author_pseudonym = NULL, author_handle = NULL, url = NULL,
             links = '[]', raw = '', purged = 1
         WHERE event_ms < ?1 AND purged = 0",
        [cutoff_ms],
    )?;
    if n > 0 {
        file::reclaim(conn)?;
    }
    Ok(n as u64)
}

fn drop_before(conn: &mut Connection, boundary: DateTime<Utc>) -> rusqlite::Result<u64> {
    let ms = boundary.timestamp_millis();
    let secs = boundary.timestamp();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let old = "SELECT seq FROM items WHERE event_ms < ?1";
    tx.execute(
        &format!("DELETE FROM matches WHERE item_seq IN ({old})"),
        [ms],
    )?;
    tx.execute(
        &format!("DELETE FROM scores WHERE item_seq IN ({old})"),
        [ms],
    )?;
    let dropped = tx.execute("DELETE FROM items WHERE event_ms < ?1", [ms])?;
    tx.execute("DELETE FROM trend_categories WHERE bucket < ?1", [secs])?;
    tx.execute(
        "DELETE FROM trend_category_totals WHERE bucket < ?1",
        [secs],
    )?;
    tx.execute("DELETE FROM trend_terms WHERE hour < ?1", [secs])?;
    tx.commit()?;
    if dropped > 0 {
        file::reclaim(conn)?;
    }
    Ok(dropped as u64)
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    fn migrate(&self) -> BoxFuture<'_, Result<u32, StoreError>> {
        Box::pin(self.with_writer(|w| migrate(&mut w.conn)))
    }

    fn write(&self, batch: Vec<ScoredItem>) -> BoxFuture<'_, Result<WriteSummary, StoreError>> {
        Box::pin(self.with_writer(move |w| {
            let written = write_batch(&mut w.conn, &mut w.ids, &batch);
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
        Box::pin(self.with_reader(move |conn| category_trend(conn, &category, &query)))
    }

    fn term_trend<'a>(
        &'a self,
        category: &'a str,
        term: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<TermPoint>, StoreError>> {
        let (category, term, query) = (category.to_string(), term.to_string(), query.clone());
        Box::pin(self.with_reader(move |conn| term_trend(conn, &category, &term, &query)))
    }

    fn term_counts<'a>(
        &'a self,
        query: &'a TermCountsQuery,
    ) -> BoxFuture<'a, Result<Vec<TermCount>, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| term_counts(conn, &query)))
    }

    fn bucket_items<'a>(
        &'a self,
        query: &'a ItemsQuery,
    ) -> BoxFuture<'a, Result<Vec<StoredItem>, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| bucket_items(conn, &query)))
    }

    fn totals<'a>(&'a self, query: &'a TotalsQuery) -> BoxFuture<'a, Result<Totals, StoreError>> {
        let query = query.clone();
        Box::pin(self.with_reader(move |conn| totals(conn, &query)))
    }

    fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        let cutoff_ms = clamp_ms(cutoff.timestamp_millis());
        Box::pin(self.with_writer(move |w| purge(&mut w.conn, cutoff_ms)))
    }

    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        let boundary = month_start(cutoff);
        Box::pin(self.with_writer(move |w| drop_before(&mut w.conn, boundary)))
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
