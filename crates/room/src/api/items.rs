//! Item text: the items behind a bucket, and a signal's item. Every call is audited (who read
//! which items, when) before the text leaves the server.

use crate::accounts::Caller;
use crate::api::{audit_read, filter, limit, offset, optional_reason};
use crate::audit::action;
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::scope;
use crate::Room;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Arc;
use websense_model::{CategoryScore, Hit, ItemId, Language, Place, SourceRef};
use websense_signals::{Origin, SignalId};
use websense_store::{BucketSize, ItemsQuery, Store, StoredItem, Subject};

/// An item as the API shows it: its text with the hit spans (byte ranges into `title` or
/// `text`), never a raw author handle and never the source's raw metadata.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ItemView {
    pub id: ItemId,
    pub source: SourceRef,
    pub url: Option<String>,
    pub author_pseudonym: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub fetched_at: DateTime<Utc>,
    pub event_time: DateTime<Utc>,
    pub language: Option<Language>,
    pub title: Option<String>,
    pub text: String,
    pub links: Vec<String>,
    pub lexicon_version: String,
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
    /// The raw text was purged (retention): title, text, url, links and author are gone.
    pub text_purged: bool,
    /// The places the item names (spans like the hits'), with their municipalities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// The CBS codes of the municipalities the item is attributed to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
}

impl From<StoredItem> for ItemView {
    fn from(s: StoredItem) -> ItemView {
        let event_time = s.item.event_time();
        let i = s.item;
        ItemView {
            id: i.id,
            source: i.source,
            url: i.url,
            author_pseudonym: i.author.map(|a| a.pseudonym.0),
            published_at: i.published_at,
            fetched_at: i.fetched_at,
            event_time,
            language: i.language,
            title: i.title,
            text: i.text,
            links: i.links,
            lexicon_version: s.lexicon_version,
            matches: s.matches,
            scores: s.scores,
            text_purged: s.text_purged,
            places: s.places,
            municipalities: s.municipalities,
        }
    }
}

fn hour() -> BucketSize {
    BucketSize::Hour
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemsParams {
    #[serde(default = "hour")]
    bucket: BucketSize,
    /// Any time inside the bucket.
    #[serde(deserialize_with = "crate::api::params::at")]
    at: DateTime<Utc>,
    category: Option<String>,
    /// Needs `category`.
    term: Option<String>,
    source: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// CBS codes, comma-separated (or the parameter repeated): items of any of them.
    municipality: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
    /// Why the items are read (kept in the audit log).
    reason: Option<String>,
}

pub(crate) async fn bucket_items(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ItemsParams>,
) -> Result<Json<Value>, ApiError> {
    let subject = match (p.category, p.term) {
        (Some(category), Some(term)) => Some(Subject::Term { category, term }),
        (Some(category), None) => Some(Subject::Category(category)),
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ApiError::bad_request(
                "`term` needs `category` (a term is asked for within its category)",
            ))
        }
    };
    let offset = offset(p.offset)?;
    let why = optional_reason(p.reason.as_deref())?;
    let mut query = ItemsQuery {
        bucket: p.bucket,
        at: p.at,
        subject,
        filter: filter(&p.source, &p.tag, &p.language, &p.municipality)?,
        limit: limit(p.limit, 50, 500)?,
        offset,
    };
    // A scoped account reads its municipalities' posts only (`scope`).
    query.filter.municipalities = scope::forced(&caller, &query.filter.municipalities)?;
    let items = room.store.bucket_items(&query).await?;
    let size = query.bucket.seconds();
    let bucket_start = DateTime::from_timestamp(query.at.timestamp().div_euclid(size) * size, 0)
        .unwrap_or_default();
    let ids: Vec<String> = items.iter().map(|i| i.item.id.0.clone()).collect();
    // Only what narrows the read: no empty filters or zero offsets repeated in every row.
    let mut detail = serde_json::Map::new();
    if let Some(s) = &query.subject {
        detail.insert("subject".into(), json!(s));
    }
    for (key, value) in [
        ("source", &query.filter.source),
        ("tag", &query.filter.tag),
        ("language", &query.filter.language),
    ] {
        if let Some(v) = value {
            detail.insert(key.into(), json!(v));
        }
    }
    if !query.filter.municipalities.is_empty() {
        detail.insert("municipality".into(), json!(query.filter.municipalities));
    }
    if query.offset > 0 {
        detail.insert("offset".into(), json!(query.offset));
    }
    audit_read(
        &room,
        &caller,
        action::READ_ITEMS,
        Some(format!(
            "bucket {} {}",
            bucket_label(query.bucket),
            bucket_start.to_rfc3339()
        )),
        why,
        Value::Object(detail),
        ids,
    )
    .await?;
    let next_offset = (items.len() == query.limit).then_some(query.offset + query.limit);
    let items: Vec<ItemView> = items.into_iter().map(ItemView::from).collect();
    Ok(Json(json!({
        "bucket": query.bucket,
        "bucket_start": bucket_start,
        "items": items,
        "next_offset": next_offset,
    })))
}

fn bucket_label(b: BucketSize) -> &'static str {
    match b {
        BucketSize::FiveMinutes => "5m",
        BucketSize::Hour => "1h",
        BucketSize::Day => "1d",
    }
}

/// Find a stored item by id, knowing its event time: page through its 5-minute bucket.
pub(crate) async fn find_item(
    store: &dyn Store,
    id: &ItemId,
    event_time: DateTime<Utc>,
) -> Result<Option<StoredItem>, ApiError> {
    const PAGE: usize = 500;
    let mut query = ItemsQuery {
        bucket: BucketSize::FiveMinutes,
        at: event_time,
        subject: None,
        filter: Default::default(),
        limit: PAGE,
        offset: 0,
    };
    loop {
        let page = store.bucket_items(&query).await?;
        let n = page.len();
        if let Some(found) = page.into_iter().find(|s| &s.item.id == id) {
            return Ok(Some(found));
        }
        if n < PAGE {
            return Ok(None);
        }
        query.offset += PAGE;
    }
}

/// Parse a signal id from a path, or answer 404 for one that cannot exist.
pub(crate) fn signal_id(raw: &str) -> Result<SignalId, ApiError> {
    if SignalId::is_well_formed(raw) {
        Ok(SignalId(raw.to_string()))
    } else {
        Err(ApiError::not_found(format!(
            "no signal {raw:?}: signal ids look like sig_ and 24 hex digits"
        )))
    }
}

/// The item a flagged-item signal came from, with its text.
pub(crate) async fn signal_item(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ItemView>, ApiError> {
    let id = signal_id(&id)?;
    let lookup = id.clone();
    let signal = room
        .db
        .run(move |c| Ok(websense_signals::db::get(c, &lookup)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no signal {id}")))?;
    let Origin::FlaggedItem { item_id } = &signal.origin else {
        return Err(ApiError::not_found(
            "a spike signal has no single item; read the spike's bucket through /api/items",
        ));
    };
    let item = find_item(room.store.as_ref(), item_id, signal.explanation.event_time)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("item {item_id} is no longer in the store")))?;
    // Outside a scoped account's municipalities the signal is as unknown as a missing one.
    if !scope::may_read(&caller, &item.municipalities) {
        return Err(ApiError::not_found(format!("no signal {id}")));
    }
    audit_read(
        &room,
        &caller,
        action::READ_ITEMS,
        Some(id.0.clone()),
        None,
        json!({}),
        vec![item_id.0.clone()],
    )
    .await?;
    Ok(Json(ItemView::from(item)))
}
