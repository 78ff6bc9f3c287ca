//! The ClickHouse writer task: batches writes by size or time, inserts them exactly once.

use crate::query::WriteSummary;
use crate::rows::*;
use crate::StoreError;
use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit};
use tokio::time::{sleep, sleep_until, Instant};
use websense_model::{Backoff, ScoredItem};

/// One `write` call waiting for the flush that makes it durable.
pub(crate) struct WriteRequest {
    pub batch: Vec<ScoredItem>,
    pub rows: usize,
    /// Held until the reply: the rows count against `max_pending_rows` until then.
    pub _permit: OwnedSemaphorePermit,
    pub reply: oneshot::Sender<Result<WriteSummary, StoreError>>,
}

/// The rows an item adds to a flush: itself, its hits and its category scores.
pub(crate) fn rows_of(batch: &[ScoredItem]) -> usize {
    batch
        .iter()
        .map(|s| 1 + s.matches.len() + s.scores.len())
        .sum()
}

pub(crate) struct Writer {
    /// A client whose default database is the store's (inserts name bare tables).
    pub client: Client,
    pub db: String,
    pub batch_rows: usize,
    pub batch_wait: Duration,
    /// When to try a failed flush again, and how many attempts in all (`max_attempts`).
    pub backoff: Backoff,
}

/// The window of the wait after a flush's first failure; it doubles up to
/// [`FLUSH_RETRY_CAP`].
pub(crate) const FLUSH_RETRY_BASE: Duration = Duration::from_millis(200);
/// The longest wait between attempts of a flush.
pub(crate) const FLUSH_RETRY_CAP: Duration = Duration::from_secs(5);

#[derive(Row, Serialize)]
struct ItemRow<'a> {
    id: &'a str,
    event_time: u32,
    event_ms: i64,
    published_ms: Option<i64>,
    fetched_ms: i64,
    source: &'a str,
    source_kind: &'a str,
    tags: &'a [String],
    language: &'a str,
    language_confidence: f64,
    language_reliable: u8,
    lexicon_version: &'a str,
    url: Option<&'a str>,
    author_pseudonym: Option<&'a str>,
    author_handle: Option<&'a str>,
    title: Option<&'a str>,
    text: &'a str,
    links: &'a [String],
    raw: &'a str,
    purged: u8,
    municipalities: &'a [String],
    places: &'a str,
}

#[derive(Row, Serialize)]
struct IdRow<'a> {
    id: &'a str,
    event_time: u32,
}

#[derive(Row, Serialize)]
struct MatchRow<'a> {
    item_id: &'a str,
    event_time: u32,
    event_ms: i64,
    source: &'a str,
    language: &'a str,
    tags: &'a [String],
    lexicon_version: &'a str,
    ordinal: u32,
    category: &'a str,
    term: &'a str,
    kind: &'a str,
    field: &'a str,
    span_start: u64,
    span_end: u64,
    weight: f64,
    method: &'a str,
    context: Vec<&'static str>,
    municipalities: &'a [String],
}

#[derive(Row, Serialize)]
struct ScoreRow<'a> {
    item_id: &'a str,
    event_time: u32,
    event_ms: i64,
    source: &'a str,
    language: &'a str,
    tags: &'a [String],
    lexicon_version: &'a str,
    ordinal: u32,
    category: &'a str,
    score_micros: i64,
    hits: u32,
    flagged: u8,
    municipalities: &'a [String],
}

#[derive(Row, Deserialize)]
struct KnownId {
    id: String,
}

/// Keep the id check's SQL well under ClickHouse's default `max_query_size` (256 KiB).
const CHECK_CHUNK_BYTES: usize = 160_000;

impl Writer {
    /// Collect writes until `batch_rows` rows wait or the oldest has waited `batch_wait`,
    /// then flush them. Returns when every sender is gone and the last writes are flushed.
    pub async fn run(self, mut queue: mpsc::UnboundedReceiver<WriteRequest>) {
        let mut pending: Vec<WriteRequest> = Vec::new();
        let mut rows = 0;
        let mut deadline = Instant::now();
        loop {
            let next = if pending.is_empty() {
                queue.recv().await
            } else {
                tokio::select! {
                    next = queue.recv() => next,
                    _ = sleep_until(deadline) => {
                        self.flush(std::mem::take(&mut pending)).await;
                        rows = 0;
                        continue;
                    }
                }
            };
            let Some(request) = next else {
                if !pending.is_empty() {
                    self.flush(pending).await;
                }
                return;
            };
            if pending.is_empty() {
                deadline = Instant::now() + self.batch_wait;
            }
            rows += request.rows;
            pending.push(request);
            if rows >= self.batch_rows {
                self.flush(std::mem::take(&mut pending)).await;
                rows = 0;
            }
        }
    }

