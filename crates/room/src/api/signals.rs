//! Signals: read, scan for candidates, confirm, dismiss, export, delivery status and
//! author resolution. The queue's listing and bulk decisions are in `signal_queue`.

use crate::accounts::{Caller, Role};
use crate::api::items::{find_item, signal_id};
use crate::api::params::{at, maybe_at};
use crate::api::{audit, range, reason};
use crate::audit::{action, NewEntry};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorCode};
use crate::Room;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use websense_signals::db as signals_db;
use websense_signals::{Origin, Signal, SignalFilter, SignalId, SignalState};

/// Whether `caller` sees confirmed signals only. Analysts (who decide on candidates) and
/// admins (who run deliveries and author resolution) see every state; the i2o liaison's need
/// to know is what was confirmed for the case table: candidates and dismissed signals carry
/// links and pseudonyms nobody has judged worth passing on.
pub(crate) fn confirmed_only(caller: &Caller) -> bool {
    !caller
        .roles
        .iter()
        .any(|r| matches!(r, Role::Analyst | Role::Admin))
}

/// The state a listing or an export may cover for `caller`: what was asked (default
/// `default`), refused with 403 when the caller sees confirmed signals only.
pub(crate) fn visible_state(
    caller: &Caller,
    asked: Option<SignalState>,
    default: Option<SignalState>,
) -> Result<Option<SignalState>, ApiError> {
    if !confirmed_only(caller) {
        return Ok(asked.or(default));
    }
    match asked {
        None | Some(SignalState::Confirmed) => Ok(Some(SignalState::Confirmed)),
        Some(other) => Err(ApiError::forbidden(format!(
            "the i2o liaison sees confirmed signals only, not {} ones",
            other.as_str()
        ))
        .coded(ErrorCode::new("confirmed_only"))),
    }
}

