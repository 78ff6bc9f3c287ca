//! Signals in a real SQLite file; the webhook against a real local HTTP receiver.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use websense_model::{
    Author, CategoryScore, ContextTag, Hit, Item, ItemId, MatchMethod, Pseudonym, SourceId,
    SourceKind, SourceRef, TermKind,
};
use websense_signals::db::{self, Attempt, AttemptOutcome};
use websense_signals::*;
use websense_store::{BucketSize, StoredItem};

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, h, 0, 0).unwrap()
}

fn stored(id: &str, flagged: bool, score: f64) -> StoredItem {
    let mut item = Item::new(
        ItemId(id.into()),
        SourceRef {
            id: SourceId::new("mastodon-nl"),
            kind: SourceKind::Mastodon,
            tags: vec!["gemeente:utrecht".into()],
        },
        "De volksverraders in het nepparlement, volksverraders!",
    );
    item.url = Some(format!("https://example.org/{id}"));
    item.published_at = Some(t(9));
    item.fetched_at = t(10);
    item.author = Some(Author {
        pseudonym: Pseudonym("p_0123456789abcdef0123".into()),
        handle: Some("@raw_handle".into()),
    });
    let hit = |term: &str, start| Hit {
        term: term.into(),
        category: "anti_overheid".into(),
        kind: TermKind::Prefix,
        weight: 2.0,
        field: websense_model::Field::Text,
        start,
        end: start + term.len(),
        method: Default::default(),
        context: Vec::new(),
    };
    StoredItem {
        item,
        lexicon_version: "lx-000000000001".into(),
        matches: vec![
            hit("volksverrader", 3),
            hit("nepparlement", 28),
            // The second one disguised and quoted: the explanation counts both.
            Hit {
                method: MatchMethod::Fuzzy,
                context: vec![ContextTag::Quoted],
                ..hit("volksverrader", 42)
            },
        ],
        scores: vec![CategoryScore {
            category: "anti_overheid".into(),
            score,
            hits: 3,
            flagged,
        }],
        text_purged: false,
        places: Vec::new(),
        municipalities: Vec::new(),
    }
}

fn database() -> (tempfile::TempDir, SharedConnection) {
    let dir = tempfile::tempdir().unwrap();
    // The Room opens the real file (websense_room::db); the signals tables need only SQLite.
    let mut conn = rusqlite::Connection::open(dir.path().join("room.db")).unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    db::migrate(&mut conn).unwrap();
    assert_eq!(db::migrate(&mut conn).unwrap(), 1, "migrations run once");
    (dir, Arc::new(Mutex::new(conn)))
}

#[test]
fn flagged_items_become_explained_candidates_without_text_or_handle() {
    let rules = CandidateRules::default();
    assert!(candidate_from_item(&stored("a", false, 3.0), &rules, t(11)).is_none());
    let above = CandidateRules {
        min_score: Some(3.0),
    };
    assert!(candidate_from_item(&stored("a", false, 3.0), &above, t(11)).is_some());
    let s = candidate_from_item(&stored("a", true, 6.0), &rules, t(11)).unwrap();
    assert_eq!(s.state, SignalState::Candidate);
    assert_eq!(
        s.id,
        SignalId::of(&Origin::FlaggedItem {
            item_id: ItemId("a".into())
        })
    );
    assert!(SignalId::is_well_formed(s.id.as_str()));
    let e = &s.explanation;
    assert_eq!(e.lexicon_version, "lx-000000000001");
    assert_eq!(
        e.terms,
        vec![
            TermHits {
                category: "anti_overheid".into(),
                term: "nepparlement".into(),
                hits: 1,
                ..TermHits::default()
            },
            TermHits {
                category: "anti_overheid".into(),
                term: "volksverrader".into(),
                hits: 2,
                disguised: [(MatchMethod::Fuzzy, 1)].into(),
                context: [(ContextTag::Quoted, 1)].into(),
            },
        ]
    );
    assert_eq!(e.link.as_deref(), Some("https://example.org/a"));
    assert_eq!(e.event_time, t(9));
    assert_eq!(e.author.as_ref().unwrap().0, "p_0123456789abcdef0123");
    let json = serde_json::to_string(&s).unwrap();
    assert!(!json.contains("raw_handle"), "{json}");
    assert!(!json.contains("nepparlement, volksverraders"), "{json}");
}

