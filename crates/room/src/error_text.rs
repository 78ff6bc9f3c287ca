//! Error answers in the caller's language: every JSON error answer under `/api/` gets a stable
//! `code` and a `message`, the sentence `apierror.CODE` of `assets/i18n.json` in the language
//! of the caller's language cookie (Dutch first), with the error's values filled in.
//!
//! Done once, on the way out, so every error gets it: those of handlers and extractors
//! ([`ApiError`](crate::error::ApiError) carries its [`ErrorCode`]), and answers built by
//! hand (a slowed login, a draft with lexicon errors), which are recognised by their fields.

use crate::error::ErrorCode;
use crate::pages::{text, Lang};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};

/// Error answers are small; one larger than this is passed on as it is.
const MAX_ERROR_BYTES: usize = 256 * 1024;

pub(crate) async fn localize_errors(request: Request, next: Next) -> Response {
    let lang = Lang::of(request.headers());
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(response.status().is_client_error() || response.status().is_server_error()) || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(Value::Object(mut answer)) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let code = parts
        .extensions
        .remove::<ErrorCode>()
        .unwrap_or_else(|| recognise(parts.status, &answer));
    let message = sentence(lang, &code)
        .or_else(|| sentence(lang, &ErrorCode::of_status(parts.status)))
        .unwrap_or_default();
    answer.insert("code".into(), Value::String(code.code.into()));
    answer.insert("message".into(), Value::String(message));
    let bytes = serde_json::to_vec(&answer).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes))
}

/// The code of an answer built by hand, by its fields.
fn recognise(status: axum::http::StatusCode, answer: &Map<String, Value>) -> ErrorCode {
    if let Some(problems) = answer.get("problems").and_then(Value::as_array) {
        return ErrorCode::new("draft_errors").with("n", problems.len());
    }
    if let Some(secs) = answer.get("retry_after_secs").and_then(Value::as_u64) {
        return match status.as_u16() {
            429 => ErrorCode::new("login_slowed").with("secs", secs),
            _ => ErrorCode::new("login_busy").with("secs", secs),
        };
    }
    ErrorCode::of_status(status)
}

/// `apierror.CODE` in `lang`, its `{name}`s filled in; None when there is no such text.
fn sentence(lang: Lang, code: &ErrorCode) -> Option<String> {
    let mut s = text(lang, &format!("apierror.{}", code.code))?.to_string();
    for (name, value) in &code.vars {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the server gives has a sentence in both languages.
    #[test]
    fn every_code_has_a_sentence_in_dutch_and_english() {
        let source = include_str!("../assets/i18n.json");
        let mut codes: Vec<String> = Vec::new();
        for file in [
            include_str!("error.rs"),
            include_str!("error_text.rs"),
            include_str!("api/params.rs"),
            include_str!("api/signals.rs"),
            include_str!("api/signal_queue.rs"),
            include_str!("routes.rs"),
            include_str!("auth.rs"),
            include_str!("csrf.rs"),
            include_str!("scope.rs"),
            include_str!("api/accounts.rs"),
            include_str!("api/lexicons.rs"),
            include_str!("api/municipalities.rs"),
        ] {
            let mut rest = file;
            while let Some(at) = rest.find("ErrorCode::new(\"") {
                rest = &rest[at + 16..];
                codes.push(rest.chars().take_while(|c| *c != '"').collect());
            }
        }
        for status in [
            400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500, 503,
        ] {
            let status = axum::http::StatusCode::from_u16(status).unwrap();
            codes.push(ErrorCode::of_status(status).code.to_string());
        }
        assert!(codes.len() > 20, "{codes:?}");
        for code in codes {
            for lang in [Lang::Nl, Lang::En] {
                assert!(
                    text(lang, &format!("apierror.{code}")).is_some_and(|t| !t.is_empty()),
                    "apierror.{code} has no text in {lang:?} ({} bytes of i18n.json)",
                    source.len()
                );
            }
        }
    }
}
