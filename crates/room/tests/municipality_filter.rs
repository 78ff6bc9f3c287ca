//! The `municipality` filter of every store-backed JSON endpoint: series, totals, rising
//! terms, spikes, the overview and the items of a bucket narrow to the items attributed to the named
//! municipalities (one, or several: either of them), and a malformed code is a 400 in Dutch.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use std::collections::BTreeSet;
use websense_model::ScoredItem;

const ZAANSTAD: &str = "GM0479";
const AMSTERDAM: &str = "GM0363";
const VELSEN: &str = "GM0453";

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// 90 items in the recent hour (beside the 120 every test room has, which name no
/// municipality): a third of Zaanstad, a third of Amsterdam, every fifth also of Velsen.
async fn write_attributed(t: &TestRoom) -> Vec<ScoredItem> {
    let mut items = score(
        &t.lexicons,
        items(77, 90, recent_hour(), Duration::seconds(40)),
    );
    for (i, s) in items.iter_mut().enumerate() {
        s.municipalities = match i % 3 {
            0 => vec![ZAANSTAD.to_string()],
            1 => vec![AMSTERDAM.to_string()],
            _ => Vec::new(),
        };
        if i % 5 == 0 {
            s.municipalities.push(VELSEN.to_string());
        }
    }
    t.store.write(items.clone()).await.unwrap();
    items
}

fn of<'a>(items: &'a [ScoredItem], codes: &[&str]) -> Vec<&'a ScoredItem> {
    items
        .iter()
        .filter(|s| s.municipalities.iter().any(|m| codes.contains(&m.as_str())))
        .collect()
}

#[tokio::test]
async fn every_store_endpoint_narrows_to_the_municipalities_asked_for() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    let mine = write_attributed(&t).await;
    let analyst = t.login("analyst").await;
    let range = format!(
        "from={}&to={}",
        iso(recent_hour()),
        iso(recent_hour() + Duration::hours(1))
    );

    // Totals: one code, two codes (repeated, or comma-separated, in any case), none.
    let totals = |q: String| {
        let t = &t;
        let analyst = analyst.clone();
        async move {
            let r = t.get(&format!("/api/totals?{q}"), &analyst).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            r.json["totals"]["items"].as_u64().unwrap() as usize
        }
    };
    let all = totals(range.clone()).await;
    let zaanstad = of(&mine, &[ZAANSTAD]).len();
    let either = of(&mine, &[ZAANSTAD, VELSEN]).len();
    assert!(zaanstad > 10 && either > zaanstad && all > either + 100);
    assert_eq!(
        totals(format!("{range}&municipality={ZAANSTAD}")).await,
        zaanstad
    );
    assert_eq!(
        totals(format!(
            "{range}&municipality={ZAANSTAD}&municipality={VELSEN}"
        ))
        .await,
        either
    );
    assert_eq!(
        totals(format!("{range}&municipality=gm0479,%20{VELSEN}")).await,
        either
    );
    assert_eq!(totals(format!("{range}&municipality=")).await, all);
    assert_eq!(
        totals(format!("{range}&municipality=GM0999&tag=nieuws")).await,
        0
    );

    // A category's and a term's series: the items of the municipality only.
    let counted = |codes: &[&str], category: &str, term: Option<&str>| {
        of(&mine, codes)
            .into_iter()
            .filter(|s| match term {
                None => s
                    .scores
                    .iter()
                    .any(|c| c.category == category && c.hits >= 1),
                Some(term) => s
                    .matches
                    .iter()
                    .any(|h| h.category == category && h.term == term),
            })
            .count() as u64
    };
    let sum = |r: &Response| {
        r.json["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["items"].as_u64().unwrap())
            .sum::<u64>()
    };
    let r = t
        .get(
            &format!("/api/trends/categories/anti_overheid?{range}&municipality={AMSTERDAM}"),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let want = counted(&[AMSTERDAM], "anti_overheid", None);
    assert!(want > 5);
    assert_eq!(sum(&r), want, "{}", r.text);
    let r = t
        .get(
            &format!(
                "/api/trends/terms/complot/plandemie?{range}&municipality={AMSTERDAM},{VELSEN}"
            ),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        sum(&r),
        counted(&[AMSTERDAM, VELSEN], "complot", Some("plandemie"))
    );

    // Rising terms: counted over the municipality's items only (nothing came before them).
    let r = t
        .get(
            &format!("/api/terms/rising?{range}&min_items=1&municipality={VELSEN}"),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let terms = r.json["terms"].as_array().unwrap();
    assert!(!terms.is_empty());
    for term in terms {
        let (category, name) = (
            term["category"].as_str().unwrap(),
            term["term"].as_str().unwrap(),
        );
        assert_eq!(
            term["current_items"].as_u64().unwrap(),
            counted(&[VELSEN], category, Some(name)),
            "{term}"
        );
    }

    // The items of the hour: exactly the municipality's.
    let r = t
        .get(
            &format!(
                "/api/items?bucket=1h&at={}&municipality={ZAANSTAD}&limit=500",
                iso(recent_hour())
            ),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got: BTreeSet<&str> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = of(&mine, &[ZAANSTAD])
        .iter()
        .map(|s| s.item.id.as_str())
        .collect();
    assert_eq!(got, want);
    // Each item says which municipalities it is about.
    for item in r.json["items"].as_array().unwrap() {
        let codes = item["municipalities"].as_array().unwrap();
        assert!(codes.contains(&serde_json::json!(ZAANSTAD)), "{item}");
    }
    // The read is audited with the municipality it was narrowed to.
    let read = t.audit_of("read_items");
    assert!(
        read.last().unwrap().detail.to_string().contains(ZAANSTAD),
        "{:?}",
        read.last()
    );

    // The overview of a municipality: its totals and categories only.
    let now = recent_hour() + Duration::hours(1);
    let r = t
        .get(
            &format!(
                "/api/overview?hours=1&now={}&municipality={ZAANSTAD}",
                iso(now)
            ),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["totals"]["items"].as_u64().unwrap() as usize,
        zaanstad
    );
    let line = r.json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "anti_overheid")
        .unwrap();
    assert_eq!(
        line["items"].as_u64().unwrap(),
        counted(&[ZAANSTAD], "anti_overheid", None)
    );

    // Spikes take the filter too.
    let r = t
        .get(
            &format!("/api/spikes?{range}&category=anti_overheid&municipality={ZAANSTAD}"),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn a_malformed_municipality_code_is_a_dutch_400_on_every_endpoint() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    let analyst = t.login("analyst").await;
    let range = format!(
        "from={}&to={}",
        iso(recent_hour()),
        iso(recent_hour() + Duration::hours(1))
    );
    for path in [
        format!("/api/totals?{range}"),
        format!("/api/trends/categories/anti_overheid?{range}"),
        format!("/api/trends/terms/complot/plandemie?{range}"),
        format!("/api/terms/rising?{range}"),
        format!("/api/spikes?{range}"),
        format!("/api/items?at={}", iso(recent_hour())),
        format!("/api/terms/emerging?{range}"),
        "/api/overview?hours=1".to_string(),
    ] {
        for bad in ["Zaanstad", "GM047", "GM0479,0363"] {
            let r = t.get(&format!("{path}&municipality={bad}"), &analyst).await;
            r.assert_error(StatusCode::BAD_REQUEST);
            assert_eq!(r.json["code"], "bad_municipality", "{path}: {}", r.text);
            let message = r.json["message"].as_str().unwrap();
            assert!(message.contains("gemeentecode"), "{message}");
        }
    }
}
