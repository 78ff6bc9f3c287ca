//! Every read endpoint gives the right answer for the seeded items; item text reads and
//! exports leave audit rows; garbage input is a clear 4xx on every endpoint, never a 5xx.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use websense_model::ScoredItem;
use websense_room::audit::action;
use websense_room::routes::ENDPOINTS;

fn has_category(s: &ScoredItem, category: &str) -> bool {
    s.scores
        .iter()
        .any(|c| c.category == category && c.hits >= 1)
}

fn flagged(s: &ScoredItem, category: &str) -> bool {
    s.scores.iter().any(|c| c.category == category && c.flagged)
}

fn has_term(s: &ScoredItem, category: &str, term: &str) -> bool {
    s.matches
        .iter()
        .any(|h| h.category == category && h.term == term)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn in_hour(s: &ScoredItem, hour: DateTime<Utc>) -> bool {
    let t = s.item.event_time();
    t >= hour && t < hour + Duration::hours(1)
}

#[tokio::test]
async fn category_and_term_series_count_the_seeded_items() {
    let t = TestRoom::new().await;
    let token = t.login("analyst").await;
    let h0 = recent_hour();
    let uri = format!(
        "/api/trends/categories/anti_overheid?bucket=1h&from={}&to={}",
        iso(h0),
        iso(h0 + Duration::hours(2))
    );
    let r = t.get(&uri, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let points = r.json["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    for (i, p) in points.iter().enumerate() {
        let hour = h0 + Duration::hours(i as i64);
        let items: Vec<&ScoredItem> = t.recent.iter().filter(|s| in_hour(s, hour)).collect();
        let expect_items = items
            .iter()
            .filter(|s| has_category(s, "anti_overheid"))
            .count();
        let expect_flagged = items.iter().filter(|s| flagged(s, "anti_overheid")).count();
        assert!(expect_items > 5 && expect_flagged > 0);
        assert_eq!(p["items"], json!(expect_items));
        assert_eq!(p["flagged"], json!(expect_flagged));
        assert_eq!(p["bucket_start"].as_str().unwrap(), iso(hour));
    }

    let uri = format!(
        "/api/trends/terms/complot/great%20reset?bucket=1d&from={}&to={}&source=nos",
        iso(h0 - Duration::days(1)),
        iso(h0 + Duration::days(1))
    );
    let r = t.get(&uri, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let total: u64 = r.json["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["items"].as_u64().unwrap())
        .sum();
    let expect = t
        .recent
        .iter()
        .filter(|s| s.item.source.id.as_str() == "nos" && has_term(s, "complot", "great reset"))
        .count() as u64;
    assert!(expect > 0);
    assert_eq!(total, expect);
}

#[tokio::test]
async fn totals_and_rising_terms() {
    let t = TestRoom::new().await;
    let token = t.login("curator").await;
    let h0 = recent_hour();
    let r = t
        .get(
            &format!(
                "/api/totals?from={}&to={}",
                iso(h0),
                iso(h0 + Duration::hours(2))
            ),
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["totals"]["items"], 120);
    let flagged = t
        .recent
        .iter()
        .filter(|s| s.scores.iter().any(|c| c.flagged))
        .count();
    assert_eq!(r.json["totals"]["flagged_items"], json!(flagged));
    let all = t.get("/api/totals", &token).await;
    assert_eq!(all.json["totals"]["items"], 160);

    let r = t
        .get(
            &format!(
                "/api/terms/rising?from={}&to={}&min_items=1&limit=100",
                iso(h0),
                iso(h0 + Duration::hours(2))
            ),
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let terms: BTreeMap<String, u64> = r.json["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                format!(
                    "{}/{}",
                    x["category"].as_str().unwrap(),
                    x["term"].as_str().unwrap()
                ),
                x["current_items"].as_u64().unwrap(),
            )
        })
        .collect();
    let expect = t
        .recent
        .iter()
        .filter(|s| has_term(s, "anti_overheid", "volksverrader"))
        .count() as u64;
    assert_eq!(terms["anti_overheid/volksverrader"], expect);
    assert_eq!(terms.len(), 5, "{terms:?}");
}

#[tokio::test]
async fn bucket_items_come_with_spans_and_without_handles_and_are_audited() {
    let t = TestRoom::new().await;
    let token = t.login("analyst").await;
    let h0 = recent_hour();
    let at = iso(h0 + Duration::minutes(30));
    let r = t
        .get(
            &format!("/api/items?bucket=1h&at={at}&category=anti_overheid&limit=500&reason=weekly%20review"),
            &token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.json["items"].as_array().unwrap();
    let expect: Vec<&str> = t
        .recent
        .iter()
        .filter(|s| in_hour(s, h0) && has_category(s, "anti_overheid"))
        .map(|s| s.item.id.as_str())
        .collect();
    let got: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(got, expect);
    assert_eq!(r.json["next_offset"], Value::Null);
    for item in items {
        let text = item["text"].as_str().unwrap();
        let matches = item["matches"].as_array().unwrap();
        assert!(!matches.is_empty());
        for m in matches {
            let (s, e) = (
                m["start"].as_u64().unwrap() as usize,
                m["end"].as_u64().unwrap() as usize,
            );
            let hit = text[s..e].to_lowercase();
            assert!(hit.starts_with(m["term"].as_str().unwrap()), "{hit} vs {m}");
        }
        assert!(item["author_pseudonym"].as_str().unwrap().starts_with("p_"));
        assert!(item.get("raw").is_none() && !item.to_string().contains("rawhandle"));
    }
    let reads = t.audit_of(action::READ_ITEMS);
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].actor, "analyst");
    assert_eq!(reads[0].reason.as_deref(), Some("weekly review"));
    assert_eq!(reads[0].detail["item_ids"], json!(expect));
    assert_eq!(
        reads[0].target.as_deref(),
        Some(format!("bucket 1h {}", h0.to_rfc3339()).as_str())
    );

    // Paging, and a term subject.
    let r = t
        .get(&format!("/api/items?at={at}&limit=3&offset=3"), &token)
        .await;
    let all_in_hour: Vec<&str> = t
        .recent
        .iter()
        .filter(|s| in_hour(s, h0))
        .map(|s| s.item.id.as_str())
        .collect();
    let page: Vec<&str> = r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(page, all_in_hour[3..6]);
    assert_eq!(r.json["next_offset"], 6);
    let r = t
        .get(
            &format!("/api/items?at={at}&category=complot&term=plandemie"),
            &token,
        )
        .await;
    let n = t
        .recent
        .iter()
        .filter(|s| in_hour(s, h0) && has_term(s, "complot", "plandemie"))
        .count();
    assert_eq!(r.json["items"].as_array().unwrap().len(), n.min(50));
    assert_eq!(
        t.audit_of(action::READ_ITEMS).len(),
        3,
        "every read is audited"
    );
}

#[tokio::test]
async fn source_status_is_served_from_the_collectors_file() {
    let t = TestRoom::new().await;
    let token = t.login("admin").await;
    let r = t.get("/api/sources/status", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["failing"], 1);
    let sources = r.json["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(sources[1]["last_error"]["message"], "HTTP 503");
    assert_eq!(sources[0]["last_fetch"], "2024-05-01T10:00:00Z");
    // The store's sources with their counts, also one the status file does not list.
    let stored = r.json["stored"].as_array().unwrap();
    let ids: Vec<&str> = stored.iter().filter_map(|s| s["source"].as_str()).collect();
    assert_eq!(ids, ["mastodon-nl", "nos", "reddit-nl"]);
    let items: u64 = stored.iter().filter_map(|s| s["items"].as_u64()).sum();
    assert_eq!(items as usize, t.recent.len() + t.old.len());

    std::fs::write(t.dir.path().join("state/status.json"), "{not json").unwrap();
    t.get("/api/sources/status", &token)
        .await
        .assert_error(StatusCode::SERVICE_UNAVAILABLE);

    let missing = TestRoom::with(Options {
        status_file: false,
        ..Options::default()
    })
    .await;
    let token = missing.login("analyst").await;
    let r = missing.get("/api/sources/status", &token).await;
    r.assert_error(StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.json["error"]
        .as_str()
        .unwrap()
        .contains("has not written"));
}

#[tokio::test]
async fn lexicon_versions_list_the_set_in_use() {
    let t = TestRoom::new().await;
    let token = t.login("curator").await;
    let r = t.get("/api/lexicons", &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["current"]["version"], json!(t.lexicons.version));
    assert_eq!(r.json["current"]["errors"], 0);
    let cats = r.json["current"]["categories"].as_array().unwrap();
    assert_eq!(cats[0]["name"], "anti_overheid");
    assert_eq!(cats[0]["terms"], 3);
    assert_eq!(r.json["current"]["lexicons"][0]["file"], "test.lex");

    // A changed directory is a new version; both are listed, newest first.
    let dir = lexicon_dir(t.dir.path());
    std::fs::write(dir.join("test.lex"), format!("{LEXICON}wappie | 1\n")).unwrap();
    let r = t.get("/api/lexicons", &token).await;
    let versions: Vec<&str> = r.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0], r.json["current"]["version"].as_str().unwrap());
    assert_eq!(versions[1], t.lexicons.version);
}

