//! The write path: one batch in one transaction, items appended, hits and scores keyed by
//! the item's row number, and the roll-ups updated for the newly inserted items only (those
//! per municipality list for the items attributed to a municipality).

use super::names::NameIds;
use crate::query::WriteSummary;
use crate::rows::*;
use rusqlite::{params, Connection, TransactionBehavior};
use std::collections::BTreeMap;
use websense_model::{ContextTag, ScoredItem};

/// `trend_terms` is partitioned by hour (see the module documentation).
pub(super) const HOUR_SECS: i64 = 3600;

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
/// (category, municipality list, bucket, source, language, tag list):
/// `trend_municipality_categories`' key.
type MunicipalityCategoryKey = (i64, i64, i64, i64, i64, i64);
/// (hour, municipality list, term, bucket, source, language, tag list):
/// `trend_municipality_terms`' key.
type MunicipalityTermKey = (i64, i64, i64, i64, i64, i64, i64);

pub(super) fn write_batch(
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
    // Only items with a municipality add to these.
    let mut municipality_categories: BTreeMap<MunicipalityCategoryKey, CategoryDelta> =
        BTreeMap::new();
    let mut municipality_terms: BTreeMap<MunicipalityTermKey, TermDelta> = BTreeMap::new();
    {
        let mut insert_item = tx.prepare_cached(
            "INSERT OR IGNORE INTO items (id, event_ms, published_ms, fetched_ms, source, source_kind, tag_list,
                 language, language_confidence, language_reliable, lexicon_version, url, author_pseudonym,
                 author_handle, title, text, links, raw, municipality_list, places)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?;
        let mut insert_match = tx.prepare_cached(
            "INSERT INTO matches (item_seq, ordinal, category, term, kind, field, span_start, span_end, weight,
                 method, context)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
            let municipality_list = ids.municipality_list(&tx, &scored.municipalities)?;
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
                municipality_list,
                places_json(&scored.places),
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
                    crate::rows::stored_method(h.method),
                    ContextTag::join(&h.context),
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
                if municipality_list != 0 {
                    let d = municipality_categories
                        .entry((
                            category,
                            municipality_list,
                            bucket,
                            source,
                            language,
                            tag_list,
                        ))
                        .or_default();
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
                if municipality_list != 0 {
                    let d = municipality_terms
                        .entry((
                            hour_of(bucket),
                            municipality_list,
                            term,
                            bucket,
                            source,
                            language,
                            tag_list,
                        ))
                        .or_default();
                    d.items += 1;
                    d.hits += hits;
                }
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
        if !municipality_categories.is_empty() {
            let mut add = tx.prepare_cached(
                "INSERT INTO trend_municipality_categories (category, municipality_list, bucket, source, language,
                     tag_list, items, flagged, hits, score_micros)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (category, municipality_list, bucket, source, language, tag_list) DO UPDATE SET
                     items = items + excluded.items, flagged = flagged + excluded.flagged,
                     hits = hits + excluded.hits, score_micros = score_micros + excluded.score_micros",
            )?;
            for (&(category, list, bucket, source, language, tag_list), d) in
                &municipality_categories
            {
                add.execute(params![
                    category,
                    list,
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
        }
        if !municipality_terms.is_empty() {
            let mut add = tx.prepare_cached(
                "INSERT INTO trend_municipality_terms (hour, municipality_list, term, bucket, source, language,
                     tag_list, items, hits)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (hour, municipality_list, term, bucket, source, language, tag_list) DO UPDATE SET
                     items = items + excluded.items, hits = hits + excluded.hits",
            )?;
            for (&(hour, list, term, bucket, source, language, tag_list), d) in &municipality_terms
            {
                add.execute(params![
                    hour, list, term, bucket, source, language, tag_list, d.items, d.hits
                ])?;
            }
        }
    }
    tx.commit()?;
    Ok(summary)
}
