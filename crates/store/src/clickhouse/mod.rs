//! The ClickHouse store.

mod identity;
mod items;
mod schema;
mod writer;

use crate::config::ClickhouseConfig;
use crate::query::*;
use crate::rows::*;
use crate::{Store, StoreError};
use ::clickhouse::{Client, Row};
use chrono::{DateTime, Utc};
use schema::{Features, DATA_TABLES};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Semaphore};
use websense_model::{Backoff, BoxFuture, ScoredItem, ScoredSink, SinkError};
use writer::{rows_of, WriteRequest, Writer};

/// A store in a ClickHouse server (or cluster front). Cheap to clone; clones share the writer.
///
/// Writes go to one writer task per store through a queue bounded by rows
/// (`max_pending_rows`): `write` waits while it is full, and returns once the flush holding
/// its batch is in ClickHouse. Dropping every clone lets the writer flush what it has and end.
#[derive(Clone)]
pub struct ClickhouseStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Without a default database: it may not exist before `migrate`.
    root: Client,
    client: Client,
    db: String,
    features: Features,
    server_version: String,
    max_pending_rows: usize,
    pending: Arc<Semaphore>,
    queue: mpsc::UnboundedSender<WriteRequest>,
}

fn ch_err(what: &str) -> impl Fn(::clickhouse::error::Error) -> StoreError + '_ {
    move |e| StoreError::Clickhouse(format!("{what}: {e}"))
}