async fn load(room: &Room, id: &SignalId) -> Result<Signal, ApiError> {
    let lookup = id.clone();
    room.db
        .run(move |c| Ok(signals_db::get(c, &lookup)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no signal {id}")))
}

/// A signal `caller` may see: one that is not confirmed is, for a caller who sees confirmed
/// signals only, as unknown as one that does not exist (the answer does not tell them apart).
pub(crate) async fn load_visible(
    room: &Room,
    caller: &Caller,
    id: &SignalId,
) -> Result<Signal, ApiError> {
    let signal = load(room, id).await?;
    if confirmed_only(caller) && signal.state != SignalState::Confirmed {
        return Err(ApiError::not_found(format!("no signal {id}")));
    }
    // So is a signal outside a scoped account's municipalities (`scope`).
    let codes: Vec<String> = signal
        .explanation
        .municipalities
        .iter()
        .map(|m| m.code.clone())
        .collect();
    if !crate::scope::may_read(caller, &codes) {
        return Err(ApiError::not_found(format!("no signal {id}")));
    }
    Ok(signal)
}

pub(crate) async fn get(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Signal>, ApiError> {
    Ok(Json(load_visible(&room, &caller, &signal_id(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScanRequest {
    #[serde(deserialize_with = "at")]
    from: DateTime<Utc>,
    #[serde(deserialize_with = "at")]
    to: DateTime<Utc>,
}

/// A scan covers at most this many days.
const MAX_SCAN_DAYS: i64 = 31;

pub(crate) async fn scan(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(body): ApiJson<ScanRequest>,
) -> Result<Json<Value>, ApiError> {
    let range = range(body.from, body.to)?;
    if range.to - range.from > Duration::days(MAX_SCAN_DAYS) {
        return Err(
            ApiError::unprocessable(format!("a scan covers at most {MAX_SCAN_DAYS} days"))
                .coded(ErrorCode::new("scan_too_long").with("days", MAX_SCAN_DAYS)),
        );
    }
    let summary = crate::scan::scan(&room, range).await?;
    audit(
        &room,
        &caller,
        action::SCAN_SIGNALS,
        None,
        None,
        json!({ "range": range, "summary": summary }),
    )
    .await?;
    Ok(Json(json!({ "range": range, "summary": summary })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    reason: Option<String>,
}

/// Decide and audit in one transaction.
async fn decide(
    room: &Room,
    caller: &Caller,
    id: SignalId,
    confirm: bool,
    reason: Option<String>,
) -> Result<Signal, ApiError> {
    if crate::scope::is_scoped(caller) {
        load_visible(room, caller, &id).await?;
    }
    let deliver = room.deliverer.is_some();
    let (name, roles) = (caller.name.clone(), caller.roles_text());
    let signal = room
        .db
        .run(move |c| {
            let tx = c.transaction()?;
            let now = Utc::now();
            let signal = if confirm {
                signals_db::confirm(&tx, &id, &name, reason.as_deref().unwrap_or(""), now, deliver)?
            } else {
                signals_db::dismiss(&tx, &id, &name, reason.as_deref(), now)?
            };
            crate::audit::append(
                &tx,
                now,
                &NewEntry {
                    actor: &name,
                    roles: &roles,
                    action: if confirm {
                        action::CONFIRM_SIGNAL
                    } else {
                        action::DISMISS_SIGNAL
                    },
                    target: Some(&id.0),
                    reason: signal.decision.as_ref().and_then(|d| d.reason.as_deref()),
                    detail: json!({ "origin": signal.origin, "queued_for_webhook": confirm && deliver }),
                },
            )?;
            tx.commit()?;
            Ok(signal)
        })
        .await?;
    if let Some(d) = &room.deliverer {
        d.waker().notify_one();
    }
    Ok(signal)
}

pub(crate) async fn confirm(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<Signal>, ApiError> {
    let id = signal_id(&id)?;
    let reason = reason(body.reason.as_deref(), "confirm a signal")?;
    Ok(Json(decide(&room, &caller, id, true, Some(reason)).await?))
}

pub(crate) async fn dismiss(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<Signal>, ApiError> {
    let id = signal_id(&id)?;
    let reason = match body.reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(reason(Some(r), "dismiss a signal")?),
    };
    Ok(Json(decide(&room, &caller, id, false, reason).await?))
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    #[default]
    Json,
    Csv,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportParams {
    #[serde(default)]
    format: Format,
    /// Default: confirmed.
    state: Option<SignalState>,
    #[serde(default, deserialize_with = "maybe_at")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "maybe_at")]
    to: Option<DateTime<Utc>>,
}

/// An export holds at most this many signals.
const MAX_EXPORT: usize = 100_000;

pub(crate) async fn export(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let state = visible_state(&caller, p.state, Some(SignalState::Confirmed))?
        .unwrap_or(SignalState::Confirmed);
    if let (Some(f), Some(t)) = (p.from, p.to) {
        range(f, t)?;
    }
    let filter = SignalFilter {
        state: Some(state),
        from: p.from,
        to: p.to,
        municipalities: crate::scope::forced(&caller, &[])?,
        limit: MAX_EXPORT,
        ..SignalFilter::default()
    };
    let f = filter.clone();
    let signals = room.db.run(move |c| Ok(signals_db::list(c, &f)?)).await?;
    let ids: Vec<&str> = signals.iter().map(|s| s.id.as_str()).collect();
    audit(
        &room,
        &caller,
        action::EXPORT_SIGNALS,
        None,
        None,
        json!({ "format": format!("{:?}", p.format).to_lowercase(), "filter": filter, "signal_ids": ids }),
    )
    .await?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    Ok(match p.format {
        Format::Json => attachment(
            websense_signals::signals_json(&signals),
            "application/json",
            &format!("signals-{}-{stamp}.json", state.as_str()),
        ),
        Format::Csv => attachment(
            websense_signals::signals_csv(&signals),
            "text/csv; charset=utf-8",
            &format!("signals-{}-{stamp}.csv", state.as_str()),
        ),
    })
}

pub(crate) fn attachment(body: String, content_type: &'static str, file: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub(crate) async fn deliveries(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let id = signal_id(&id)?;
    load_visible(&room, &caller, &id).await?;
    let lookup = id.clone();
    let status = room
        .db
        .run(move |c| Ok(signals_db::delivery(c, &lookup)?))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "signal {id} has no webhook delivery: it is not confirmed, or no webhook was configured when it was"
            ))
        })?;
    Ok(Json(json!(status)))
}

/// Refuse an author resolution, and record the refusal.
async fn refuse(
    room: &Room,
    caller: &Caller,
    id: &SignalId,
    reason: &str,
    error: ApiError,
) -> Result<Json<Value>, ApiError> {
    audit(
        room,
        caller,
        action::RESOLVE_AUTHOR_REFUSED,
        Some(id.0.clone()),
        Some(reason.to_string()),
        json!({ "refused": error.message }),
    )
    .await?;
    Err(error)
}

/// The handle behind a confirmed signal's author pseudonym: admin only, with a recorded
/// reason, and only while the signal's raw item is retained and the vault holds the author.
pub(crate) async fn resolve_author(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<Value>, ApiError> {
    let id = signal_id(&id)?;
    let reason = reason(body.reason.as_deref(), "resolve an author")?;
    let signal = load_visible(&room, &caller, &id).await?;
    if signal.state != SignalState::Confirmed {
        let e = ApiError::conflict(format!(
            "signal {id} is {}; only a confirmed signal's author can be resolved",
            signal.state.as_str()
        ));
        return refuse(&room, &caller, &id, &reason, e).await;
    }
    // Four eyes: who judged the signal worth passing on does not also unmask its author.
    let confirmer = signal.decision.as_ref().map(|d| d.by.as_str());
    if room.config.four_eyes && confirmer == Some(caller.name.as_str()) {
        let e = ApiError::forbidden(format!(
            "four-eyes rule: {} confirmed signal {id}, so another admin must resolve its author",
            caller.name
        ));
        return refuse(&room, &caller, &id, &reason, e).await;
    }
    let (Origin::FlaggedItem { item_id }, Some(pseudonym)) =
        (&signal.origin, signal.explanation.author.clone())
    else {
        let e = ApiError::conflict(format!("signal {id} has no author to resolve"));
        return refuse(&room, &caller, &id, &reason, e).await;
    };
    let Some(vault) = room.vault.clone() else {
        let e = ApiError::conflict(
            "author resolution is switched off in this deployment (no privacy.author_vault)",
        );
        return refuse(&room, &caller, &id, &reason, e).await;
    };
    let retained = find_item(room.store.as_ref(), item_id, signal.explanation.event_time)
        .await?
        .is_some_and(|item| !item.text_purged);
    if !retained {
        let e = ApiError::new(
            StatusCode::GONE,
            format!("the raw item of signal {id} is purged; its author can no longer be resolved"),
        );
        return refuse(&room, &caller, &id, &reason, e).await;
    }
    let p = pseudonym.clone();
    let entry = tokio::task::spawn_blocking(move || vault.resolve(&p))
        .await
        .map_err(|e| ApiError::internal("author vault task failed", e))?
        .map_err(|e| ApiError::internal("author vault failed", e))?;
    let Some(entry) = entry else {
        let e = ApiError::new(
            StatusCode::GONE,
            format!(
                "the author vault holds no handle for {pseudonym} (expired, or never recorded)"
            ),
        );
        return refuse(&room, &caller, &id, &reason, e).await;
    };
    // The log records that the pseudonym was resolved, never the handle itself.
    audit(
        &room,
        &caller,
        action::RESOLVE_AUTHOR,
        Some(id.0.clone()),
        Some(reason),
        json!({ "pseudonym": pseudonym, "item_id": item_id }),
    )
    .await?;
    Ok(Json(json!({
        "signal_id": id,
        "pseudonym": pseudonym,
        "handle": entry.handle,
        "source": entry.source,
        "last_seen": entry.last_seen,
    })))
}
