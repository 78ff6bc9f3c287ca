//! The signal queue through the API: paging with a total (no silent cap at a page), counts
//! per state, filters on category, source and origin, sort by score, the filters' choices
//! with category labels, and dismissing several candidates with one reason.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use websense_room::audit::action;
use websense_signals::Signal;

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn scanned() -> (TestRoom, String, u64) {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let range = json!({"from": iso(recent_hour()), "to": iso(recent_hour() + Duration::hours(2))});
    let r = t.post("/api/signals/scan", &analyst, range).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let found = r.json["summary"]["item_candidates"].as_u64().unwrap();
    assert!(found > 10, "{}", r.text);
    (t, analyst, found)
}

async fn page(t: &TestRoom, token: &str, query: &str) -> Value {
    let r = t.get(&format!("/api/signals?{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    r.json
}

fn ids(page: &Value) -> Vec<String> {
    page["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_queue_pages_through_every_candidate_with_a_total_and_counts() {
    let (t, analyst, found) = scanned().await;
    let first = page(&t, &analyst, "state=candidate&limit=5").await;
    assert_eq!(first["total"], found, "{first}");
    assert_eq!(first["next_offset"], 5);
    assert_eq!(
        first["counts"],
        json!({"candidate": found, "confirmed": 0, "dismissed": 0})
    );
    let mut seen = BTreeSet::new();
    let mut offset = 0;
    loop {
        let p = page(
            &t,
            &analyst,
            &format!("state=candidate&limit=5&offset={offset}"),
        )
        .await;
        seen.extend(ids(&p));
        match p["next_offset"].as_u64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, found, "every candidate, each once");

    // The filters' choices: the categories with their labels, the sources, the origins.
    let categories = first["facets"]["categories"].as_array().unwrap();
    let anti = categories
        .iter()
        .find(|c| c["category"] == "anti_overheid")
        .expect("anti_overheid among the categories");
    assert_eq!(anti["label"], "Anti-overheid");
    assert_eq!(first["facets"]["origins"], json!(["flagged_item"]));
    let sources: Vec<String> = serde_json::from_value(first["facets"]["sources"].clone()).unwrap();
    assert!(!sources.is_empty());

    // Filters narrow the total; each signal shown meets them.
    let source = &sources[0];
    let by_source = page(
        &t,
        &analyst,
        &format!("state=candidate&limit=1000&source={source}"),
    )
    .await;
    let listed: Vec<Signal> = serde_json::from_value(by_source["signals"].clone()).unwrap();
    assert!(!listed.is_empty() && (listed.len() as u64) < found);
    assert_eq!(by_source["total"], listed.len());
    assert!(listed
        .iter()
        .all(|s| s.explanation.source.as_ref().unwrap().id == *source));
    let complot = page(&t, &analyst, "limit=1000&category=complot").await;
    let listed: Vec<Signal> = serde_json::from_value(complot["signals"].clone()).unwrap();
    assert!(listed.iter().all(|s| s
        .explanation
        .categories
        .iter()
        .any(|c| c.category == "complot" && c.hits > 0)));
    let spikes = page(&t, &analyst, "origin=spike").await;
    assert_eq!(spikes["total"], 0);
    let all_origins = page(&t, &analyst, "category=&source=").await;
    assert_eq!(
        all_origins["total"], found,
        "an empty filter filters nothing"
    );

    // By score: highest first.
    let by_score = page(&t, &analyst, "state=candidate&limit=1000&sort=score").await;
    let listed: Vec<Signal> = serde_json::from_value(by_score["signals"].clone()).unwrap();
    let best = |s: &Signal| {
        s.explanation
            .categories
            .iter()
            .map(|c| c.score)
            .fold(0.0, f64::max)
    };
    assert!(listed.windows(2).all(|w| best(&w[0]) >= best(&w[1])));
    assert_eq!(listed.len() as u64, found);
}

#[tokio::test]
async fn several_candidates_are_dismissed_with_one_reason_audited_each_or_none_at_all() {
    let (t, analyst, found) = scanned().await;
    let first = page(&t, &analyst, "state=candidate&limit=4").await;
    let chosen = ids(&first);

    // A reason is required, and one decided signal among them leaves all as they were.
    let r = t
        .post(
            "/api/signals/dismiss",
            &analyst,
            json!({"ids": chosen.clone()}),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post(
            &format!("/api/signals/{}/confirm", chosen[3]),
            &analyst,
            json!({"reason": "voor de casustafel"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .post(
            "/api/signals/dismiss",
            &analyst,
            json!({"ids": chosen.clone(), "reason": "ruis"}),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT);
    assert_eq!(
        page(&t, &analyst, "limit=1").await["counts"],
        json!({"candidate": found - 1, "confirmed": 1, "dismissed": 0})
    );

    let r = t
        .post(
            "/api/signals/dismiss",
            &analyst,
            json!({"ids": chosen[..3], "reason": "  ruis: sportverslagen  "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["dismissed"].as_array().unwrap().len(), 3);
    assert_eq!(
        page(&t, &analyst, "limit=1").await["counts"],
        json!({"candidate": found - 4, "confirmed": 1, "dismissed": 3})
    );
    let rows = t.audit_of(action::DISMISS_SIGNAL);
    assert_eq!(rows.len(), 3, "one audit row per signal");
    let targets: BTreeSet<_> = rows.iter().filter_map(|r| r.target.clone()).collect();
    assert_eq!(targets, chosen[..3].iter().cloned().collect());
    assert!(rows
        .iter()
        .all(|r| r.reason.as_deref() == Some("ruis: sportverslagen")));
}

#[tokio::test]
async fn the_liaison_counts_confirmed_signals_only() {
    let (t, analyst, _) = scanned().await;
    let id = ids(&page(&t, &analyst, "limit=1").await).remove(0);
    let r = t
        .post(
            &format!("/api/signals/{id}/confirm"),
            &analyst,
            json!({"reason": "voor de casustafel"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let liaison = t.login("i2o_liaison").await;
    let p = page(&t, &liaison, "").await;
    assert_eq!(p["counts"], json!({"confirmed": 1}));
    assert_eq!(p["total"], 1);
    assert_eq!(ids(&p), vec![id]);
    let r = t.get("/api/signals?state=candidate", &liaison).await;
    r.assert_error(StatusCode::FORBIDDEN);
}