impl ClickhouseStore {
    /// Connect, read the server's version and start the writer task (needs a Tokio runtime).
    /// Call [`Store::migrate`] before use ([`crate::StoreConfig::open`] does).
    pub async fn connect(config: ClickhouseConfig) -> Result<ClickhouseStore, StoreError> {
        let db = config.database.clone();
        if db.is_empty() || !db.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(StoreError::Config(format!(
                "clickhouse database name {db:?}: use letters, digits and '_' only"
            )));
        }
        if config.batch_rows == 0 || config.max_pending_rows == 0 || config.max_attempts == 0 {
            return Err(StoreError::Config(
                "clickhouse batch_rows, max_pending_rows and max_attempts must be at least 1"
                    .into(),
            ));
        }
        // RowBinary without schema validation: 18.16 lacks RowBinaryWithNamesAndTypes.
        let root = Client::default()
            .with_url(&config.url)
            .with_user(&config.user)
            .with_password(&config.password)
            .with_validation(false);
        let server_version: String = root
            .query("SELECT version()")
            .fetch_one()
            .await
            .map_err(|e| StoreError::Clickhouse(format!("cannot reach {}: {e}", config.url)))?;
        let client = root.clone().with_database(&db);
        let (queue, requests) = mpsc::unbounded_channel();
        let writer = Writer {
            client: client.clone(),
            db: db.clone(),
            batch_rows: config.batch_rows,
            batch_wait: config.batch_wait,
            backoff: Backoff::new(writer::FLUSH_RETRY_BASE, writer::FLUSH_RETRY_CAP)
                .with_max_attempts(config.max_attempts),
        };
        tokio::spawn(writer.run(requests));
        Ok(ClickhouseStore {
            inner: Arc::new(Inner {
                root,
                client,
                features: Features::of_version(&server_version),
                server_version,
                max_pending_rows: config.max_pending_rows,
                pending: Arc::new(Semaphore::new(config.max_pending_rows)),
                db,
                queue,
            }),
        })
    }

    /// The server's `version()`, as read at connect.
    pub fn server_version(&self) -> &str {
        &self.inner.server_version
    }

    pub fn database(&self) -> &str {
        &self.inner.db
    }

    fn query(&self, sql: &str, binds: &[String]) -> ::clickhouse::query::Query {
        binds
            .iter()
            .fold(self.inner.client.query(sql), |q, b| q.bind(b.as_str()))
    }

    async fn wait_for_mutations(&self, table: &str) -> Result<(), StoreError> {
        // 18.16 has no `mutations_sync`; polling works on every release.
        for _ in 0..1200 {
            let running: u64 = self
                .inner
                .client
                .query("SELECT count() FROM system.mutations WHERE database = ? AND table = ? AND is_done = 0")
                .bind(&self.inner.db)
                .bind(table)
                .fetch_one()
                .await
                .map_err(ch_err("mutation status"))?;
            if running == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::Clickhouse(format!(
            "mutation on {}.{table} still running after 120 s",
            self.inner.db
        )))
    }

    async fn category_trend(
        &self,
        category: &str,
        q: &TrendQuery,
    ) -> Result<Vec<CategoryPoint>, StoreError> {
        #[derive(Row, Deserialize)]
        struct Point {
            b: u32,
            items: u64,
            flagged: u64,
            hits: u64,
            score_micros: i64,
        }
        let db = &self.inner.db;
        let size = q.bucket.seconds();
        let (lo, hi) = q.range.bucket_bounds(q.bucket);
        let mut binds = vec![category.to_string(), q.filter.rollup_tag().to_string()];
        let filter = rollup_filter(&q.filter, &mut binds);
        let table = rollup_table("categories", &q.filter);
        // Tuples are (item id, hits, score in millionths, flagged).
        let sql = format!(
            "SELECT b,
                    toUInt64(length(arrayFilter(t -> t.2 >= 1, merged))) AS items,
                    toUInt64(length(arrayFilter(t -> t.4 = 1, merged))) AS flagged,
                    toUInt64(arraySum(arrayMap(t -> t.2, merged))) AS hits,
                    toInt64(arraySum(arrayMap(t -> t.3, merged))) AS score_micros
             FROM (
                 SELECT toUInt32(intDiv(toUInt32(bucket), {size}) * {size}) AS b, groupUniqArrayMerge(per_item) AS merged
                 FROM {db}.{table}
                 WHERE category = ? AND tag = ? AND bucket >= toDateTime({lo}) AND bucket < toDateTime({hi}) {filter}
                 GROUP BY b
             ) ORDER BY b"
        );
        let points = self
            .query(&sql, &binds)
            .fetch_all::<Point>()
            .await
            .map_err(ch_err("category trend"))?;
        Ok(points
            .into_iter()
            .map(|p| CategoryPoint {
                bucket_start: secs_to_time(p.b.into()),
                items: p.items,
                flagged: p.flagged,
                hits: p.hits,
                score_micros: p.score_micros,
            })
            .collect())
    }

    async fn term_trend(
        &self,
        category: &str,
        term: &str,
        q: &TrendQuery,
    ) -> Result<Vec<TermPoint>, StoreError> {
        #[derive(Row, Deserialize)]
        struct Point {
            b: u32,
            items: u64,
            hits: u64,
        }
        let db = &self.inner.db;
        let size = q.bucket.seconds();
        let (lo, hi) = q.range.bucket_bounds(q.bucket);
        let mut binds = vec![
            category.to_string(),
            term.to_string(),
            q.filter.rollup_tag().to_string(),
        ];
        let filter = rollup_filter(&q.filter, &mut binds);
        let table = rollup_table("terms", &q.filter);
        let sql = format!(
            "SELECT toUInt32(intDiv(toUInt32(bucket), {size}) * {size}) AS b,
                    toUInt64(uniqExactMerge(items)) AS items, toUInt64(uniqExactMerge(hits)) AS hits
             FROM {db}.{table}
             WHERE category = ? AND term = ? AND tag = ? AND bucket >= toDateTime({lo}) AND bucket < toDateTime({hi})
                   {filter}
             GROUP BY b ORDER BY b"
        );
        let points = self
            .query(&sql, &binds)
            .fetch_all::<Point>()
            .await
            .map_err(ch_err("term trend"))?;
        Ok(points
            .into_iter()
            .map(|p| TermPoint {
                bucket_start: secs_to_time(p.b.into()),
                items: p.items,
                hits: p.hits,
            })
            .collect())
    }

    async fn term_counts(&self, q: &TermCountsQuery) -> Result<Vec<TermCount>, StoreError> {
        #[derive(Row, Deserialize)]
        struct Count {
            category: String,
            term: String,
            current_items: u64,
            baseline_items: u64,
        }
        let db = &self.inner.db;
        let (base_lo, cur_lo, cur_hi) = q.bounds();
        let mut binds = vec![q.filter.rollup_tag().to_string()];
        let mut filter = rollup_filter(&q.filter, &mut binds);
        if let Some(category) = &q.category {
            binds.push(category.clone());
            filter.push_str(" AND category = ?");
        }
        let table = rollup_table("terms", &q.filter);
        let sql = format!(
            "SELECT toString(category) AS category, toString(term) AS term,
                    toUInt64(uniqExactMergeIf(items, bucket >= toDateTime({cur_lo}))) AS current_items,
                    toUInt64(uniqExactMergeIf(items, bucket < toDateTime({cur_lo}))) AS baseline_items
             FROM {db}.{table}
             WHERE tag = ? AND bucket >= toDateTime({base_lo}) AND bucket < toDateTime({cur_hi}) {filter}
             GROUP BY category, term ORDER BY category, term"
        );
        let counts = self
            .query(&sql, &binds)
            .fetch_all::<Count>()
            .await
            .map_err(ch_err("term counts"))?;
        Ok(counts
            .into_iter()
            .map(|c| TermCount {
                category: c.category,
                term: c.term,
                current_items: c.current_items,
                baseline_items: c.baseline_items,
            })
            .collect())
    }

    async fn source_counts(&self) -> Result<Vec<crate::SourceCount>, StoreError> {
        #[derive(Row, Deserialize)]
        struct Row_ {
            source: String,
            items: u64,
            newest_ms: i64,
        }
        let db = &self.inner.db;
        let rows = self
            .query(
                &format!(
                    "SELECT toString(source) AS source, toUInt64(uniqExact(id)) AS items, \
                     max(event_ms) AS newest_ms FROM {db}.items GROUP BY source ORDER BY source"
                ),
                &[],
            )
            .fetch_all::<Row_>()
            .await
            .map_err(ch_err("source counts"))?;
        Ok(rows
            .into_iter()
            .map(|r| crate::SourceCount {
                source: r.source,
                items: r.items,
                newest: crate::rows::from_ms(r.newest_ms),
            })
            .collect())
    }

    async fn totals(&self, q: &TotalsQuery) -> Result<Totals, StoreError> {
        #[derive(Row, Deserialize)]
        struct ItemCounts {
            items: u64,
            purged_items: u64,
        }
        #[derive(Row, Deserialize)]
        struct MatchCounts {
            matched_items: u64,
            hits: u64,
        }
        let db = &self.inner.db;
        let time = q
            .range
            .map(|r| time_filter(r.millis()))
            .unwrap_or_else(|| "1 = 1".into());
        let mut binds = Vec::new();
        let filter = raw_filter(&q.filter, &mut binds);
        let items = self
            .query(
                &format!(
                    "SELECT toUInt64(uniqExact(id)) AS items, toUInt64(uniqExactIf(id, purged = 1)) AS purged_items
                     FROM {db}.items WHERE {time} {filter}"
                ),
                &binds,
            )
            .fetch_one::<ItemCounts>()
            .await
            .map_err(ch_err("totals"))?;
        let matches = self
            .query(
                &format!(
                    "SELECT toUInt64(uniqExact(item_id)) AS matched_items, toUInt64(uniqExact(item_id, ordinal)) AS hits
                     FROM {db}.matches WHERE {time} {filter}"
                ),
                &binds,
            )
            .fetch_one::<MatchCounts>()
            .await
            .map_err(ch_err("totals"))?;
        let flagged_items: u64 = self
            .query(
                &format!("SELECT toUInt64(uniqExactIf(item_id, flagged = 1)) FROM {db}.scores WHERE {time} {filter}"),
                &binds,
            )
            .fetch_one()
            .await
            .map_err(ch_err("totals"))?;
        Ok(Totals {
            items: items.items,
            matched_items: matches.matched_items,
            hits: matches.hits,
            flagged_items,
            purged_items: items.purged_items,
        })
    }

    /// The items of a range, counted as `totals` counts them (each id once), without the
    /// match and score counts.
    async fn range_count(&self, range: TimeRange, filter: &Filter) -> Result<u64, StoreError> {
        let db = &self.inner.db;
        let time = time_filter(range.millis());
        let mut binds = Vec::new();
        let filter = raw_filter(filter, &mut binds);
        self.query(
            &format!("SELECT toUInt64(uniqExact(id)) FROM {db}.items WHERE {time} {filter}"),
            &binds,
        )
        .fetch_one()
        .await
        .map_err(ch_err("range count"))
    }

    async fn municipality_counts(
        &self,
        range: TimeRange,
        filter: &Filter,
    ) -> Result<Vec<MunicipalityCount>, StoreError> {
        #[derive(Row, Deserialize)]
        struct Count {
            municipality: String,
            items: u64,
        }
        let db = &self.inner.db;
        let time = time_filter(range.millis());
        let mut binds = Vec::new();
        let filter = raw_filter(filter, &mut binds);
        let counts = self
            .query(
                &format!(
                    "SELECT municipality, toUInt64(uniqExact(id)) AS items
                     FROM {db}.items ARRAY JOIN municipalities AS municipality
                     WHERE {time} {filter}
                     GROUP BY municipality ORDER BY municipality"
                ),
                &binds,
            )
            .fetch_all::<Count>()
            .await
            .map_err(ch_err("municipality counts"))?;
        Ok(counts
            .into_iter()
            .map(|c| MunicipalityCount {
                municipality: c.municipality,
                items: c.items,
            })
            .collect())
    }

    async fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let db = &self.inner.db;
        let cutoff_ms = clamp_ms(cutoff.timestamp_millis());
        let condition = format!("event_ms < {cutoff_ms} AND purged = 0");
        let purged: u64 = self
            .inner
            .client
            .query(&format!(
                "SELECT toUInt64(uniqExact(id)) FROM {db}.items WHERE {condition}"
            ))
            .fetch_one()
            .await
            .map_err(ch_err("purge"))?;
        if purged > 0 {
            self.inner
                .client
                .query(&format!(
                    "ALTER TABLE {db}.items UPDATE title = NULL, text = '', author_pseudonym = NULL,
                         author_handle = NULL, url = NULL, links = CAST([] AS Array(String)), raw = '',
                         purged = 1
                     WHERE {condition}"
                ))
                .execute()
                .await
                .map_err(ch_err("purge"))?;
            self.wait_for_mutations("items").await?;
        }
        Ok(purged)
    }

    async fn drop_older_than(&self, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        let db = &self.inner.db;
        let boundary = month_start(cutoff);
        let dropped: u64 = self
            .inner
            .client
            .query(&format!(
                "SELECT toUInt64(uniqExact(id)) FROM {db}.items WHERE event_time < toDateTime({})",
                boundary.timestamp()
            ))
            .fetch_one()
            .await
            .map_err(ch_err("retention"))?;
        let keep_from = yyyymm(boundary);
        for table in DATA_TABLES {
            let partitions: Vec<String> = self
                .inner
                .client
                .query("SELECT DISTINCT partition FROM system.parts WHERE database = ? AND table = ? AND active")
                .bind(db)
                .bind(*table)
                .fetch_all()
                .await
                .map_err(ch_err("retention"))?;
            for month in partitions
                .iter()
                .filter_map(|p| p.parse::<u32>().ok())
                .filter(|m| *m < keep_from)
            {
                self.inner
                    .client
                    .query(&format!("ALTER TABLE {db}.{table} DROP PARTITION {month}"))
                    .execute()
                    .await
                    .map_err(ch_err("retention"))?;
            }
        }
        Ok(dropped)
    }
}

