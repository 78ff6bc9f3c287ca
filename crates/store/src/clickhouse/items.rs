//! The stored items themselves, with their matches and scores: a bucket's items a page at a
//! time, and a range's items page by page after a cursor. Every query reads duplicates once
//! (`LIMIT 1 BY`; see the crate documentation).

use super::{ch_err, raw_filter, time_filter, ClickhouseStore};
use crate::query::*;
use crate::range::{RangePage, RangeQuery};
use crate::rows::*;
use crate::StoreError;
use ::clickhouse::Row;
use serde::Deserialize;
use std::collections::HashMap;
use websense_model::{CategoryScore, ContextTag, Hit, MatchMethod, TermKind};

#[derive(Row, Deserialize)]
struct ItemOut {
    id: String,
    source: String,
    source_kind: String,
    tags: Vec<String>,
    url: Option<String>,
    author_pseudonym: Option<String>,
    author_handle: Option<String>,
    published_ms: Option<i64>,
    fetched_ms: i64,
    language: String,
    language_confidence: f64,
    language_reliable: u8,
    title: Option<String>,
    text: String,
    links: Vec<String>,
    raw: String,
    lexicon_version: String,
    purged: u8,
    municipalities: Vec<String>,
    places: String,
}
#[derive(Row, Deserialize)]
struct MatchOut {
    item_id: String,
    term: String,
    category: String,
    kind: String,
    field: String,
    span_start: u64,
    span_end: u64,
    weight: f64,
    method: String,
    context: Vec<String>,
}
#[derive(Row, Deserialize)]
struct ScoreOut {
    item_id: String,
    category: String,
    score_micros: i64,
    hits: u32,
    flagged: u8,
}

impl ClickhouseStore {
    pub(super) async fn bucket_items(&self, q: &ItemsQuery) -> Result<Vec<StoredItem>, StoreError> {
        let db = &self.inner.db;
        let range = q.millis();
        let time = time_filter(range);
        let mut binds = Vec::new();
        let mut filter = raw_filter(&q.filter, &mut binds);
        match &q.subject {
            None => {}
            Some(Subject::Category(category)) => {
                binds.push(category.clone());
                filter.push_str(&format!(
                    " AND id IN (SELECT item_id FROM {db}.scores WHERE {time} AND category = ? AND hits >= 1)"
                ));
            }
            Some(Subject::Term { category, term }) => {
                binds.push(category.clone());
                binds.push(term.clone());
                filter.push_str(&format!(
                    " AND id IN (SELECT item_id FROM {db}.matches WHERE {time} AND category = ? AND term = ?)"
                ));
            }
        }
        let sql = format!(
            "SELECT ?fields FROM {db}.items WHERE {time} {filter}
             ORDER BY event_ms, id LIMIT 1 BY id LIMIT {}, {}",
            q.offset, q.limit
        );
        let heads = self
            .query(&sql, &binds)
            .fetch_all::<ItemOut>()
            .await
            .map_err(ch_err("bucket items"))?;
        self.with_details(heads, &time).await
    }

    /// One page of the items of a range after the cursor (see [`crate::RangeQuery`]). The
    /// cursor's time narrows the partitions read; matches and scores are read for the page's
    /// time span only.
    pub(super) async fn range_items(&self, q: &RangeQuery) -> Result<RangePage, StoreError> {
        let db = &self.inner.db;
        let size = q.page_size();
        let (mut lo, hi) = q.range.millis();
        let mut binds = Vec::new();
        let mut after = String::new();
        if let Some(cursor) = &q.after {
            lo = lo.max(cursor.event_ms);
            binds.push(cursor.id.clone());
            after = format!(" AND (event_ms > {} OR id > ?)", cursor.event_ms);
        }
        if lo >= hi {
            return Ok(RangePage::of(Vec::new(), size));
        }
        let time = time_filter((lo, hi));
        let filter = raw_filter(&q.filter, &mut binds);
        let sql = format!(
            "SELECT ?fields FROM {db}.items WHERE {time} {after} {filter}
             ORDER BY event_ms, id LIMIT 1 BY id LIMIT {size}"
        );
        let heads = self
            .query(&sql, &binds)
            .fetch_all::<ItemOut>()
            .await
            .map_err(ch_err("range items"))?;
        let event_ms = |h: &ItemOut| clamp_ms(h.published_ms.unwrap_or(h.fetched_ms));
        let span = match (heads.first(), heads.last()) {
            (Some(first), Some(last)) => (event_ms(first), event_ms(last) + 1),
            _ => return Ok(RangePage::of(Vec::new(), size)),
        };
        let items = self.with_details(heads, &time_filter(span)).await?;
        Ok(RangePage::of(items, size))
    }

