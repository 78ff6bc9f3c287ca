//! Paged sources whose later pages fail: what the earlier pages brought is handed on, and the
//! cursor keeps the failed page so that a later round goes on from there.

mod common;

use common::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use websense_collect::{Cursor, Resume};

fn status_of(dir: &std::path::Path, id: &str) -> websense_collect::SourceStatus {
    let all: Vec<websense_collect::SourceStatus> =
        serde_json::from_slice(&std::fs::read(dir.join("state/status.json")).unwrap()).unwrap();
    all.into_iter().find(|s| s.id.as_str() == id).unwrap()
}

fn cursor_of(dir: &std::path::Path, id: &str) -> Cursor {
    serde_json::from_slice(&std::fs::read(dir.join(format!("state/cursors/{id}.json"))).unwrap())
        .unwrap()
}

#[tokio::test]
async fn mastodon_keeps_page_one_when_page_two_fails_and_resumes_later() {
    let server = TestServer::start().await;
    let base = server.url("");
    let path = "/api/v1/timelines/public";
    let page_two_up = Arc::new(AtomicBool::new(false));
    let up = page_two_up.clone();
    let next = format!("<{base}{path}?max_id=110001>; rel=\"next\"");
    server.route(path, move |hit, _| {
        if hit.query.contains("max_id=110001") {
            if up.load(Ordering::SeqCst) {
                Reply::ok(fixture("mastodon_page2.json"), "application/json")
            } else {
                Reply::status(500)
            }
        } else if hit.query.contains("since_id=") {
            // Nothing newer since the last round.
            Reply::ok(b"[]".to_vec(), "application/json")
        } else {
            Reply::ok(fixture("mastodon_page1.json"), "application/json").header("link", &next)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "max_retries = 2",
        &source(
            "masto",
            "mastodon",
            &format!("instance = \"{base}\"\ntimeline = \"public\""),
        ),
    );

    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    assert_eq!(read_items(&out).len(), 3, "page one is handed on");
    let status = status_of(dir.path(), "masto");
    assert!(
        status.warnings.iter().any(|w| w.contains("max_id=110001")),
        "{:?}",
        status.warnings
    );
    let cursor = cursor_of(dir.path(), "masto");
    assert_eq!(cursor.last_id.as_deref(), Some("110003"));
    assert_eq!(
        cursor.resume,
        vec![Resume {
            next: format!("{base}{path}?max_id=110001"),
            until_id: None,
        }]
    );

    // Still down: nothing lost, the gap is kept.
    collect_once(&config, &out).await;
    assert_eq!(read_items(&out).len(), 3);
    assert_eq!(cursor_of(dir.path(), "masto").resume.len(), 1);

    // Back up: the next round fetches what is new (nothing), then the gap.
    page_two_up.store(true, Ordering::SeqCst);
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    assert_eq!(items.len(), 5, "page two arrives in a later round");
    let cursor = cursor_of(dir.path(), "masto");
    assert!(cursor.resume.is_empty(), "{:?}", cursor.resume);
    assert_eq!(cursor.last_id.as_deref(), Some("110003"));
    assert!(status_of(dir.path(), "masto").warnings.is_empty());
}

#[tokio::test]
async fn reddit_keeps_page_one_when_the_next_page_is_garbage() {
    let server = TestServer::start().await;
    let base = server.url("");
    let broken = Arc::new(AtomicBool::new(true));
    let b = broken.clone();
    server.route("/r/stad/new.json", move |hit, _| {
        if hit.query.contains("after=t3_r0002") {
            if b.load(Ordering::SeqCst) {
                Reply::ok(b"<html>oeps</html>".to_vec(), "text/html")
            } else {
                Reply::ok(fixture("reddit_page2.json"), "application/json")
            }
        } else {
            Reply::ok(fixture("reddit_page1.json"), "application/json")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "max_retries = 0",
        &source(
            "red",
            "reddit",
            &format!("subreddit = \"stad\"\nbase_url = \"{base}\""),
        ),
    );
    collect_once(&config, &out).await;
    assert_eq!(read_items(&out).len(), 2);
    assert_eq!(cursor_of(dir.path(), "red").resume[0].next, "t3_r0002");
    broken.store(false, Ordering::SeqCst);
    collect_once(&config, &out).await;
    assert_eq!(read_items(&out).len(), 4);
    assert!(cursor_of(dir.path(), "red").resume.is_empty());
}

#[tokio::test]
async fn a_lone_surrogate_costs_no_record() {
    let server = TestServer::start().await;
    let base = server.url("");
    let body = br#"[{"id":"7","uri":"https://m.example/s/7","url":"https://m.example/@a/7","content":"<p>afgekapt \ud83d</p>","account":{"acct":"a@m.example"}},
        {"id":"6","uri":"https://m.example/s/6","content":"<p>heel \ud83d\ude00</p>","account":{"acct":"b@m.example"}}]"#;
    server.fixed(
        "/api/v1/timelines/public",
        Reply::ok(body.to_vec(), "application/json"),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "max_retries = 0",
        &source(
            "masto",
            "mastodon",
            &format!("instance = \"{base}\"\ntimeline = \"public\""),
        ),
    );
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let mut texts: Vec<String> = read_items(&out).into_iter().map(|i| i.text).collect();
    texts.sort();
    assert_eq!(texts, vec!["afgekapt \u{FFFD}", "heel 😀"]);
    assert!(status_of(dir.path(), "masto")
        .warnings
        .iter()
        .any(|w| w.contains("surrogate")));
}