#[tokio::test]
async fn spikes_and_emerging_terms_say_when_trend_analysis_is_absent() {
    let t = TestRoom::new().await;
    let token = t.login("analyst").await;
    let q = format!(
        "from={}&to={}",
        iso(recent_hour()),
        iso(recent_hour() + Duration::hours(2))
    );
    let r = t.get(&format!("/api/spikes?{q}"), &token).await;
    r.assert_error(StatusCode::NOT_IMPLEMENTED);
    let r = t.get(&format!("/api/terms/emerging?{q}"), &token).await;
    r.assert_error(StatusCode::NOT_IMPLEMENTED);
}

#[tokio::test]
async fn the_audit_log_is_queryable_and_exportable_and_exports_are_audited() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let admin = t.login("admin").await;
    let at = iso(recent_hour());
    t.get(&format!("/api/items?at={at}"), &analyst).await;

    let r = t.get("/api/audit?action=read_items", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let entries = r.json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["actor"], "analyst");
    let r = t.get("/api/audit?limit=1", &admin).await;
    assert_eq!(r.json["entries"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["next_offset"], 1);
    assert_eq!(r.json["entries"][0]["action"], "read_items", "newest first");

    let csv = t.get("/api/audit/export?format=csv", &admin).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let lines: Vec<&str> = csv.text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,at,actor,roles,action,target,reason,detail");
    assert!(
        lines[1].contains(",export_audit,"),
        "the export lists itself first: {}",
        lines[1]
    );
    assert_eq!(lines.len(), 1 + 4, "login x2, read, export: {lines:?}");

    let json = t.get("/api/audit/export?action=login", &admin).await;
    let rows: Vec<Value> = serde_json::from_str(&json.text).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(t.audit_of(action::EXPORT_AUDIT).len(), 2);
}

