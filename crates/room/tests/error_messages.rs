//! Error answers carry a stable `code` and a `message` in the caller's language: Dutch
//! first, English with the language cookie; the English detail stays in `error`.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::{json, Value};
use std::net::SocketAddr;

async fn get_in(t: &TestRoom, uri: &str, token: &str, lang: Option<&str>) -> Response {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"));
    if let Some(lang) = lang {
        request = request.header("cookie", format!("websense_lang={lang}"));
    }
    t.send(request.body(Body::empty()).unwrap()).await
}

fn coded(r: &Response, status: StatusCode, code: &str) -> (String, String) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["code"], code, "{}", r.text);
    (
        r.json["message"].as_str().unwrap().to_string(),
        r.json["error"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn errors_say_what_is_wrong_in_dutch_first_and_in_english_on_request() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;

    // A malformed query parameter: no "Failed to deserialize query string" for people.
    let r = get_in(&t, "/api/signals?limit=veel", &analyst, None).await;
    let (message, error) = coded(&r, StatusCode::BAD_REQUEST, "bad_query");
    assert!(message.starts_with("Een filter of instelling"), "{message}");
    assert!(
        error.contains("Failed to deserialize"),
        "the detail stays: {error}"
    );
    let r = get_in(&t, "/api/signals?limit=veel", &analyst, Some("en")).await;
    let (message, _) = coded(&r, StatusCode::BAD_REQUEST, "bad_query");
    assert!(message.starts_with("A filter or setting"), "{message}");

    // A range the wrong way round.
    let uri = "/api/totals?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z";
    let r = get_in(&t, uri, &analyst, Some("nl")).await;
    let (message, error) = coded(&r, StatusCode::BAD_REQUEST, "range_order");
    assert_eq!(message, "De begindatum moet vóór de einddatum liggen.");
    assert!(error.contains("must be before"), "{error}");

    // A value in a sentence, and a code from the status when nothing more is known.
    let r = get_in(&t, "/api/signals?limit=5000", &analyst, None).await;
    let (message, _) = coded(&r, StatusCode::BAD_REQUEST, "bad_limit");
    assert_eq!(
        message,
        "Het aantal per pagina moet tussen 1 en 1000 liggen."
    );
    let r = get_in(&t, "/api/audit", &analyst, None).await;
    coded(&r, StatusCode::FORBIDDEN, "role_missing");
    let r = get_in(
        &t,
        "/api/signals/sig_000000000000000000000000",
        &analyst,
        None,
    )
    .await;
    let (message, _) = coded(&r, StatusCode::NOT_FOUND, "not_found");
    assert!(message.starts_with("Niet gevonden"), "{message}");

    // A draft with lexicon errors, an answer built by hand.
    let curator = t.login("curator").await;
    let r = t
        .post(
            "/api/lexicons/evaluate",
            &curator,
            json!({"files": [{"name": "new.lex", "text": "[onbekend]\nx | 1\n"}]}),
        )
        .await;
    if r.json["problems"].is_array() {
        let (message, _) = coded(&r, StatusCode::UNPROCESSABLE_ENTITY, "draft_errors");
        assert!(message.starts_with("Het concept heeft"), "{message}");
    } else {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
}

#[tokio::test]
async fn a_slowed_login_says_how_long_to_wait_in_dutch() {
    let t = TestRoom::new().await;
    let mut last = Value::Null;
    for _ in 0..20 {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"user": "i2o_liaison", "password": "fout"}).to_string(),
            ))
            .unwrap();
        let peer: SocketAddr = "203.0.113.9:40000".parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        let r = t.send(request).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            last = r.json;
            break;
        }
    }
    assert_eq!(last["code"], "login_slowed", "{last}");
    let message = last["message"].as_str().unwrap();
    let secs = last["retry_after_secs"].as_u64().unwrap();
    assert_eq!(
        message,
        format!("Te veel mislukte aanmeldpogingen; probeer het over {secs} seconden opnieuw.")
    );
}
