//! The OpenAPI document (`openapi.json`) checked against what the API really answers: every
//! JSON endpoint of the endpoint table is called with good input on a seeded room, and each
//! answer is validated against the schema the document gives for that endpoint and status.
//!
//! The check is strict in both directions. A field the answer carries that the document does
//! not declare fails, and so does an object the document leaves without `properties`; a
//! declared field that no answer of the whole run carried fails too (unless it is in
//! [`NEVER_IN_THIS_FIXTURE`], with the reason). So a field added to or removed from a
//! response type without the document, or a document entry for a field that no longer
//! exists, fails here.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{recent_hour, Options, TestRoom};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use websense_room::routes::ENDPOINTS;
use websense_signals::{AuthorVault, WebhookConfig};

const DOCUMENT: &str = include_str!("../openapi.json");

/// Declared fields that this fixture cannot make the API return, and why.
const NEVER_IN_THIS_FIXTURE: &[(&str, &str)] = &[
    (
        "EvaluationJob.eta_seconds",
        "a number only while a job runs after its first page; this fixture's evaluations \
         read one page, and the job is seen before or after it (null is seen)",
    ),
    (
        "EvaluationJob.error",
        "only for a failed job (a store failure); this fixture's evaluations finish",
    ),
    (
        "SpikeEvidence.filter",
        "written only for a spike of a tag or language series; the default spike scan of \
         this fixture's 160 items finds spikes in whole categories only",
    ),
    (
        "Signal.origin.filter",
        "as SpikeEvidence.filter: a signal from a tag or language spike",
    ),
    (
        "Item.places",
        "only for an item whose text names a place; this fixture scores without the gazetteer \
         (tests/municipality_filter.rs reads attributed items)",
    ),
    (
        "Item.municipalities",
        "as Item.places: an item attributed to a municipality",
    ),
    (
        "Signal.explanation.municipalities",
        "as Item.municipalities: a signal of an attributed item or a municipality's spike",
    ),
    (
        "SpikeEvidence.municipalities",
        "written only for a spike of a municipality's series; this fixture's items name no \
         municipality (tests/municipality_spikes.rs has such spikes)",
    ),
];

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Validates values against the document's schemas, remembering which declared fields were
/// seen, per schema location.
struct Checker {
    doc: Value,
    declared: BTreeMap<String, BTreeSet<String>>,
    seen: BTreeMap<String, BTreeSet<String>>,
    errors: Vec<String>,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            doc: serde_json::from_str(DOCUMENT).unwrap(),
            declared: BTreeMap::new(),
            seen: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    /// The schema of `path`'s `method` answer with `status` and `content_type`.
    fn response_schema(&self, method: &str, path: &str, status: u16, content_type: &str) -> Value {
        let op = &self.doc["paths"][path][method.to_ascii_lowercase()];
        let response = &op["responses"][status.to_string()];
        let response = self.resolve(response).0;
        response["content"][content_type]["schema"].clone()
    }

