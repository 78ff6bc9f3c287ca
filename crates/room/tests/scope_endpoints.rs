//! A municipality-scoped account cannot read another municipality's posts through any
//! endpoint. Every route of the endpoint table (`routes::ENDPOINTS`) is either called here by
//! an account scoped to Zaanstad that holds every role, and shown to give Zaanstad's posts,
//! items and signals only, or listed with the reason it returns none; a new route that is in
//! neither list fails the test.

mod common;

use axum::http::StatusCode;
use chrono::Duration;
use common::{recent_hour, Options, TestRoom};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use websense_model::ScoredItem;
use websense_room::routes::ENDPOINTS;
use websense_room::Role;

const ZAANSTAD: &str = "GM0479";
const AMSTERDAM: &str = "GM0363";

/// Routes that return no post, item or signal of a municipality, and why.
const NO_POSTS: &[(&str, &str, &str)] = &[
    ("POST", "/api/login", "a token"),
    ("POST", "/api/logout", "nothing"),
    ("GET", "/api/me", "the caller itself"),
    ("GET", "/api/openapi.json", "the document"),
    (
        "GET",
        "/api/trends/categories/{category}",
        "aggregate counts",
    ),
    (
        "GET",
        "/api/trends/terms/{category}/{term}",
        "aggregate counts",
    ),
    ("GET", "/api/totals", "aggregate counts"),
    (
        "GET",
        "/api/terms/rising",
        "aggregate counts of lexicon terms",
    ),
    ("GET", "/api/spikes", "aggregate counts"),
    ("GET", "/api/events", "spikes: aggregate counts"),
    ("POST", "/api/terms/emerging/reject", "a decision on a term"),
    (
        "GET",
        "/api/overview",
        "aggregate counts, spikes and sources",
    ),
    ("POST", "/api/signals/scan", "counts of candidates found"),
    ("GET", "/api/sources/status", "source health"),
    ("GET", "/api/lexicons", "lexicon versions"),
    (
        "GET",
        "/api/lexicons/evaluate/{id}",
        "a job's result is its owner's alone, and a scoped account cannot start one (tested)",
    ),
    ("POST", "/api/lexicons/evaluate/{id}/cancel", "as the job"),
    ("GET", "/api/lexicons/files", "lexicon files"),
    ("POST", "/api/lexicons/save", "lexicon files"),
    ("GET", "/api/lexicons/history", "lexicon versions"),
    (
        "GET",
        "/api/lexicons/history/{version}/diff",
        "lexicon files",
    ),
    ("POST", "/api/sources/{id}/enabled", "a switch"),
    ("GET", "/api/telegram/proposals", "channel names"),
    (
        "POST",
        "/api/telegram/proposals/{channel}/add",
        "a channel name",
    ),
    (
        "POST",
        "/api/telegram/proposals/{channel}/dismiss",
        "a channel name",
    ),
    ("GET", "/api/audit", "who did what: item ids, no text"),
    ("GET", "/api/audit/export", "as the audit log"),
    (
        "GET",
        "/api/municipalities",
        "aggregate counts per municipality",
    ),
    ("GET", "/api/accounts", "accounts"),
    ("POST", "/api/accounts/{name}/municipalities", "a scope"),
    ("GET", "/api/settings", "the caller's own choice"),
    (
        "POST",
        "/api/settings",
        "the caller's own choice (kept within the scope: tests/scoping.rs)",
    ),
];

fn about(t: &TestRoom, code: &str, seed: u64) -> Vec<ScoredItem> {
    let mut raw = common::items(seed, 60, recent_hour(), Duration::minutes(1));
    // A new word in every post of both municipalities: an emerging term with examples.
    for item in &mut raw {
        item.text.push_str(" gifwolk boven het kanaal");
    }
    let mut items = common::score(&t.lexicons, raw);
    for s in &mut items {
        s.municipalities = vec![code.to_string()];
    }
    items
}

