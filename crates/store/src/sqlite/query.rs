//! The reads: trend series from the roll-ups, term counts, the items of a bucket with their
//! matches and scores, and totals over the raw items.

use super::write::HOUR_SECS;
use crate::query::*;
use crate::range::{RangePage, RangeQuery};
use crate::rows::*;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use websense_model::{CategoryScore, ContextTag, Hit, MatchMethod, Place, TermKind};

const ITEM_COLUMNS: &str = "i.id, i.source, i.source_kind, (SELECT l.tags FROM tag_lists l WHERE l.id = i.tag_list), \
     i.url, i.author_pseudonym, i.author_handle, i.published_ms, i.fetched_ms, i.language, i.language_confidence, \
     i.language_reliable, i.title, i.text, i.links, i.raw, i.lexicon_version, i.purged, i.seq, \
     (SELECT l.codes FROM municipality_lists l WHERE l.id = i.municipality_list), i.places";

/// `AND {column} IN (...)`: the municipality lists holding any of the filter's codes.
fn municipality_lists(column: &str, filter: &Filter, params: &mut Vec<Value>) -> String {
    if !filter.by_municipality() {
        return String::new();
    }
    let mut placeholders = Vec::new();
    for code in &filter.municipalities {
        params.push(Value::Text(code.clone()));
        placeholders.push(format!("?{}", params.len()));
    }
    format!(
        " AND {column} IN (SELECT municipality_list FROM municipality_list_members WHERE municipality IN ({}))",
        placeholders.join(", ")
    )
}

