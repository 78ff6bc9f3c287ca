//! Aggregates: category and term series, totals, rising terms, spikes, emerging terms.
//! No item text here, so nothing to audit.

use crate::api::params::{at, maybe_at, municipalities};
use crate::api::{filter, limit, store_range};
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::trends::{EmergingQuery, SpikeQuery};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use websense_store::{
    BucketSize, RisingQuery, TermCountsQuery, TimeRange, TotalsQuery, TrendQuery,
};

/// A series may have at most this many buckets (a year of hours; 35 days of 5 minutes).
const MAX_BUCKETS: i64 = 10_000;

fn hour() -> BucketSize {
    BucketSize::Hour
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SeriesParams {
    #[serde(default = "hour")]
    bucket: BucketSize,
    #[serde(deserialize_with = "at")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "at")]
    to: DateTime<Utc>,
    source: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// CBS codes, comma-separated (or the parameter repeated): items of any of them.
    municipality: Option<String>,
}

impl SeriesParams {
    fn query(&self, room: &Room) -> Result<TrendQuery, ApiError> {
        let range = store_range(room, self.from, self.to)?;
        series_length(&range, self.bucket)?;
        Ok(TrendQuery {
            bucket: self.bucket,
            range,
            filter: filter(&self.source, &self.tag, &self.language, &self.municipality)?,
        })
    }
}

fn series_length(range: &TimeRange, bucket: BucketSize) -> Result<(), ApiError> {
    let buckets = (range.to - range.from).num_seconds() / bucket.seconds();
    if buckets > MAX_BUCKETS {
        return Err(ApiError::bad_request(format!(
            "the range holds {buckets} buckets; at most {MAX_BUCKETS}: choose a larger bucket or a shorter range"
        )));
    }
    Ok(())
}

pub(crate) async fn category_trend(
    State(room): State<Arc<Room>>,
    ApiPath(category): ApiPath<String>,
    ApiQuery(params): ApiQuery<SeriesParams>,
) -> Result<Json<Value>, ApiError> {
    let query = params.query(&room)?;
    let points = room.store.category_trend(&category, &query).await?;
    Ok(Json(json!({
        "category": category,
        "bucket": query.bucket,
        "range": query.range,
        "points": points,
    })))
}

pub(crate) async fn term_trend(
    State(room): State<Arc<Room>>,
    ApiPath((category, term)): ApiPath<(String, String)>,
    ApiQuery(params): ApiQuery<SeriesParams>,
) -> Result<Json<Value>, ApiError> {
    let query = params.query(&room)?;
    let points = room.store.term_trend(&category, &term, &query).await?;
    Ok(Json(json!({
        "category": category,
        "term": term,
        "bucket": query.bucket,
        "range": query.range,
        "points": points,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TotalsParams {
    #[serde(default, deserialize_with = "maybe_at")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "maybe_at")]
    to: Option<DateTime<Utc>>,
    source: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// CBS codes, comma-separated (or the parameter repeated): items of any of them.
    municipality: Option<String>,
}

pub(crate) async fn totals(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<TotalsParams>,
) -> Result<Json<Value>, ApiError> {
    let range = match (p.from, p.to) {
        (Some(from), Some(to)) => Some(store_range(&room, from, to)?),
        (None, None) => None,
        _ => {
            return Err(ApiError::bad_request(
                "give both `from` and `to`, or neither",
            ))
        }
    };
    let query = TotalsQuery {
        range,
        filter: filter(&p.source, &p.tag, &p.language, &p.municipality)?,
    };
    let totals = room.store.totals(&query).await?;
    Ok(Json(json!({ "range": range, "totals": totals })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RisingParams {
    #[serde(deserialize_with = "at")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "at")]
    to: DateTime<Utc>,
    category: Option<String>,
    min_items: Option<u64>,
    limit: Option<usize>,
    source: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// CBS codes, comma-separated (or the parameter repeated): items of any of them.
    municipality: Option<String>,
}

/// Lexicon terms that rose most against the equally long range before.
pub(crate) async fn rising_terms(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<RisingParams>,
) -> Result<Json<Value>, ApiError> {
    let query = RisingQuery {
        counts: TermCountsQuery {
            current: store_range(&room, p.from, p.to)?,
            category: p.category.clone(),
            filter: filter(&p.source, &p.tag, &p.language, &p.municipality)?,
        },
        min_items: p.min_items.unwrap_or(3),
        limit: limit(p.limit, 50, 500)?,
    };
    let terms = room.store.rising_terms(&query).await?;
    Ok(Json(
        json!({ "range": query.counts.current, "terms": terms }),
    ))
}

fn not_plugged_in(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        format!("{what} needs trend analysis, which this server runs without"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SpikeParams {
    #[serde(deserialize_with = "at")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "at")]
    to: DateTime<Utc>,
    #[serde(default = "hour")]
    bucket: BucketSize,
    category: Option<String>,
    /// Needs `category`.
    term: Option<String>,
    source: Option<String>,
    tag: Option<String>,
    language: Option<String>,
    /// CBS codes, comma-separated (or the parameter repeated): items of any of them.
    municipality: Option<String>,
}

pub(crate) async fn spikes(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<SpikeParams>,
) -> Result<Json<Value>, ApiError> {
    let range = store_range(&room, p.from, p.to)?;
    series_length(&range, p.bucket)?;
    if p.term.is_some() && p.category.is_none() {
        return Err(ApiError::bad_request(
            "`term` needs `category` (a term is asked for within its category)",
        ));
    }
    let trends = room
        .trends
        .clone()
        .ok_or_else(|| not_plugged_in("spike detection"))?;
    let any_filter =
        p.source.is_some() || p.tag.is_some() || p.language.is_some() || p.municipality.is_some();
    let query = SpikeQuery {
        range,
        bucket: p.bucket,
        category: p.category,
        term: p.term,
        filter: any_filter
            .then(|| filter(&p.source, &p.tag, &p.language, &p.municipality))
            .transpose()?,
    };
    let spikes = trends
        .spikes(room.store.as_ref(), &query)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("spike detection failed: {e}"),
            )
        })?;
    Ok(Json(
        json!({ "range": range, "bucket": p.bucket, "spikes": spikes }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmergingParams {
    #[serde(deserialize_with = "at")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "at")]
    to: DateTime<Utc>,
    limit: Option<usize>,
    /// CBS codes: the emerging terms of these municipalities' items.
    municipality: Option<String>,
}

pub(crate) async fn emerging_terms(
    State(room): State<Arc<Room>>,
    caller: crate::accounts::Caller,
    ApiQuery(p): ApiQuery<EmergingParams>,
) -> Result<Json<Value>, ApiError> {
    let query = EmergingQuery {
        range: store_range(&room, p.from, p.to)?,
        limit: limit(p.limit, 50, 500)?,
        municipalities: municipalities(p.municipality.as_deref())?,
    };
    let trends = room
        .trends
        .clone()
        .ok_or_else(|| not_plugged_in("emerging-term suggestion"))?;
    let mut terms = trends
        .emerging(room.store.as_ref(), &query)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("emerging-term suggestion failed: {e}"),
            )
        })?;
    let rejected = room
        .db
        .run(|c| Ok(crate::api::curate::rejected_terms(c)?))
        .await?;
    terms.retain(|t| !rejected.contains(&t.term));
    // The terms are the region's aggregate; their example posts are not, for a scoped account.
    if crate::scope::is_scoped(&caller) {
        for t in &mut terms {
            t.examples.clear();
        }
    }
    Ok(Json(json!({ "range": query.range, "terms": terms })))
}
