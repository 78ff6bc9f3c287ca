//! Telegram discovery through `websense run --once`, as a real process: a public channel's
//! preview page (`/s/wijkkanaal`, written here) served from a local HTTP server -> collect ->
//! bus -> score -> store, and the channels its posts forward from or link to recorded with
//! their counts in `state/telegram_mentions.json`, where the Room proposes them. Nothing is
//! fetched from a proposed channel until it is added (`state/telegram_channels.json`, which the
//! Room writes when an admin clicks "add"; written here with the same type); the next run
//! collects it into the store too, and it is no longer proposed.

mod pipeline_common;

use pipeline_common::*;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use websense_model::telegram::{
    ChannelDecision, ChannelDecisions, Mentions, CHANNELS_FILE, MENTIONS_FILE,
};
use websense_store::SqliteStore;

/// One post of a preview page: `(number, post, forwarded from, links)`.
type TgPost<'a> = (usize, &'a Post, Option<&'a str>, &'a [&'a str]);

/// A `t.me/s/CHANNEL` preview page of `posts`.
fn preview(channel: &str, posts: &[TgPost<'_>]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><body><section class=\"tgme_channel_history js-message_history\">",
    );
    for (n, post, forwarded, links) in posts {
        let _ = write!(
            html,
            "<div class=\"tgme_widget_message_wrap\"><div class=\"tgme_widget_message js-widget_message\" \
             data-post=\"{channel}/{n}\"><div class=\"tgme_widget_message_bubble\">"
        );
        if let Some(from) = forwarded {
            let _ = write!(
                html,
                "<div class=\"tgme_widget_message_forwarded_from accent_color\">Forwarded from \
                 <a class=\"tgme_widget_message_forwarded_from_name\" href=\"{from}\"><span>x</span></a></div>"
            );
        }
        let _ = write!(
            html,
            "<div class=\"tgme_widget_message_text js-message_text\" dir=\"auto\">{}",
            post.text
        );
        for link in *links {
            let _ = write!(html, " <a href=\"{link}\">link</a>");
        }
        let _ = write!(
            html,
            "</div><a class=\"tgme_widget_message_date\" href=\"https://t.me/{channel}/{n}\">\
             <time datetime=\"{}\">12:00</time></a></div></div></div>",
            post.published.to_rfc3339()
        );
    }
    html + "</section></body></html>"
}

/// Serves `/s/{channel}` from `pages` on 127.0.0.1 and counts requests per channel.
struct TelegramServer {
    addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl TelegramServer {
    fn start(pages: HashMap<String, String>) -> TelegramServer {
        use axum::extract::{Path, State};
        type Shared = (
            Arc<HashMap<String, String>>,
            Arc<Mutex<HashMap<String, usize>>>,
        );
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let state: Shared = (Arc::new(pages), hits.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                    .await
                    .unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app =
                    axum::Router::new()
                        .route(
                            "/s/{channel}",
                            axum::routing::get(
                                |State((pages, hits)): State<Shared>,
                                 Path(channel): Path<String>| async move {
                                    *hits.lock().unwrap().entry(channel.clone()).or_default() += 1;
                                    match pages.get(&channel) {
                                        Some(page) => (
                                            axum::http::StatusCode::OK,
                                            [("content-type", "text/html; charset=utf-8")],
                                            page.clone(),
                                        ),
                                        None => (
                                            axum::http::StatusCode::NOT_FOUND,
                                            [("content-type", "text/plain")],
                                            String::new(),
                                        ),
                                    }
                                },
                            ),
                        )
                        .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        TelegramServer {
            addr: rx.recv().unwrap(),
            hits,
        }
    }

    fn hits(&self, channel: &str) -> usize {
        self.hits.lock().unwrap().get(channel).copied().unwrap_or(0)
    }
}

async fn run_once(dir: &std::path::Path, what: &str) {
    let mut run = Proc::websense(what, dir, &["run", "--config", "websense.toml", "--once"]);
    let status = run.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "websense run failed\n{}", run.output());
}

/// (forwards, links) per channel key.
fn counts(dir: &std::path::Path) -> Vec<(String, u64, u64)> {
    Mentions::read(&dir.join("state").join(MENTIONS_FILE))
        .unwrap()
        .channels
        .into_iter()
        .map(|(k, c)| (k, c.forwards, c.links))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_are_recorded_and_an_added_channel_reaches_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_lexicons(&dir.join("lexicons"), "");
    let wijk: Vec<Post> = (0..6).map(|n| post(n, epoch())).collect();
    let andere: Vec<Post> = (100..104).map(|n| post(n, epoch())).collect();
    let wijk_page = preview(
        "wijkkanaal",
        &[
            (1, &wijk[0], Some("https://t.me/BronKanaal/345"), &[]),
            (2, &wijk[1], None, &["https://t.me/s/andere_bron"]),
            // Invite links, bots and the channel's own posts are no proposals.
            (
                3,
                &wijk[2],
                None,
                &[
                    "https://t.me/+AbCdEfGhIj",
                    "https://t.me/joinchat/AAAAAE",
                    "https://t.me/WijkBot",
                    "https://t.me/wijkkanaal/1",
                ],
            ),
            (4, &wijk[3], None, &["https://t.me/andere_bron/12"]),
            (
                5,
                &wijk[4],
                Some("https://t.me/BronKanaal/346"),
                &["https://t.me/BronKanaal"],
            ),
            (6, &wijk[5], None, &[]),
        ],
    );
    let andere_page = preview(
        "andere_bron",
        &[
            (1, &andere[0], Some("https://t.me/wijkkanaal/2"), &[]),
            (2, &andere[1], None, &["https://t.me/derde_kanaal"]),
            (3, &andere[2], None, &[]),
            (4, &andere[3], None, &[]),
        ],
    );
    let server = TelegramServer::start(HashMap::from([
        ("wijkkanaal".to_string(), wijk_page),
        ("andere_bron".to_string(), andere_page),
    ]));
    let config = format!(
        r#"
[collect]
allow_private_hosts = ["127.0.0.1"]
per_host_rate = 50.0
per_host_burst = 10
state_dir = "state"
default_interval = "1h"

[store]
backend = "embedded"
path = "data/websense.db"

[matcher]
lexicons = "lexicons"

[[sources]]
id = "wijk"
kind = "telegram"
channel = "wijkkanaal"
base_url = "http://{}"
"#,
        server.addr
    );
    std::fs::write(dir.join("websense.toml"), config).unwrap();

    run_once(dir, "run").await;
    let db = dir.join("data/websense.db");
    assert_exact(&SqliteStore::open(&db).await.unwrap(), &wijk).await;
    assert_eq!(
        counts(dir),
        [
            ("andere_bron".to_string(), 0, 2),
            ("bronkanaal".to_string(), 2, 1),
        ]
    );
    let mentions = Mentions::read(&dir.join("state").join(MENTIONS_FILE)).unwrap();
    assert_eq!(mentions.channels["bronkanaal"].name, "BronKanaal");
    assert_eq!(mentions.channels["andere_bron"].by["wijk"], 2);
    assert_eq!(server.hits("andere_bron"), 0, "no snowballing");

    // An admin adds `andere_bron` in the Room (which writes this file): the next run collects
    // it, into the same store, and it is no longer proposed; what it mentions is.
    let decision = ChannelDecision {
        name: "andere_bron".into(),
        by: "beheer".into(),
        at: chrono::Utc::now(),
        reason: Some("veel gelinkt".into()),
        via: Some("wijk".into()),
    };
    ChannelDecisions {
        added: [("andere_bron".to_string(), decision)].into(),
        dismissed: Default::default(),
    }
    .write(&dir.join("state").join(CHANNELS_FILE))
    .unwrap();
    run_once(dir, "run-2").await;
    assert_eq!(server.hits("andere_bron"), 1);
    let all: Vec<Post> = wijk.iter().chain(&andere).cloned().collect();
    assert_exact(&SqliteStore::open(&db).await.unwrap(), &all).await;
    assert_eq!(
        counts(dir),
        [
            ("bronkanaal".to_string(), 2, 1),
            ("derde_kanaal".to_string(), 0, 1),
        ],
        "the posts of the first run are not counted again; the collected channels never"
    );
}
