//! A draft evaluation as a job: `POST /api/lexicons/evaluate` answers 202 at once with the
//! job (its total known), `GET /api/lexicons/evaluate/{id}` follows it to its result,
//! `POST .../cancel` stops it (audited); only its curator or an admin sees or stops it, and
//! one runs per account. The test pace (pages of ten items, each at least so long) keeps a
//! job running long enough to watch.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use websense_room::audit::action;
use websense_room::Role;

fn draft() -> Value {
    json!({
        "files": [{"name": "extra.lex", "text": "name: extra\nlanguages: nl\n\n[anti_overheid]\nfiets | 1\n"}],
        "days": 7,
    })
}

async fn paced() -> TestRoom {
    TestRoom::with(Options {
        room: |c| c.evaluate_test_pace_ms = 50,
        ..Options::default()
    })
    .await
}

async fn wait_until_ended(t: &TestRoom, token: &str, id: &str) -> Value {
    loop {
        let r = t.get(&format!("/api/lexicons/evaluate/{id}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.json["state"] != "running" {
            return r.json;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_job_reports_progress_then_the_same_result_as_before() {
    let t = paced().await;
    let curator = t.login("curator").await;
    let r = t.post("/api/lexicons/evaluate", &curator, draft()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        r.headers["location"],
        format!("/api/lexicons/evaluate/{id}").as_str()
    );
    assert_eq!(r.json["state"], "running");
    assert_eq!(
        r.json["total"], 120,
        "the last 7 days hold the recent items"
    );
    // Progress grows page by page (ten items at the test pace), with an estimate.
    let mut seen = Vec::new();
    let ended = loop {
        let r = t
            .get(&format!("/api/lexicons/evaluate/{id}"), &curator)
            .await;
        if r.json["state"] != "running" {
            break r.json;
        }
        if let Some(done) = r.json["done"].as_u64() {
            assert!(done <= 120);
            if done > 0 {
                assert!(r.json["eta_seconds"].is_u64(), "{}", r.text);
            }
            seen.push(done);
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    };
    assert!(
        seen.iter().any(|&d| d > 0 && d < 120),
        "progress seen between start and end: {seen:?}"
    );
    assert_eq!(ended["state"], "finished");
    assert_eq!(ended["done"], 120);
    assert_eq!(ended["eta_seconds"], Value::Null);
    assert_eq!(ended["result"]["items_scanned"], 120);
    assert!(ended["result"]["terms"].as_array().unwrap().len() == 1);
    // Audited once, when it finished.
    let rows = t.audit_of(action::EVALUATE_LEXICON);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "curator");
    // Read again: the same, and still one row.
    let again = t
        .get(&format!("/api/lexicons/evaluate/{id}"), &curator)
        .await;
    assert_eq!(again.json, ended);
    assert_eq!(t.audit_of(action::EVALUATE_LEXICON).len(), 1);
}

#[tokio::test]
async fn a_running_job_is_cancelled_by_its_curator_and_audited() {
    let t = paced().await;
    let curator = t.login("curator").await;
    let r = t.post("/api/lexicons/evaluate", &curator, draft()).await;
    let id = r.json["id"].as_str().unwrap().to_string();
    // One running job per account.
    let second = t.post("/api/lexicons/evaluate", &curator, draft()).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.text);
    assert_eq!(second.json["id"], id.as_str());

    let cancel = format!("/api/lexicons/evaluate/{id}/cancel");
    let r = t.post(&cancel, &curator, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "cancelled");
    let ended = wait_until_ended(&t, &curator, &id).await;
    assert_eq!(ended["state"], "cancelled");
    assert!(ended.get("result").is_none());
    // It stopped: no evaluation row, progress short of the total, and it stays so.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let later = wait_until_ended(&t, &curator, &id).await;
    assert_eq!(later["done"], ended["done"]);
    assert!(later["done"].as_u64().unwrap() < 120, "{later}");
    assert!(t.audit_of(action::EVALUATE_LEXICON).is_empty());
    let rows = t.audit_of(action::CANCEL_EVALUATION);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].target.as_deref(), Some(id.as_str()));
    // Cancelling again is a conflict; a new job may start.
    let r = t.post(&cancel, &curator, json!({})).await;
    r.assert_error(StatusCode::CONFLICT);
    let r = t.post("/api/lexicons/evaluate", &curator, draft()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
}

#[tokio::test]
async fn only_its_curator_or_an_admin_sees_or_stops_a_job() {
    let t = paced().await;
    add_user(&t.room, "curator2", &[Role::Curator]);
    let (curator, other, admin, analyst) = (
        t.login("curator").await,
        t.login("curator2").await,
        t.login("admin").await,
        t.login("analyst").await,
    );
    let r = t.post("/api/lexicons/evaluate", &curator, draft()).await;
    let id = r.json["id"].as_str().unwrap().to_string();
    let (job, cancel) = (
        format!("/api/lexicons/evaluate/{id}"),
        format!("/api/lexicons/evaluate/{id}/cancel"),
    );
    // Another curator: as if there were no such job (and may start their own).
    t.get(&job, &other)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    t.post(&cancel, &other, json!({}))
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let own = t.post("/api/lexicons/evaluate", &other, draft()).await;
    assert_eq!(own.status, StatusCode::ACCEPTED, "{}", own.text);
    // Not a curator's or an admin's role: refused by the role layer.
    t.get(&job, &analyst)
        .await
        .assert_error(StatusCode::FORBIDDEN);
    // An admin sees and stops it; the row names the admin and the job's owner.
    let r = t.get(&job, &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["state"], "running");
    let r = t.post(&cancel, &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows = t.audit_of(action::CANCEL_EVALUATION);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "admin");
    assert_eq!(rows[0].detail["owner"], "curator");
    assert_eq!(
        wait_until_ended(&t, &curator, &id).await["state"],
        "cancelled"
    );
    // An admin never gets a result's posts: admins read no item text.
    let finished = wait_until_ended(&t, &other, own.json["id"].as_str().unwrap()).await;
    assert_eq!(finished["state"], "finished");
    assert!(finished["result"]["examples"].is_object());
    let by_admin = t
        .get(
            &format!(
                "/api/lexicons/evaluate/{}",
                own.json["id"].as_str().unwrap()
            ),
            &admin,
        )
        .await;
    assert_eq!(by_admin.json["state"], "finished");
    assert!(by_admin.json.get("result").is_none(), "{}", by_admin.text);
    // An unknown id.
    t.get("/api/lexicons/evaluate/0123456789abcdef", &curator)
        .await
        .assert_error(StatusCode::NOT_FOUND);
}