    /// A `$ref`'s target and a name for where it is; anything else as it is.
    fn resolve<'a>(&'a self, schema: &'a Value) -> (&'a Value, Option<String>) {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let pointer = reference.trim_start_matches('#');
                let target = self
                    .doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
                let name = reference.rsplit('/').next().unwrap_or(reference);
                (target, Some(name.to_string()))
            }
            None => (schema, None),
        }
    }

    fn check(&mut self, schema: &Value, value: &Value, at: &str, location: &str) {
        let (schema, name) = self.resolve(schema);
        let schema = schema.clone();
        let location = name.unwrap_or_else(|| location.to_string());
        if value.is_null() {
            if schema["nullable"] != json!(true) && schema.get("type").is_some() {
                self.errors
                    .push(format!("{at}: null, but {location} is not nullable"));
            }
            return;
        }
        if let Some(allowed) = schema["enum"].as_array() {
            if !allowed.contains(value) {
                self.errors.push(format!(
                    "{at}: {value} is not one of {location}'s {allowed:?}"
                ));
            }
        }
        match schema["type"].as_str() {
            Some("object") => self.check_object(&schema, value, at, &location),
            Some("array") => match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check(
                            &schema["items"],
                            item,
                            &format!("{at}[{i}]"),
                            &format!("{location}[]"),
                        );
                    }
                }
                None => self
                    .errors
                    .push(format!("{at}: {value} is not an array ({location})")),
            },
            Some("string") => match value.as_str() {
                Some(text) if schema["format"] == "date-time" => {
                    if DateTime::parse_from_rfc3339(text).is_err() {
                        self.errors
                            .push(format!("{at}: {text:?} is not a date-time ({location})"));
                    }
                }
                Some(_) => {}
                None => self
                    .errors
                    .push(format!("{at}: {value} is not a string ({location})")),
            },
            Some("integer") => match value
                .as_i64()
                .map(|v| v as f64)
                .or(value.as_u64().map(|v| v as f64))
            {
                Some(n) => self.check_bounds(&schema, n, at, &location),
                None => self
                    .errors
                    .push(format!("{at}: {value} is not an integer ({location})")),
            },
            Some("number") => match value.as_f64() {
                Some(n) => self.check_bounds(&schema, n, at, &location),
                None => self
                    .errors
                    .push(format!("{at}: {value} is not a number ({location})")),
            },
            Some("boolean") => {
                if !value.is_boolean() {
                    self.errors
                        .push(format!("{at}: {value} is not a boolean ({location})"));
                }
            }
            Some(other) => self
                .errors
                .push(format!("{location}: unknown type {other}")),
            None => self.errors.push(format!("{at}: {location} gives no type")),
        }
    }

    fn check_bounds(&mut self, schema: &Value, n: f64, at: &str, location: &str) {
        if schema["minimum"].as_f64().is_some_and(|min| n < min) {
            self.errors
                .push(format!("{at}: {n} is below {location}'s minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|max| n > max) {
            self.errors
                .push(format!("{at}: {n} is above {location}'s maximum"));
        }
    }

    fn check_object(&mut self, schema: &Value, value: &Value, at: &str, location: &str) {
        let Some(fields) = value.as_object() else {
            self.errors
                .push(format!("{at}: {value} is not an object ({location})"));
            return;
        };
        let properties = schema["properties"].as_object().cloned();
        let additional = schema.get("additionalProperties").cloned();
        if properties.is_none() && additional.is_none() {
            self.errors.push(format!(
                "{at}: {location} is an object the document does not describe (fields {:?})",
                fields.keys().collect::<Vec<_>>()
            ));
            return;
        }
        let properties = properties.unwrap_or_default();
        self.declared
            .entry(location.to_string())
            .or_default()
            .extend(properties.keys().cloned());
        for required in schema["required"].as_array().into_iter().flatten() {
            let required = required.as_str().unwrap_or_default();
            if !fields.contains_key(required) {
                self.errors
                    .push(format!("{at}: lacks {location}'s required `{required}`"));
            }
        }
        for (key, field) in fields {
            match properties.get(key) {
                Some(field_schema) => {
                    self.seen
                        .entry(location.to_string())
                        .or_default()
                        .insert(key.clone());
                    self.check(
                        field_schema,
                        field,
                        &format!("{at}.{key}"),
                        &format!("{location}.{key}"),
                    );
                }
                None => match &additional {
                    Some(Value::Object(extra)) => {
                        let extra = Value::Object(extra.clone());
                        self.check(
                            &extra,
                            field,
                            &format!("{at}.{key}"),
                            &format!("{location}.*"),
                        );
                    }
                    Some(Value::Bool(true)) => {}
                    _ => self
                        .errors
                        .push(format!("{at}: `{key}` is not declared in {location}")),
                },
            }
        }
    }

    /// Declared fields no answer carried.
    fn never_seen(&self) -> Vec<String> {
        let excused: BTreeSet<&str> = NEVER_IN_THIS_FIXTURE.iter().map(|(f, _)| *f).collect();
        let mut missing = Vec::new();
        for (location, declared) in &self.declared {
            let seen = self.seen.get(location);
            for field in declared {
                let name = format!("{location}.{field}");
                if !seen.is_some_and(|s| s.contains(field)) && !excused.contains(name.as_str()) {
                    missing.push(name);
                }
            }
        }
        missing
    }
}

/// One call of the run: who, what, and the table path it answers for.
struct Call {
    user: &'static str,
    method: Method,
    path: &'static str,
    uri: String,
    body: Option<Value>,
}

fn get(user: &'static str, path: &'static str, uri: impl Into<String>) -> Call {
    Call {
        user,
        method: Method::GET,
        path,
        uri: uri.into(),
        body: None,
    }
}

fn post(user: &'static str, path: &'static str, uri: impl Into<String>, body: Value) -> Call {
    Call {
        user,
        method: Method::POST,
        path,
        uri: uri.into(),
        body: Some(body),
    }
}

#[tokio::test]
async fn every_json_answer_matches_the_openapi_document() {
    // Nothing listens at the webhook's address: deliveries exist and fail, which is enough.
    let t = TestRoom::with(Options {
        trends: true,
        vault: true,
        webhook: Some(WebhookConfig::new("http://127.0.0.1:9/casustafel")),
        // Evaluations in pages of ten, 30 ms each: one can be cancelled while it runs.
        room: |c| c.evaluate_test_pace_ms = 30,
        ..Options::default()
    })
    .await;
    remember_authors(&t);
    common::add_user(&t.room, "zaanstad", &[websense_room::Role::Analyst]);
    // Telegram discovery's proposals (this also adds a Telegram source to the statuses), and
    // a source whose last body declared no encoding, so that statuses carry the guess.
    common::write_mentions(t.dir.path());
    let status_file = t.dir.path().join("state/status.json");
    let mut statuses: Value =
        serde_json::from_slice(&std::fs::read(&status_file).unwrap()).unwrap();
    statuses[1]["encoding_guess"] = json!("windows-1252");
    std::fs::write(&status_file, statuses.to_string()).unwrap();
    // A hit in a title, so that hits name their field; and a disguised, negated hit in the
    // text, so that hits say how they matched and what their context is (in the item and
    // in its signal's explanation: the title and the other terms flag it).
    let mut titled = common::items(
        7,
        1,
        recent_hour() + Duration::minutes(30),
        Duration::minutes(1),
    );
    titled[0].title = Some("dictatuur".into());
    titled[0].text = "dit is geen d1ctatuur maar een nepparlement vol volksverraders".into();
    t.store
        .write(common::score(&t.lexicons, titled))
        .await
        .unwrap();
    let h0 = recent_hour();
    let (from, to) = (iso(h0 - Duration::days(2)), iso(h0 + Duration::hours(2)));
    let range = format!("from={from}&to={to}");
    let mut checker = Checker::new();
    let mut called: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    for user in ["analyst", "curator", "i2o_liaison", "admin", "zaanstad"] {
        tokens.insert(user, t.login(user).await);
    }

    // Reads first, then the writes that create what later reads need (signals, a version).
    let version = t.get("/api/lexicons", &tokens["curator"]).await.json["current"]["version"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_default();
    let mut calls = vec![
        get("analyst", "/api/me", "/api/me"),
        get(
            "analyst",
            "/api/trends/categories/{category}",
            format!("/api/trends/categories/anti_overheid?bucket=1h&{range}"),
        ),
        get(
            "analyst",
            "/api/trends/terms/{category}/{term}",
            format!("/api/trends/terms/complot/plandemie?bucket=1h&{range}"),
        ),
        get("analyst", "/api/totals", format!("/api/totals?{range}")),
        get(
            "analyst",
            "/api/terms/rising",
            format!("/api/terms/rising?{range}"),
        ),
        get(
            "analyst",
            "/api/terms/emerging",
            format!("/api/terms/emerging?{range}"),
        ),
        get(
            "analyst",
            "/api/spikes",
            format!("/api/spikes?bucket=1h&{range}"),
        ),
        get("analyst", "/api/overview", "/api/overview"),
        get(
            "analyst",
            "/api/items",
            format!("/api/items?bucket=1h&at={}&category=anti_overheid", iso(h0)),
        ),
        get("admin", "/api/sources/status", "/api/sources/status"),
        get("curator", "/api/lexicons", "/api/lexicons"),
        get("curator", "/api/lexicons/files", "/api/lexicons/files"),
        post(
            "analyst",
            "/api/terms/emerging/reject",
            "/api/terms/emerging/reject",
            json!({"term": "fiets", "reason": "gewoon woord"}),
        ),
        post(
            "curator",
            "/api/lexicons/save",
            "/api/lexicons/save",
            json!({
                "files": [{"name": "test.lex", "text": format!("{}markt | 1\n", common::LEXICON)}],
                "reason": "markt erbij", "base_version": version,
            }),
        ),
        get("curator", "/api/lexicons/history", "/api/lexicons/history"),
        post(
            "admin",
            "/api/sources/{id}/enabled",
            "/api/sources/nos/enabled",
            json!({"enabled": false, "reason": "storing"}),
        ),
        get("admin", "/api/sources/status", "/api/sources/status"),
        get(
            "admin",
            "/api/telegram/proposals",
            "/api/telegram/proposals",
        ),
        post(
            "admin",
            "/api/telegram/proposals/{channel}/add",
            "/api/telegram/proposals/BronKanaal/add",
            json!({"reason": "veel doorgestuurd"}),
        ),
        post(
            "admin",
            "/api/telegram/proposals/{channel}/dismiss",
            "/api/telegram/proposals/andere_bron/dismiss",
            json!({}),
        ),
        get(
            "admin",
            "/api/telegram/proposals",
            "/api/telegram/proposals",
        ),
        post(
            "analyst",
            "/api/signals/scan",
            "/api/signals/scan",
            json!({"from": from, "to": to}),
        ),
        get("analyst", "/api/signals", "/api/signals?limit=1000"),
        post(
            "admin",
            "/api/accounts/{name}/municipalities",
            "/api/accounts/zaanstad/municipalities",
            json!({"municipalities": ["GM0479"], "reason": "analist van Zaanstad"}),
        ),
        get("admin", "/api/accounts", "/api/accounts"),
        post(
            "analyst",
            "/api/settings",
            "/api/settings",
            json!({"municipalities": ["GM0479", "GM0363"]}),
        ),
        get("analyst", "/api/settings", "/api/settings"),
        get("zaanstad", "/api/me", "/api/me"),
        get("analyst", "/api/municipalities", "/api/municipalities"),
        get(
            "analyst",
            "/api/municipalities/{code}",
            "/api/municipalities/GM0479?hours=48",
        ),
    ];
    run(&t, &tokens, &mut checker, &mut called, calls.drain(..)).await;
    evaluation_job(&t, &tokens, &mut checker, &mut called).await;

    // What needs an id from the answers above.
    let signals = t.get("/api/signals", &tokens["analyst"]).await.json;
    let ids: Vec<String> = signals["signals"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        ids.len() >= 3,
        "the scan must find three signals to confirm and dismiss: {signals}"
    );
    let history = t
        .get("/api/lexicons/history", &tokens["curator"])
        .await
        .json;
    let saved = history["versions"][0]["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (confirmed, dismissed, bulk_dismissed) = (&ids[0], &ids[1], &ids[2]);
    let calls = vec![
        get(
            "analyst",
            "/api/signals/{id}",
            format!("/api/signals/{confirmed}"),
        ),
        get(
            "analyst",
            "/api/signals/{id}/item",
            format!("/api/signals/{confirmed}/item"),
        ),
        post(
            "analyst",
            "/api/signals/{id}/confirm",
            format!("/api/signals/{confirmed}/confirm"),
            json!({"reason": "dreiging"}),
        ),
        post(
            "analyst",
            "/api/signals/{id}/dismiss",
            format!("/api/signals/{dismissed}/dismiss"),
            json!({"reason": "satire"}),
        ),
        post(
            "analyst",
            "/api/signals/dismiss",
            "/api/signals/dismiss",
            json!({"ids": [bulk_dismissed], "reason": "ruis"}),
        ),
        get(
            "analyst",
            "/api/signals",
            "/api/signals?state=dismissed&sort=score&origin=flagged_item",
        ),
        get(
            "i2o_liaison",
            "/api/signals/{id}/deliveries",
            format!("/api/signals/{confirmed}/deliveries"),
        ),
        get("i2o_liaison", "/api/signals/export", "/api/signals/export"),
        post(
            "admin",
            "/api/signals/{id}/resolve-author",
            format!("/api/signals/{confirmed}/resolve-author"),
            json!({"reason": "rechterlijk bevel"}),
        ),
        get(
            "curator",
            "/api/lexicons/history/{version}/diff",
            format!("/api/lexicons/history/{saved}/diff"),
        ),
        get("admin", "/api/audit", "/api/audit"),
        get("admin", "/api/audit/export", "/api/audit/export"),
        post("analyst", "/api/logout", "/api/logout", json!({})),
    ];
    run(&t, &tokens, &mut checker, &mut called, calls.into_iter()).await;

    // Every JSON endpoint of the table was called (the event stream and the document itself
    // are not JSON answers to check; login is checked by `t.login` above and here).
    let login = t
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"user": "admin", "password": common::PASSWORD})),
        )
        .await;
    let schema = checker.response_schema("POST", "/api/login", 200, "application/json");
    checker.check(&schema, &login.json, "POST /api/login", "POST /api/login");
    called.insert(("POST".into(), "/api/login"));
    let uncalled: Vec<String> = ENDPOINTS
        .iter()
        .filter(|e| !["/api/events", "/api/openapi.json"].contains(&e.path))
        .filter(|e| !called.contains(&(e.method.to_string(), e.path)))
        .map(|e| format!("{} {}", e.method, e.path))
        .collect();
    let never = checker.never_seen();
    assert!(
        checker.errors.is_empty() && never.is_empty() && uncalled.is_empty(),
        "answers and document disagree:\n{}\n\ndeclared but never answered:\n{}\n\n\
         not checked: {uncalled:?}",
        checker.errors.join("\n"),
        never.join("\n")
    );
}

