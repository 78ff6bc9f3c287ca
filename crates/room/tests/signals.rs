//! Signals through the API: scan, decide, export, webhook delivery and author resolution.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{Duration, Utc};
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use websense_model::ScoredItem;
use websense_room::audit::action;
use websense_signals::{AuthorVault, Signal, WebhookConfig};

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn recent_range() -> Value {
    json!({"from": iso(recent_hour()), "to": iso(recent_hour() + Duration::hours(2))})
}

fn flagged(items: &[ScoredItem]) -> Vec<&ScoredItem> {
    items
        .iter()
        .filter(|s| s.scores.iter().any(|c| c.flagged))
        .collect()
}

async fn scan(t: &TestRoom, token: &str, range: Value) -> Value {
    let r = t.post("/api/signals/scan", token, range).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["summary"].clone()
}

async fn candidates(t: &TestRoom, token: &str) -> Vec<Signal> {
    let r = t
        .get("/api/signals?state=candidate&limit=1000", token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    serde_json::from_value(r.json["signals"].clone()).unwrap()
}

#[tokio::test]
async fn scans_make_each_flagged_item_a_candidate_once() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let expect = flagged(&t.recent).len() as u64;
    assert!(expect > 10);
    let s = scan(&t, &analyst, recent_range()).await;
    assert_eq!(s["items_examined"], 120);
    assert_eq!(s["item_candidates"], expect);
    let again = scan(&t, &analyst, recent_range()).await;
    assert_eq!(again["item_candidates"], 0, "scanning again adds nothing");

    let list = candidates(&t, &analyst).await;
    assert_eq!(list.len() as u64, expect);
    let newest = &list[0];
    assert!(list
        .windows(2)
        .all(|w| w[0].explanation.event_time >= w[1].explanation.event_time));
    let one = t
        .get(&format!("/api/signals/{}", newest.id), &analyst)
        .await;
    let one: Signal = serde_json::from_value(one.json).unwrap();
    assert_eq!(&one, newest);
    let e = &one.explanation;
    assert_eq!(e.lexicon_version, t.lexicons.version);
    assert!(e.categories.iter().any(|c| c.flagged));
    assert!(!e.terms.is_empty());
    assert!(e
        .link
        .as_deref()
        .unwrap()
        .starts_with("https://example.org/"));
    assert!(e.author.as_ref().unwrap().0.starts_with("p_"));
    assert_eq!(t.audit_of(action::SCAN_SIGNALS).len(), 2);

    // The signal's item, with text, is an audited read.
    let item = t
        .get(&format!("/api/signals/{}/item", one.id), &analyst)
        .await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text);
    let websense_signals::Origin::FlaggedItem { item_id } = &one.origin else {
        panic!()
    };
    assert_eq!(item.json["id"], json!(item_id));
    assert!(!item.json["text"].as_str().unwrap().is_empty());
    let reads = t.audit_of(action::READ_ITEMS);
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].target.as_deref(), Some(one.id.as_str()));
    assert_eq!(reads[0].detail["item_ids"], json!([item_id]));
}

