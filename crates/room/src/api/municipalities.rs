//! The local picture over the API: `GET /api/municipalities` (the map's figures for every
//! municipality of the region) and `GET /api/municipalities/{code}` (one municipality's
//! overview: its categories against the window before, the rising ones, and its latest
//! flagged posts).
//!
//! The figures and category counts are aggregates, shown to every watcher for the whole
//! region. The posts are item text: only for analysts and curators, only inside a scoped
//! account's municipalities ([`crate::scope`]), and audited (`read_items`) like every read
//! of item text; otherwise the answer says why there are none (`posts_withheld`).

use crate::accounts::{Caller, Role};
use crate::api::audit_read;
use crate::api::items::ItemView;
use crate::api::overview::declared_categories;
use crate::audit::action;
use crate::error::{ApiError, ApiPath, ApiQuery, ErrorCode};
use crate::local::{self, Rise, BASELINE_DAYS};
use crate::scope;
use crate::Room;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use websense_store::{
    BucketSize, Filter, ItemsQuery, StoredItem, TimeRange, TotalsQuery, TrendQuery,
};

/// The longest window of a municipality's overview: a week.
const MAX_HOURS: i64 = 168;
/// Flagged posts an overview lists.
const LATEST_POSTS: usize = 10;
/// Items read per hour bucket while looking for flagged posts (a page of the store).
const PAGE: usize = 500;
/// Pages read per hour at most: the search is bounded however busy a municipality is.
const PAGES_PER_HOUR: usize = 4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MapParams {
    #[serde(default, deserialize_with = "crate::api::params::maybe_at")]
    now: Option<DateTime<Utc>>,
}