/// A draft evaluation job: started (202), followed to its result, and one cancelled.
async fn evaluation_job(
    t: &TestRoom,
    tokens: &BTreeMap<&str, String>,
    checker: &mut Checker,
    called: &mut BTreeSet<(String, &'static str)>,
) {
    let curator = &tokens["curator"];
    let draft = json!({
        "files": [{"name": "test.lex", "text": format!("{}fiets | 1\n", common::LEXICON)}],
        "days": 3, "examples": 5,
    });
    let (start, job, cancel) = (
        "/api/lexicons/evaluate",
        "/api/lexicons/evaluate/{id}",
        "/api/lexicons/evaluate/{id}/cancel",
    );
    let started = t.post(start, curator, draft.clone()).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let schema = checker.response_schema("POST", start, 202, "application/json");
    checker.check(
        &schema,
        &started.json,
        "POST evaluate",
        &format!("POST {start}"),
    );
    called.insert(("POST".into(), start));
    let id = started.json["id"].as_str().unwrap().to_string();
    let finished = loop {
        let r = t.get(&format!("{start}/{id}"), curator).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.json["state"] != "running" {
            break r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(finished.json["state"], "finished", "{}", finished.text);
    let schema = checker.response_schema("GET", job, 200, "application/json");
    checker.check(
        &schema,
        &finished.json,
        "GET evaluate job",
        &format!("GET {job}"),
    );
    called.insert(("GET".into(), job));
    // Another, cancelled while it runs.
    let started = t.post(start, curator, draft).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let id = started.json["id"].as_str().unwrap();
    let r = t
        .post(&format!("{start}/{id}/cancel"), curator, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "cancelled");
    let schema = checker.response_schema("POST", cancel, 200, "application/json");
    checker.check(&schema, &r.json, "POST cancel", &format!("POST {cancel}"));
    called.insert(("POST".into(), cancel));
}

/// The vault entries a collector with the vault on would have written for the seeded items.
fn remember_authors(t: &TestRoom) {
    let vault = AuthorVault::open(t.dir.path().join("vault/authors.db")).unwrap();
    let key = common::pseudonym_key();
    for s in &t.recent {
        let source = &s.item.source.id;
        for n in 0..7 {
            let p = key.pseudonymise(source.as_str(), &common::handle(n));
            if s.item.author.as_ref().map(|a| &a.pseudonym) == Some(&p) {
                vault
                    .record(source, &p, &common::handle(n), s.item.event_time())
                    .unwrap();
            }
        }
    }
}

async fn run(
    t: &TestRoom,
    tokens: &BTreeMap<&str, String>,
    checker: &mut Checker,
    called: &mut BTreeSet<(String, &'static str)>,
    calls: impl Iterator<Item = Call>,
) {
    for call in calls {
        let response = t
            .call(
                call.method.clone(),
                &call.uri,
                Some(&tokens[call.user]),
                call.body.clone(),
            )
            .await;
        let what = format!("{} {}", call.method, call.uri);
        if response.status != StatusCode::OK {
            checker
                .errors
                .push(format!("{what}: {} {}", response.status, response.text));
            continue;
        }
        let schema =
            checker.response_schema(call.method.as_str(), call.path, 200, "application/json");
        assert!(
            !schema.is_null(),
            "{what}: the document gives no JSON answer for 200"
        );
        checker.check(
            &schema,
            &response.json,
            &what,
            &format!("{} {}", call.method, call.path),
        );
        called.insert((call.method.to_string(), call.path));
    }
}