/// Event-time bounds on a raw table: `event_time` prunes partitions, `event_ms` is exact.
fn time_filter((lo, hi): (i64, i64)) -> String {
    format!(
        "event_time >= toDateTime({}) AND event_time <= toDateTime({}) AND event_ms >= {lo} AND event_ms < {hi}",
        lo / 1000,
        hi / 1000
    )
}

/// `AND ...` conditions on a raw table's `source`, `language` and `tags`.
fn raw_filter(filter: &Filter, binds: &mut Vec<String>) -> String {
    let mut sql = String::new();
    if let Some(source) = &filter.source {
        binds.push(source.clone());
        sql.push_str(" AND source = ?");
    }
    if let Some(language) = &filter.language {
        binds.push(language.clone());
        sql.push_str(" AND language = ?");
    }
    if let Some(tag) = filter.tag() {
        binds.push(tag.to_string());
        sql.push_str(" AND has(tags, ?)");
    }
    if filter.by_municipality() {
        sql.push_str(&format!(
            " AND hasAny(municipalities, [{}])",
            placeholders(&filter.municipalities, binds)
        ));
    }
    sql
}

/// `?, ?, ...` for `values`, which are bound in order.
fn placeholders(values: &[String], binds: &mut Vec<String>) -> String {
    binds.extend(values.iter().cloned());
    vec!["?"; values.len()].join(", ")
}

