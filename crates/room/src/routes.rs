//! The endpoint table, the router built from it, and the authorization layer that enforces
//! the table on every route and method.

use crate::accounts::Role;
use crate::api;
use crate::auth;
use crate::error::{ApiError, ErrorCode};
use crate::Room;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
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

/// One route and method of the API: who may call it, and the handler that answers it. The
/// router is built from these entries only (`router`), so a route cannot exist without
/// its access rule.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    /// `GET` or `POST`. A `GET` endpoint answers `HEAD` too, under the same rule.
    pub method: &'static str,
    /// In axum's (and OpenAPI's) `{param}` syntax.
    pub path: &'static str,
    pub access: Access,
    /// The handler, routed for the method it is given.
    handler: fn(MethodFilter) -> MethodRouter<Arc<Room>>,
}

use Role::{Admin, Analyst, Curator, I2oLiaison};

const WATCHERS: &[Role] = &[Analyst, Curator, Admin];

/// `ep!(METHOD "path", access, handler)`: a table row.
macro_rules! ep {
    ($method:literal $path:literal, $access:expr, $handler:path) => {
        Endpoint {
            method: $method,
            path: $path,
            access: $access,
            handler: |method| on(method, $handler),
        }
    };
}

/// Every endpoint of the API, with who may call it and what answers it.
#[rustfmt::skip]
pub const ENDPOINTS: &[Endpoint] = &[
    ep!("POST" "/api/login", Access::Public, api::session::login),
    ep!("POST" "/api/logout", Access::SignedIn, api::session::logout),
    ep!("GET" "/api/me", Access::SignedIn, api::session::me),
    ep!("GET" "/api/openapi.json", Access::Public, api::openapi::document),
    ep!("GET" "/api/trends/categories/{category}", Access::Roles(WATCHERS), api::trends::category_trend),
    ep!("GET" "/api/trends/terms/{category}/{term}", Access::Roles(WATCHERS), api::trends::term_trend),
    ep!("GET" "/api/totals", Access::Roles(WATCHERS), api::trends::totals),
    ep!("GET" "/api/terms/rising", Access::Roles(WATCHERS), api::trends::rising_terms),
    ep!("GET" "/api/terms/emerging", Access::Roles(&[Analyst, Curator]), api::trends::emerging_terms),
    ep!("GET" "/api/spikes", Access::Roles(WATCHERS), api::trends::spikes),
    ep!("GET" "/api/events", Access::Roles(WATCHERS), api::events::events),
    ep!("POST" "/api/terms/emerging/reject", Access::Roles(&[Analyst, Curator]), api::curate::reject_term),
    ep!("GET" "/api/overview", Access::Roles(WATCHERS), api::overview::overview),
    ep!("GET" "/api/items", Access::Roles(&[Analyst, Curator]), api::items::bucket_items),
    ep!("GET" "/api/signals", Access::Roles(&[Analyst, I2oLiaison, Admin]), api::signal_queue::list),
    ep!("POST" "/api/signals/scan", Access::Roles(&[Analyst]), api::signals::scan),
    ep!("POST" "/api/signals/dismiss", Access::Roles(&[Analyst]), api::signal_queue::dismiss_many),
    ep!("GET" "/api/signals/export", Access::Roles(&[Analyst, I2oLiaison]), api::signals::export),
    ep!("GET" "/api/signals/{id}", Access::Roles(&[Analyst, I2oLiaison, Admin]), api::signals::get),
    ep!("GET" "/api/signals/{id}/item", Access::Roles(&[Analyst]), api::items::signal_item),
    ep!("POST" "/api/signals/{id}/confirm", Access::Roles(&[Analyst]), api::signals::confirm),
    ep!("POST" "/api/signals/{id}/dismiss", Access::Roles(&[Analyst]), api::signals::dismiss),
    ep!("GET" "/api/signals/{id}/deliveries", Access::Roles(&[I2oLiaison, Admin]), api::signals::deliveries),
    ep!("POST" "/api/signals/{id}/resolve-author", Access::Roles(&[Admin]), api::signals::resolve_author),
    ep!("GET" "/api/sources/status", Access::Roles(WATCHERS), api::admin::source_status),
    ep!("GET" "/api/lexicons", Access::Roles(WATCHERS), api::lexicons::versions),
    ep!("POST" "/api/lexicons/evaluate", Access::Roles(&[Curator]), api::lexicons::evaluate),
    ep!("GET" "/api/lexicons/evaluate/{id}", Access::Roles(&[Curator, Admin]), api::lexicons::evaluation_job),
    ep!("POST" "/api/lexicons/evaluate/{id}/cancel", Access::Roles(&[Curator, Admin]), api::lexicons::cancel_evaluation),
    ep!("GET" "/api/lexicons/files", Access::Roles(&[Curator]), api::curate::files),
    ep!("POST" "/api/lexicons/save", Access::Roles(&[Curator]), api::curate::save),
    ep!("GET" "/api/lexicons/history", Access::Roles(&[Curator, Admin]), api::curate::history),
    ep!("GET" "/api/lexicons/history/{version}/diff", Access::Roles(&[Curator, Admin]), api::curate::diff),
    ep!("POST" "/api/sources/{id}/enabled", Access::Roles(&[Admin]), api::admin::switch_source),
    ep!("GET" "/api/telegram/proposals", Access::Roles(&[Admin]), api::proposals::list),
    ep!("POST" "/api/telegram/proposals/{channel}/add", Access::Roles(&[Admin]), api::proposals::add),
    ep!("POST" "/api/telegram/proposals/{channel}/dismiss", Access::Roles(&[Admin]), api::proposals::dismiss),
    ep!("GET" "/api/audit", Access::Roles(&[Admin]), api::admin::audit_log),
    ep!("GET" "/api/audit/export", Access::Roles(&[Admin]), api::admin::audit_export),
    ep!("GET" "/api/municipalities", Access::Roles(WATCHERS), api::municipalities::list),
    ep!("GET" "/api/municipalities/{code}", Access::Roles(WATCHERS), api::municipalities::overview),
    ep!("GET" "/api/accounts", Access::Roles(&[Admin]), api::accounts::list),
    ep!("POST" "/api/accounts/{name}/municipalities", Access::Roles(&[Admin]), api::accounts::set_scope),
    ep!("GET" "/api/settings", Access::SignedIn, api::accounts::settings),
    ep!("POST" "/api/settings", Access::SignedIn, api::accounts::save_settings),
];

