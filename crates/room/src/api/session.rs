//! `POST /api/login`, `POST /api/logout`, `GET /api/me`.

use crate::accounts::{self, Caller};
use crate::api::audit;
use crate::audit::{action, NewEntry};
use crate::auth;
use crate::error::{ApiError, ApiJson};
use crate::password_checks::Busy;
use crate::throttle::{ClientAddress, FailureReport, Refused};
use crate::Room;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    user: String,
    password: String,
}

/// Longer passwords are refused before hashing, so a login cannot be made expensive.
const MAX_PASSWORD_BYTES: usize = 1024;

/// The actor of a failed login whose name is no account: not the name itself, which may be
/// anything (a password typed in the wrong field), and not a valid account name.
pub(crate) const UNKNOWN_ACCOUNT: &str = "(unknown account)";

/// Every login goes the same way, for names that are accounts and names that are not, so
/// neither the answer nor its timing tells them apart: charge the try to the throttle
/// (`throttle`), take a place in the bounded checker (`password_checks`), read the account,
/// check the password (the account's hash, or the decoy), then tell the throttle how it
/// went.
pub(crate) async fn login(
    State(room): State<Arc<Room>>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    if body.user.is_empty() || body.user.len() > 64 {
        return Err(ApiError::unprocessable("`user` must be 1 to 64 characters"));
    }
    if body.password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::unprocessable(format!(
            "`password` is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let attempt = match room.login_throttle.attempt(&body.user, address) {
        Ok(attempt) => attempt,
        Err(Refused::Slowed(wait)) => {
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            return Ok(come_back(
                StatusCode::TOO_MANY_REQUESTS,
                secs,
                format!("too many failed logins; try again in {secs} seconds"),
            ));
        }
        Err(Refused::Full) => return Ok(busy()),
    };
    let Ok(place) = room.password_checks.admit() else {
        attempt.cancelled();
        return Ok(busy());
    };
    let name = body.user.clone();
    let credentials = match room
        .db
        .run(move |c| {
            accounts::credentials(c, &name).map_err(|e| ApiError::internal("login failed", e))
        })
        .await
    {
        Ok(credentials) => credentials,
        Err(e) => {
            attempt.cancelled();
            return Err(e);
        }
    };
    let (roles, hash) = match &credentials {
        Some((roles, hash)) => (roles.clone(), hash.clone()),
        None => (Vec::new(), room.decoy_hash.clone()),
    };
    let verified = match place.verify(body.password, hash).await {
        Ok(verified) => verified,
        Err(Busy) => {
            attempt.cancelled();
            return Ok(busy());
        }
    };
    let user = body.user;
    let known = credentials.is_some();
    if !(verified && known) {
        if let Some(report) = attempt.failed(known) {
            record_failure(&room, known.then_some(user), address, report);
        }
        return Err(ApiError::unauthorized("wrong user name or password"));
    }
    attempt.succeeded();
    let ttl = Duration::from_std(room.config.token_ttl).unwrap_or(Duration::MAX);
    let (name, account_roles) = (user.clone(), roles.clone());
    let (token, expires) = room
        .db
        .run(move |c| {
            let tx = c.transaction()?;
            let now = Utc::now();
            let session = accounts::create_session(&tx, &name, ttl, now)
                .map_err(|e| ApiError::internal("cannot start a session", e))?;
            let roles = Caller {
                name: name.clone(),
                roles: account_roles,
                municipalities: Vec::new(),
            }
            .roles_text();
            crate::audit::append(
                &tx,
                now,
                &NewEntry {
                    actor: &name,
                    roles: &roles,
                    action: action::LOGIN,
                    target: None,
                    reason: None,
                    detail: json!({}),
                },
            )?;
            tx.commit()?;
            Ok(session)
        })
        .await?;
    let mut response = Json(json!({
        "token": token,
        "token_type": "Bearer",
        "expires_at": expires,
        "user": user,
        "roles": roles,
    }))
    .into_response();
    if let Some(cookie) = auth::session_cookie(&token, ttl.num_seconds(), room.config.cookie_secure)
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

/// 429 or 503 with `Retry-After`, and the seconds in the body for the login page.
fn come_back(status: StatusCode, secs: u64, message: String) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": message, "retry_after_secs": secs })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

fn busy() -> Response {
    come_back(
        StatusCode::SERVICE_UNAVAILABLE,
        1,
        "too many logins at once; try again in a second".into(),
    )
}

/// Write a failed login's audit row off the answer's path: whether a row is due differs
/// between names that are accounts and names that are not, and the answer must not take
/// longer for either. A row that cannot be written goes to the server log.
fn record_failure(
    room: &Arc<Room>,
    account: Option<String>,
    address: IpAddr,
    report: FailureReport,
) {
    let room = room.clone();
    tokio::spawn(async move {
        let actor = account.unwrap_or_else(|| UNKNOWN_ACCOUNT.to_string());
        let detail = json!({
            "address": address.to_string(),
            "failures": report.failures,
            "since": report.since,
        });
        let written = room
            .db
            .run(move |c| {
                crate::audit::append(
                    c,
                    Utc::now(),
                    &NewEntry {
                        actor: &actor,
                        roles: "",
                        action: action::LOGIN_FAILED,
                        target: None,
                        reason: None,
                        detail,
                    },
                )
                .map_err(|e| ApiError::internal("cannot write the audit log", e))
            })
            .await;
        if written.is_err() {
            tracing::error!("a failed login is missing from the audit log");
        }
    });
}

pub(crate) async fn logout(
    State(room): State<Arc<Room>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = auth::token(&headers) {
        room.db
            .run(move |c| {
                accounts::end_session(c, &token).map_err(|e| ApiError::internal("logout failed", e))
            })
            .await?;
    }
    audit(&room, &caller, action::LOGOUT, None, None, json!({})).await?;
    let mut response = Json(json!({ "signed_out": caller.name })).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::ended_session_cookie());
    Ok(response)
}

pub(crate) async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}
