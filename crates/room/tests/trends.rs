//! Trend analysis plugged in: spikes and emerging terms from `websense-trends` over a store
//! with a week of quiet history and a burst in the recent hours.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use std::collections::BTreeSet;
use websense_model::{Author, Item, ItemId, SourceId, SourceKind, SourceRef};
use websense_signals::{Origin, Signal};

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Eight days before the recent hours: two anti_overheid items an hour, in other words.
async fn write_quiet_history(t: &TestRoom) {
    let key = pseudonym_key();
    let start = recent_hour() - Duration::days(8);
    let mut items = Vec::new();
    for h in 0..(8 * 24) {
        for k in 0..2 {
            let n = h * 2 + k;
            let mut item = Item::new(
                ItemId(format!("hist-{n}")),
                SourceRef {
                    id: SourceId::new("nos"),
                    kind: SourceKind::Feed,
                    tags: vec!["nieuws".into()],
                },
                format!("volksverraders zon weer {}", ["wind", "wolk", "zee"][n % 3]),
            );
            item.published_at =
                Some(start + Duration::hours(h as i64) + Duration::minutes(7 * k as i64));
            item.author = Some(Author {
                pseudonym: key.pseudonymise("nos", &handle(n as u64 % 9)),
                handle: None,
            });
            items.push(item);
        }
    }
    t.store.write(score(&t.lexicons, items)).await.unwrap();
}

#[tokio::test]
async fn a_burst_is_a_spike_a_spike_candidate_and_brings_emerging_terms() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    write_quiet_history(&t).await;
    let analyst = t.login("analyst").await;
    let now = Utc::now();
    let q = format!(
        "from={}&to={}",
        iso(recent_hour() - Duration::hours(1)),
        iso(now)
    );

    let r = t
        .get(&format!("/api/spikes?{q}&category=anti_overheid"), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let spikes = r.json["spikes"].as_array().unwrap();
    let category_spike = spikes
        .iter()
        .find(|s| s.get("term").is_none() && s.get("filter").is_none())
        .unwrap_or_else(|| panic!("no category spike: {spikes:?}"));
    assert_eq!(category_spike["category"], "anti_overheid");
    let start = category_spike["bucket_start"].as_str().unwrap();
    assert!(
        start == iso(recent_hour()) || start == iso(recent_hour() + Duration::hours(1)),
        "{start}"
    );
    let observed = category_spike["items"].as_f64().unwrap();
    assert!(observed > 3.0 * category_spike["expected"].as_f64().unwrap().max(1.0));
    let recent_ids: BTreeSet<&str> = t.recent.iter().map(|s| s.item.id.as_str()).collect();
    for id in category_spike["example_items"].as_array().unwrap() {
        assert!(
            recent_ids.contains(id.as_str().unwrap()),
            "{id} is not behind the burst"
        );
    }
    assert!(!category_spike["top_terms"].as_array().unwrap().is_empty());
    assert!(spikes.iter().all(|s| s["category"] == "anti_overheid"));
    // One term's spikes only, when asked for.
    let r = t
        .get(
            &format!("/api/spikes?{q}&category=anti_overheid&term=volksverrader"),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let term_spikes = r.json["spikes"].as_array().unwrap();
    assert!(!term_spikes.is_empty(), "{}", r.text);
    assert!(
        term_spikes.iter().all(|s| s["term"] == "volksverrader"),
        "{}",
        r.text
    );

    // A scan makes a candidate of it, once.
    let range = json!({"from": iso(recent_hour() - Duration::hours(1)), "to": iso(now)});
    let r = t.post("/api/signals/scan", &analyst, range.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["summary"]["spike_candidates"].as_u64().unwrap() >= 1,
        "{}",
        r.text
    );
    let again = t.post("/api/signals/scan", &analyst, range).await;
    assert_eq!(again.json["summary"]["spike_candidates"], 0);
    let list = t
        .get("/api/signals?state=candidate&limit=1000", &analyst)
        .await;
    let signals: Vec<Signal> = serde_json::from_value(list.json["signals"].clone()).unwrap();
    let spike_signal = signals
        .iter()
        .find(|s| matches!(&s.origin, Origin::Spike { category, term: None, .. } if category == "anti_overheid"))
        .expect("a spike candidate");
    assert_eq!(spike_signal.explanation.lexicon_version, t.lexicons.version);
    assert!(spike_signal.explanation.spike.is_some());

    // Words of the burst that no lexicon holds, and the quiet week lacked, are suggested.
    let r = t.get(&format!("/api/terms/emerging?{q}"), &analyst).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let terms: Vec<&str> = r.json["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["term"].as_str().unwrap())
        .collect();
    assert!(
        terms
            .iter()
            .any(|x| ["fiets", "markt", "buurthuis", "gemeente", "regen"].contains(x)),
        "{terms:?}"
    );
    for lexicon_term in ["nepparlement", "dictatuur", "plandemie", "volksverraders"] {
        assert!(
            !terms.contains(&lexicon_term),
            "{lexicon_term} is in a lexicon already"
        );
    }
}
