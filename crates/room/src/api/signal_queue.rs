//! The signal queue: a listing with filters, sort, paging, a total and counts per state, the
//! categories (with their labels) and sources a filter can offer, and dismissing several
//! candidates at once with one reason.

use crate::accounts::Caller;
use crate::api::items::signal_id;
use crate::api::params::maybe_at;
use crate::api::signals::{confirmed_only, visible_state};
use crate::api::{limit, offset, range, reason};
use crate::audit::{action, NewEntry};
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorCode};
use crate::Room;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use websense_signals::db as signals_db;
use websense_signals::{SignalFilter, SignalSort, SignalState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListParams {
    state: Option<SignalState>,
    #[serde(default, deserialize_with = "maybe_at")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "maybe_at")]
    to: Option<DateTime<Utc>>,
    category: Option<String>,
    source: Option<String>,
    origin: Option<OriginKind>,
    /// A CBS code: the signals of that municipality.
    municipality: Option<String>,
    #[serde(default)]
    sort: SignalSort,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// The origins a queue filters on (what `Origin::kind` names).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum OriginKind {
    FlaggedItem,
    Spike,
}

impl OriginKind {
    fn as_str(self) -> &'static str {
        match self {
            OriginKind::FlaggedItem => "flagged_item",
            OriginKind::Spike => "spike",
        }
    }
}

/// An empty filter parameter (a form's "all" choice) filters nothing.
fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A page of the signals the filters select, with the total behind it (so a queue says
/// "1–50 of 122" instead of stopping silently at a page), the counts per state under the
/// same filters, and what the filters can offer.
pub(crate) async fn list(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Value>, ApiError> {
    if let (Some(f), Some(t)) = (p.from, p.to) {
        range(f, t)?;
    }
    let confirmed_only = confirmed_only(&caller);
    let filter = SignalFilter {
        state: visible_state(&caller, p.state, None)?,
        from: p.from,
        to: p.to,
        category: given(p.category),
        source: given(p.source),
        origin: p.origin.map(|o| o.as_str().to_string()),
        // A scoped account sees its municipalities' signals only (`scope`).
        municipalities: crate::scope::forced(
            &caller,
            &crate::api::params::municipalities(p.municipality.as_deref())?,
        )?,
        sort: p.sort,
        limit: limit(p.limit, 100, 1000)?,
        offset: offset(p.offset)?,
    };
    let f = filter.clone();
    let (signals, total, mut counts, facets) = room
        .db
        .run(move |c| {
            let facet_state = confirmed_only.then_some(SignalState::Confirmed);
            Ok((
                signals_db::list(c, &f)?,
                signals_db::count(c, &f)?,
                signals_db::count_by_state(c, &f)?,
                signals_db::facets(c, facet_state)?,
            ))
        })
        .await?;
    if confirmed_only {
        // Not even how many candidates wait: the liaison's view is the confirmed signals.
        counts.retain(|state, _| *state == SignalState::Confirmed.as_str());
    }
    let (declared, _) = crate::api::overview::declared_categories(&room).await;
    let categories: Vec<Value> = facets
        .categories
        .iter()
        .map(|name| {
            let label = declared.iter().find(|c| &c.name == name).map(|c| &c.label);
            json!({ "category": name, "label": label })
        })
        .collect();
    let shown = (filter.offset + signals.len()) as u64;
    let next_offset = (shown < total).then_some(filter.offset + filter.limit);
    Ok(Json(json!({
        "signals": signals,
        "total": total,
        "offset": filter.offset,
        "next_offset": next_offset,
        "counts": counts,
        "facets": {
            "categories": categories,
            "sources": facets.sources,
            "origins": facets.origins,
        },
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkDismissRequest {
    ids: Vec<String>,
    reason: Option<String>,
}

/// At most this many candidates are dismissed in one request (a queue page).
const MAX_BULK: usize = 500;

/// Dismiss several candidates with one reason, all or none: each decision and its own audit
/// row commit in one transaction, so the log names every signal dismissed, and a signal
/// decided meanwhile (or unknown) leaves every one of them as it was.
pub(crate) async fn dismiss_many(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(body): ApiJson<BulkDismissRequest>,
) -> Result<Json<Value>, ApiError> {
    if body.ids.is_empty() {
        return Err(ApiError::unprocessable("`ids` names no signal to dismiss")
            .coded(ErrorCode::new("ids_empty")));
    }
    if body.ids.len() > MAX_BULK {
        return Err(ApiError::unprocessable(format!(
            "`ids` names {} signals; at most {MAX_BULK} are dismissed at once",
            body.ids.len()
        ))
        .coded(ErrorCode::new("ids_too_many").with("max", MAX_BULK)));
    }
    let ids = body
        .ids
        .iter()
        .map(|id| signal_id(id))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let reason = reason(body.reason.as_deref(), "dismiss several signals")?;
    if crate::scope::is_scoped(&caller) {
        for id in &ids {
            crate::api::signals::load_visible(&room, &caller, id).await?;
        }
    }
    let (name, roles) = (caller.name.clone(), caller.roles_text());
    let dismissed = room
        .db
        .run(move |c| {
            let tx = c.transaction()?;
            let now = Utc::now();
            let mut dismissed = Vec::with_capacity(ids.len());
            for id in &ids {
                let signal = signals_db::dismiss(&tx, id, &name, Some(&reason), now)?;
                crate::audit::append(
                    &tx,
                    now,
                    &NewEntry {
                        actor: &name,
                        roles: &roles,
                        action: action::DISMISS_SIGNAL,
                        target: Some(&id.0),
                        reason: Some(&reason),
                        detail: json!({ "origin": signal.origin, "bulk": ids.len() }),
                    },
                )?;
                dismissed.push(id.0.clone());
            }
            tx.commit()?;
            Ok(dismissed)
        })
        .await?;
    Ok(Json(json!({ "dismissed": dismissed })))
}