#[tokio::test]
async fn decisions_need_reasons_are_final_and_are_audited_and_exports_too() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let liaison = t.login("i2o_liaison").await;
    scan(&t, &analyst, recent_range()).await;
    let list = candidates(&t, &analyst).await;
    let (a, b) = (&list[0], &list[1]);

    let uri = format!("/api/signals/{}/confirm", a.id);
    t.post(&uri, &analyst, json!({}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    t.post(&uri, &analyst, json!({"reason": " "}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post(
            &uri,
            &analyst,
            json!({"reason": "=dreiging, \"direct\"\nzie casus 12"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "confirmed");
    assert_eq!(r.json["decision"]["by"], "analyst");
    t.post(&uri, &analyst, json!({"reason": "again"}))
        .await
        .assert_error(StatusCode::CONFLICT);
    t.post(
        &format!("/api/signals/{}/dismiss", a.id),
        &analyst,
        json!({}),
    )
    .await
    .assert_error(StatusCode::CONFLICT);
    let r = t
        .post(
            &format!("/api/signals/{}/dismiss", b.id),
            &analyst,
            json!({}),
        )
        .await;
    assert_eq!(r.json["state"], "dismissed");
    assert!(r.json["decision"].get("reason").is_none());

    let confirms = t.audit_of(action::CONFIRM_SIGNAL);
    assert_eq!(confirms.len(), 1, "refused decisions leave no decision row");
    assert_eq!(confirms[0].target.as_deref(), Some(a.id.as_str()));
    assert_eq!(
        confirms[0].reason.as_deref(),
        Some("=dreiging, \"direct\"\nzie casus 12")
    );
    assert_eq!(t.audit_of(action::DISMISS_SIGNAL).len(), 1);
    // No webhook is configured: nothing was queued.
    t.get(&format!("/api/signals/{}/deliveries", a.id), &liaison)
        .await
        .assert_error(StatusCode::NOT_FOUND);

    // Export: confirmed signals by default, JSON or CSV, each audited with what left.
    let r = t.get("/api/signals/export", &liaison).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("signals-confirmed-"));
    let exported: Vec<Signal> = serde_json::from_str(&r.text).unwrap();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].id, a.id);
    let r = t.get("/api/signals/export?format=csv", &analyst).await;
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows: Vec<&str> = r.text.split("\r\n").collect();
    assert!(rows[0].starts_with("id,state,origin,item_id,"));
    assert!(rows[1].starts_with(&format!("{},confirmed,flagged_item,", a.id)));
    assert!(
        r.text
            .contains(",\"'=dreiging, \"\"direct\"\"\nzie casus 12\"\r\n"),
        "reason guarded and quoted: {}",
        r.text
    );
    // Dismissed signals are the analysts' to export; the liaison sees confirmed ones only.
    let r = t
        .get("/api/signals/export?state=dismissed&format=csv", &liaison)
        .await;
    r.assert_error(StatusCode::FORBIDDEN);
    let r = t
        .get("/api/signals/export?state=dismissed&format=csv", &analyst)
        .await;
    assert!(r.text.contains(&format!("{},dismissed,", b.id)));
    let exports = t.audit_of(action::EXPORT_SIGNALS);
    assert_eq!(exports.len(), 3);
    assert_eq!(exports[0].actor, "i2o_liaison");
    assert_eq!(exports[0].detail["signal_ids"], json!([a.id]));
    assert_eq!(exports[1].detail["format"], "csv");
}

#[derive(Default)]
struct Receiver {
    keys: Vec<Option<String>>,
    processed: HashMap<String, Value>,
}

async fn receive(
    State(receiver): State<Arc<Mutex<Receiver>>>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut r = receiver.lock().unwrap();
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    r.keys.push(key.clone());
    if r.keys.len() <= 2 {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    if let Some(key) = key {
        r.processed
            .entry(key)
            .or_insert_with(|| serde_json::from_str(&body).unwrap());
    }
    StatusCode::OK
}

#[tokio::test]
async fn a_confirmed_signal_reaches_a_flaky_webhook_exactly_once() {
    let receiver = Arc::new(Mutex::new(Receiver::default()));
    let app = Router::new()
        .route("/casustafel", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let t = TestRoom::with(Options {
        webhook: Some(WebhookConfig {
            base_delay: std::time::Duration::from_millis(20),
            max_delay: std::time::Duration::from_millis(200),
            ..WebhookConfig::new(format!("http://{addr}/casustafel"))
        }),
        ..Options::default()
    })
    .await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers = websense_room::workers::spawn_workers(&t.room, stopped);

    let analyst = t.login("analyst").await;
    let liaison = t.login("i2o_liaison").await;
    scan(&t, &analyst, recent_range()).await;
    let signal = candidates(&t, &analyst).await.remove(0);
    let r = t
        .post(
            &format!("/api/signals/{}/confirm", signal.id),
            &analyst,
            json!({"reason": "melding aan de casustafel"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        let r = t
            .get(&format!("/api/signals/{}/deliveries", signal.id), &liaison)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.json["state"] != "pending" || std::time::Instant::now() > deadline {
            break r.json;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }

    assert_eq!(status["state"], "delivered", "{status}");
    let statuses: Vec<&Value> = status["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status"])
        .collect();
    assert_eq!(statuses, vec![&json!(500), &json!(500), &json!(200)]);
    let r = receiver.lock().unwrap();
    assert_eq!(r.keys.len(), 3, "nothing after the success");
    assert!(r
        .keys
        .iter()
        .all(|k| k.as_deref() == Some(signal.id.as_str())));
    assert_eq!(r.processed.len(), 1);
    let delivered = &r.processed[signal.id.as_str()];
    assert_eq!(delivered["state"], "confirmed");
    assert_eq!(delivered["decision"]["reason"], "melding aan de casustafel");
    assert_eq!(
        delivered["explanation"]["lexicon_version"],
        json!(t.lexicons.version)
    );
}

#[tokio::test]
async fn authors_resolve_only_for_admins_with_a_reason_while_the_raw_item_is_retained() {
    let t = TestRoom::with(Options {
        vault: true,
        ..Options::default()
    })
    .await;
    // What the collector does when the vault is on: record each author as items come in.
    let vault = AuthorVault::open(t.dir.path().join("vault/authors.db")).unwrap();
    let key = pseudonym_key();
    for s in t.recent.iter().chain(&t.old) {
        let source = s.item.source.id.clone();
        for n in 0..7 {
            let p = key.pseudonymise(source.as_str(), &handle(n));
            if s.item.author.as_ref().map(|a| &a.pseudonym) == Some(&p) {
                vault
                    .record(&source, &p, &handle(n), s.item.event_time())
                    .unwrap();
            }
        }
    }
    let analyst = t.login("analyst").await;
    let admin = t.login("admin").await;
    let old_range = json!({
        "from": iso(recent_hour() - Duration::days(41)),
        "to": iso(recent_hour() - Duration::days(39)),
    });
    scan(&t, &analyst, recent_range()).await;
    scan(&t, &analyst, old_range).await;
    let list = candidates(&t, &analyst).await;
    let old_cutoff = Utc::now() - Duration::days(30);
    let recent = list
        .iter()
        .find(|s| s.explanation.event_time > old_cutoff)
        .unwrap();
    let old = list
        .iter()
        .find(|s| s.explanation.event_time < old_cutoff)
        .unwrap();
    let unconfirmed = list
        .iter()
        .find(|s| s.explanation.event_time > old_cutoff && s.id != recent.id)
        .unwrap();
    for s in [recent, old] {
        let r = t
            .post(
                &format!("/api/signals/{}/confirm", s.id),
                &analyst,
                json!({"reason": "casus"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let resolve = |id: &str| format!("/api/signals/{id}/resolve-author");

    t.post(&resolve(recent.id.as_str()), &admin, json!({}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    t.post(
        &resolve(recent.id.as_str()),
        &analyst,
        json!({"reason": "x"}),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    let r = t
        .post(
            &resolve(recent.id.as_str()),
            &admin,
            json!({"reason": "vordering OM, zaak 2024-17"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let pseudonym = recent.explanation.author.as_ref().unwrap();
    assert_eq!(r.json["pseudonym"], json!(pseudonym));
    let expected = (0..7)
        .map(handle)
        .find(|h| {
            &key.pseudonymise(recent.explanation.source.as_ref().unwrap().id.as_str(), h)
                == pseudonym
        })
        .unwrap();
    assert_eq!(r.json["handle"], json!(expected));

    t.post(
        &resolve(unconfirmed.id.as_str()),
        &admin,
        json!({"reason": "nieuwsgierig"}),
    )
    .await
    .assert_error(StatusCode::CONFLICT);

    // Retention purges the old item's raw text (and the vault entries of its age).
    let summary = websense_room::workers::run_retention(&t.room, Utc::now())
        .await
        .unwrap();
    assert_eq!(summary.items_purged, 40);
    let r = t
        .post(
            &resolve(old.id.as_str()),
            &admin,
            json!({"reason": "vordering OM"}),
        )
        .await;
    r.assert_error(StatusCode::GONE);
    assert!(r.json["error"].as_str().unwrap().contains("purged"));

    let granted = t.audit_of(action::RESOLVE_AUTHOR);
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].actor, "admin");
    assert_eq!(
        granted[0].reason.as_deref(),
        Some("vordering OM, zaak 2024-17")
    );
    assert!(
        !granted[0].detail.to_string().contains("rawhandle"),
        "the log keeps no handle"
    );
    let refused = t.audit_of(action::RESOLVE_AUTHOR_REFUSED);
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[0].reason.as_deref(), Some("nieuwsgierig"));

    // Without a vault nothing can be resolved.
    let plain = TestRoom::new().await;
    let analyst = plain.login("analyst").await;
    let admin = plain.login("admin").await;
    scan(&plain, &analyst, recent_range()).await;
    let s = candidates(&plain, &analyst).await.remove(0);
    plain
        .post(
            &format!("/api/signals/{}/confirm", s.id),
            &analyst,
            json!({"reason": "casus"}),
        )
        .await;
    let r = plain
        .post(
            &resolve(s.id.as_str()),
            &admin,
            json!({"reason": "vordering"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT);
    assert!(r.json["error"].as_str().unwrap().contains("switched off"));
}
