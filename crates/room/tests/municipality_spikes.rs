//! Spikes and alerts per municipality: the scan watches each municipality's category series,
//! so a rise in one municipality that the region's series hardly shows is a spike, a signal
//! candidate (named by code and name, in the export too) and a source of emerging terms of
//! its own; the municipalities that stayed quiet are none of these.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use websense_model::{Author, Item, ItemId, ScoredItem, SourceId, SourceKind, SourceRef};
use websense_signals::{Origin, Signal};

const ZAANSTAD: &str = "GM0479";
const AMSTERDAM: &str = "GM0363";
const VELSEN: &str = "GM0453";

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn item(id: String, at: chrono::DateTime<Utc>, text: String, author: u64) -> Item {
    let mut item = Item::new(
        ItemId(id),
        SourceRef {
            id: SourceId::new("lokaal"),
            kind: SourceKind::Feed,
            tags: vec!["nieuws".into()],
        },
        text,
    );
    item.published_at = Some(at);
    item.author = Some(Author {
        pseudonym: pseudonym_key().pseudonymise("lokaal", &handle(author)),
        handle: None,
    });
    item
}

/// Eight quiet days and the recent hours: one anti_overheid item an hour in each of the three
/// municipalities; then, in the recent hour, 30 more in Zaanstad only, with a word nobody
/// used before.
async fn write_municipalities(t: &TestRoom) {
    let start = recent_hour() - Duration::days(8);
    let words = ["wind", "wolk", "zee", "duin", "dijk"];
    let mut items: Vec<(Item, &str)> = Vec::new();
    for h in 0..(8 * 24 + 2) {
        for (k, code) in [ZAANSTAD, AMSTERDAM, VELSEN].into_iter().enumerate() {
            let n = h * 3 + k;
            items.push((
                item(
                    format!("quiet-{code}-{h}"),
                    start + Duration::hours(h as i64) + Duration::minutes(11 * k as i64),
                    format!("volksverraders in de raad {}", words[n % words.len()]),
                    n as u64 % 9,
                ),
                code,
            ));
        }
    }
    for n in 0..30 {
        items.push((
            item(
                format!("burst-{n}"),
                recent_hour() + Duration::minutes(2 * n as i64),
                format!(
                    "volksverraders windturbinefraude bij de haven {}",
                    words[n % words.len()]
                ),
                n as u64 % 7,
            ),
            ZAANSTAD,
        ));
    }
    let (items, codes): (Vec<Item>, Vec<&str>) = items.into_iter().unzip();
    let mut scored: Vec<ScoredItem> = score(&t.lexicons, items);
    for (s, code) in scored.iter_mut().zip(codes) {
        s.municipalities = vec![code.to_string()];
    }
    t.store.write(scored).await.unwrap();
}

