//! `GET /api/overview` against counts made directly from the seeded items: a week of quiet
//! history, the seeded burst, and the collector's status file.

mod common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use websense_model::{Author, Item, ItemId, ScoredItem, SourceId, SourceKind, SourceRef};

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn event(s: &ScoredItem) -> DateTime<Utc> {
    s.item.published_at.unwrap_or(s.item.fetched_at)
}

fn within(s: &ScoredItem, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    (from..to).contains(&event(s))
}

fn has_category(s: &ScoredItem, category: &str) -> bool {
    s.scores
        .iter()
        .any(|c| c.category == category && c.hits >= 1)
}

/// Eight days of two items an hour before the burst: quiet history for the spike detector,
/// with a term of each category now and then.
async fn write_history(t: &TestRoom) -> Vec<ScoredItem> {
    let key = pseudonym_key();
    let start = recent_hour() - Duration::days(8);
    let mut items = Vec::new();
    for h in 0..(8 * 24) {
        for k in 0..2 {
            let n = h * 2 + k;
            let text = match n % 5 {
                0 => "plandemie en de markt",
                1 => "dictatuur in de regen",
                _ => "volksverraders zon weer",
            };
            let mut item = Item::new(
                ItemId(format!("hist-{n}")),
                SourceRef {
                    id: SourceId::new("nos"),
                    kind: SourceKind::Feed,
                    tags: vec!["nieuws".into()],
                },
                text,
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
    let scored = score(&t.lexicons, items);
    t.store.write(scored.clone()).await.unwrap();
    scored
}

fn as_u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn the_overview_counts_the_seeded_items() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    let history = write_history(&t).await;
    let all: Vec<&ScoredItem> = history.iter().chain(&t.recent).chain(&t.old).collect();
    // Half past the last hour of the burst, so the window and the sparkline hours do not
    // fall on the same boundaries.
    let now = recent_hour() + Duration::minutes(150);
    let (from, previous_from) = (now - Duration::hours(24), now - Duration::hours(48));
    let spark_from = recent_hour() + Duration::hours(2) - Duration::hours(167);

    let analyst = t.login("analyst").await;
    let r = t
        .get(
            &format!("/api/overview?hours=24&now={}", iso(now)),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = &r.json;
    assert_eq!(o["now"], iso(now));
    assert_eq!(o["hours"], 24);
    assert_eq!(o["window"]["from"], iso(from));
    assert_eq!(o["window"]["to"], iso(now));
    assert_eq!(o["previous_window"]["from"], iso(previous_from));
    assert_eq!(o["sparkline"]["from"], iso(spark_from));
    assert_eq!(o["sparkline"]["points"], 168);
    assert!(o["lexicon_error"].is_null());

    // Categories: the lexicon's, in its order, with labels.
    let categories = o["categories"].as_array().unwrap();
    let names: Vec<&str> = categories
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anti_overheid", "complot"]);
    assert_eq!(categories[0]["label"], "Anti-overheid");
    assert_eq!(categories[1]["label"], "Complot");
    for c in categories {
        let name = c["category"].as_str().unwrap();
        let count = |a: DateTime<Utc>, b: DateTime<Utc>| {
            all.iter()
                .filter(|s| within(s, a, b) && has_category(s, name))
                .count() as u64
        };
        let (items, previous) = (count(from, now), count(previous_from, from));
        assert!(
            items > previous && previous > 0,
            "{name}: {items} {previous}"
        );
        assert_eq!(c["items"], items, "{name}");
        assert_eq!(c["previous_items"], previous, "{name}");
        let ratio = c["ratio"].as_f64().unwrap();
        assert!(
            (ratio - items as f64 / previous as f64).abs() < 1e-9,
            "{name}"
        );
        let flagged = all
            .iter()
            .filter(|s| within(s, from, now))
            .filter(|s| s.scores.iter().any(|c| c.category == name && c.flagged))
            .count() as u64;
        assert_eq!(c["flagged"], flagged, "{name}");
        let spark = as_u64s(&c["sparkline"]);
        assert_eq!(spark.len(), 168);
        assert_eq!(spark.iter().sum::<u64>(), count(spark_from, now), "{name}");
        let burst_slot = (recent_hour() - spark_from).num_hours() as usize;
        assert_eq!(
            spark[burst_slot],
            count(recent_hour(), recent_hour() + Duration::hours(1)),
            "{name}"
        );
        assert_eq!(
            spark[167], 0,
            "{name}: the hour holding `now` has nothing yet"
        );
    }

    // Rising terms, ranked as /api/terms/rising ranks them.
    let mut terms: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for s in &all {
        let seen: BTreeSet<(String, String)> = s
            .matches
            .iter()
            .map(|h| (h.category.clone(), h.term.clone()))
            .collect();
        for key in seen {
            let e = terms.entry(key).or_default();
            if within(s, from, now) {
                e.0 += 1;
            } else if within(s, previous_from, from) {
                e.1 += 1;
            }
        }
    }
    let mut expected: Vec<(f64, u64, String, String)> = terms
        .iter()
        .filter(|(_, &(c, b))| c >= 3 && c > b)
        .map(|((cat, term), &(c, b))| {
            (
                (c + 1) as f64 / (b + 1) as f64,
                c,
                cat.clone(),
                term.clone(),
            )
        })
        .collect();
    expected.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then_with(|| (&a.2, &a.3).cmp(&(&b.2, &b.3)))
    });
    expected.truncate(10);
    let rising = o["rising_terms"].as_array().unwrap();
    assert!(!expected.is_empty());
    let got: Vec<(String, String)> = rising
        .iter()
        .map(|x| {
            (
                x["category"].as_str().unwrap().to_string(),
                x["term"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|e| (e.2.clone(), e.3.clone()))
        .collect();
    assert_eq!(got, want);
    for x in rising {
        let key = (
            x["category"].as_str().unwrap().to_string(),
            x["term"].as_str().unwrap().to_string(),
        );
        let (current, baseline) = terms[&key];
        assert_eq!(x["items"], current, "{key:?}");
        assert_eq!(x["previous_items"], baseline, "{key:?}");
        let spark = as_u64s(&x["sparkline"]);
        assert_eq!(spark.len(), 168);
        let in_spark = all
            .iter()
            .filter(|s| within(s, spark_from, now))
            .filter(|s| {
                s.matches
                    .iter()
                    .any(|h| h.category == key.0 && h.term == key.1)
            })
            .count() as u64;
        assert_eq!(spark.iter().sum::<u64>(), in_spark, "{key:?}");
    }

    // The burst is a spike of anti_overheid, not closed; highest score first.
    assert!(o["spikes_error"].is_null(), "{}", o["spikes_error"]);
    let spikes = o["spikes"].as_array().unwrap();
    let burst = spikes
        .iter()
        .find(|s| s["category"] == "anti_overheid" && s["term"].is_null() && s["tag"].is_null())
        .unwrap_or_else(|| panic!("no category spike: {spikes:?}"));
    let start = burst["bucket_start"].as_str().unwrap();
    assert!(
        start == iso(recent_hour()) || start == iso(recent_hour() + Duration::hours(1)),
        "{start}"
    );
    assert!(["open", "ongoing"].contains(&burst["state"].as_str().unwrap()));
    let observed = burst["observed"].as_f64().unwrap();
    let expected_items = burst["expected"].as_f64().unwrap();
    assert!(observed > 3.0 * expected_items.max(1.0));
    assert!((burst["ratio"].as_f64().unwrap() - observed / expected_items.max(1.0)).abs() < 0.5);
    let scores: Vec<f64> = spikes
        .iter()
        .map(|s| s["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // The collector's status file in brief.
    assert!(o["sources_error"].is_null());
    let sources = &o["sources"];
    assert_eq!(sources["total"], 2);
    assert_eq!(sources["failing"], 1);
    let list = sources["sources"].as_array().unwrap();
    assert_eq!(list[0]["id"], "nos");
    assert_eq!(list[0]["consecutive_failures"], 0);
    assert!(list[0]["last_error"].is_null());
    assert_eq!(list[0]["items_total"], 120);
    assert_eq!(list[1]["id"], "reddit-nl");
    assert_eq!(list[1]["last_fetch"], "2024-05-01T10:00:00Z");
    assert_eq!(list[1]["consecutive_failures"], 4);
    assert_eq!(list[1]["last_error"]["message"], "HTTP 503");

    // Totals count raw items.
    let in_window: Vec<&&ScoredItem> = all.iter().filter(|s| within(s, from, now)).collect();
    assert_eq!(o["totals"]["items"], in_window.len() as u64);
    let flagged = in_window
        .iter()
        .filter(|s| s.scores.iter().any(|c| c.flagged))
        .count() as u64;
    assert!(flagged > 0);
    assert_eq!(o["totals"]["flagged_items"], flagged);

    // Curators and admins see it too; the i2o liaison does not.
    for role in ["curator", "admin"] {
        let token = t.login(role).await;
        let r = t.get("/api/overview", &token).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text);
    }
    let liaison = t.login("i2o_liaison").await;
    t.get("/api/overview", &liaison)
        .await
        .assert_error(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_longer_window_compares_with_the_one_before_it() {
    let t = TestRoom::new().await;
    let history = write_history(&t).await;
    let now = recent_hour() + Duration::minutes(150);
    let hours = 72;
    let from = now - Duration::hours(hours);
    let previous_from = from - Duration::hours(hours);
    let analyst = t.login("analyst").await;
    let r = t
        .get(
            &format!("/api/overview?hours={hours}&now={}", iso(now)),
            &analyst,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let all: Vec<&ScoredItem> = history.iter().chain(&t.recent).collect();
    let c = &r.json["categories"][1];
    assert_eq!(c["category"], "complot");
    let count = |a, b| {
        all.iter()
            .filter(|s| within(s, a, b) && has_category(s, "complot"))
            .count() as u64
    };
    assert_eq!(c["items"], count(from, now));
    assert_eq!(c["previous_items"], count(previous_from, from));
    assert_eq!(r.json["previous_window"]["from"], iso(previous_from));
}

#[tokio::test]
async fn without_trend_analysis_or_a_status_file_the_rest_still_answers() {
    let t = TestRoom::with(Options {
        status_file: false,
        ..Options::default()
    })
    .await;
    let analyst = t.login("analyst").await;
    let now = recent_hour() + Duration::minutes(150);
    let r = t
        .get(&format!("/api/overview?now={}", iso(now)), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = &r.json;
    assert_eq!(o["spikes"], serde_json::json!([]));
    assert!(o["spikes_error"]
        .as_str()
        .is_some_and(|e| e.contains("trend analysis")));
    assert!(o["sources"].is_null());
    assert!(o["sources_error"]
        .as_str()
        .is_some_and(|e| e.contains("status.json")));
    let recent_in = |category: &str| {
        t.recent
            .iter()
            .filter(|s| has_category(s, category))
            .count() as u64
    };
    assert_eq!(o["categories"][0]["items"], recent_in("anti_overheid"));
    assert_eq!(o["categories"][0]["previous_items"], 0);
    assert!(o["categories"][0]["ratio"].is_null());
    assert_eq!(o["totals"]["items"], t.recent.len() as u64);

    // A status file that is not a list of statuses is reported, not fatal.
    let status = t.dir.path().join("state/status.json");
    std::fs::create_dir_all(status.parent().unwrap()).unwrap();
    std::fs::write(&status, "{\"not\": \"a list\"").unwrap();
    let r = t
        .get(&format!("/api/overview?now={}", iso(now)), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["sources"].is_null());
    assert!(r.json["sources_error"]
        .as_str()
        .is_some_and(|e| e.contains("not a list")));

    // Without categories.toml the categories the store shows are listed, unlabelled.
    std::fs::remove_file(lexicon_dir(t.dir.path()).join("categories.toml")).unwrap();
    let r = t
        .get(&format!("/api/overview?now={}", iso(now)), &analyst)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["lexicon_error"].as_str().is_some());
    let names: Vec<&str> = r.json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anti_overheid", "complot"]);
    assert!(r.json["categories"][0]["label"].is_null());
}

#[tokio::test]
async fn spikes_come_from_the_last_scan_while_a_new_one_runs() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    write_history(&t).await;
    let analyst = t.login("analyst").await;
    let as_of = |hours: i64, now: DateTime<Utc>| {
        let (t, analyst) = (&t, &analyst);
        async move {
            let uri = format!("/api/overview?hours={hours}&now={}", iso(now));
            let r = t.get(&uri, analyst).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(
                r.json["spikes"].as_array().is_some_and(|s| !s.is_empty()),
                "{}",
                r.text
            );
            r.json["spikes_as_of"].as_str().unwrap().to_string()
        }
    };
    let first = recent_hour() + Duration::minutes(150);
    assert_eq!(as_of(24, first).await, iso(first));
    // Within a minute: the same scan.
    assert_eq!(as_of(24, first + Duration::seconds(30)).await, iso(first));
    // Five minutes on: the same scan answers, and a new one starts for the next overview.
    let later = first + Duration::minutes(5);
    assert_eq!(as_of(24, later).await, iso(first));
    let mut refreshed = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        if as_of(24, later).await == iso(later) {
            refreshed = true;
            break;
        }
    }
    assert!(refreshed, "no new scan after 5 s");
    // An earlier window, or another length, is scanned for itself.
    let earlier = first - Duration::minutes(30);
    assert_eq!(as_of(24, earlier).await, iso(earlier));
    assert_eq!(as_of(12, later).await, iso(later));
    // Long after the last scan: scanned for itself too.
    let much_later = later + Duration::minutes(20);
    assert_eq!(as_of(12, much_later).await, iso(much_later));
}