    /// Insert the writes' new items, retrying with backoff, and answer every write.
    async fn flush(&self, requests: Vec<WriteRequest>) {
        // The first occurrence of an id in the flush is its candidate; later ones are duplicates.
        let mut seen = HashSet::new();
        let mut candidates: Vec<&ScoredItem> = Vec::new();
        let mut first_in_flush: Vec<Vec<bool>> = Vec::with_capacity(requests.len());
        for r in &requests {
            let firsts = r
                .batch
                .iter()
                .map(|s| seen.insert(s.item.id.as_str()))
                .collect::<Vec<_>>();
            candidates.extend(
                r.batch
                    .iter()
                    .zip(&firsts)
                    .filter(|(_, first)| **first)
                    .map(|(s, _)| s),
            );
            first_in_flush.push(firsts);
        }

        // Ids already stored before this flush began. A retry checks again (an earlier attempt
        // may have stored some items before failing) but counts only these as duplicates.
        let mut known_before: Option<HashSet<String>> = None;
        let mut attempt = 1;
        let outcome = loop {
            let result = async {
                let started = std::time::Instant::now();
                let known = self.known_ids(&candidates).await?;
                let checked = started.elapsed();
                if known_before.is_none() {
                    known_before = Some(known.clone());
                }
                let fresh: Vec<&ScoredItem> = candidates
                    .iter()
                    .copied()
                    .filter(|s| !known.contains(s.item.id.as_str()))
                    .collect();
                self.insert(&fresh).await?;
                tracing::debug!(
                    items = candidates.len(),
                    new = fresh.len(),
                    check_ms = checked.as_millis() as u64,
                    insert_ms = (started.elapsed() - checked).as_millis() as u64,
                    "clickhouse flush"
                );
                Ok::<(), clickhouse::error::Error>(())
            }
            .await;
            match result {
                Ok(()) => break Ok(known_before.take().unwrap_or_default()),
                Err(e) if !self.backoff.may_retry(attempt) => break Err(e),
                Err(e) => {
                    let backoff = self.backoff.delay(attempt - 1);
                    tracing::warn!(attempt, ?backoff, error = %e, "clickhouse flush failed, retrying");
                    sleep(backoff).await;
                    attempt += 1;
                }
            }
        };

        for (request, firsts) in requests.into_iter().zip(first_in_flush) {
            let reply = match &outcome {
                Ok(known) => {
                    let mut summary = WriteSummary::default();
                    for (s, first) in request.batch.iter().zip(firsts) {
                        if first && !known.contains(s.item.id.as_str()) {
                            summary.written += 1;
                        } else {
                            summary.duplicates += 1;
                        }
                    }
                    Ok(summary)
                }
                Err(e) => Err(StoreError::Clickhouse(format!(
                    "write of {} items failed after {attempt} attempts: {e}",
                    request.batch.len()
                ))),
            };
            // The caller may have given up waiting; its batch is stored all the same.
            let _ = request.reply.send(reply);
        }
    }

    /// Which of the items' ids `item_ids` already holds.
    async fn known_ids(
        &self,
        items: &[&ScoredItem],
    ) -> Result<HashSet<String>, clickhouse::error::Error> {
        let mut ids: Vec<&str> = items.iter().map(|s| s.item.id.as_str()).collect();
        ids.sort_unstable();
        let mut known = HashSet::new();
        let mut rest = &ids[..];
        while !rest.is_empty() {
            let mut bytes = 0;
            let n = rest.iter().take_while(|id| {
                bytes += id.len() + 4;
                bytes <= CHECK_CHUNK_BYTES
            });
            let n = n.count().max(1);
            let (chunk, tail) = rest.split_at(n);
            rest = tail;
            // One array literal: ClickHouse 18.16 parses it about three times faster than
            // the same ids as an `IN (...)` tuple.
            let query = self
                .client
                .query(&format!(
                    "SELECT DISTINCT id FROM {}.item_ids WHERE id IN (SELECT arrayJoin(?))",
                    self.db
                ))
                .bind(chunk);
            for row in query.fetch_all::<KnownId>().await? {
                known.insert(row.id);
            }
        }
        Ok(known)
    }

    /// Insert the items' rows: hits and scores first, then the items, then their ids. An id in
    /// `item_ids` thus means everything of the item is in; whatever an interrupted insert
    /// left behind is written again by the retry, and every query reads duplicates once.
    async fn insert(&self, items: &[&ScoredItem]) -> Result<(), clickhouse::error::Error> {
        if items.is_empty() {
            return Ok(());
        }
        let prepared: Vec<Prepared> = items.iter().map(|s| Prepared::of(s)).collect();
        // Hits and scores go in side by side (each insert is one server thread).
        tokio::try_join!(
            self.insert_matches(&prepared),
            self.insert_scores(&prepared)
        )?;
        self.insert_items(&prepared).await?;
        self.insert_ids(&prepared).await
    }

