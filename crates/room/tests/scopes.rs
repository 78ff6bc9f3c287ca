//! Who sees which signals, and who may unmask an author: the i2o liaison sees confirmed
//! signals only, whatever it asks for; with `[room] four_eyes` the admin who resolves an
//! author is not the one who confirmed the signal.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use websense_room::accounts::Role;
use websense_room::audit::action;
use websense_room::{PrivacyConfig, Room, RoomConfig};
use websense_signals::Signal;

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Scan the recent items; confirm one candidate and dismiss another, as `decider`.
/// Returns (confirmed, dismissed, a candidate left undecided).
async fn decide_some(t: &TestRoom, decider: &str) -> (Signal, Signal, Signal) {
    let range = json!({"from": iso(recent_hour()), "to": iso(recent_hour() + Duration::hours(2))});
    let r = t.post("/api/signals/scan", decider, range).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .get("/api/signals?state=candidate&limit=1000", decider)
        .await;
    let list: Vec<Signal> = serde_json::from_value(r.json["signals"].clone()).unwrap();
    assert!(list.len() >= 3, "{} candidates", list.len());
    let r = t
        .post(
            &format!("/api/signals/{}/confirm", list[0].id),
            decider,
            json!({"reason": "voor de casustafel"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let confirmed: Signal = serde_json::from_value(r.json.clone()).unwrap();
    let r = t
        .post(
            &format!("/api/signals/{}/dismiss", list[1].id),
            decider,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let dismissed: Signal = serde_json::from_value(r.json.clone()).unwrap();
    (confirmed, dismissed, list[2].clone())
}

fn states(r: &Response) -> Vec<String> {
    r.json["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_i2o_liaison_lists_gets_and_exports_confirmed_signals_only() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let i2o = t.login("i2o_liaison").await;
    let (confirmed, dismissed, candidate) = decide_some(&t, &analyst).await;

    // Listing: confirmed only, by default and when other states are asked for.
    let r = t.get("/api/signals?limit=1000", &i2o).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(states(&r), vec!["confirmed"]);
    for state in ["candidate", "dismissed"] {
        let r = t.get(&format!("/api/signals?state={state}"), &i2o).await;
        r.assert_error(StatusCode::FORBIDDEN);
        assert!(r.text.contains("confirmed signals only"), "{}", r.text);
        assert!(!r.text.contains("https://"), "{}", r.text);
    }
    let r = t.get("/api/signals?state=confirmed", &i2o).await;
    assert_eq!(states(&r), vec!["confirmed"]);
    // The analyst still sees every state.
    let r = t.get("/api/signals?limit=1000", &analyst).await;
    let seen = states(&r);
    for s in ["candidate", "confirmed", "dismissed"] {
        assert!(seen.iter().any(|x| x == s), "{s} in {seen:?}");
    }

    // One signal: an undecided or dismissed one is as unknown as a missing one.
    for s in [&candidate, &dismissed] {
        let r = t.get(&format!("/api/signals/{}", s.id), &i2o).await;
        r.assert_error(StatusCode::NOT_FOUND);
        assert!(!r.text.contains("example.org"), "{}", r.text);
        let r = t.get(&format!("/api/signals/{}", s.id), &analyst).await;
        assert_eq!(r.status, StatusCode::OK);
        let r = t
            .get(&format!("/api/signals/{}/deliveries", s.id), &i2o)
            .await;
        r.assert_error(StatusCode::NOT_FOUND);
    }
    let r = t.get(&format!("/api/signals/{}", confirmed.id), &i2o).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Exports: by role.
    for state in ["candidate", "dismissed"] {
        for format in ["json", "csv"] {
            let r = t
                .get(
                    &format!("/api/signals/export?state={state}&format={format}"),
                    &i2o,
                )
                .await;
            r.assert_error(StatusCode::FORBIDDEN);
            assert!(!r.text.contains("example.org"), "{}", r.text);
        }
    }
    let r = t.get("/api/signals/export?format=json", &i2o).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let exported: Vec<Value> = serde_json::from_str(&r.text).unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0]["id"], json!(confirmed.id));
    let r = t
        .get("/api/signals/export?state=candidate&format=json", &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Refused exports reveal nothing, so they leave no export row; the allowed ones do.
    let exports = t.audit_of(action::EXPORT_SIGNALS);
    assert_eq!(exports.len(), 2, "{exports:?}");
}

#[tokio::test]
async fn an_i2o_liaison_who_is_also_an_analyst_sees_what_analysts_see() {
    let t = TestRoom::new().await;
    add_user(&t.room, "beide", &[Role::Analyst, Role::I2oLiaison]);
    let analyst = t.login("analyst").await;
    let both = t.login("beide").await;
    let (_, _, candidate) = decide_some(&t, &analyst).await;
    let r = t.get("/api/signals?state=candidate", &both).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .get(&format!("/api/signals/{}", candidate.id), &both)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The same room files, opened again with `[room] four_eyes = true`.
fn with_four_eyes(t: TestRoom) -> TestRoom {
    let TestRoom {
        dir,
        store,
        lexicons,
        recent,
        old,
        ..
    } = t;
    let config = RoomConfig {
        database: dir.path().join("room/room.db"),
        cookie_secure: false,
        scan_interval: std::time::Duration::ZERO,
        password_hash: CHEAP,
        four_eyes: true,
        ..RoomConfig::default()
    };
    let room = Arc::new(
        Room::new(
            config,
            PrivacyConfig::default(),
            store.clone(),
            lexicon_dir(dir.path()),
        )
        .unwrap(),
    );
    TestRoom {
        router: room.router(),
        room,
        dir,
        store,
        lexicons,
        recent,
        old,
    }
}

#[tokio::test]
async fn with_four_eyes_the_confirming_account_cannot_resolve_the_author() {
    let t = with_four_eyes(TestRoom::new().await);
    add_user(&t.room, "alleen", &[Role::Analyst, Role::Admin]);
    let alone = t.login("alleen").await;
    let admin = t.login("admin").await;
    let (confirmed, _, _) = decide_some(&t, &alone).await;
    let resolve = format!("/api/signals/{}/resolve-author", confirmed.id);
    let r = t
        .post(&resolve, &alone, json!({"reason": "melding politie"}))
        .await;
    r.assert_error(StatusCode::FORBIDDEN);
    assert!(r.text.contains("four-eyes"), "{}", r.text);
    let refused = t.audit_of(action::RESOLVE_AUTHOR_REFUSED);
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].actor, "alleen");
    // Another admin passes the rule (and meets the next one: no vault in this room).
    let r = t
        .post(&resolve, &admin, json!({"reason": "melding politie"}))
        .await;
    r.assert_error(StatusCode::CONFLICT);
    assert!(!r.text.contains("four-eyes"), "{}", r.text);
}

#[tokio::test]
async fn without_four_eyes_one_account_may_do_both() {
    let t = TestRoom::new().await;
    add_user(&t.room, "alleen", &[Role::Analyst, Role::Admin]);
    let alone = t.login("alleen").await;
    let (confirmed, _, _) = decide_some(&t, &alone).await;
    let r = t
        .post(
            &format!("/api/signals/{}/resolve-author", confirmed.id),
            &alone,
            json!({"reason": "melding politie"}),
        )
        .await;
    // Past the four-eyes rule, refused only because this room has no vault.
    r.assert_error(StatusCode::CONFLICT);
}