/// `AND ...` conditions on the roll-up columns `source`, `language`, `tag_list` (and
/// `municipality_list`, in the municipality roll-ups: see [`rollup_table`]) of the table
/// aliased `r`.
fn rollup_filter(filter: &Filter, params: &mut Vec<Value>) -> String {
    let mut sql = municipality_lists("r.municipality_list", filter, params);
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

/// The roll-up that answers a filter: the municipality one (`trend_municipality_{kind}`,
/// items with a municipality only) when it names municipalities, else `trend_{kind}`.
fn rollup_table(kind: &str, filter: &Filter) -> String {
    if filter.by_municipality() {
        format!("trend_municipality_{kind}")
    } else {
        format!("trend_{kind}")
    }
}

/// `AND ...` conditions on the items aliased `i`.
pub(super) fn item_filter(
    filter: &Filter,
    range_ms: Option<(i64, i64)>,
    params: &mut Vec<Value>,
) -> String {
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
    sql.push_str(&municipality_lists("i.municipality_list", filter, params));
    sql
}

pub(super) fn category_trend(
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
        "trend_category_totals".to_string()
    } else {
        rollup_table("categories", &q.filter)
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

pub(super) fn term_trend(
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
    let table = rollup_table("terms", &q.filter);
    // `trend_terms` (and its municipality twin) leads with the hour: seek (hour, term) for each hour of the range, from the
    // first to the last hour that holds any data.
    let sql = format!(
        "WITH RECURSIVE h(hour) AS (
             SELECT MAX(?3 - ?3 % {HOUR_SECS}, (SELECT MIN(hour) FROM {table}))
             UNION ALL
             SELECT hour + {HOUR_SECS} FROM h
             WHERE hour + {HOUR_SECS} < MIN(?4, (SELECT MAX(hour) + 1 FROM {table}))
         )
         SELECT (r.bucket / {size}) * {size} AS p, SUM(r.items), SUM(r.hits)
         FROM h CROSS JOIN {table} r
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

pub(super) fn term_counts(
    conn: &Connection,
    q: &TermCountsQuery,
) -> rusqlite::Result<Vec<TermCount>> {
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
    let table = rollup_table("terms", &q.filter);
    // Count by term id over the hours of the range, then name the terms.
    let sql = format!(
        "SELECT c.name, t.term, x.current, x.baseline
         FROM (SELECT r.term,
                      SUM(CASE WHEN r.bucket >= ?2 THEN r.items ELSE 0 END) AS current,
                      SUM(CASE WHEN r.bucket < ?2 THEN r.items ELSE 0 END) AS baseline
               FROM {table} r
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

pub(super) fn bucket_items(conn: &Connection, q: &ItemsQuery) -> rusqlite::Result<Vec<StoredItem>> {
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
    load_items(conn, &sql, params)
}

/// One page of the items of a range after the cursor (see [`crate::RangeQuery`]). The cursor
/// condition starts the `items_event` index scan at the cursor's time.
pub(super) fn range_items(conn: &Connection, q: &RangeQuery) -> rusqlite::Result<RangePage> {
    let size = q.page_size();
    let mut params = Vec::new();
    // The cursor's time is the lower bound itself: as a second `>=` beside the range's,
    // SQLite starts the index scan at the range's start and reads every earlier row again.
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
        "SELECT {ITEM_COLUMNS} FROM items i WHERE 1 = 1 {filter}
         ORDER BY i.event_ms, i.id LIMIT ?{}",
        params.len()
    );
    Ok(RangePage::of(load_items(conn, &sql, params)?, size))
}

/// The items `sql` selects (`ITEM_COLUMNS` of `items i`), with their matches and scores.
fn load_items(
    conn: &Connection,
    sql: &str,
    params: Vec<Value>,
) -> rusqlite::Result<Vec<StoredItem>> {
    let mut stmt = conn.prepare_cached(sql)?;
    type Head = (ItemColumns, String, bool, i64, (Vec<String>, Vec<Place>));
    let heads: Vec<Head> = stmt
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
                (
                    r.get::<_, Option<String>>(19)?
                        .and_then(|codes| serde_json::from_str(&codes).ok())
                        .unwrap_or_default(),
                    parse_places(&r.get::<_, String>(20)?),
                ),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut matches_of = conn.prepare_cached(
        "SELECT term, category, kind, field, span_start, span_end, weight, method, context
         FROM matches WHERE item_seq = ?1 ORDER BY ordinal",
    )?;
    let mut scores_of = conn.prepare_cached(
        "SELECT category, score_micros, hits, flagged FROM scores WHERE item_seq = ?1 ORDER BY ordinal",
    )?;
    let mut out = Vec::with_capacity(heads.len());
    for (columns, lexicon_version, purged, seq, (municipalities, places)) in heads {
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
                    method: MatchMethod::parse(&r.get::<_, String>(7)?),
                    context: ContextTag::split(&r.get::<_, String>(8)?),
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
            places,
            municipalities,
        });
    }
    Ok(out)
}

pub(super) fn totals(conn: &Connection, q: &TotalsQuery) -> rusqlite::Result<Totals> {
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

pub(super) fn source_counts(conn: &Connection) -> rusqlite::Result<Vec<SourceCount>> {
    let mut stmt = conn.prepare(
        "SELECT source, COUNT(*), MAX(event_ms) FROM items GROUP BY source ORDER BY source",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SourceCount {
            source: r.get(0)?,
            items: r.get::<_, i64>(1)?.max(0) as u64,
            newest: from_ms(r.get(2)?),
        })
    })?;
    rows.collect()
}

pub(super) fn municipality_counts(
    conn: &Connection,
    range: (i64, i64),
    filter: &Filter,
) -> rusqlite::Result<Vec<MunicipalityCount>> {
    let mut params = Vec::new();
    let filter = item_filter(filter, Some(range), &mut params);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT m.municipality, COUNT(*) FROM items i
         JOIN municipality_list_members m ON m.municipality_list = i.municipality_list
         WHERE i.municipality_list != 0 {filter}
         GROUP BY m.municipality ORDER BY m.municipality"
    ))?;
    let rows = stmt.query_map(params_from_iter(params), |r| {
        Ok(MunicipalityCount {
            municipality: r.get(0)?,
            items: r.get::<_, i64>(1)?.max(0) as u64,
        })
    })?;
    rows.collect()
}
