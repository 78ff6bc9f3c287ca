//! `POST /api/login`, `POST /api/logout`, `GET /api/me`.

use crate::accounts::{self, Caller};
use crate::api::audit;
use crate::audit::{action, NewEntry};
use crate::error::{ApiError, ApiJson};
use crate::routes::SESSION_COOKIE;
use crate::Room;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    user: String,
    password: String,
}

/// Longer passwords are refused before hashing, so a login cannot be made expensive.
const MAX_PASSWORD_BYTES: usize = 1024;

/// After this many failed logins for one name within [`THROTTLE_MINUTES`], further logins for
/// that name are refused (429) until the oldest of them is that old: password guessing gets
/// ten tries a quarter of an hour per name. The failures are counted in the audit log, where
/// every failed login is recorded anyway. The cost: someone who knows a name can keep its
/// owner out by failing on purpose; an admin sees it in the audit log.
const THROTTLE_FAILURES: i64 = 10;
const THROTTLE_MINUTES: i64 = 15;

pub(crate) async fn login(
    State(room): State<Arc<Room>>,
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
    let (name, since) = (
        body.user.clone(),
        (Utc::now() - Duration::minutes(THROTTLE_MINUTES)).timestamp_millis(),
    );
    let failures: i64 = room
        .db
        .run(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM audit_log WHERE actor = ?1 AND action = ?2 AND at_ms >= ?3",
                rusqlite::params![name, action::LOGIN_FAILED, since],
                |r| r.get(0),
            )
            .map_err(|e| ApiError::internal("login failed", e))
        })
        .await?;
    if failures >= THROTTLE_FAILURES {
        return Err(ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed logins for this name; try again in {THROTTLE_MINUTES} minutes"
            ),
        ));
    }
    let name = body.user.clone();
    let credentials = room
        .db
        .run(move |c| {
            accounts::credentials(c, &name).map_err(|e| ApiError::internal("login failed", e))
        })
        .await?;
    let (roles, hash) = match &credentials {
        Some((roles, hash)) => (roles.clone(), hash.clone()),
        None => (Vec::new(), room.decoy_hash.clone()),
    };
    let password = body.password;
    let verified = tokio::task::spawn_blocking(move || accounts::verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::internal("password check failed", e))?;
    let user = body.user;
    if !(verified && credentials.is_some()) {
        let tried = Caller {
            name: user,
            roles: Vec::new(),
        };
        audit(&room, &tried, action::LOGIN_FAILED, None, None, json!({})).await?;
        return Err(ApiError::unauthorized("wrong user name or password"));
    }
    let ttl = Duration::minutes(i64::from(room.config.token_ttl_minutes));
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
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        ttl.num_seconds(),
        if room.config.cookie_secure {
            "; Secure"
        } else {
            ""
        }
    );
    let mut response = Json(json!({
        "token": token,
        "token_type": "Bearer",
        "expires_at": expires,
        "user": user,
        "roles": roles,
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub(crate) async fn logout(
    State(room): State<Arc<Room>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = crate::routes::token(&headers) {
        room.db
            .run(move |c| {
                accounts::end_session(c, &token).map_err(|e| ApiError::internal("logout failed", e))
            })
            .await?;
    }
    audit(&room, &caller, action::LOGOUT, None, None, json!({})).await?;
    let mut response = Json(json!({ "signed_out": caller.name })).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("websense_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(response)
}

pub(crate) async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}
