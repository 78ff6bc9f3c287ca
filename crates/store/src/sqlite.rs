//! The embedded store: one SQLite file in WAL mode.

use crate::query::*;
use crate::rows::*;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, TransactionBehavior};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use websense_model::{BoxFuture, CategoryScore, Hit, ScoredItem, ScoredSink, SinkError, TermKind};

/// Versioned migrations; each runs once, in one transaction with its version row.
const MIGRATIONS: &[(u32, &str, &str)] = &[(
    1,
    "items, matches, scores, tags and trend roll-ups",
    r#"
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_ms INTEGER NOT NULL,
    published_ms INTEGER,
    fetched_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    tags TEXT NOT NULL,
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
CREATE TABLE IF NOT EXISTS item_tags (
    item_seq INTEGER NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (item_seq, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_tags_tag ON item_tags (tag, item_seq);
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
CREATE TABLE IF NOT EXISTS trend_categories (
    category TEXT NOT NULL,
    tag TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, tag, bucket, source, language)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_terms (
    category TEXT NOT NULL,
    term TEXT NOT NULL,
    tag TEXT NOT NULL,
    bucket INTEGER NOT NULL,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    items INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (category, term, tag, bucket, source, language)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trend_terms_tag_bucket ON trend_terms (tag, bucket);
"#,
)];

/// The writer's page cache (64 MiB).
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// Checkpoint the WAL every 64 MiB rather than SQLite's 4 MiB: a batch dirties pages all over
/// the id index, and each checkpoint writes them back once however often they changed.
const WAL_CHECKPOINT_PAGES: i64 = 16 * 1024;

const ITEM_COLUMNS: &str = "i.id, i.source, i.source_kind, i.tags, i.url, i.author_pseudonym, i.author_handle, \
     i.published_ms, i.fetched_ms, i.language, i.language_confidence, i.language_reliable, i.title, i.text, \
     i.links, i.raw, i.lexicon_version, i.purged, i.seq";

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
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Sqlite(format!("{}: {e}", path.display()))
}

impl SqliteStore {
    /// Open (or create) the database file; the directory is created when missing. Call
    /// [`Store::migrate`] before use ([`crate::StoreConfig::open`] does).
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
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
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Sqlite(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let writer = open_connection(&path).map_err(sql_err(&path))?;
            // A batch touches pages all over the id-keyed tables; with SQLite's default 2 MB
            // cache they spill to the WAL mid-transaction and are read back, ten times slower.
            writer
                .pragma_update(None, "journal_mode", "WAL")
                .and_then(|_| writer.pragma_update(None, "synchronous", "FULL"))
                .and_then(|_| writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB))
                .and_then(|_| {
                    writer.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
                })
                .map_err(sql_err(&path))?;
            Ok(SqliteStore {
                inner: Arc::new(Inner {
                    path,
                    writer: Mutex::new(writer),
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
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn).map_err(sql_err(&inner.path))
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
    Ok(version)
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

type CategoryKey = (String, String, i64, String, String);
type TermKey = (String, String, String, i64, String, String);

fn write_batch(conn: &mut Connection, batch: &[ScoredItem]) -> rusqlite::Result<WriteSummary> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut summary = WriteSummary::default();
    let mut categories: HashMap<CategoryKey, CategoryDelta> = HashMap::new();
    let mut terms: HashMap<TermKey, TermDelta> = HashMap::new();
    {
        let mut insert_item = tx.prepare_cached(
            "INSERT OR IGNORE INTO items (id, event_ms, published_ms, fetched_ms, source, source_kind, tags,
                 language, language_confidence, language_reliable, lexicon_version, url, author_pseudonym,
                 author_handle, title, text, links, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )?;
        let mut insert_tag =
            tx.prepare_cached("INSERT INTO item_tags (item_seq, tag) VALUES (?1, ?2)")?;
        let mut insert_match = tx.prepare_cached(
            "INSERT INTO matches (item_seq, ordinal, category, term, kind, field, span_start, span_end, weight)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut insert_score = tx.prepare_cached(
            "INSERT INTO scores (item_seq, ordinal, category, score_micros, hits, flagged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for scored in batch {
            let c = ItemColumns::of(scored);
            let event = event_ms(&scored.item);
            let inserted = insert_item.execute(params![
                c.id,
                event,
                c.published_ms,
                c.fetched_ms,
                c.source,
                c.source_kind,
                serde_json::to_string(&c.tags).unwrap_or_default(),
                c.language,
                c.language_confidence,
                c.language_reliable,
                scored.lexicon_version,
                c.url,
                c.author_pseudonym,
                c.author_handle,
                c.title,
                c.text,
                serde_json::to_string(&c.links).unwrap_or_default(),
                c.raw,
            ])?;
            if inserted == 0 {
                summary.duplicates += 1;
                continue;
            }
            summary.written += 1;
            let seq = tx.last_insert_rowid();
            let tags = rollup_tags(&c.tags);
            for tag in &tags {
                insert_tag.execute(params![seq, tag])?;
            }
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
            let mut term_hits: HashMap<(&str, &str), i64> = HashMap::new();
            for h in &scored.matches {
                *term_hits.entry((&h.category, &h.term)).or_default() += 1;
            }
            for tag in std::iter::once("").chain(tags.iter().map(String::as_str)) {
                for s in scored.scores.iter().filter(|s| s.hits >= 1 || s.flagged) {
                    let key = (
                        s.category.clone(),
                        tag.to_string(),
                        bucket,
                        c.source.clone(),
                        c.language.clone(),
                    );
                    let d = categories.entry(key).or_default();
                    d.items += i64::from(s.hits >= 1);
                    d.flagged += i64::from(s.flagged);
                    d.hits += i64::from(s.hits);
                    d.score_micros += score_micros(s.score);
                }
                for (&(category, term), &hits) in &term_hits {
                    let key = (
                        category.to_string(),
                        term.to_string(),
                        tag.to_string(),
                        bucket,
                        c.source.clone(),
                        c.language.clone(),
                    );
                    let d = terms.entry(key).or_default();
                    d.items += 1;
                    d.hits += hits;
                }
            }
        }

        let mut add_category = tx.prepare_cached(
            "INSERT INTO trend_categories (category, tag, bucket, source, language, items, flagged, hits, score_micros)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (category, tag, bucket, source, language) DO UPDATE SET
                 items = items + excluded.items, flagged = flagged + excluded.flagged,
                 hits = hits + excluded.hits, score_micros = score_micros + excluded.score_micros",
        )?;
        for ((category, tag, bucket, source, language), d) in &categories {
            add_category.execute(params![
                category,
                tag,
                bucket,
                source,
                language,
                d.items,
                d.flagged,
                d.hits,
                d.score_micros
            ])?;
        }
        let mut add_term = tx.prepare_cached(
            "INSERT INTO trend_terms (category, term, tag, bucket, source, language, items, hits)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (category, term, tag, bucket, source, language) DO UPDATE SET
                 items = items + excluded.items, hits = hits + excluded.hits",
        )?;
        for ((category, term, tag, bucket, source, language), d) in &terms {
            add_term.execute(params![
                category, term, tag, bucket, source, language, d.items, d.hits
            ])?;
        }
    }
    tx.commit()?;
    Ok(summary)
}

/// `AND ...` conditions on the roll-up columns `source` and `language`.
fn rollup_filter(filter: &Filter, params: &mut Vec<Value>) -> String {
    let mut sql = String::new();
    if let Some(source) = &filter.source {
        params.push(Value::Text(source.clone()));
        sql.push_str(&format!(" AND source = ?{}", params.len()));
    }
    if let Some(language) = &filter.language {
        params.push(Value::Text(language.clone()));
        sql.push_str(&format!(" AND language = ?{}", params.len()));
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
            " AND EXISTS (SELECT 1 FROM item_tags t WHERE t.item_seq = i.seq AND t.tag = ?{})",
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
        Value::Text(q.filter.rollup_tag().to_string()),
        Value::Integer(lo),
        Value::Integer(hi),
    ];
    let filter = rollup_filter(&q.filter, &mut params);
    let sql = format!(
        "SELECT (bucket / {size}) * {size} AS b, SUM(items), SUM(flagged), SUM(hits), SUM(score_micros)
         FROM trend_categories WHERE category = ?1 AND tag = ?2 AND bucket >= ?3 AND bucket < ?4 {filter}
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
        Value::Text(q.filter.rollup_tag().to_string()),
        Value::Integer(lo),
        Value::Integer(hi),
    ];
    let filter = rollup_filter(&q.filter, &mut params);
    let sql = format!(
        "SELECT (bucket / {size}) * {size} AS b, SUM(items), SUM(hits)
         FROM trend_terms WHERE category = ?1 AND term = ?2 AND tag = ?3 AND bucket >= ?4 AND bucket < ?5 {filter}
         GROUP BY b ORDER BY b"
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
        Value::Text(q.filter.rollup_tag().to_string()),
        Value::Integer(base_lo),
        Value::Integer(cur_lo),
        Value::Integer(cur_hi),
    ];
    let mut filter = rollup_filter(&q.filter, &mut params);
    if let Some(category) = &q.category {
        params.push(Value::Text(category.clone()));
        filter.push_str(&format!(" AND category = ?{}", params.len()));
    }
    let sql = format!(
        "SELECT category, term,
                SUM(CASE WHEN bucket >= ?3 THEN items ELSE 0 END),
                SUM(CASE WHEN bucket < ?3 THEN items ELSE 0 END)
         FROM trend_terms WHERE tag = ?1 AND bucket >= ?2 AND bucket < ?4 {filter}
         GROUP BY category, term ORDER BY category, term"
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
    Ok(n as u64)
}

fn drop_before(conn: &mut Connection, boundary: DateTime<Utc>) -> rusqlite::Result<u64> {
    let ms = boundary.timestamp_millis();
    let secs = boundary.timestamp();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let old = "SELECT seq FROM items WHERE event_ms < ?1";
    tx.execute(
        &format!("DELETE FROM item_tags WHERE item_seq IN ({old})"),
        [ms],
    )?;
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
    tx.execute("DELETE FROM trend_terms WHERE bucket < ?1", [secs])?;
    tx.commit()?;
    Ok(dropped as u64)
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }

    fn migrate(&self) -> BoxFuture<'_, Result<u32, StoreError>> {
        Box::pin(self.with_writer(migrate))
    }

    fn write(&self, batch: Vec<ScoredItem>) -> BoxFuture<'_, Result<WriteSummary, StoreError>> {
        Box::pin(self.with_writer(move |conn| write_batch(conn, &batch)))
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
        Box::pin(self.with_writer(move |conn| purge(conn, cutoff_ms)))
    }

    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        let boundary = month_start(cutoff);
        Box::pin(self.with_writer(move |conn| drop_before(conn, boundary)))
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
