//! Privacy by design: no raw handle anywhere in the databases by default, none in anything the
//! room hands out even when the store keeps them, raw text purged while trend counts stay,
//! and an audit log that cannot be rewritten.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use websense_room::audit::action;
use websense_signals::AuthorVault;

fn iso(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Every file under `dir` (databases, WAL and journal files included) that contains `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found
}

/// Use the room the way people do: read items, scan, decide, export, read the audit log.
async fn exercise(t: &TestRoom) -> String {
    let analyst = t.login("analyst").await;
    let liaison = t.login("i2o_liaison").await;
    let admin = t.login("admin").await;
    let mut seen = String::new();
    let at = iso(recent_hour() + Duration::minutes(10));
    seen += &t
        .get(&format!("/api/items?at={at}&limit=500"), &analyst)
        .await
        .text;
    let range = json!({"from": iso(recent_hour()), "to": iso(recent_hour() + Duration::hours(2))});
    seen += &t.post("/api/signals/scan", &analyst, range).await.text;
    let list = t.get("/api/signals?limit=1000", &analyst).await;
    seen += &list.text;
    for s in list.json["signals"].as_array().unwrap().iter().take(5) {
        let id = s["id"].as_str().unwrap();
        seen += &t
            .get(&format!("/api/signals/{id}/item"), &analyst)
            .await
            .text;
        seen += &t
            .post(
                &format!("/api/signals/{id}/confirm"),
                &analyst,
                json!({"reason": "casus"}),
            )
            .await
            .text;
    }
    seen += &t.get("/api/signals/export", &liaison).await.text;
    seen += &t.get("/api/signals/export?format=csv", &liaison).await.text;
    seen += &t.get("/api/audit/export?format=csv", &admin).await.text;
    websense_room::workers::run_retention(&t.room, Utc::now())
        .await
        .unwrap();
    seen
}

#[tokio::test]
async fn by_default_no_raw_handle_is_stored_anywhere() {
    let t = TestRoom::new().await;
    let seen = exercise(&t).await;
    assert!(!seen.contains("rawhandle"));
    assert_eq!(
        files_containing(t.dir.path(), b"rawhandle"),
        Vec::<PathBuf>::new()
    );
    // The check can fail: the pseudonyms it looks past are there.
    let p = t.recent[0]
        .item
        .author
        .as_ref()
        .unwrap()
        .pseudonym
        .0
        .as_bytes()
        .to_vec();
    assert!(!files_containing(t.dir.path(), &p).is_empty());
}

#[tokio::test]
async fn with_the_vault_on_handles_live_in_the_vault_file_only() {
    let t = TestRoom::with(Options {
        vault: true,
        ..Options::default()
    })
    .await;
    let vault = AuthorVault::open(t.dir.path().join("vault/authors.db")).unwrap();
    let key = pseudonym_key();
    for s in &t.recent {
        let source = &s.item.source.id;
        for n in 0..7 {
            let p = key.pseudonymise(source.as_str(), &handle(n));
            if s.item.author.as_ref().map(|a| &a.pseudonym) == Some(&p) {
                vault
                    .record(source, &p, &handle(n), s.item.event_time())
                    .unwrap();
            }
        }
    }
    exercise(&t).await;
    let found = files_containing(t.dir.path(), b"rawhandle");
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|f| f.starts_with(t.dir.path().join("vault"))),
        "{found:?}"
    );
}

#[tokio::test]
async fn handles_kept_by_the_store_never_leave_the_room() {
    let t = TestRoom::with(Options {
        keep_handles: true,
        ..Options::default()
    })
    .await;
    let seen = exercise(&t).await;
    assert!(!seen.contains("rawhandle"), "a handle left the room");
    let found = files_containing(t.dir.path(), b"rawhandle");
    assert!(
        !found.is_empty(),
        "the store keeps them in this configuration"
    );
    assert!(
        found
            .iter()
            .all(|f| f.starts_with(t.dir.path().join("store"))),
        "only the store holds handles: {found:?}"
    );
}

#[tokio::test]
async fn purging_removes_raw_text_and_keeps_trend_counts() {
    let t = TestRoom::new().await;
    let analyst = t.login("analyst").await;
    let old_day = recent_hour() - Duration::days(40);
    let series = format!(
        "bucket=1h&from={}&to={}",
        iso(old_day - Duration::hours(2)),
        iso(old_day + Duration::hours(3))
    );
    let trends = |t: &'static str| format!("/api/trends/{t}?{series}");
    let before_category = t
        .get(&trends("categories/anti_overheid"), &analyst)
        .await
        .json;
    let before_term = t
        .get(&trends("terms/complot/plandemie"), &analyst)
        .await
        .json;
    assert!(!before_category["points"].as_array().unwrap().is_empty());
    let at = iso(old_day + Duration::minutes(5));
    let before_items = t
        .get(&format!("/api/items?at={at}&limit=500"), &analyst)
        .await
        .json;
    assert!(before_items["items"][0]["text"].as_str().unwrap().len() > 3);

    let summary = websense_room::workers::run_retention(&t.room, Utc::now())
        .await
        .unwrap();
    assert_eq!(summary.items_purged, 40);
    assert_eq!(
        summary.cutoff.date_naive(),
        (Utc::now() - Duration::days(30)).date_naive()
    );

    assert_eq!(
        t.get(&trends("categories/anti_overheid"), &analyst)
            .await
            .json,
        before_category
    );
    assert_eq!(
        t.get(&trends("terms/complot/plandemie"), &analyst)
            .await
            .json,
        before_term
    );
    let after = t
        .get(&format!("/api/items?at={at}&limit=500"), &analyst)
        .await
        .json;
    let (b, a) = (
        before_items["items"].as_array().unwrap(),
        after["items"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (b, a) in b.iter().zip(a) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["text"], "");
        assert_eq!(a["url"], serde_json::Value::Null);
        assert_eq!(a["author_pseudonym"], serde_json::Value::Null);
        assert_eq!(a["text_purged"], true);
        assert_eq!(a["matches"], b["matches"], "matches and scores stay");
        assert_eq!(a["scores"], b["scores"]);
    }
    let totals = t.get("/api/totals", &analyst).await.json;
    assert_eq!(totals["totals"]["items"], 160);
    assert_eq!(totals["totals"]["purged_items"], 40);
    let recent = t
        .get(&format!("/api/items?at={}", iso(recent_hour())), &analyst)
        .await
        .json;
    assert_eq!(recent["items"][0]["text_purged"], false);

    let purges = t.audit_of(action::PURGE_RAW_TEXT);
    assert_eq!(purges.len(), 1);
    assert_eq!(purges[0].actor, "system");
    assert_eq!(purges[0].detail["items_purged"], 40);
    let again = websense_room::workers::run_retention(&t.room, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.items_purged, 0);
    // A purged item makes no new candidate.
    let r = t
        .post(
            "/api/signals/scan",
            &analyst,
            json!({"from": iso(old_day - Duration::hours(1)), "to": iso(old_day + Duration::hours(2))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["summary"]["items_purged"], 40);
    assert_eq!(r.json["summary"]["item_candidates"], 0);
}

#[tokio::test]
async fn the_audit_log_cannot_be_rewritten() {
    let t = TestRoom::new().await;
    t.login("analyst").await;
    t.room.db().blocking(|c| {
        let n: i64 = c
            .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        let e = c
            .execute("UPDATE audit_log SET actor = 'someone else'", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = c.execute("DELETE FROM audit_log", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let actor: String = c
            .query_row("SELECT actor FROM audit_log", [], |r| r.get(0))
            .unwrap();
        assert_eq!(actor, "analyst");
    });
}