    async fn insert_matches(
        &self,
        prepared: &[Prepared<'_>],
    ) -> Result<(), clickhouse::error::Error> {
        if prepared.iter().any(|p| !p.scored.matches.is_empty()) {
            let mut insert = self.client.insert::<MatchRow<'_>>("matches").await?;
            for p in prepared {
                for (ordinal, h) in p.scored.matches.iter().enumerate() {
                    insert
                        .write(&MatchRow {
                            item_id: &p.columns.id,
                            event_time: p.event_secs,
                            event_ms: p.event_ms,
                            source: &p.columns.source,
                            language: &p.columns.language,
                            tags: &p.tags,
                            lexicon_version: &p.scored.lexicon_version,
                            ordinal: ordinal as u32,
                            category: &h.category,
                            term: &h.term,
                            kind: h.kind.as_str(),
                            field: field_str(h.field),
                            span_start: h.start as u64,
                            span_end: h.end as u64,
                            weight: h.weight,
                            method: crate::rows::stored_method(h.method),
                            context: h.context.iter().map(|t| t.as_str()).collect(),
                            municipalities: &p.municipalities,
                        })
                        .await?;
                }
            }
            insert.end().await?;
        }

        Ok(())
    }

    async fn insert_scores(
        &self,
        prepared: &[Prepared<'_>],
    ) -> Result<(), clickhouse::error::Error> {
        if prepared.iter().any(|p| !p.scored.scores.is_empty()) {
            let mut insert = self.client.insert::<ScoreRow<'_>>("scores").await?;
            for p in prepared {
                for (ordinal, c) in p.scored.scores.iter().enumerate() {
                    insert
                        .write(&ScoreRow {
                            item_id: &p.columns.id,
                            event_time: p.event_secs,
                            event_ms: p.event_ms,
                            source: &p.columns.source,
                            language: &p.columns.language,
                            tags: &p.tags,
                            lexicon_version: &p.scored.lexicon_version,
                            ordinal: ordinal as u32,
                            category: &c.category,
                            score_micros: score_micros(c.score),
                            hits: c.hits,
                            flagged: u8::from(c.flagged),
                            municipalities: &p.municipalities,
                        })
                        .await?;
                }
            }
            insert.end().await?;
        }

        Ok(())
    }

    async fn insert_items(
        &self,
        prepared: &[Prepared<'_>],
    ) -> Result<(), clickhouse::error::Error> {
        let mut insert = self.client.insert::<ItemRow<'_>>("items").await?;
        for p in prepared {
            let c = &p.columns;
            insert
                .write(&ItemRow {
                    id: &c.id,
                    event_time: p.event_secs,
                    event_ms: p.event_ms,
                    published_ms: c.published_ms,
                    fetched_ms: c.fetched_ms,
                    source: &c.source,
                    source_kind: &c.source_kind,
                    tags: &c.tags,
                    language: &c.language,
                    language_confidence: c.language_confidence,
                    language_reliable: u8::from(c.language_reliable),
                    lexicon_version: &p.scored.lexicon_version,
                    url: c.url.as_deref(),
                    author_pseudonym: c.author_pseudonym.as_deref(),
                    author_handle: c.author_handle.as_deref(),
                    title: c.title.as_deref(),
                    text: &c.text,
                    links: &c.links,
                    raw: &c.raw,
                    purged: 0,
                    municipalities: &p.scored.municipalities,
                    places: &p.places,
                })
                .await?;
        }
        insert.end().await
    }

    async fn insert_ids(&self, prepared: &[Prepared<'_>]) -> Result<(), clickhouse::error::Error> {
        let mut insert = self.client.insert::<IdRow<'_>>("item_ids").await?;
        for p in prepared {
            insert
                .write(&IdRow {
                    id: &p.columns.id,
                    event_time: p.event_secs,
                })
                .await?;
        }
        insert.end().await
    }
}

/// An item's stored values, computed once per flush attempt.
struct Prepared<'a> {
    scored: &'a ScoredItem,
    columns: ItemColumns,
    tags: Vec<String>,
    /// The distinct codes the roll-ups count the item under.
    municipalities: Vec<String>,
    places: String,
    event_ms: i64,
    event_secs: u32,
}

impl<'a> Prepared<'a> {
    fn of(scored: &'a ScoredItem) -> Prepared<'a> {
        let columns = ItemColumns::of(scored);
        let event_ms = event_ms(&scored.item);
        Prepared {
            tags: rollup_tags(&columns.tags),
            municipalities: rollup_tags(&scored.municipalities),
            places: places_json(&scored.places),
            columns,
            scored,
            event_ms,
            event_secs: (event_ms / 1000) as u32,
        }
    }
}