/// A request and the status it must get.
struct Garbage {
    method: &'static str,
    uri: String,
    body: Option<&'static str>,
    content_type: Option<&'static str>,
    expect: StatusCode,
}

fn g(method: &'static str, uri: impl Into<String>, expect: StatusCode) -> Garbage {
    Garbage {
        method,
        uri: uri.into(),
        body: None,
        content_type: None,
        expect,
    }
}

fn gb(
    uri: impl Into<String>,
    body: &'static str,
    content_type: Option<&'static str>,
    expect: StatusCode,
) -> Garbage {
    Garbage {
        method: "POST",
        uri: uri.into(),
        body: Some(body),
        content_type,
        expect,
    }
}

const BAD: StatusCode = StatusCode::BAD_REQUEST;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
const MEDIA: StatusCode = StatusCode::UNSUPPORTED_MEDIA_TYPE;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const JSON: Option<&str> = Some("application/json");

/// Malformed JSON bodies every JSON endpoint must refuse.
fn bad_bodies(uri: &str) -> Vec<Garbage> {
    vec![
        gb(uri, "{\"fro", JSON, BAD),
        gb(uri, "not json at all", JSON, BAD),
        gb(uri, "{\"from\": 1}", None, MEDIA),
        gb(uri, "{\"from\": 1}", Some("text/plain"), MEDIA),
        gb(uri, "[1, 2, 3]", JSON, UNPROCESSABLE),
        gb(uri, "{\"unknown_field\": true}", JSON, UNPROCESSABLE),
        gb(uri, "\"just a string\"", JSON, UNPROCESSABLE),
    ]
}