/// The table entry that answers `method` on the route `path`: `HEAD` is answered by the
/// route's `GET` entry (same rule, no body); no entry means `405`.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    let method = if method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method == method.as_str())
}

/// The API's routes, built from [`ENDPOINTS`] alone, and the pages' routes.
///
/// Each entry's handler is wrapped in the authorization layer for that entry's rule, so the
/// rule travels with the handler whatever method reaches it (axum answers `HEAD` with the
/// `GET` handler: it meets the `GET` rule). A method that no entry of a route names is `405`
/// with an `Allow` header, before any authorization and without running a handler; that
/// includes `OPTIONS` (the Room serves no cross-origin callers).
pub(crate) fn router(room: Arc<Room>) -> Router {
    let mut routes: BTreeMap<&'static str, MethodRouter<Arc<Room>>> = BTreeMap::new();
    for endpoint in ENDPOINTS {
        let method = Method::from_bytes(endpoint.method.as_bytes())
            .ok()
            .and_then(|m| MethodFilter::try_from(m).ok())
            .unwrap_or_else(|| panic!("{} {}: not a method", endpoint.method, endpoint.path));
        let mut guarded = (endpoint.handler)(method)
            .route_layer(middleware::from_fn_with_state(room.clone(), count_handled))
            .route_layer(middleware::from_fn_with_state(
                Guard {
                    room: room.clone(),
                    endpoint,
                },
                authorize,
            ));
        if method == MethodFilter::GET {
            // Reads only: a write cut off by the deadline would still happen, unseen.
            guarded = guarded.route_layer(middleware::from_fn_with_state(room.clone(), deadline));
        }
        let merged = match routes.remove(endpoint.path) {
            // Panics on a second entry for one route and method: a table mistake.
            Some(other) => other.merge(guarded),
            None => guarded,
        };
        routes.insert(endpoint.path, merged);
    }
    let mut router = Router::new();
    for (path, methods) in routes {
        router = router.route(path, methods.fallback(method_not_allowed));
    }
    router
        .with_state(room.clone())
        .merge(crate::pages::router(room))
        .fallback(fallback)
        .layer(middleware::from_fn(crate::error_text::localize_errors))
        .layer(middleware::from_fn(no_store))
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on this endpoint; the `Allow` header lists what is"),
    )
}

