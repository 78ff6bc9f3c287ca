//! The lean range read ([`crate::Store::range_texts`]) and the range count: what the curator's
//! draft evaluation reads, millions of items at a time.
//!
//! The full range read costs two point queries per item (its matches, its scores) and parses
//! tags, links and raw metadata it never needs. Here a page is one query for the items' text
//! columns, then one query for the matches and one for the scores of the whole page. Items
//! are usually written in about event order, so a page's `seq`s lie close together: then the
//! matches and scores are read as one `seq` range of the primary key (touching only the rows
//! that exist: most items have none) and kept where the page holds the `seq`; a page whose
//! `seq`s are spread wide asks for its own `seq`s by list instead.

use super::query::item_filter;
use crate::query::Filter;
use crate::range::{RangeQuery, RangeText, RangeTextPage};
use crate::rows::{parse_field, score_from_micros};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use std::collections::HashMap;
use websense_model::{CategoryScore, ContextTag, Hit, ItemId, MatchMethod, SourceId, TermKind};

/// A page whose `seq`s span more than this many times its length is read by list.
const MAX_SPREAD: i64 = 8;

pub(super) fn range_texts(conn: &Connection, q: &RangeQuery) -> rusqlite::Result<RangeTextPage> {
    let size = q.page_size();
    let mut params = Vec::new();
    // The cursor's time is the range's lower bound itself: given as a second `>=`, SQLite
    // starts the index scan at the range's start and reads every row before the cursor
    // again (each page costing more than the last: 0.4 s a page at the end of 30 days of
    // 3.4 million items).
    let (mut lo, hi) = q.range.millis();
    if let Some(after) = &q.after {
        lo = lo.max(after.event_ms);
    }
    let mut filter = item_filter(&q.filter, Some((lo, hi)), &mut params);
    if let Some(after) = &q.after {
        params.push(Value::Integer(after.event_ms));
        params.push(Value::Text(after.id.clone()));
        filter.push_str(&format!(
            " AND (i.event_ms > ?{ms} OR i.id > ?{id})",
            ms = params.len() - 1,
            id = params.len()
        ));
    }
    params.push(Value::Integer(size as i64));
    let sql = format!(
        "SELECT i.seq, i.id, i.source, i.event_ms, i.title, i.text, i.purged, i.lexicon_version
         FROM items i WHERE 1 = 1 {filter} ORDER BY i.event_ms, i.id LIMIT ?{}",
        params.len()
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut seqs = Vec::with_capacity(size.min(10_000));
    let mut items: Vec<RangeText> = stmt
        .query_map(params_from_iter(params), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                RangeText {
                    id: ItemId(r.get(1)?),
                    source: SourceId::new(r.get::<_, String>(2)?),
                    event_ms: r.get(3)?,
                    title: r.get(4)?,
                    text: r.get(5)?,
                    text_purged: r.get(6)?,
                    lexicon_version: r.get(7)?,
                    matches: Vec::new(),
                    scores: Vec::new(),
                },
            ))
        })?
        .map(|row| {
            row.map(|(seq, item)| {
                seqs.push(seq);
                item
            })
        })
        .collect::<rusqlite::Result<_>>()?;
    if items.is_empty() {
        return Ok(RangeTextPage::of(items, size));
    }
    let index: HashMap<i64, usize> = seqs.iter().enumerate().map(|(i, &s)| (s, i)).collect();
    let (lo, hi) = (
        *seqs.iter().min().unwrap_or(&0),
        *seqs.iter().max().unwrap_or(&0),
    );
    let by_range = hi - lo < MAX_SPREAD * seqs.len() as i64 + 64;
    let (seq_filter, seq_params) = if by_range {
        (
            "item_seq BETWEEN ?1 AND ?2",
            vec![Value::Integer(lo), Value::Integer(hi)],
        )
    } else {
        let list = serde_json::to_string(&seqs).unwrap_or_default();
        (
            "item_seq IN (SELECT value FROM json_each(?1))",
            vec![Value::Text(list)],
        )
    };
    let mut matches = conn.prepare_cached(&format!(
        "SELECT item_seq, term, category, kind, field, span_start, span_end, weight, method, context
         FROM matches WHERE {seq_filter} ORDER BY item_seq, ordinal"
    ))?;
    let mut rows = matches.query(params_from_iter(seq_params.iter()))?;
    while let Some(r) = rows.next()? {
        if let Some(&at) = index.get(&r.get::<_, i64>(0)?) {
            items[at].matches.push(hit(r)?);
        }
    }
    let mut scores = conn.prepare_cached(&format!(
        "SELECT item_seq, category, score_micros, hits, flagged
         FROM scores WHERE {seq_filter} ORDER BY item_seq, ordinal"
    ))?;
    let mut rows = scores.query(params_from_iter(seq_params.iter()))?;
    while let Some(r) = rows.next()? {
        if let Some(&at) = index.get(&r.get::<_, i64>(0)?) {
            items[at].scores.push(CategoryScore {
                category: r.get(1)?,
                score: score_from_micros(r.get(2)?),
                hits: r.get(3)?,
                flagged: r.get(4)?,
            });
        }
    }
    Ok(RangeTextPage::of(items, size))
}

/// A `matches` row read from column 1 on (column 0 is the item's `seq`).
fn hit(r: &Row<'_>) -> rusqlite::Result<Hit> {
    let kind: String = r.get(3)?;
    let field: String = r.get(4)?;
    Ok(Hit {
        term: r.get(1)?,
        category: r.get(2)?,
        kind: TermKind::parse(&kind).unwrap_or(TermKind::Word),
        field: parse_field(&field),
        start: r.get::<_, i64>(5)? as usize,
        end: r.get::<_, i64>(6)? as usize,
        weight: r.get(7)?,
        method: MatchMethod::parse(&r.get::<_, String>(8)?),
        context: ContextTag::split(&r.get::<_, String>(9)?),
    })
}

/// The items of a range and filter: the `items_event` index alone answers it.
pub(super) fn range_count(
    conn: &Connection,
    range: (i64, i64),
    filter: &Filter,
) -> rusqlite::Result<u64> {
    let mut params = Vec::new();
    let filter = item_filter(filter, Some(range), &mut params);
    let n: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM items i WHERE 1 = 1 {filter}"),
        params_from_iter(params.iter()),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}
