//! Bounded work for every parameter: moments within sane bounds (no panic at chrono's
//! extremes), analysed ranges at most `[room] max_range`, offsets and reasons bounded,
//! and a deadline on reads that answers 503.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use std::time::Duration;

const SIGNAL: &str = "sig_000000000000000000000000";

/// Issue 10, finding 1: `HEAD /api/overview?now=-262143-01-01T00:00:00Z` panicked a worker
/// (`api/overview.rs:94`); every moment a request can carry is checked by one parser.
#[tokio::test]
async fn moments_at_chronos_extremes_are_a_400_and_never_a_panic() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Default::default()
    })
    .await;
    let analyst = t.login("analyst").await;
    let admin = t.login("admin").await;
    for extreme in [
        "-262143-01-01T00:00:00Z",
        "%2B262142-12-31T23:59:59Z",
        "1969-12-31T23:59:59Z",
    ] {
        let ok = "2024-05-01T00:00:00Z";
        for (method, uri, token) in [
            (
                Method::HEAD,
                format!("/api/overview?now={extreme}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/overview?now={extreme}"),
                &analyst,
            ),
            (Method::GET, format!("/api/items?at={extreme}"), &analyst),
            (
                Method::GET,
                format!("/api/trends/categories/complot?from={extreme}&to={ok}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/trends/terms/complot/plandemie?from={ok}&to={extreme}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/totals?from={extreme}&to={ok}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/terms/rising?from={extreme}&to={ok}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/terms/emerging?from={extreme}&to={ok}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/spikes?from={extreme}&to={ok}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/signals?from={extreme}"),
                &analyst,
            ),
            (
                Method::GET,
                format!("/api/signals/export?to={extreme}"),
                &analyst,
            ),
            (Method::GET, format!("/api/audit?from={extreme}"), &admin),
            (
                Method::GET,
                format!("/api/audit/export?to={extreme}"),
                &admin,
            ),
        ] {
            let r = t.call(method.clone(), &uri, Some(token), None).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{method} {uri}: {}",
                r.text
            );
            if method == Method::GET {
                assert!(
                    r.json["error"]
                        .as_str()
                        .unwrap()
                        .contains("1970-01-01T00:00:00Z"),
                    "{uri}: {}",
                    r.text
                );
            }
        }
    }
    // The same in a JSON body.
    let r = t
        .post(
            "/api/signals/scan",
            &analyst,
            json!({"from": "-262143-01-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    // Inside the bounds the overview answers.
    let r = t
        .get("/api/overview?now=2024-05-01T12:00:00Z", &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Issue 10, finding 1: `/api/terms/emerging?from=2016-...&to=2026-...` burned ~12 s of CPU
/// per request; every range the store analyses is capped by `[room] max_range`.
#[tokio::test]
async fn ranges_longer_than_the_configured_maximum_are_refused_before_any_work() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Default::default()
    })
    .await;
    let analyst = t.login("analyst").await;
    let (from, to) = ("2016-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
    for uri in [
        format!("/api/terms/emerging?from={from}&to={to}"),
        format!("/api/spikes?from={from}&to={to}&bucket=1d"),
        format!("/api/terms/rising?from={from}&to={to}"),
        format!("/api/totals?from={from}&to={to}"),
        format!("/api/trends/categories/complot?from={from}&to={to}&bucket=1d"),
        format!("/api/trends/terms/complot/plandemie?from={from}&to={to}&bucket=1d"),
    ] {
        let r = t.get(&uri, &analyst).await;
        r.assert_error(StatusCode::BAD_REQUEST);
        let message = r.json["error"].as_str().unwrap();
        assert!(
            message.contains("3653 days") && message.contains("at most 366 days"),
            "{uri}: {message}"
        );
        let head = t.call(Method::HEAD, &uri, Some(&analyst), None).await;
        assert_eq!(head.status, StatusCode::BAD_REQUEST, "HEAD {uri}");
    }
    // The maximum is the operator's.
    let wide = TestRoom::with(Options {
        trends: true,
        room: |c| c.max_range = std::time::Duration::from_secs(4000 * 86_400),
        ..Default::default()
    })
    .await;
    let token = wide.login("analyst").await;
    let r = wide
        .get(&format!("/api/totals?from={from}&to={to}"), &token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A year is within the default.
    let r = t
        .get(
            "/api/terms/rising?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn offsets_are_bounded_on_every_listing() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let admin = t.login("admin").await;
    let huge = "18446744073709551615";
    for (uri, token) in [
        (format!("/api/signals?offset={huge}"), &analyst),
        (format!("/api/audit?offset={huge}"), &admin),
        (
            format!("/api/items?at=2024-05-01T00:00:00Z&offset={huge}"),
            &analyst,
        ),
        ("/api/signals?offset=1000001".to_string(), &analyst),
    ] {
        let r = t.get(&uri, token).await;
        r.assert_error(StatusCode::BAD_REQUEST);
        assert!(
            r.json["error"].as_str().unwrap().contains("offset"),
            "{uri}: {}",
            r.text
        );
    }
    let r = t.get("/api/signals?offset=1000000", &analyst).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Issue 10, point 10: `reason` had no length limit where it was optional.
#[tokio::test]
async fn every_reason_is_at_most_2000_characters() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let curator = t.login("curator").await;
    let admin = t.login("admin").await;
    let long = "r".repeat(2001);
    let audited = t.audit().len();
    for (uri, token, body) in [
        (
            format!("/api/signals/{SIGNAL}/confirm"),
            &analyst,
            json!({"reason": long}),
        ),
        (
            format!("/api/signals/{SIGNAL}/dismiss"),
            &analyst,
            json!({"reason": long}),
        ),
        (
            format!("/api/signals/{SIGNAL}/resolve-author"),
            &admin,
            json!({"reason": long}),
        ),
        (
            "/api/terms/emerging/reject".to_string(),
            &curator,
            json!({"term": "nieuwterm", "reason": long}),
        ),
        (
            "/api/sources/nos/enabled".to_string(),
            &admin,
            json!({"enabled": false, "reason": long}),
        ),
        (
            "/api/lexicons/save".to_string(),
            &curator,
            json!({"files": [], "reason": long}),
        ),
    ] {
        let r = t.post(&uri, token, body).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.json["error"]
                .as_str()
                .unwrap()
                .contains("2000 characters"),
            "{uri}: {}",
            r.text
        );
    }
    let r = t
        .get(
            &format!("/api/items?at=2024-05-01T00:00:00Z&reason={long}"),
            &analyst,
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.audit().len(), audited, "nothing was done or recorded");
    // 2000 is allowed.
    let r = t
        .post(
            "/api/terms/emerging/reject",
            &curator,
            json!({"term": "nieuwterm", "reason": "r".repeat(2000)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A read that cannot answer within `[room] request_deadline` gets a 503 saying so,
/// instead of holding its caller (here: the room database is held by someone else).
#[tokio::test]
async fn reads_past_the_deadline_answer_503() {
    let t = TestRoom::with(Options {
        room: |c| c.request_deadline = std::time::Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let admin = t.login("admin").await;
    let db = t.room.db().clone();
    let (held, holding) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        db.blocking(|_| {
            held.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(3));
        })
    });
    holding.recv().unwrap();
    let r = t.get("/api/audit", &admin).await;
    r.assert_error(StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .contains("`[room] request_deadline`"),
        "{}",
        r.text
    );
    holder.join().unwrap();
    // Once the database is free again, the same read answers.
    let r = t.get("/api/audit", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