async fn fallback(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        ApiError::not_found("no such endpoint")
            .coded(ErrorCode::new("no_endpoint"))
            .into_response()
    } else {
        crate::pages::fallback(headers).await
    }
}

/// What the authorization layer of one endpoint knows.
#[derive(Clone)]
struct Guard {
    room: Arc<Room>,
    endpoint: &'static Endpoint,
}

/// Answers 503 when a read has not answered within `[room] request_deadline` (login
/// and role check included). Work already handed to a blocking thread finishes there; its
/// answer is dropped.
async fn deadline(State(room): State<Arc<Room>>, request: Request, next: Next) -> Response {
    let deadline = room.config.request_deadline;
    match tokio::time::timeout(deadline, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let deadline = websense_model::format_duration(deadline);
            tracing::warn!(%deadline, "a read ran past its deadline");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "no answer within {deadline} (`[room] request_deadline`): the server is \
                     busy or the question too large; ask for less or try again later"
                ),
            )
            .coded(ErrorCode::new("deadline"))
            .into_response()
        }
    }
}

/// Counts the requests that reach a handler (after authorization): see
/// [`Room::handled_requests`].
async fn count_handled(State(room): State<Arc<Room>>, request: Request, next: Next) -> Response {
    room.handled.fetch_add(1, Ordering::Relaxed);
    next.run(request).await
}

async fn authorize(
    State(Guard { room, endpoint }): State<Guard>,
    mut request: Request,
    next: Next,
) -> Response {
    if endpoint.access == Access::Public {
        if let Err(e) = check_write_of(&room, endpoint, &request) {
            return e.into_response();
        }
        return next.run(request).await;
    }
    if auth::token(request.headers()).is_none() {
        return ApiError::unauthorized("sign in first: send `Authorization: Bearer <token>`")
            .into_response();
    }
    let caller = match auth::caller(&room, request.headers()).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            return ApiError::unauthorized("the token is unknown or has expired; sign in again")
                .coded(ErrorCode::new("signed_out"))
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
            .coded(ErrorCode::new("role_missing"))
            .into_response();
        }
    }
    if let Err(e) = check_write_of(&room, endpoint, &request) {
        return e.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Every POST changes something: JSON from this server's own pages only ([`crate::csrf`]).
/// Checked after the caller is known, so an outsider still learns only 401.
fn check_write_of(room: &Room, endpoint: &Endpoint, request: &Request) -> Result<(), ApiError> {
    if endpoint.method != "POST" {
        return Ok(());
    }
    crate::csrf::check_write(request.headers(), &room.config.allowed_origins)
}

/// `Cache-Control: no-store` on every answer under `/api/`: they carry post text, signals,
/// names and the audit log, which no browser or proxy cache should keep.
async fn no_store(request: Request, next: Next) -> Response {
    let api = request.uri().path() == "/api" || request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
