//! How a scored item becomes stored values, the same way for every backend.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use websense_model::{
    Author, Field, Item, ItemId, Language, Pseudonym, ScoredItem, SourceId, SourceKind, SourceRef,
};

/// Roll-up buckets are 5 minutes; hour and day series add them up.
pub(crate) const ROLLUP_BUCKET_SECS: i64 = 300;

/// Event times are kept in `[1970-01-01, 2100-01-01)`: ClickHouse's `DateTime` cannot hold
/// earlier times, and a post dated in 1900 or 3000 is a broken feed, not a trend.
const MAX_MS: i64 = 4_102_444_800_000 - 1;

pub(crate) fn clamp_ms(ms: i64) -> i64 {
    ms.clamp(0, MAX_MS)
}

/// An item's event time (published, else fetched) in clamped milliseconds.
pub(crate) fn event_ms(item: &Item) -> i64 {
    clamp_ms(item.event_time().timestamp_millis())
}

pub(crate) fn rollup_bucket(event_ms: i64) -> i64 {
    let secs = event_ms / 1000;
    secs - secs % ROLLUP_BUCKET_SECS
}

/// Scores are kept in millionths, so sums are exact and the same in every backend.
pub(crate) fn score_micros(score: f64) -> i64 {
    if score.is_finite() {
        (score * 1e6).round() as i64
    } else {
        0
    }
}

pub(crate) fn score_from_micros(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// The tags an item is counted under: distinct, non-empty, sorted.
pub(crate) fn rollup_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = tags.iter().filter(|t| !t.is_empty()).cloned().collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) fn language_code(item: &Item) -> &str {
    item.language
        .as_ref()
        .map(|l| l.code.as_str())
        .unwrap_or("")
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub(crate) fn secs_to_time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The first instant of the UTC month containing `t`: retention drops whole months before it.
pub(crate) fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let t = from_ms(clamp_ms(t.timestamp_millis()));
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// `YYYYMM` of a time, as ClickHouse's `toYYYYMM` names monthly partitions.
pub(crate) fn yyyymm(t: DateTime<Utc>) -> u32 {
    t.year() as u32 * 100 + t.month()
}

pub(crate) fn field_str(f: Field) -> &'static str {
    match f {
        Field::Title => "title",
        Field::Text => "text",
    }
}

/// A hit's method as stored: empty for exact, the common case (and what rows from before
/// the column read as).
pub(crate) fn stored_method(method: websense_model::MatchMethod) -> &'static str {
    if method.is_exact() {
        ""
    } else {
        method.as_str()
    }
}

pub(crate) fn parse_field(s: &str) -> Field {
    if s == "title" {
        Field::Title
    } else {
        Field::Text
    }
}

pub(crate) fn parse_source_kind(s: &str) -> SourceKind {
    serde_json::from_value(serde_json::Value::String(s.to_string())).unwrap_or(SourceKind::File)
}

pub(crate) fn raw_json(item: &Item) -> String {
    if item.raw.is_null() {
        String::new()
    } else {
        item.raw.to_string()
    }
}

/// An item's places as stored: their JSON, empty for none (most items).
pub(crate) fn places_json(places: &[websense_model::Place]) -> String {
    if places.is_empty() {
        String::new()
    } else {
        serde_json::to_string(places).unwrap_or_default()
    }
}

pub(crate) fn parse_places(s: &str) -> Vec<websense_model::Place> {
    if s.is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(s).unwrap_or_default()
    }
}

pub(crate) fn parse_raw(s: &str) -> serde_json::Value {
    if s.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(s).unwrap_or(serde_json::Value::String(s.to_string()))
    }
}

/// The stored columns of an item that both backends read back into an [`Item`].
pub(crate) struct ItemColumns {
    pub id: String,
    pub source: String,
    pub source_kind: String,
    pub tags: Vec<String>,
    pub url: Option<String>,
    pub author_pseudonym: Option<String>,
    pub author_handle: Option<String>,
    pub published_ms: Option<i64>,
    pub fetched_ms: i64,
    pub language: String,
    pub language_confidence: f64,
    pub language_reliable: bool,
    pub title: Option<String>,
    pub text: String,
    pub links: Vec<String>,
    pub raw: String,
}

impl ItemColumns {
    pub fn of(s: &ScoredItem) -> ItemColumns {
        let i = &s.item;
        ItemColumns {
            id: i.id.0.clone(),
            source: i.source.id.0.clone(),
            source_kind: i.source.kind.as_str().to_string(),
            tags: i.source.tags.clone(),
            url: i.url.clone(),
            author_pseudonym: i.author.as_ref().map(|a| a.pseudonym.0.clone()),
            author_handle: i.author.as_ref().and_then(|a| a.handle.clone()),
            published_ms: i.published_at.map(|t| t.timestamp_millis()),
            fetched_ms: i.fetched_at.timestamp_millis(),
            language: language_code(i).to_string(),
            language_confidence: i.language.as_ref().map(|l| l.confidence).unwrap_or(0.0),
            language_reliable: i.language.as_ref().map(|l| l.reliable).unwrap_or(false),
            title: i.title.clone(),
            text: i.text.clone(),
            links: i.links.clone(),
            raw: raw_json(i),
        }
    }

    pub fn into_item(self) -> Item {
        Item {
            id: ItemId(self.id),
            source: SourceRef {
                id: SourceId(self.source),
                kind: parse_source_kind(&self.source_kind),
                tags: self.tags,
            },
            url: self.url,
            author: self.author_pseudonym.map(|p| Author {
                pseudonym: Pseudonym(p),
                handle: self.author_handle,
            }),
            published_at: self.published_ms.map(from_ms),
            fetched_at: from_ms(self.fetched_ms),
            language: (!self.language.is_empty()).then_some(Language {
                code: self.language,
                confidence: self.language_confidence,
                reliable: self.language_reliable,
            }),
            title: self.title,
            text: self.text,
            links: self.links,
            raw: parse_raw(&self.raw),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_months_and_scores() {
        let t = Utc.with_ymd_and_hms(2024, 2, 29, 23, 58, 7).unwrap();
        assert_eq!(
            rollup_bucket(t.timestamp_millis()),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 55, 0)
                .unwrap()
                .timestamp()
        );
        assert_eq!(
            month_start(t),
            Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(yyyymm(t), 202402);
        assert_eq!(clamp_ms(-5), 0);
        assert_eq!(score_micros(1.2345678), 1_234_568);
        assert_eq!(score_micros(f64::NAN), 0);
        assert_eq!(
            rollup_tags(&["b".into(), "".into(), "a".into(), "b".into()]),
            vec!["a", "b"]
        );
    }
}
