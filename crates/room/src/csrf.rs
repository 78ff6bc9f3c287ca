//! What a request that changes something (every `POST` of the API) must show, so that
//! another site cannot make a signed-in browser send it with the session cookie: a JSON
//! content type (an HTML form can only send `application/x-www-form-urlencoded`,
//! `multipart/form-data` or `text/plain`, and a script on another site cannot send JSON
//! here without a CORS preflight, which the Room refuses with 405), and, when the browser
//! names the page it comes from (`Origin`), this server's own origin.
//!
//! The session cookie is `SameSite=Strict` as well; these checks hold where that does not
//! (older browsers, a sibling site under the same registrable domain). "This server" is the
//! request's `Host`; behind a proxy that rewrites `Host`, list the public origin in
//! `[room] allowed_origins`.

use crate::error::{ApiError, ErrorCode};
use axum::http::{header, HeaderMap, StatusCode};

/// `Ok` when a state-changing request may go ahead.
pub(crate) fn check_write(headers: &HeaderMap, allowed_origins: &[String]) -> Result<(), ApiError> {
    if !is_json(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a POST to the API must send `Content-Type: application/json` (forms are refused)",
        ));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or("").trim_end_matches('/');
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let same_host = authority.is_some_and(|a| !host.is_empty() && a.eq_ignore_ascii_case(host));
    let listed = allowed_origins
        .iter()
        .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
    if same_host || listed {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "cross-origin request refused: Origin {origin:?} is not this server ({host:?}); \
         a proxy that rewrites Host needs the public origin in `[room] allowed_origins`"
    ))
    .coded(ErrorCode::new("cross_origin")))
}

/// `application/json`, with parameters or without, or a `+json` type.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_str(value).unwrap());
        }
        h
    }

    #[test]
    fn json_from_this_host_or_without_origin_passes() {
        let none: &[String] = &[];
        let json = ("content-type", "application/json");
        let host = ("host", "room.example.nl");
        assert!(check_write(&headers(&[json, host]), none).is_ok());
        for ct in [
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert!(
                check_write(&headers(&[("content-type", ct)]), none).is_ok(),
                "{ct}"
            );
        }
        for origin in ["https://room.example.nl", "http://ROOM.example.nl/"] {
            assert!(check_write(&headers(&[json, host, ("origin", origin)]), none).is_ok());
        }
        let local = [
            json,
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ];
        assert!(check_write(&headers(&local), none).is_ok());
    }

    #[test]
    fn forms_and_other_origins_are_refused() {
        let none: &[String] = &[];
        let host = ("host", "room.example.nl");
        for ct in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/plain",
            "text/plain; a=application/json",
            "text/+json",
        ] {
            let e = check_write(&headers(&[("content-type", ct), host]), none).unwrap_err();
            assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
        }
        assert!(check_write(&headers(&[host]), none).is_err());
        let json = ("content-type", "application/json");
        for origin in [
            "https://evil.example",
            "https://room.example.nl.evil.example",
            "https://room.example.nl:8443",
            "null",
            "room.example.nl",
        ] {
            let e = check_write(&headers(&[json, host, ("origin", origin)]), none).unwrap_err();
            assert_eq!(e.status, StatusCode::FORBIDDEN, "{origin}");
        }
        // A proxy that rewrites Host: the public origin is listed.
        let behind = [
            json,
            ("host", "127.0.0.1:8080"),
            ("origin", "https://room.example.nl"),
        ];
        assert!(check_write(&headers(&behind), none).is_err());
        let listed = vec!["https://room.example.nl".to_string()];
        assert!(check_write(&headers(&behind), &listed).is_ok());
    }
}
