//! The endpoint table, the router, and the authorization layer that enforces the table.

use crate::accounts::{self, Caller, Role};
use crate::api;
use crate::error::ApiError;
use crate::Room;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use std::sync::Arc;

/// Who may call an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Signed-in accounts holding at least one of these roles.
    Roles(&'static [Role]),
}

#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    /// In axum's (and OpenAPI's) `{param}` syntax.
    pub path: &'static str,
    pub access: Access,
}

use Role::{Admin, Analyst, Curator, I2oLiaison};

const WATCHERS: &[Role] = &[Analyst, Curator, Admin];

const fn ep(method: &'static str, path: &'static str, access: Access) -> Endpoint {
    Endpoint {
        method,
        path,
        access,
    }
}

/// Every endpoint of the API, with who may call it.
pub const ENDPOINTS: &[Endpoint] = &[
    ep("POST", "/api/login", Access::Public),
    ep("POST", "/api/logout", Access::SignedIn),
    ep("GET", "/api/me", Access::SignedIn),
    ep("GET", "/api/openapi.json", Access::Public),
    ep(
        "GET",
        "/api/trends/categories/{category}",
        Access::Roles(WATCHERS),
    ),
    ep(
        "GET",
        "/api/trends/terms/{category}/{term}",
        Access::Roles(WATCHERS),
    ),
    ep("GET", "/api/totals", Access::Roles(WATCHERS)),
    ep("GET", "/api/terms/rising", Access::Roles(WATCHERS)),
    ep(
        "GET",
        "/api/terms/emerging",
        Access::Roles(&[Analyst, Curator]),
    ),
    ep("GET", "/api/spikes", Access::Roles(WATCHERS)),
    ep("GET", "/api/events", Access::Roles(WATCHERS)),
    ep(
        "POST",
        "/api/terms/emerging/reject",
        Access::Roles(&[Analyst, Curator]),
    ),
    ep("GET", "/api/overview", Access::Roles(WATCHERS)),
    ep("GET", "/api/items", Access::Roles(&[Analyst, Curator])),
    ep(
        "GET",
        "/api/signals",
        Access::Roles(&[Analyst, I2oLiaison, Admin]),
    ),
    ep("POST", "/api/signals/scan", Access::Roles(&[Analyst])),
    ep(
        "GET",
        "/api/signals/export",
        Access::Roles(&[Analyst, I2oLiaison]),
    ),
    ep(
        "GET",
        "/api/signals/{id}",
        Access::Roles(&[Analyst, I2oLiaison, Admin]),
    ),
    ep("GET", "/api/signals/{id}/item", Access::Roles(&[Analyst])),
    ep(
        "POST",
        "/api/signals/{id}/confirm",
        Access::Roles(&[Analyst]),
    ),
    ep(
        "POST",
        "/api/signals/{id}/dismiss",
        Access::Roles(&[Analyst]),
    ),
    ep(
        "GET",
        "/api/signals/{id}/deliveries",
        Access::Roles(&[I2oLiaison, Admin]),
    ),
    ep(
        "POST",
        "/api/signals/{id}/resolve-author",
        Access::Roles(&[Admin]),
    ),
    ep("GET", "/api/sources/status", Access::Roles(WATCHERS)),
    ep("GET", "/api/lexicons", Access::Roles(WATCHERS)),
    ep("POST", "/api/lexicons/evaluate", Access::Roles(&[Curator])),
    ep("GET", "/api/lexicons/files", Access::Roles(&[Curator])),
    ep("POST", "/api/lexicons/save", Access::Roles(&[Curator])),
    ep(
        "GET",
        "/api/lexicons/history",
        Access::Roles(&[Curator, Admin]),
    ),
    ep(
        "GET",
        "/api/lexicons/history/{version}/diff",
        Access::Roles(&[Curator, Admin]),
    ),
    ep("POST", "/api/sources/{id}/enabled", Access::Roles(&[Admin])),
    ep("GET", "/api/audit", Access::Roles(&[Admin])),
    ep("GET", "/api/audit/export", Access::Roles(&[Admin])),
];

/// The table entry for a request's method and matched route.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method == method.as_str())
}

/// The name of the session cookie (for the Room's pages; API clients send a bearer token).
pub const SESSION_COOKIE: &str = "websense_session";