/// The roll-up that answers a filter: the municipality one (`trend_municipality_{kind}`,
/// items with a municipality only) when it names municipalities, else `trend_{kind}`.
fn rollup_table(kind: &str, filter: &Filter) -> String {
    if filter.by_municipality() {
        format!("trend_municipality_{kind}")
    } else {
        format!("trend_{kind}")
    }
}

/// `AND ...` conditions on a roll-up's `source`, `language` (and `municipality`, in the
/// municipality roll-ups: see [`rollup_table`]).
fn rollup_filter(filter: &Filter, binds: &mut Vec<String>) -> String {
    let mut sql = String::new();
    if filter.by_municipality() {
        sql.push_str(&format!(
            " AND municipality IN ({})",
            placeholders(&filter.municipalities, binds)
        ));
    }
    if let Some(source) = &filter.source {
        binds.push(source.clone());
        sql.push_str(" AND source = ?");
    }
    if let Some(language) = &filter.language {
        binds.push(language.clone());
        sql.push_str(" AND language = ?");
    }
    sql
}

impl Store for ClickhouseStore {
    fn backend(&self) -> &'static str {
        "clickhouse"
    }

    fn migrate(&self) -> BoxFuture<'_, Result<u32, StoreError>> {
        Box::pin(schema::migrate(
            &self.inner.root,
            &self.inner.db,
            self.inner.features,
        ))
    }

    fn write(&self, batch: Vec<ScoredItem>) -> BoxFuture<'_, Result<WriteSummary, StoreError>> {
        Box::pin(async move {
            if batch.is_empty() {
                return Ok(WriteSummary::default());
            }
            let rows = rows_of(&batch);
            let permits = rows.min(self.inner.max_pending_rows) as u32;
            let permit = self
                .inner
                .pending
                .clone()
                .acquire_many_owned(permits)
                .await
                .map_err(|_| StoreError::Closed)?;
            let (reply, answer) = oneshot::channel();
            self.inner
                .queue
                .send(WriteRequest {
                    batch,
                    rows,
                    _permit: permit,
                    reply,
                })
                .map_err(|_| StoreError::Closed)?;
            answer.await.map_err(|_| StoreError::Closed)?
        })
    }

    fn category_trend<'a>(
        &'a self,
        category: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<CategoryPoint>, StoreError>> {
        Box::pin(self.category_trend(category, query))
    }

    fn term_trend<'a>(
        &'a self,
        category: &'a str,
        term: &'a str,
        query: &'a TrendQuery,
    ) -> BoxFuture<'a, Result<Vec<TermPoint>, StoreError>> {
        Box::pin(self.term_trend(category, term, query))
    }

    fn term_counts<'a>(
        &'a self,
        query: &'a TermCountsQuery,
    ) -> BoxFuture<'a, Result<Vec<TermCount>, StoreError>> {
        Box::pin(self.term_counts(query))
    }

    fn bucket_items<'a>(
        &'a self,
        query: &'a ItemsQuery,
    ) -> BoxFuture<'a, Result<Vec<StoredItem>, StoreError>> {
        Box::pin(self.bucket_items(query))
    }

    fn range_items<'a>(
        &'a self,
        query: &'a crate::RangeQuery,
    ) -> BoxFuture<'a, Result<crate::RangePage, StoreError>> {
        Box::pin(self.range_items(query))
    }

    fn totals<'a>(&'a self, query: &'a TotalsQuery) -> BoxFuture<'a, Result<Totals, StoreError>> {
        Box::pin(self.totals(query))
    }

    fn source_counts(&self) -> BoxFuture<'_, Result<Vec<crate::SourceCount>, StoreError>> {
        Box::pin(self.source_counts())
    }

    fn range_count<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.range_count(range, filter))
    }

    fn municipality_counts<'a>(
        &'a self,
        range: TimeRange,
        filter: &'a Filter,
    ) -> BoxFuture<'a, Result<Vec<MunicipalityCount>, StoreError>> {
        Box::pin(self.municipality_counts(range, filter))
    }

    fn purge_raw_text(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(self.purge_raw_text(cutoff))
    }

    fn drop_older_than(&self, cutoff: DateTime<Utc>) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(self.drop_older_than(cutoff))
    }

    fn identity(&self) -> BoxFuture<'_, Result<Option<crate::StoreIdentity>, StoreError>> {
        Box::pin(self.read_identity())
    }

    fn next_generation(&self) -> BoxFuture<'_, Result<crate::StoreIdentity, StoreError>> {
        Box::pin(self.claim_generation())
    }
}

impl ScoredSink for ClickhouseStore {
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.write(items)
                .await
                .map(|_| ())
                .map_err(|e| SinkError::new(format!("store:clickhouse:{}", self.inner.db), e))
        })
    }
}
