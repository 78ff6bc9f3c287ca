//! Who is calling: the session token a request carries (bearer header or cookie), the caller
//! it stands for, and the session cookie the Room's pages use.
//!
//! This module owns reading credentials off a request and turning them into a [`Caller`]; it
//! does not decide what a caller may do (that is the endpoint table's authorization layer in
//! [`crate::routes`]) and does not create or end sessions (that is [`crate::accounts`], called
//! by `POST /api/login` and `/api/logout`). The router, the session endpoints and the pages all
//! read credentials here, so none of them imports another for it.

use crate::accounts::{self, Caller};
use crate::error::ApiError;
use crate::Room;
use axum::http::{header, HeaderMap, HeaderValue};
use chrono::Utc;

/// The name of the session cookie (for the Room's pages; API clients send a bearer token).
pub(crate) const SESSION_COOKIE: &str = "websense_session";

/// The token of a request: `Authorization: Bearer <token>`, else the session cookie. A
/// request that sends an `Authorization` header of another scheme has no token: the cookie is
/// not consulted behind a header the client chose.
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

/// The signed-in caller a request's token stands for: none without a token or with an unknown
/// or expired one; an error only when the room database cannot answer.
pub(crate) async fn caller(room: &Room, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    let Some(token) = token(headers) else {
        return Ok(None);
    };
    room.db
        .run(move |c| {
            accounts::session_caller(c, &token, Utc::now())
                .map_err(|e| ApiError::internal("session lookup failed", e))
        })
        .await
}

/// The `Set-Cookie` value that starts a page session: readable by no script, sent to this site
/// only, for as long as the token lives.
pub(crate) fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .ok()
}

/// The `Set-Cookie` value that ends a page session.
pub(crate) fn ended_session_cookie() -> HeaderValue {
    HeaderValue::from_static("websense_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The caller the authorization layer found; a handler that takes a [`Caller`] runs only
/// behind a rule that needs one.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn a_bearer_header_wins_over_the_cookie_and_other_schemes_give_no_token() {
        let cookie = ("cookie", "a=1; websense_session=from-cookie");
        assert_eq!(token(&headers(&[cookie])).as_deref(), Some("from-cookie"));
        let bearer = ("authorization", "Bearer  from-header ");
        assert_eq!(
            token(&headers(&[bearer, cookie])).as_deref(),
            Some("from-header")
        );
        let basic = ("authorization", "Basic dXNlcjpwdw==");
        assert_eq!(token(&headers(&[basic, cookie])), None);
        assert_eq!(token(&headers(&[("authorization", "Bearer ")])), None);
    }

    #[test]
    fn cookies_are_found_across_headers_and_empty_values_are_none() {
        let h = headers(&[("cookie", "x=1"), ("cookie", "lang=en; websense_session=")]);
        assert_eq!(cookie(&h, "lang").as_deref(), Some("en"));
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
        assert_eq!(cookie(&h, "missing"), None);
    }

    #[test]
    fn the_session_cookie_is_http_only_strict_and_secure_when_asked() {
        let set = session_cookie("t0k", 3600, true).unwrap();
        let set = set.to_str().unwrap();
        assert!(set.starts_with("websense_session=t0k; "), "{set}");
        for part in ["HttpOnly", "SameSite=Strict", "Max-Age=3600", "Secure"] {
            assert!(set.contains(part), "{set} lacks {part}");
        }
        let plain = session_cookie("t0k", 60, false).unwrap();
        assert!(!plain.to_str().unwrap().contains("Secure"));
        assert!(session_cookie("bad\ntoken", 60, false).is_none());
        let ended = ended_session_cookie();
        assert!(ended.to_str().unwrap().contains("Max-Age=0"));
    }
}