pub(crate) fn router(room: Arc<Room>) -> Router {
    Router::new()
        .route("/api/login", post(api::session::login))
        .route("/api/logout", post(api::session::logout))
        .route("/api/me", get(api::session::me))
        .route("/api/openapi.json", get(api::openapi::document))
        .route(
            "/api/trends/categories/{category}",
            get(api::trends::category_trend),
        )
        .route(
            "/api/trends/terms/{category}/{term}",
            get(api::trends::term_trend),
        )
        .route("/api/totals", get(api::trends::totals))
        .route("/api/terms/rising", get(api::trends::rising_terms))
        .route("/api/terms/emerging", get(api::trends::emerging_terms))
        .route("/api/spikes", get(api::trends::spikes))
        .route("/api/events", get(api::events::events))
        .route("/api/terms/emerging/reject", post(api::curate::reject_term))
        .route("/api/overview", get(api::overview::overview))
        .route("/api/items", get(api::items::bucket_items))
        .route("/api/signals", get(api::signals::list))
        .route("/api/signals/scan", post(api::signals::scan))
        .route("/api/signals/export", get(api::signals::export))
        .route("/api/signals/{id}", get(api::signals::get))
        .route("/api/signals/{id}/item", get(api::items::signal_item))
        .route("/api/signals/{id}/confirm", post(api::signals::confirm))
        .route("/api/signals/{id}/dismiss", post(api::signals::dismiss))
        .route(
            "/api/signals/{id}/deliveries",
            get(api::signals::deliveries),
        )
        .route(
            "/api/signals/{id}/resolve-author",
            post(api::signals::resolve_author),
        )
        .route("/api/sources/status", get(api::admin::source_status))
        .route("/api/lexicons", get(api::lexicons::versions))
        .route("/api/lexicons/evaluate", post(api::lexicons::evaluate))
        .route("/api/lexicons/files", get(api::curate::files))
        .route("/api/lexicons/save", post(api::curate::save))
        .route("/api/lexicons/history", get(api::curate::history))
        .route(
            "/api/lexicons/history/{version}/diff",
            get(api::curate::diff),
        )
        .route("/api/sources/{id}/enabled", post(api::admin::switch_source))
        .route("/api/audit", get(api::admin::audit_log))
        .route("/api/audit/export", get(api::admin::audit_export))
        .route_layer(middleware::from_fn_with_state(room.clone(), authorize))
        .with_state(room.clone())
        .merge(crate::pages::router(room))
        .fallback(fallback)
}

async fn fallback(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        ApiError::not_found("no such endpoint").into_response()
    } else {
        crate::pages::fallback(headers).await
    }
}

/// The bearer token of a request: `Authorization: Bearer <token>`, else the session cookie.
pub(crate) fn token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string())
            .filter(|t| !t.is_empty());
    }
    cookie(headers, SESSION_COOKIE)
}

/// The value of the cookie `name`, if the request sends it with a value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (n, value) = pair.trim().split_once('=')?;
            (n == name && !value.is_empty()).then(|| value.to_string())
        })
}

async fn authorize(
    State(room): State<Arc<Room>>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(path) = matched.map(|m| m.as_str().to_string()) else {
        return next.run(request).await;
    };
    let Some(endpoint) = endpoint(request.method(), &path) else {
        if ENDPOINTS.iter().any(|e| e.path == path) {
            // A known route with another method: axum answers 405.
            return next.run(request).await;
        }
        tracing::error!(route = %path, "route missing from the endpoint table; refused");
        return ApiError::forbidden("this endpoint has no access rule").into_response();
    };
    if endpoint.access == Access::Public {
        return next.run(request).await;
    }
    let Some(token) = token(request.headers()) else {
        return ApiError::unauthorized("sign in first: send `Authorization: Bearer <token>`")
            .into_response();
    };
    let caller = room
        .db
        .run(move |c| {
            accounts::session_caller(c, &token, Utc::now())
                .map_err(|e| ApiError::internal("session lookup failed", e))
        })
        .await;
    let caller = match caller {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            return ApiError::unauthorized("the token is unknown or has expired; sign in again")
                .into_response()
        }
        Err(e) => return e.into_response(),
    };
    if let Access::Roles(allowed) = endpoint.access {
        if !caller.roles.iter().any(|r| allowed.contains(r)) {
            let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
            return ApiError::forbidden(format!(
                "{} {} needs one of the roles {}",
                endpoint.method,
                endpoint.path,
                names.join(", ")
            ))
            .into_response();
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("sign in first"))
    }
}