#[tokio::test]
async fn a_rise_in_one_municipality_is_its_own_spike_candidate_and_emerging_terms() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    write_municipalities(&t).await;
    let analyst = t.login("analyst").await;
    let now = Utc::now();
    let q = format!(
        "from={}&to={}",
        iso(recent_hour() - Duration::hours(1)),
        iso(now)
    );

    // Zaanstad's category series has a spike in the recent hour; Amsterdam's and Velsen's
    // have none.
    let spikes_of = |code: &str| {
        let (t, analyst, q) = (&t, analyst.clone(), q.clone());
        let code = code.to_string();
        async move {
            let r = t
                .get(
                    &format!("/api/spikes?{q}&category=anti_overheid&municipality={code}"),
                    &analyst,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json["spikes"].as_array().unwrap().clone()
        }
    };
    let zaanstad = spikes_of(ZAANSTAD).await;
    let spike = zaanstad
        .iter()
        .find(|s| s.get("term").is_none())
        .unwrap_or_else(|| panic!("no spike in Zaanstad: {zaanstad:?}"));
    assert_eq!(spike["filter"]["municipalities"], json!([ZAANSTAD]));
    assert_eq!(
        spike["municipalities"],
        json!([{"code": ZAANSTAD, "name": "Zaanstad"}])
    );
    assert_eq!(spike["bucket_start"], iso(recent_hour()));
    assert!(spike["items"].as_u64().unwrap() >= 30, "{spike}");
    // Its items are Zaanstad's: the burst (and the hour's quiet item).
    let examples = spike["example_items"].as_array().unwrap();
    assert!(examples
        .iter()
        .any(|id| id.as_str().unwrap().starts_with("burst-")));
    for id in examples {
        let id = id.as_str().unwrap();
        assert!(
            id.starts_with("burst-") || id.starts_with("quiet-GM0479-"),
            "{id}"
        );
    }
    for quiet in [AMSTERDAM, VELSEN] {
        assert_eq!(
            spikes_of(quiet).await,
            Vec::<serde_json::Value>::new(),
            "{quiet}"
        );
    }

    // The overview of Zaanstad lists its spike, named; Amsterdam's none.
    let overview = |code: &str| {
        let (t, analyst) = (&t, analyst.clone());
        let code = code.to_string();
        async move {
            let r = t
                .get(
                    &format!("/api/overview?hours=3&now={}&municipality={code}", iso(now)),
                    &analyst,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json["spikes"].as_array().unwrap().clone()
        }
    };
    let listed = overview(ZAANSTAD).await;
    assert!(!listed.is_empty());
    for spike in &listed {
        assert_eq!(
            spike["municipalities"],
            json!([{"code": ZAANSTAD, "name": "Zaanstad"}])
        );
    }
    assert_eq!(overview(AMSTERDAM).await, Vec::<serde_json::Value>::new());

    // A scan makes a candidate of Zaanstad's spike, named, and of no quiet municipality's.
    let range = json!({"from": iso(recent_hour() - Duration::hours(1)), "to": iso(now)});
    let r = t.post("/api/signals/scan", &analyst, range).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = t
        .get("/api/signals?state=candidate&limit=1000", &analyst)
        .await;
    let signals: Vec<Signal> = serde_json::from_value(list.json["signals"].clone()).unwrap();
    let of_municipalities: Vec<&Signal> = signals
        .iter()
        .filter(|s| matches!(&s.origin, Origin::Spike { filter, .. } if !filter.municipalities.is_empty()))
        .collect();
    assert!(!of_municipalities.is_empty(), "{signals:?}");
    for s in &of_municipalities {
        let evidence = s.explanation.spike.as_ref().unwrap();
        assert_eq!(evidence.filter.municipalities, [ZAANSTAD], "{s:?}");
        assert_eq!(evidence.municipalities[0].name, "Zaanstad");
    }
    let candidate = of_municipalities[0];

    // Confirmed, it leaves for the case table with the municipality in the export.
    let r = t
        .post(
            &format!("/api/signals/{}/confirm", candidate.id),
            &analyst,
            json!({"reason": "stijging in Zaanstad"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let liaison = t.login("i2o_liaison").await;
    let csv = t.get("/api/signals/export?format=csv", &liaison).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.text);
    assert!(
        csv.text.contains("municipality=GM0479") && csv.text.contains("GM0479 Zaanstad"),
        "{}",
        csv.text
    );

    // Emerging terms per municipality: the burst's new word in Zaanstad, not in Amsterdam.
    let emerging = |code: &str| {
        let (t, analyst, q) = (&t, analyst.clone(), q.clone());
        let code = code.to_string();
        async move {
            let r = t
                .get(
                    &format!("/api/terms/emerging?{q}&municipality={code}"),
                    &analyst,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json["terms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["term"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let zaanstad_terms = emerging(ZAANSTAD).await;
    assert!(
        zaanstad_terms.iter().any(|x| x == "windturbinefraude"),
        "{zaanstad_terms:?}"
    );
    let amsterdam_terms = emerging(AMSTERDAM).await;
    assert!(
        !amsterdam_terms.iter().any(|x| x == "windturbinefraude"),
        "{amsterdam_terms:?}"
    );
}