#[test]
fn decisions_are_final_and_confirming_needs_a_reason() {
    let (_dir, conn) = database();
    let conn = conn.lock().unwrap();
    let a =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    let b =
        candidate_from_item(&stored("b", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    assert!(db::insert_candidate(&conn, &a).unwrap());
    assert!(
        !db::insert_candidate(&conn, &a).unwrap(),
        "same origin, same id"
    );
    assert!(db::insert_candidate(&conn, &b).unwrap());

    assert!(matches!(
        db::confirm(&conn, &a.id, "ana", "  ", t(12), true),
        Err(SignalError::ReasonRequired)
    ));
    let confirmed = db::confirm(&conn, &a.id, "ana", "dreigende taal", t(12), true).unwrap();
    assert_eq!(confirmed.state, SignalState::Confirmed);
    assert_eq!(
        confirmed.decision.as_ref().unwrap().reason.as_deref(),
        Some("dreigende taal")
    );
    assert!(matches!(
        db::dismiss(&conn, &a.id, "bob", None, t(13)),
        Err(SignalError::AlreadyDecided {
            state: "confirmed",
            ..
        })
    ));
    let dismissed = db::dismiss(&conn, &b.id, "bob", Some(""), t(13)).unwrap();
    assert_eq!(dismissed.decision.unwrap().reason, None);
    assert!(matches!(
        db::confirm(
            &conn,
            &SignalId("sig_000000000000000000000000".into()),
            "x",
            "y",
            t(1),
            false
        ),
        Err(SignalError::NotFound(_))
    ));
    // Rediscovering a dismissed candidate changes nothing.
    assert!(!db::insert_candidate(&conn, &b).unwrap());
    assert_eq!(
        db::get(&conn, &b.id).unwrap().unwrap().state,
        SignalState::Dismissed
    );
    // Not even SQL can change a decided signal.
    let e = conn
        .execute(
            "UPDATE signals SET reason = 'changed' WHERE id = ?1",
            [&a.id.0],
        )
        .unwrap_err();
    assert!(e.to_string().contains("cannot change"), "{e}");

    let confirmed_only = db::list(
        &conn,
        &SignalFilter {
            state: Some(SignalState::Confirmed),
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(confirmed_only.len(), 1);
    assert_eq!(confirmed_only[0].id, a.id);
    let none_before = db::list(
        &conn,
        &SignalFilter {
            to: Some(t(9)),
            limit: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(none_before.is_empty());
    // Only the confirmed one was queued for the webhook.
    assert!(db::delivery(&conn, &a.id).unwrap().is_some());
    assert!(db::delivery(&conn, &b.id).unwrap().is_none());

    // Retention removes what was never confirmed, and keeps the case table's records.
    let c =
        candidate_from_item(&stored("c", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    db::insert_candidate(&conn, &c).unwrap();
    assert_eq!(
        db::expire_undecided(&conn, t(9)).unwrap(),
        0,
        "event time t(9) is not before t(9)"
    );
    assert_eq!(db::expire_undecided(&conn, t(10)).unwrap(), 2);
    assert!(db::get(&conn, &b.id).unwrap().is_none());
    assert!(db::get(&conn, &c.id).unwrap().is_none());
    assert!(db::get(&conn, &a.id).unwrap().is_some());
}

#[test]
fn spikes_make_candidates_with_their_evidence() {
    let spike = SpikeEvidence {
        category: "complot".into(),
        term: Some("plandemie".into()),
        filter: Default::default(),
        municipalities: Vec::new(),
        bucket: BucketSize::Hour,
        bucket_start: t(8),
        items: 40,
        expected: 3.5,
        score: 9.1,
        detector: "test".into(),
        top_terms: vec![TermHits {
            category: "complot".into(),
            term: "plandemie".into(),
            hits: 31,
            ..TermHits::default()
        }],
        example_items: vec![ItemId("a".into())],
    };
    let s = candidate_from_spike(spike.clone(), "lx-1", t(9));
    assert_eq!(s.explanation.event_time, t(8));
    assert_eq!(s.explanation.spike.as_ref(), Some(&spike));
    assert_eq!(s.explanation.terms, spike.top_terms);
    let other_hour = candidate_from_spike(
        SpikeEvidence {
            bucket_start: t(7),
            ..spike.clone()
        },
        "lx-1",
        t(9),
    );
    assert_ne!(s.id, other_hour.id);
    let one_tag = candidate_from_spike(
        SpikeEvidence {
            filter: websense_store::Filter {
                tag: Some("social".into()),
                ..Default::default()
            },
            ..spike.clone()
        },
        "lx-1",
        t(9),
    );
    assert_ne!(s.id, one_tag.id, "a tag's series is another spike");
    assert!(
        signals_csv(std::slice::from_ref(&one_tag)).contains(",complot,plandemie,tag=social,1h ")
    );
    assert_eq!(s.id, candidate_from_spike(spike.clone(), "lx-2", t(10)).id);
    let csv = signals_csv(std::slice::from_ref(&s));
    assert!(
        csv.contains(",complot,plandemie,,1h 2024-05-01T08:00:00+00:00,40,3.5,9.1,"),
        "{csv}"
    );

    // A municipality's series is another spike; its signal names the municipality (the
    // export, and the JSON the webhook sends). Spikes of all municipalities keep the ids
    // they had before municipalities came.
    // (SHA-256 of the origin as the code before municipalities hashed it.)
    assert_eq!(s.id.as_str(), "sig_67ed09868d2877986b4b95be");
    let zaanstad = candidate_from_spike(
        SpikeEvidence {
            filter: websense_store::Filter::municipalities(["GM0479"]),
            municipalities: vec![NamedMunicipality {
                code: "GM0479".into(),
                name: "Zaanstad".into(),
            }],
            ..spike.clone()
        },
        "lx-1",
        t(9),
    );
    assert_ne!(s.id, zaanstad.id);
    assert_ne!(one_tag.id, zaanstad.id);
    let csv = signals_csv(std::slice::from_ref(&zaanstad));
    assert!(
        csv.contains(",complot,plandemie,municipality=GM0479,1h 2024-05-01T08:00:00+00:00,40,3.5,9.1,GM0479 Zaanstad,"),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&signals_json(&[zaanstad])).unwrap();
    assert_eq!(
        json[0]["explanation"]["spike"]["municipalities"],
        serde_json::json!([{"code": "GM0479", "name": "Zaanstad"}])
    );
    assert_eq!(
        json[0]["origin"]["filter"]["municipalities"],
        serde_json::json!(["GM0479"])
    );
}

#[test]
fn csv_export_has_one_guarded_row_per_signal() {
    let mut s =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    // A formula in a cell that comes from a source's configuration is guarded ...
    s.explanation.source.as_mut().unwrap().tags =
        vec!["=HYPERLINK(\"http://evil\",\"klik\")".into()];
    s.state = SignalState::Confirmed;
    s.decision = Some(Decision {
        by: "ana".into(),
        at: t(12),
        reason: Some("regel 1\nregel 2, met \"quotes\"".into()),
    });
    let csv = signals_csv(std::slice::from_ref(&s));
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], export::CSV_COLUMNS.join(","));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"klik\"\")\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"regel 1\nregel 2, met \"\"quotes\"\"\""),
        "{csv}"
    );
    assert!(
        csv.contains(
            "anti_overheid/nepparlement=1; anti_overheid/volksverrader=2 (fuzzy 1, quoted 1)"
        ),
        "{csv}"
    );
    assert!(csv.ends_with("\r\n"));
    let json: Vec<Signal> = serde_json::from_str(&signals_json(&[s.clone()])).unwrap();
    assert_eq!(json, vec![s.clone()]);
    // ... and a link that is not http(s), a formula included, does not leave at all.
    s.explanation.link = Some("=HYPERLINK(\"http://evil\",\"klik\")".into());
    let csv = signals_csv(&[s]);
    assert!(!csv.contains("http://evil\"\",\"\"klik\"\")\",p_"), "{csv}");
}

/// A receiver that fails the first `failures` requests with a 503, then answers 200, and
/// processes each idempotency key once.
#[derive(Default)]
struct Receiver {
    requests: Vec<(Option<String>, Option<String>, String)>,
    processed: HashMap<String, String>,
}

async fn receive(
    State((receiver, failures)): State<(Arc<Mutex<Receiver>>, usize)>,
    headers: HeaderMap,
    body: String,
) -> StatusCode {
    let mut r = receiver.lock().unwrap();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    r.requests.push((
        header("idempotency-key"),
        header("x-websense-signature"),
        body.clone(),
    ));
    if r.requests.len() <= failures {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    if let Some(key) = header("idempotency-key") {
        r.processed.entry(key).or_insert(body);
    }
    StatusCode::OK
}

async fn start_receiver(failures: usize) -> (String, Arc<Mutex<Receiver>>) {
    let receiver = Arc::new(Mutex::new(Receiver::default()));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state((receiver.clone(), failures));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), receiver)
}

fn fast(url: &str) -> WebhookConfig {
    WebhookConfig {
        secret: Some("s3cret".into()),
        base_delay: std::time::Duration::from_millis(20),
        max_delay: std::time::Duration::from_millis(100),
        max_attempts: 5,
        timeout: std::time::Duration::from_secs(2),
        ..WebhookConfig::new(url)
    }
}

#[tokio::test]
async fn webhook_retries_with_one_key_and_delivers_exactly_once() {
    let (url, receiver) = start_receiver(2).await;
    let (_dir, conn) = database();
    let signal = {
        let c = conn.lock().unwrap();
        let s = candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11))
            .unwrap();
        db::insert_candidate(&c, &s).unwrap();
        db::confirm(&c, &s.id, "ana", "melding casustafel", Utc::now(), true).unwrap()
    };
    let deliverer = Deliverer::new(conn.clone(), fast(&url)).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(async move {
        deliverer
            .run(async {
                stopped.await.ok();
            })
            .await
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        let d = db::delivery(&conn.lock().unwrap(), &signal.id)
            .unwrap()
            .unwrap();
        if d.state != DeliveryState::Pending || std::time::Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    // Let the worker run a while longer: nothing more may go out.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    worker.await.unwrap();

    assert_eq!(status.state, DeliveryState::Delivered, "{status:?}");
    let statuses: Vec<Option<u16>> = status.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, vec![Some(503), Some(503), Some(200)]);
    assert!(status.attempts[1].at - status.attempts[0].at >= Duration::milliseconds(20));
    let r = receiver.lock().unwrap();
    assert_eq!(r.requests.len(), 3, "no request after the 200");
    let expected_body = serde_json::to_string(&signal).unwrap();
    for (key, sig, body) in &r.requests {
        assert_eq!(key.as_deref(), Some(signal.id.as_str()));
        assert_eq!(body, &expected_body, "every retry sends the same bytes");
        assert_eq!(
            sig.as_deref(),
            Some(webhook::signature("s3cret", body.as_bytes()).as_str())
        );
    }
    assert_eq!(r.processed.len(), 1, "one distinct key processed");
    let delivered: Signal = serde_json::from_str(&r.processed[signal.id.as_str()]).unwrap();
    assert_eq!(delivered.state, SignalState::Confirmed);
}

/// The next attempt after one answer of 429 with `Retry-After: 30`, under `max_delay`.
async fn next_attempt_after_retry_after_30(max_delay: std::time::Duration) -> Duration {
    let receiver = Router::new().route(
        "/hook",
        post(|| async { (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "30")]) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let (_dir, conn) = database();
    let s =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    {
        let c = conn.lock().unwrap();
        db::insert_candidate(&c, &s).unwrap();
        db::confirm(&c, &s.id, "ana", "reden", Utc::now(), true).unwrap();
    }
    let config = WebhookConfig {
        max_delay,
        ..fast(&format!("http://{addr}/hook"))
    };
    let deliverer = Deliverer::new(conn.clone(), config).unwrap();
    // In whole milliseconds, as the database keeps the next attempt.
    let before = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
    let round = deliverer.deliver_due().await.unwrap();
    assert_eq!(round.retrying, 1, "{round:?}");
    let next = db::next_due(&conn.lock().unwrap()).unwrap().unwrap();
    next - before
}

#[tokio::test]
async fn a_receivers_retry_after_is_honoured_up_to_max_delay() {
    let wait = next_attempt_after_retry_after_30(std::time::Duration::from_secs(600)).await;
    assert!(
        wait >= Duration::seconds(30) && wait < Duration::seconds(32),
        "{wait:?}"
    );
    let wait = next_attempt_after_retry_after_30(std::time::Duration::from_secs(10)).await;
    assert!(
        wait >= Duration::seconds(10) && wait < Duration::seconds(12),
        "cut to max_delay: {wait:?}"
    );
}

#[tokio::test]
async fn refused_and_unreachable_deliveries_end_failed_with_every_attempt() {
    let (_dir, conn) = database();
    // Nothing listens on this port (bound, then released).
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = fast(&format!("http://{addr}/hook"));
    config.max_attempts = 3;
    config.base_delay = std::time::Duration::from_millis(1);
    let s =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    {
        let c = conn.lock().unwrap();
        db::insert_candidate(&c, &s).unwrap();
        db::confirm(&c, &s.id, "ana", "reden", Utc::now(), true).unwrap();
    }
    let deliverer = Deliverer::new(conn.clone(), config).unwrap();
    for _ in 0..50 {
        deliverer.deliver_due().await.unwrap();
        let d = db::delivery(&conn.lock().unwrap(), &s.id).unwrap().unwrap();
        if d.state == DeliveryState::Failed {
            assert_eq!(d.attempts.len(), 3);
            assert!(d
                .attempts
                .iter()
                .all(|a| a.status.is_none() && a.error.is_some()));
            assert!(d.last_error.is_some());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("delivery never gave up");
}

#[tokio::test]
async fn a_client_error_gives_up_at_once() {
    let receiver =
        Router::new().route("/hook", post(|| async { StatusCode::UNPROCESSABLE_ENTITY }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let (_dir, conn) = database();
    let s =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    {
        let c = conn.lock().unwrap();
        db::insert_candidate(&c, &s).unwrap();
        db::confirm(&c, &s.id, "ana", "reden", Utc::now(), true).unwrap();
    }
    let deliverer = Deliverer::new(conn.clone(), fast(&format!("http://{addr}/hook"))).unwrap();
    let round = deliverer.deliver_due().await.unwrap();
    assert_eq!(round.given_up, 1);
    let d = db::delivery(&conn.lock().unwrap(), &s.id).unwrap().unwrap();
    assert_eq!(d.state, DeliveryState::Failed);
    assert_eq!(d.attempts[0].status, Some(422));
}

#[test]
fn attempts_are_recorded_in_order() {
    let (_dir, conn) = database();
    let mut c = conn.lock().unwrap();
    let s =
        candidate_from_item(&stored("a", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    db::insert_candidate(&c, &s).unwrap();
    db::confirm(&c, &s.id, "ana", "reden", t(12), true).unwrap();
    assert_eq!(
        db::due_deliveries(&c, t(11), 10).unwrap().len(),
        0,
        "not due before confirmation"
    );
    assert_eq!(db::due_deliveries(&c, t(12), 10).unwrap().len(), 1);
    let attempt = |n, status| Attempt {
        attempt: n,
        at: t(12),
        status: Some(status),
        error: (status != 200).then(|| "boom".to_string()),
        duration_ms: 3,
    };
    db::record_attempt(
        &mut c,
        &s.id,
        &attempt(1, 500),
        AttemptOutcome::RetryAt(t(14)),
    )
    .unwrap();
    assert!(db::due_deliveries(&c, t(13), 10).unwrap().is_empty());
    assert_eq!(db::next_due(&c).unwrap(), Some(t(14)));
    let due = db::due_deliveries(&c, t(14), 10).unwrap();
    assert_eq!(due[0].attempts, 1);
    db::record_attempt(&mut c, &s.id, &attempt(2, 200), AttemptOutcome::Delivered).unwrap();
    let d = db::delivery(&c, &s.id).unwrap().unwrap();
    assert_eq!(d.state, DeliveryState::Delivered);
    assert_eq!(d.attempts.len(), 2);
    assert_eq!(d.next_attempt_at, None);
    assert_eq!(db::next_due(&c).unwrap(), None);
}

#[test]
fn links_that_are_not_http_never_leave_in_exports_or_webhook_payloads() {
    for bad in [
        "javascript:alert(document.cookie)",
        "  JavaScript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "VBScript:msgbox(1)",
    ] {
        let mut item = stored("a", true, 6.0);
        item.item.url = Some(bad.into());
        let rules = CandidateRules::default();
        let made = candidate_from_item(&item, &rules, t(11)).unwrap();
        assert_eq!(
            made.explanation.link, None,
            "{bad}: dropped when the signal is made"
        );

        // A signal stored before links were checked still carries one.
        let mut old = made.clone();
        old.explanation.link = Some(bad.into());
        let json = signals_json(std::slice::from_ref(&old));
        assert!(!json.to_lowercase().contains("script:"), "{json}");
        assert!(!json.to_lowercase().contains("data:"), "{json}");
        let csv = signals_csv(std::slice::from_ref(&old));
        assert!(!csv.to_lowercase().contains("script:"), "{csv}");
        assert!(!csv.to_lowercase().contains("data:"), "{csv}");

        let (_dir, conn) = database();
        let c = conn.lock().unwrap();
        db::insert_candidate(&c, &old).unwrap();
        let confirmed = db::confirm(&c, &old.id, "analist", "casus", t(12), true).unwrap();
        assert_eq!(confirmed.explanation.link.as_deref(), Some(bad));
        let due = db::due_deliveries(&c, t(13), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert!(
            !due[0].payload.to_lowercase().contains("script:")
                && !due[0].payload.to_lowercase().contains("data:"),
            "{}",
            due[0].payload
        );
    }
    let fine =
        candidate_from_item(&stored("b", true, 6.0), &CandidateRules::default(), t(11)).unwrap();
    assert_eq!(
        fine.explanation.link.as_deref(),
        Some("https://example.org/b")
    );
    assert!(signals_csv(&[fine]).contains("https://example.org/b"));
}
