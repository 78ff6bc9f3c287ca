//! Issue 10, point 10: API answers carried post text without `Cache-Control: no-store`, and
//! `/api/logout` accepted form posts with no Origin check. Every API answer is `no-store`,
//! and every POST (generated from the endpoint table) refuses forms and other origins
//! before its handler runs.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::json;
use websense_room::routes::{Access, ENDPOINTS};
use websense_room::Role;

fn concrete(path: &str) -> String {
    path.replace("{category}", "anti_overheid")
        .replace("{term}", "volksverrader")
        .replace("{id}", "sig_000000000000000000000000")
        .replace("{version}", "1")
}

/// A POST as a page would send it: with the session cookie, the given content type, body
/// and origin.
fn cookie_post(
    uri: &str,
    token: &str,
    content_type: &str,
    body: &str,
    origin: Option<&str>,
) -> Request<Body> {
    let mut r = Request::post(uri)
        .header("host", "room.example.nl")
        .header("cookie", format!("websense_session={token}"))
        .header("content-type", content_type);
    if let Some(o) = origin {
        r = r.header("origin", o);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn a_form_post_or_another_origin_cannot_log_out_or_change_anything() {
    let t = TestRoom::new().await;
    add_user(&t.room, "everyone", &Role::ALL);
    let mut token = t.login("everyone").await;
    let first = token.clone();
    // The finding itself: a form on another site posting to /api/logout.
    let r = t
        .send(cookie_post(
            "/api/logout",
            &token,
            "application/x-www-form-urlencoded",
            "",
            Some("https://evil.example"),
        ))
        .await;
    r.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(t.get("/api/me", &token).await.status, StatusCode::OK);

    let mut posts = 0;
    for e in ENDPOINTS.iter().filter(|e| e.method == "POST") {
        let uri = concrete(e.path);
        for (content_type, body, origin, refused) in [
            (
                "application/x-www-form-urlencoded",
                "reason=x",
                None,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            ("text/plain", "{}", None, StatusCode::UNSUPPORTED_MEDIA_TYPE),
            (
                "multipart/form-data; boundary=b",
                "--b--",
                Some("https://room.example.nl"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                "application/json",
                "{}",
                Some("https://evil.example"),
                StatusCode::FORBIDDEN,
            ),
            (
                "application/json",
                "{}",
                Some("null"),
                StatusCode::FORBIDDEN,
            ),
        ] {
            let (handled, audited) = (t.room.handled_requests(), t.audit().len());
            let r = t
                .send(cookie_post(&uri, &token, content_type, body, origin))
                .await;
            r.assert_error(refused);
            let what = format!("POST {uri} {content_type} {origin:?}");
            assert_eq!(t.room.handled_requests(), handled, "a handler ran: {what}");
            assert_eq!(t.audit().len(), audited, "audited: {what}");
        }
        // From the Room's own page it reaches the handler.
        let handled = t.room.handled_requests();
        let r = t
            .send(cookie_post(
                &uri,
                &token,
                "application/json",
                "{}",
                Some("https://room.example.nl"),
            ))
            .await;
        assert!(
            ![StatusCode::FORBIDDEN, StatusCode::UNSUPPORTED_MEDIA_TYPE].contains(&r.status),
            "POST {uri}: {} {}",
            r.status,
            r.text
        );
        assert_eq!(t.room.handled_requests(), handled + 1, "POST {uri}");
        if e.path == "/api/logout" {
            assert_eq!(r.status, StatusCode::OK);
            token = t.login("everyone").await;
        }
        posts += 1;
    }
    assert!(posts >= 10, "{posts}");
    // The logout from the Room's page ended the session.
    t.get("/api/me", &first)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    // An outsider still learns only 401, whatever it sends.
    let r = t
        .send(cookie_post(
            "/api/signals/scan",
            "not-a-token",
            "text/plain",
            "{}",
            Some("https://evil.example"),
        ))
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_proxy_that_rewrites_host_needs_the_public_origin_listed() {
    let t = TestRoom::with(Options {
        room: |c| c.allowed_origins = vec!["https://room.example.nl".into()],
        ..Default::default()
    })
    .await;
    let token = t.login("analyst").await;
    let post = |origin: &'static str| {
        let mut r = cookie_post(
            "/api/logout",
            &token,
            "application/json",
            "{}",
            Some(origin),
        );
        r.headers_mut()
            .insert("host", "127.0.0.1:8080".parse().unwrap());
        r
    };
    t.send(post("https://other.example.nl"))
        .await
        .assert_error(StatusCode::FORBIDDEN);
    assert_eq!(
        t.send(post("https://room.example.nl")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_api_answer_is_no_store() {
    let t = TestRoom::new().await;
    add_user(&t.room, "everyone", &Role::ALL);
    let token = t.login("everyone").await;
    let mut seen = std::collections::BTreeSet::new();
    for e in ENDPOINTS {
        let uri = concrete(e.path);
        let method = Method::from_bytes(e.method.as_bytes()).unwrap();
        let callers: &[Option<&str>] = if e.access == Access::Public {
            &[None]
        } else {
            &[None, Some(token.as_str())]
        };
        for caller in callers {
            if e.path == "/api/logout" && caller.is_some() {
                continue; // would end the session the rest uses
            }
            let r = t.call(method.clone(), &uri, *caller, Some(json!({}))).await;
            assert_eq!(
                r.headers.get("cache-control").map(|v| v.to_str().unwrap()),
                Some("no-store"),
                "{} {uri} -> {}",
                e.method,
                r.status
            );
            seen.insert(r.status.as_u16());
        }
    }
    // Text-carrying answers in particular, and the router's own refusals.
    let item = &t.recent[0];
    let at = item.item.published_at.unwrap().to_rfc3339();
    for (method, uri) in [
        (
            Method::GET,
            format!("/api/items?at={}", at.replace('+', "%2B")),
        ),
        (Method::HEAD, "/api/audit".to_string()),
        (Method::OPTIONS, "/api/audit".to_string()),
        (Method::GET, "/api/no-such-endpoint".to_string()),
    ] {
        let r = t.call(method.clone(), &uri, Some(&token), None).await;
        assert_eq!(r.headers["cache-control"], "no-store", "{method} {uri}");
        seen.insert(r.status.as_u16());
    }
    for status in [200, 401, 404, 405] {
        assert!(seen.contains(&status), "no {status} among {seen:?}");
    }
}
