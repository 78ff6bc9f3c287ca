//! Telegram discovery in the collector: the channels a collected channel forwards from or
//! links to are counted into `telegram_mentions.json`, once per post; a channel an admin
//! added (`telegram_channels.json`, written by the Room) is collected from the next round on,
//! also by a collector that is already running; a dismissed one never is.

mod common;

use chrono::Utc;
use common::*;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use websense_collect::{Config, FileCursorStore, JsonlSink};
use websense_model::telegram::{
    ChannelDecision, ChannelDecisions, Mentions, CHANNELS_FILE, MENTIONS_FILE,
};

const EMPTY: &str = "telegram_empty.html";

/// `/s/kanaal_een`: the mentions fixture (posts 101-104), then an empty page; `/s/andere_bron`:
/// one post forwarded from `derde_kanaal`, then an empty page.
fn serve(server: &TestServer) {
    server.route("/s/kanaal_een", |hit, _| {
        let page = if hit.query.contains("before=") {
            EMPTY
        } else {
            "telegram_mentions.html"
        };
        Reply::ok(fixture(page), "text/html; charset=utf-8")
    });
    server.route("/s/andere_bron", |hit, _| {
        if hit.query.contains("before=") {
            return Reply::ok(fixture(EMPTY), "text/html");
        }
        Reply::ok(
            "<html><body><section class=\"tgme_channel_history\">\
             <div class=\"tgme_widget_message\" data-post=\"andere_bron/7\">\
             <div class=\"tgme_widget_message_bubble\">\
             <div class=\"tgme_widget_message_forwarded_from\">Forwarded from \
             <a class=\"tgme_widget_message_forwarded_from_name\" href=\"https://t.me/derde_kanaal/1\">Derde</a></div>\
             <div class=\"tgme_widget_message_text\">Doorgestuurd bericht</div>\
             </div></div></section></body></html>",
            "text/html; charset=utf-8",
        )
    });
}

fn config(state: &Path, server: &TestServer, overrides: &str) -> String {
    let base = format!("base_url = \"{}\"", server.url(""));
    config_text(
        state,
        overrides,
        &format!(
            "{}{}",
            source(
                "tg",
                "telegram",
                &format!("channel = \"kanaal_een\"\n{base}")
            ),
            // Configured but switched off: collected in the configuration's eyes, never
            // proposed.
            source(
                "vierde",
                "telegram",
                &format!("channel = \"Vierde_Kanaal\"\nenabled = false\n{base}")
            ),
        ),
    )
}

/// (forwards, links, mentions by `tg`) per channel key.
fn counts(state: &Path) -> Vec<(String, u64, u64, u64)> {
    let m = Mentions::read(&state.join(MENTIONS_FILE)).unwrap();
    m.channels
        .iter()
        .map(|(k, c)| {
            (
                k.clone(),
                c.forwards,
                c.links,
                c.by.get("tg").copied().unwrap_or(0),
            )
        })
        .collect()
}

fn decide(state: &Path, add: &[&str], dismiss: &[&str]) {
    let decision = |name: &&str| {
        (
            name.to_ascii_lowercase(),
            ChannelDecision {
                name: name.to_string(),
                by: "beheer".into(),
                at: Utc::now(),
                reason: None,
                via: Some("tg".into()),
            },
        )
    };
    ChannelDecisions {
        added: add.iter().map(decision).collect(),
        dismissed: dismiss.iter().map(decision).collect(),
    }
    .write(&state.join(CHANNELS_FILE))
    .unwrap();
}

fn hits(server: &TestServer, path: &str) -> usize {
    server.hits(path).len()
}

#[tokio::test]
async fn mentions_are_counted_once_and_added_channels_are_collected() {
    let server = TestServer::start().await;
    serve(&server);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dir.path().join("items.jsonl");
    let text = config(&state, &server, "");

    let summary = collect_once(&text, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let first = vec![
        ("andere_bron".to_string(), 0, 2, 2),
        ("bronkanaal".to_string(), 1, 1, 2),
        ("derde_kanaal".to_string(), 0, 1, 1),
    ];
    assert_eq!(counts(&state), first, "vierde_kanaal is configured");
    let file = Mentions::read(&state.join(MENTIONS_FILE)).unwrap();
    assert_eq!(file.channels["derde_kanaal"].name, "Derde_Kanaal");

    // The same posts again: handed on before, counted before.
    collect_once(&text, &out).await;
    assert_eq!(counts(&state), first);
    assert_eq!(
        hits(&server, "/s/andere_bron"),
        0,
        "nothing is added on its own"
    );

    // An admin adds one channel and dismisses another: the added one is collected with the
    // base URL of the source that mentioned it, and is no longer counted; the dismissed one
    // is still counted (it stays a proposal the Room hides) and never fetched.
    decide(&state, &["andere_bron"], &["derde_kanaal"]);
    let summary = collect_once(&text, &out).await;
    assert_eq!(summary.sources, 2, "tg and the added channel");
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    let added = items_of(&items, "telegram-andere_bron");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].source.tags, ["bron:ontdekt"]);
    assert_eq!(hits(&server, "/s/derde_kanaal"), 0);
    let m = Mentions::read(&state.join(MENTIONS_FILE)).unwrap();
    assert!(!m.channels.contains_key("andere_bron"), "{m:?}");
    let derde = &m.channels["derde_kanaal"];
    assert_eq!((derde.forwards, derde.links), (1, 1));
    assert_eq!(derde.by["telegram-andere_bron"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_collector_picks_up_an_added_channel() {
    let server = TestServer::start().await;
    serve(&server);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let text = config(&state, &server, "default_interval = \"1s\"");
    let config = Config::from_toml(&text).unwrap();
    let sink = Arc::new(JsonlSink::append_to(&dir.path().join("items.jsonl")).unwrap());
    let cursors = Arc::new(FileCursorStore::new(&state).unwrap());
    let collector = websense_collect::Collector::new(&config, sink, cursors).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = {
        let collector = collector.clone();
        tokio::spawn(async move { collector.run(stopped).await })
    };
    let wait = |path: &'static str| {
        let server = &server;
        async move {
            let until = Instant::now() + Duration::from_secs(20);
            while hits(server, path) == 0 {
                assert!(Instant::now() < until, "{path} never asked for");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    wait("/s/kanaal_een").await;
    assert_eq!(collector.source_count(), 1);
    decide(&state, &["andere_bron"], &[]);
    wait("/s/andere_bron").await;
    assert_eq!(collector.source_count(), 2);
    let _ = stop.send(true);
    let summary = tokio::time::timeout(Duration::from_secs(20), running)
        .await
        .expect("stops")
        .unwrap();
    assert_eq!(summary.sources, 2);
    let status: Vec<websense_model::SourceStatus> =
        serde_json::from_slice(&std::fs::read(state.join("status.json")).unwrap()).unwrap();
    assert!(
        status
            .iter()
            .any(|s| s.id.as_str() == "telegram-andere_bron" && s.last_success.is_some()),
        "{status:?}"
    );
}