#[tokio::test]
async fn garbage_input_is_a_clear_4xx_on_every_endpoint() {
    let t = TestRoom::new().await;
    let sig = "sig_000000000000000000000000";
    let range = "from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z";
    let mut cases: Vec<Garbage> =
        vec![
        g("GET", "/api/trends/categories/anti_overheid", BAD),
        g(
            "GET",
            "/api/trends/categories/anti_overheid?from=yesterday&to=today",
            BAD,
        ),
        g(
            "GET",
            format!("/api/trends/categories/x?{range}&bucket=7m"),
            BAD,
        ),
        g(
            "GET",
            "/api/trends/categories/x?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z",
            BAD,
        ),
        g(
            "GET",
            "/api/trends/categories/x?bucket=5m&from=2000-01-01T00:00:00Z&to=2024-05-01T00:00:00Z",
            BAD,
        ),
        g(
            "GET",
            format!("/api/trends/categories/x?{range}&sauce=1"),
            BAD,
        ),
        g(
            "GET",
            format!("/api/trends/categories/x?{range}&%ZZ=1"),
            BAD,
        ),
        g(
            "GET",
            "/api/trends/categories/%FF%FE?from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z",
            BAD,
        ),
        g("GET", "/api/trends/terms/complot/gif", BAD),
        g(
            "GET",
            format!("/api/trends/terms/complot/gif?{range}&bucket=1y"),
            BAD,
        ),
        g("GET", "/api/totals?from=2024-05-01T00:00:00Z", BAD),
        g("GET", "/api/totals?from=1&to=2", BAD),
        g("GET", "/api/terms/rising", BAD),
        g("GET", format!("/api/terms/rising?{range}&limit=abc"), BAD),
        g("GET", format!("/api/terms/rising?{range}&limit=0"), BAD),
        g(
            "GET",
            format!("/api/terms/rising?{range}&limit=100000"),
            BAD,
        ),
        g(
            "GET",
            format!("/api/terms/rising?{range}&min_items=-1"),
            BAD,
        ),
        g("GET", "/api/terms/emerging?from=x", BAD),
        g("GET", "/api/spikes?to=2024-05-01T00:00:00Z", BAD),
        g(
            "GET",
            format!("/api/spikes?{range}&term=volksverrader"),
            BAD,
        ),
        g("GET", "/api/overview?hours=0", BAD),
        g("GET", "/api/overview?hours=169", BAD),
        g("GET", "/api/overview?hours=1.5", BAD),
        g("GET", "/api/overview?now=yesterday", BAD),
        g("GET", "/api/overview?window=24", BAD),
        g("GET", "/api/items", BAD),
        g("GET", "/api/items?at=noon", BAD),
        g("GET", "/api/items?at=2024-05-01T00:00:00Z&term=gif", BAD),
        g(
            "GET",
            "/api/items?at=2024-05-01T00:00:00Z&offset=99999999999",
            BAD,
        ),
        g("GET", "/api/items?at=2024-05-01T00:00:00Z&limit=501", BAD),
        g("GET", "/api/items?at=2024-05-01T00:00:00Z&offset=-1", BAD),
        g("GET", "/api/signals?state=maybe", BAD),
        g("GET", "/api/signals?limit=1.5", BAD),
        g(
            "GET",
            "/api/signals?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z",
            BAD,
        ),
        g("GET", "/api/signals/export?format=xlsx", BAD),
        g("GET", "/api/signals/export?state=", BAD),
        g("GET", "/api/signals/not-a-signal", NOT_FOUND),
        g("GET", "/api/lexicons/history/lx-nope/diff", NOT_FOUND),
        g("GET", "/api/lexicons/evaluate/not-a-job", NOT_FOUND),
        gb("/api/lexicons/evaluate/not-a-job/cancel", "{}", JSON, NOT_FOUND),
        gb(
            "/api/lexicons/save",
            "{\"files\": [{\"name\": \"x.lex\", \"text\": \"\"}]}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/save",
            "{\"reason\": \"r\"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/save",
            "{\"reason\": \"r\", \"files\": [{\"name\": \"../x.lex\", \"text\": \"\"}]}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/terms/emerging/reject",
            "{\"term\": \"  \"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/sources/nope/enabled",
            "{\"enabled\": false}",
            JSON,
            NOT_FOUND,
        ),
        g(
            "GET",
            "/api/signals/sig_zzzzzzzzzzzzzzzzzzzzzzzz",
            NOT_FOUND,
        ),
        g("GET", format!("/api/signals/{sig}"), NOT_FOUND),
        g("GET", "/api/signals/..%2F..%2Fetc/item", NOT_FOUND),
        g("GET", format!("/api/signals/{sig}/item"), NOT_FOUND),
        g("GET", format!("/api/signals/{sig}/deliveries"), NOT_FOUND),
        g("GET", "/api/audit?limit=x", BAD),
        g("GET", "/api/audit?from=2024-13-01T00:00:00Z", BAD),
        g("GET", "/api/audit/export?format=pdf", BAD),
        gb(
            "/api/signals/scan",
            "{\"from\": \"2024-05-01T00:00:00Z\"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/signals/scan",
            "{\"from\": \"2024-05-02T00:00:00Z\", \"to\": \"2024-05-01T00:00:00Z\"}",
            JSON,
            BAD,
        ),
        gb(
            "/api/signals/scan",
            "{\"from\": \"2024-01-01T00:00:00Z\", \"to\": \"2024-05-01T00:00:00Z\"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            format!("/api/signals/{sig}/confirm"),
            "{}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            format!("/api/signals/{sig}/confirm"),
            "{\"reason\": \"   \"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            format!("/api/signals/{sig}/confirm"),
            "{\"reason\": 42}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            format!("/api/signals/{sig}/confirm"),
            "{\"reason\": \"ok\"}",
            JSON,
            NOT_FOUND,
        ),
        gb(
            "/api/signals/nope/confirm",
            "{\"reason\": \"ok\"}",
            JSON,
            NOT_FOUND,
        ),
        gb(
            format!("/api/signals/{sig}/dismiss"),
            "{\"reason\": null}",
            JSON,
            NOT_FOUND,
        ),
        gb(
            "/api/signals/dismiss",
            "{\"ids\": [], \"reason\": \"ruis\"}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/signals/dismiss",
            "{\"ids\": [\"nope\"], \"reason\": \"ruis\"}",
            JSON,
            NOT_FOUND,
        ),
        gb(
            "/api/signals/dismiss",
            format!("{{\"ids\": [\"{sig}\"]}}").leak(),
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/signals/dismiss",
            format!("{{\"ids\": [\"{sig}\"], \"reason\": \"ruis\"}}").leak(),
            JSON,
            NOT_FOUND,
        ),
        g("GET", "/api/signals?origin=partner", BAD),
        g("GET", "/api/signals?sort=oldest", BAD),
        gb(
            format!("/api/signals/{sig}/resolve-author"),
            "{}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            format!("/api/signals/{sig}/resolve-author"),
            "{\"reason\": \"x\"}",
            JSON,
            NOT_FOUND,
        ),
        gb("/api/lexicons/evaluate", "{}", JSON, UNPROCESSABLE),
        gb(
            "/api/lexicons/evaluate",
            "{\"files\": [{\"name\": \"../../etc/passwd\", \"text\": \"\"}]}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"files\": [{\"name\": \"a.lex\"}]}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"remove\": [\"missing.lex\"]}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"remove\": [\"test.lex\"], \"days\": 0}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"remove\": [\"test.lex\"], \"days\": 100000}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"remove\": [\"test.lex\"], \"days\": -3}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"remove\": [\"test.lex\"], \"examples\": 1000}",
            JSON,
            UNPROCESSABLE,
        ),
        gb(
            "/api/lexicons/evaluate",
            "{\"files\": [{\"name\": \"new.lex\", \"text\": \"[anti_overheid]\\nx | 99\\n\"}]}",
            JSON,
            UNPROCESSABLE,
        ),
    ];
    cases.push(g("GET", "/api/municipalities?now=gisteren", BAD));
    cases.push(g("GET", "/api/municipalities/GM0479?hours=0", BAD));
    cases.push(g("GET", "/api/municipalities/GM0479?hours=169", BAD));
    cases.push(g("GET", "/api/municipalities/GM0479?wijk=noord", BAD));
    cases.push(g("GET", "/api/municipalities/Zaanstad", NOT_FOUND));
    // Municipality codes that are none, an account that does not exist.
    cases.push(gb(
        "/api/settings",
        "{\"municipalities\": [\"Zaanstad\"]}",
        JSON,
        UNPROCESSABLE,
    ));
    cases.push(gb(
        "/api/accounts/analyst/municipalities",
        "{\"municipalities\": [\"GM9999\"], \"reason\": \"x\"}",
        JSON,
        UNPROCESSABLE,
    ));
    cases.push(gb(
        "/api/accounts/analyst/municipalities",
        "{\"municipalities\": [\"GM0479\"]}",
        JSON,
        UNPROCESSABLE,
    ));
    cases.push(gb(
        "/api/accounts/nobody/municipalities",
        "{\"municipalities\": [], \"reason\": \"x\"}",
        JSON,
        NOT_FOUND,
    ));
    // A Telegram channel name that is an invite link.
    cases.push(gb(
        "/api/telegram/proposals/%2BAbCdEfGh/add",
        "{}",
        JSON,
        BAD,
    ));
    for uri in [
        "/api/signals/scan".to_string(),
        "/api/signals/dismiss".to_string(),
        format!("/api/signals/{sig}/confirm"),
        format!("/api/signals/{sig}/dismiss"),
        format!("/api/signals/{sig}/resolve-author"),
        "/api/lexicons/evaluate".to_string(),
        "/api/lexicons/save".to_string(),
        "/api/terms/emerging/reject".to_string(),
        "/api/sources/demo/enabled".to_string(),
        "/api/telegram/proposals/kanaal_een/add".to_string(),
        "/api/telegram/proposals/kanaal_een/dismiss".to_string(),
        "/api/logout".to_string(),
        "/api/login".to_string(),
        "/api/settings".to_string(),
        "/api/accounts/analyst/municipalities".to_string(),
    ] {
        if uri != "/api/logout" {
            cases.extend(bad_bodies(&uri));
        }
    }
    // Every endpoint gets at least one case.
    for e in ENDPOINTS {
        let prefix = e.path.split('{').next().unwrap();
        let covered = [
            "/api/logout",
            "/api/me",
            "/api/openapi.json",
            "/api/sources/status",
            "/api/telegram/proposals",
            "/api/lexicons",
            "/api/lexicons/files",
            "/api/lexicons/history",
            "/api/accounts",
            "/api/settings",
            // An event stream: no input to get wrong.
            "/api/events",
        ];
        assert!(
            covered.contains(&e.path)
                || cases
                    .iter()
                    .any(|c| c.method == e.method && c.uri.starts_with(prefix)),
            "no garbage case for {} {}",
            e.method,
            e.path
        );
    }
    // One account with every role, so the role layer lets each case through to its handler.
    add_user(&t.room, "everyone", &websense_room::Role::ALL);
    let token = t.login("everyone").await;
    for case in cases {
        let mut request = Request::builder()
            .method(Method::from_bytes(case.method.as_bytes()).unwrap())
            .uri(&case.uri)
            .header("authorization", format!("Bearer {token}"));
        if let Some(ct) = case.content_type {
            request = request.header("content-type", ct);
        }
        let request = request
            .body(case.body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let r = t.send(request).await;
        assert_eq!(
            r.status, case.expect,
            "{} {} {:?}: {}",
            case.method, case.uri, case.body, r.text
        );
        r.assert_error(case.expect);
    }
}

#[tokio::test]
async fn the_openapi_document_is_public_and_lists_every_endpoint() {
    let t = TestRoom::new().await;
    let r = t.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["openapi"], "3.0.3");
    let paths = r.json["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            assert!(op["x-roles"].is_array(), "{method} {path} lists no roles");
            let responses = op["responses"].as_object().unwrap();
            let public = op.get("security").is_some();
            assert_eq!(
                responses.contains_key("401") && responses.contains_key("403"),
                !public,
                "{method} {path}: 401/403 documented iff not public"
            );
            // Every read can run past the deadline; every write must be JSON.
            match method.as_str() {
                "get" => assert!(responses.contains_key("503"), "{method} {path}: no 503"),
                "post" => assert!(responses.contains_key("415"), "{method} {path}: no 415"),
                other => panic!("{other} {path}: only GET and POST are routed"),
            }
        }
    }
    documented.sort();
    let mut routed: Vec<(String, String)> = ENDPOINTS
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_string()))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // Every route in the table is routed: an unauthenticated call meets the layer (401),
    // not the fallback (404).
    for e in ENDPOINTS {
        let uri = e
            .path
            .replace("{category}", "c")
            .replace("{term}", "t")
            .replace("{id}", "sig_000000000000000000000000");
        let r = t
            .call(
                Method::from_bytes(e.method.as_bytes()).unwrap(),
                &uri,
                None,
                Some(json!({})),
            )
            .await;
        assert_ne!(
            r.status,
            StatusCode::NOT_FOUND,
            "{} {} is not routed",
            e.method,
            e.path
        );
        assert_ne!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}",
            e.method,
            e.path
        );
    }
    // Every schema reference resolves.
    let text = r.text.clone();
    for part in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            r.json["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }
}