/// `GET /api/municipalities`: every municipality of the region with its last 24 hours.
pub(crate) async fn list(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<MapParams>,
) -> Result<Json<Value>, ApiError> {
    let (now, figures) = match p.now {
        Some(now) => (
            now,
            Arc::new(local::figures(room.store.as_ref(), &room.region, now).await?),
        ),
        None => {
            room.map_figures
                .now(room.store.as_ref(), &room.region)
                .await?
        }
    };
    Ok(Json(json!({
        "region": room.region.label,
        "from": now - Duration::hours(24),
        "to": now,
        "baseline_days": BASELINE_DAYS,
        "municipalities": *figures,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OverviewParams {
    hours: Option<i64>,
    #[serde(default, deserialize_with = "crate::api::params::maybe_at")]
    now: Option<DateTime<Utc>>,
}

/// `GET /api/municipalities/{code}`: one municipality's overview.
pub(crate) async fn overview(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(p): ApiQuery<OverviewParams>,
) -> Result<Json<Value>, ApiError> {
    let code = code.to_ascii_uppercase();
    let Some(m) = room.gazetteer.municipality(&code).cloned() else {
        return Err(ApiError::not_found(format!(
            "{code:?} is not a municipality code the Room knows (like GM0479)"
        ))
        .coded(ErrorCode::new("unknown_municipality").with("municipality", &code)));
    };
    let hours = p.hours.unwrap_or(24);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::bad_request(format!(
            "`hours` must be 1 to {MAX_HOURS}"
        )));
    }
    let now = p.now.unwrap_or_else(Utc::now);
    let window = TimeRange::new(now - Duration::hours(hours), now);
    let before = TimeRange::new(window.from - Duration::hours(hours), window.from);
    let filter = Filter::municipalities([code.clone()]);
    let store = room.store.as_ref();
    let totals = store
        .totals(&TotalsQuery {
            range: Some(window),
            filter: filter.clone(),
        })
        .await?;
    let previous_items = store.range_count(before, &filter).await?;

    // Per category, hour buckets over both windows (bucket starts on whole hours).
    let (categories, _) = declared_categories(&room).await;
    let hour = |t: DateTime<Utc>| t.duration_trunc(Duration::hours(1)).unwrap_or(t);
    let series_range = TimeRange::new(hour(before.from), hour(window.to) + Duration::hours(1));
    let split = hour(window.from);
    let mut rows = Vec::new();
    for c in &categories {
        let points = store
            .category_trend(
                &c.name,
                &TrendQuery {
                    bucket: BucketSize::Hour,
                    range: series_range,
                    filter: filter.clone(),
                },
            )
            .await?;
        let (mut now_items, mut before_items, mut flagged) = (0u64, 0u64, 0u64);
        for point in points {
            if point.bucket_start >= split {
                now_items += point.items;
                flagged += point.flagged;
            } else {
                before_items += point.items;
            }
        }
        let rise = Rise::of(now_items, before_items as f64);
        rows.push(json!({
            "category": c.name,
            "label": c.label,
            "items": now_items,
            "previous_items": before_items,
            "flagged_items": flagged,
            "rise": rise,
        }));
    }
    rows.sort_by(|a, b| b["items"].as_u64().cmp(&a["items"].as_u64()));
    let rising: Vec<Value> = rows
        .iter()
        .filter(|r| r["rise"] == "rising")
        .map(|r| r["category"].clone())
        .collect();

    // The latest flagged posts, for those who may read them.
    let withheld = if !caller
        .roles
        .iter()
        .any(|r| matches!(r, Role::Analyst | Role::Curator))
    {
        Some("role")
    } else if !scope::may_read(&caller, std::slice::from_ref(&code)) {
        Some("scope")
    } else {
        None
    };
    let posts = match withheld {
        Some(_) => Vec::new(),
        None => latest_flagged(&room, &filter, window).await?,
    };
    if withheld.is_none() {
        let ids = posts.iter().map(|i| i.item.id.0.clone()).collect();
        audit_read(
            &room,
            &caller,
            action::READ_ITEMS,
            Some(format!("municipality {code}")),
            None,
            json!({ "municipalities": [code], "flagged": true }),
            ids,
        )
        .await?;
    }
    let posts: Vec<ItemView> = posts.into_iter().map(ItemView::from).collect();
    Ok(Json(json!({
        "municipality": { "code": m.code, "name": m.name, "province": m.province },
        "in_region": room.region.get(&code).is_some(),
        "from": window.from,
        "to": window.to,
        "hours": hours,
        "items": totals.items,
        "flagged_items": totals.flagged_items,
        "previous_items": previous_items,
        "rise": Rise::of(totals.items, previous_items as f64),
        "categories": rows,
        "rising_categories": rising,
        "posts": posts,
        "posts_withheld": withheld,
    })))
}

/// The newest flagged items of `filter` in `window`, newest first: hour buckets from the
/// newest back, each read a bounded number of pages.
async fn latest_flagged(
    room: &Room,
    filter: &Filter,
    window: TimeRange,
) -> Result<Vec<StoredItem>, ApiError> {
    let mut found: Vec<StoredItem> = Vec::new();
    let mut at = window.to - Duration::milliseconds(1);
    let bucket_end =
        |t: DateTime<Utc>| t.duration_trunc(Duration::hours(1)).unwrap_or(t) + Duration::hours(1);
    while bucket_end(at) > window.from && found.len() < LATEST_POSTS {
        let mut in_hour = Vec::new();
        for page in 0..PAGES_PER_HOUR {
            let query = ItemsQuery {
                bucket: BucketSize::Hour,
                at,
                subject: None,
                filter: filter.clone(),
                limit: PAGE,
                offset: page * PAGE,
            };
            let items = room.store.bucket_items(&query).await?;
            let n = items.len();
            in_hour.extend(items.into_iter().filter(|s| {
                let t = s.item.event_time();
                s.scores.iter().any(|c| c.flagged) && t >= window.from && t < window.to
            }));
            if n < PAGE {
                break;
            }
        }
        in_hour.sort_by_key(|s| std::cmp::Reverse(s.item.event_time()));
        found.extend(in_hour);
        at -= Duration::hours(1);
    }
    found.truncate(LATEST_POSTS);
    Ok(found)
}
