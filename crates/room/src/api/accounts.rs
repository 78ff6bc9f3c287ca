//! Accounts and their municipality scopes (admins), and each person's own settings: the
//! municipality filter the pages remember. See [`crate::scope`] for what a scope does.

use crate::accounts::Caller;
use crate::api::{audit, reason};
use crate::audit::action;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorCode};
use crate::scope::{self, MUNICIPALITY_SETTING};
use crate::Room;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// At most this many municipalities in a scope or a filter (the country has 342).
const MAX_CODES: usize = 400;

/// The codes of a request, checked: each a municipality the gazetteer knows, each once.
pub(crate) fn known_codes(room: &Room, codes: &[String]) -> Result<Vec<String>, ApiError> {
    if codes.len() > MAX_CODES {
        return Err(ApiError::unprocessable(format!(
            "at most {MAX_CODES} municipalities"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for code in codes {
        let code = code.trim().to_ascii_uppercase();
        if room.gazetteer.municipality(&code).is_none() {
            return Err(ApiError::unprocessable(format!(
                "{code:?} is not a municipality code the Room knows (like GM0479)"
            ))
            .coded(ErrorCode::new("unknown_municipality").with("municipality", &code)));
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// `GET /api/accounts`: every account with its roles and scope (admins).
pub(crate) async fn list(State(room): State<Arc<Room>>) -> Result<Json<Value>, ApiError> {
    let rows = room
        .db
        .run(|c| {
            scope::accounts_with_scopes(c)
                .map_err(|e| ApiError::internal("cannot list accounts", e))
        })
        .await?;
    Ok(Json(json!({ "accounts": rows })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeBody {
    /// CBS codes; empty removes the scope.
    municipalities: Vec<String>,
    reason: Option<String>,
}

/// `POST /api/accounts/{name}/municipalities`: scope an account to municipalities (or lift
/// its scope), with a reason; audited as `scope_account` with the scope before and after.
/// It holds from the account's next request on.
pub(crate) async fn set_scope(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(body): ApiJson<ScopeBody>,
) -> Result<Json<Value>, ApiError> {
    let why = reason(body.reason.as_deref(), "scope an account")?;
    let codes = known_codes(&room, &body.municipalities)?;
    let (account, after) = (name.clone(), codes.clone());
    let before = room
        .db
        .run(move |c| {
            let tx = c.transaction()?;
            let before = scope::scope_of(&tx, &account).map_err(|e| match e {
                crate::accounts::AccountError::NotFound(_) => {
                    ApiError::not_found(format!("no account {account:?}"))
                }
                e => ApiError::internal("cannot read the account", e),
            })?;
            scope::set_scope(&tx, &account, &after)
                .map_err(|e| ApiError::internal("cannot scope the account", e))?;
            tx.commit()?;
            Ok(before)
        })
        .await?;
    audit(
        &room,
        &caller,
        action::SCOPE_ACCOUNT,
        Some(name.clone()),
        Some(why),
        json!({ "before": before, "after": codes }),
    )
    .await?;
    Ok(Json(json!({ "name": name, "municipalities": codes })))
}

/// `GET /api/settings`: what the caller chose (the municipality filter), and its scope.
pub(crate) async fn settings(
    State(room): State<Arc<Room>>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let name = caller.name.clone();
    let chosen = room
        .db
        .run(move |c| {
            scope::setting(c, &name, MUNICIPALITY_SETTING)
                .map_err(|e| ApiError::internal("cannot read settings", e))
        })
        .await?
        .map(|text| scope::parse_codes(&text))
        .unwrap_or_default();
    Ok(Json(json!({
        "municipalities": chosen,
        "scope": caller.municipalities,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsBody {
    municipalities: Vec<String>,
}

/// `POST /api/settings`: remember the caller's municipality filter (empty: the region). A
/// scoped account can choose among its own municipalities only (403 `out_of_scope`).
pub(crate) async fn save_settings(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(body): ApiJson<SettingsBody>,
) -> Result<Json<Value>, ApiError> {
    let codes = known_codes(&room, &body.municipalities)?;
    scope::forced(&caller, &codes)?;
    let (name, text) = (caller.name.clone(), codes.join(","));
    room.db
        .run(move |c| {
            scope::set_setting(c, &name, MUNICIPALITY_SETTING, &text)
                .map_err(|e| ApiError::internal("cannot keep settings", e))
        })
        .await?;
    Ok(Json(
        json!({ "municipalities": codes, "scope": caller.municipalities }),
    ))
}