/// The codes of a signal's named municipalities (`[{"code", "name"}]`).
fn codes_of(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| m["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_scoped_account_reads_its_own_municipalitys_posts_only_through_every_endpoint() {
    let t = TestRoom::with(Options {
        trends: true,
        ..Options::default()
    })
    .await;
    t.store.write(about(&t, ZAANSTAD, 20)).await.unwrap();
    t.store.write(about(&t, AMSTERDAM, 21)).await.unwrap();
    // A quiet week before without the new word: the background it emerges from.
    let background = common::items(
        22,
        8 * 48,
        recent_hour() - Duration::days(8),
        Duration::minutes(30),
    );
    t.store
        .write(common::score(&t.lexicons, background))
        .await
        .unwrap();
    common::add_user(&t.room, "zaanstad", &Role::ALL);
    let admin = t.login("admin").await;
    let analyst = t.login("analyst").await;
    let scoped = t.login("zaanstad").await;
    let h0 = recent_hour();
    let iso = |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339().replace('+', "%2B");
    let scan = t
        .post(
            "/api/signals/scan",
            &analyst,
            json!({"from": h0 - Duration::hours(1), "to": h0 + Duration::hours(3)}),
        )
        .await;
    assert_eq!(scan.status, StatusCode::OK, "{}", scan.text);
    let set = t
        .post(
            "/api/accounts/zaanstad/municipalities",
            &admin,
            json!({"municipalities": [ZAANSTAD], "reason": "analist Zaanstad"}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    let mut tested: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mine = |codes: &[String]| codes.iter().any(|c| c == ZAANSTAD);

    // GET /api/items: Zaanstad's items only, though none was asked for.
    let items_uri = format!("/api/items?bucket=1d&at={}&limit=500", iso(h0));
    let all = t.get(&items_uri, &analyst).await.json;
    let own = t.get(&items_uri, &scoped).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let own_items = own.json["items"].as_array().unwrap();
    assert!(!own_items.is_empty());
    let own_ids: BTreeSet<&str> = own_items
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        own_ids.iter().all(|id| id.starts_with("it-20-")),
        "{own_ids:?}"
    );
    assert!(all["items"].as_array().unwrap().len() > own_items.len());
    // Naming another municipality is refused; naming its own is what it gets anyway.
    let other = t
        .get(&format!("{items_uri}&municipality={AMSTERDAM}"), &scoped)
        .await;
    other.assert_error(StatusCode::FORBIDDEN);
    assert_eq!(other.json["code"], "out_of_scope");
    let both = t
        .get(
            &format!("{items_uri}&municipality={ZAANSTAD},{AMSTERDAM}"),
            &scoped,
        )
        .await;
    both.assert_error(StatusCode::FORBIDDEN);
    let named = t
        .get(&format!("{items_uri}&municipality={ZAANSTAD}"), &scoped)
        .await;
    assert_eq!(
        named.json["items"].as_array().unwrap().len(),
        own_items.len()
    );
    tested.insert(("GET", "/api/items"));

    // GET /api/signals: Zaanstad's signals only; another municipality is 403.
    let every: Vec<Value> = t.get("/api/signals?limit=1000", &analyst).await.json["signals"]
        .as_array()
        .unwrap()
        .clone();
    let theirs: Vec<String> = every
        .iter()
        .filter(|s| codes_of(&s["explanation"]["municipalities"]) == [AMSTERDAM])
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let ours: Vec<String> = every
        .iter()
        .filter(|s| codes_of(&s["explanation"]["municipalities"]) == [ZAANSTAD])
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert!(theirs.len() >= 3 && ours.len() >= 2, "{every:?}");
    let listed = t.get("/api/signals?limit=1000", &scoped).await.json;
    let signals = listed["signals"].as_array().unwrap();
    assert_eq!(signals.len(), ours.len(), "{listed}");
    assert!(signals
        .iter()
        .all(|s| mine(&codes_of(&s["explanation"]["municipalities"]))));
    assert_eq!(listed["total"], ours.len());
    let other = t
        .get(&format!("/api/signals?municipality={AMSTERDAM}"), &scoped)
        .await;
    other.assert_error(StatusCode::FORBIDDEN);
    assert_eq!(other.json["code"], "out_of_scope");
    let same = t
        .get(
            &format!("/api/signals?municipality={ZAANSTAD}&limit=1000"),
            &scoped,
        )
        .await;
    assert_eq!(same.json["total"], ours.len(), "{}", same.text);
    let narrowed = t
        .get(
            &format!("/api/signals?municipality={AMSTERDAM}&limit=1000"),
            &analyst,
        )
        .await;
    assert_eq!(
        narrowed.json["total"],
        theirs.len(),
        "an unscoped analyst narrows by municipality"
    );
    tested.insert(("GET", "/api/signals"));

    // One of Amsterdam's signals is unknown to the scoped account, whatever is done with it.
    let (their, our) = (&theirs[0], &ours[0]);
    for (method, uri, path) in [
        ("GET", format!("/api/signals/{their}"), "/api/signals/{id}"),
        (
            "GET",
            format!("/api/signals/{their}/item"),
            "/api/signals/{id}/item",
        ),
        (
            "GET",
            format!("/api/signals/{their}/deliveries"),
            "/api/signals/{id}/deliveries",
        ),
        (
            "POST",
            format!("/api/signals/{their}/confirm"),
            "/api/signals/{id}/confirm",
        ),
        (
            "POST",
            format!("/api/signals/{their}/dismiss"),
            "/api/signals/{id}/dismiss",
        ),
        (
            "POST",
            format!("/api/signals/{their}/resolve-author"),
            "/api/signals/{id}/resolve-author",
        ),
    ] {
        let r = match method {
            "GET" => t.get(&uri, &scoped).await,
            _ => t.post(&uri, &scoped, json!({"reason": "poging"})).await,
        };
        r.assert_error(StatusCode::NOT_FOUND);
        assert!(!r.text.contains("it-21-"), "{uri}: {}", r.text);
        tested.insert((method, path));
    }
    let bulk = t
        .post(
            "/api/signals/dismiss",
            &scoped,
            json!({"ids": [our, their], "reason": "ruis"}),
        )
        .await;
    bulk.assert_error(StatusCode::NOT_FOUND);
    tested.insert(("POST", "/api/signals/dismiss"));
    // Nothing of Amsterdam's was decided by those calls.
    let still = t.get(&format!("/api/signals/{their}"), &analyst).await.json;
    assert_eq!(still["state"], "candidate", "{still}");
    // Its own signals it reads and decides on.
    let own_signal = t.get(&format!("/api/signals/{our}"), &scoped).await;
    assert_eq!(own_signal.status, StatusCode::OK, "{}", own_signal.text);
    let own_item = t.get(&format!("/api/signals/{our}/item"), &scoped).await;
    assert_eq!(own_item.status, StatusCode::OK, "{}", own_item.text);
    let confirmed = t
        .post(
            &format!("/api/signals/{our}/confirm"),
            &scoped,
            json!({"reason": "dreiging"}),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    // An analyst confirms one of Amsterdam's, so the export has one of each.
    t.post(
        &format!("/api/signals/{their}/confirm"),
        &analyst,
        json!({"reason": "dreiging"}),
    )
    .await;

    // GET /api/signals/export: Zaanstad's confirmed signals only.
    let export = t.get("/api/signals/export", &scoped).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.text);
    assert!(export.text.contains(our.as_str()) && !export.text.contains(their.as_str()));
    let all_export = t.get("/api/signals/export", &analyst).await;
    assert!(all_export.text.contains(their.as_str()));
    tested.insert(("GET", "/api/signals/export"));

    // GET /api/municipalities/{code}: another municipality's counts, never its posts.
    let theirs_overview = t
        .get(&format!("/api/municipalities/{AMSTERDAM}"), &scoped)
        .await
        .json;
    assert_eq!(theirs_overview["posts"], json!([]));
    assert_eq!(theirs_overview["posts_withheld"], "scope");
    let ours_overview = t
        .get(&format!("/api/municipalities/{ZAANSTAD}"), &scoped)
        .await
        .json;
    let posts = ours_overview["posts"].as_array().unwrap();
    assert!(!posts.is_empty());
    assert!(posts
        .iter()
        .all(|p| p["id"].as_str().unwrap().starts_with("it-20-")));
    tested.insert(("GET", "/api/municipalities/{code}"));

    // GET /api/terms/emerging: the region's terms, without example posts.
    let range = format!(
        "from={}&to={}",
        iso(h0 - Duration::hours(1)),
        iso(chrono::Utc::now())
    );
    let emerging = t
        .get(&format!("/api/terms/emerging?{range}"), &scoped)
        .await;
    assert_eq!(emerging.status, StatusCode::OK, "{}", emerging.text);
    for term in emerging.json["terms"].as_array().unwrap() {
        assert_eq!(term["examples"], json!([]), "{term}");
    }
    let unscoped = t
        .get(&format!("/api/terms/emerging?{range}"), &analyst)
        .await
        .json;
    assert!(
        unscoped["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["examples"] != json!([])),
        "the unscoped analyst gets examples, so the check above means something: {unscoped}"
    );
    tested.insert(("GET", "/api/terms/emerging"));

    // POST /api/lexicons/evaluate: an evaluation reads every municipality: refused.
    let evaluation = t
        .post(
            "/api/lexicons/evaluate",
            &scoped,
            json!({"remove": ["test.lex"], "days": 1}),
        )
        .await;
    evaluation.assert_error(StatusCode::FORBIDDEN);
    assert_eq!(evaluation.json["code"], "scoped_evaluation");
    tested.insert(("POST", "/api/lexicons/evaluate"));

    // Every route is tested above or returns no posts.
    let untested: Vec<String> = ENDPOINTS
        .iter()
        .filter(|e| !tested.contains(&(e.method, e.path)))
        .filter(|e| {
            !NO_POSTS
                .iter()
                .any(|(m, p, _)| *m == e.method && *p == e.path)
        })
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    assert!(
        untested.is_empty(),
        "routes neither tested nor listed: {untested:?}"
    );
}