    /// `heads` with their matches and scores, read from the rows that `time` selects.
    async fn with_details(
        &self,
        heads: Vec<ItemOut>,
        time: &str,
    ) -> Result<Vec<StoredItem>, StoreError> {
        if heads.is_empty() {
            return Ok(Vec::new());
        }
        let db = &self.inner.db;
        let ids: Vec<String> = heads.iter().map(|h| h.id.clone()).collect();
        let placeholders = vec!["?"; ids.len()].join(",");
        let sql = format!(
            "SELECT ?fields FROM {db}.matches WHERE {time} AND item_id IN ({placeholders})
             ORDER BY item_id, ordinal LIMIT 1 BY item_id, ordinal"
        );
        let mut matches: HashMap<String, Vec<Hit>> = HashMap::new();
        for m in self
            .query(&sql, &ids)
            .fetch_all::<MatchOut>()
            .await
            .map_err(ch_err("bucket matches"))?
        {
            matches.entry(m.item_id).or_default().push(Hit {
                term: m.term,
                category: m.category,
                kind: TermKind::parse(&m.kind).unwrap_or(TermKind::Word),
                weight: m.weight,
                field: parse_field(&m.field),
                start: m.span_start as usize,
                end: m.span_end as usize,
                method: MatchMethod::parse(&m.method),
                context: m
                    .context
                    .iter()
                    .filter_map(|t| ContextTag::parse(t))
                    .collect(),
            });
        }
        let sql = format!(
            "SELECT ?fields FROM {db}.scores WHERE {time} AND item_id IN ({placeholders})
             ORDER BY item_id, ordinal LIMIT 1 BY item_id, ordinal"
        );
        let mut scores: HashMap<String, Vec<CategoryScore>> = HashMap::new();
        for s in self
            .query(&sql, &ids)
            .fetch_all::<ScoreOut>()
            .await
            .map_err(ch_err("bucket scores"))?
        {
            scores.entry(s.item_id).or_default().push(CategoryScore {
                category: s.category,
                score: score_from_micros(s.score_micros),
                hits: s.hits,
                flagged: s.flagged != 0,
            });
        }

        Ok(heads
            .into_iter()
            .map(|h| StoredItem {
                matches: matches.remove(&h.id).unwrap_or_default(),
                scores: scores.remove(&h.id).unwrap_or_default(),
                lexicon_version: h.lexicon_version,
                text_purged: h.purged != 0,
                places: parse_places(&h.places),
                municipalities: h.municipalities,
                item: ItemColumns {
                    id: h.id,
                    source: h.source,
                    source_kind: h.source_kind,
                    tags: h.tags,
                    url: h.url,
                    author_pseudonym: h.author_pseudonym,
                    author_handle: h.author_handle,
                    published_ms: h.published_ms,
                    fetched_ms: h.fetched_ms,
                    language: h.language,
                    language_confidence: h.language_confidence,
                    language_reliable: h.language_reliable != 0,
                    title: h.title,
                    text: h.text,
                    links: h.links,
                    raw: h.raw,
                }
                .into_item(),
            })
            .collect())
    }
}
