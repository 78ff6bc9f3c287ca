//! `websense run --once` with a `kind = "jetstream"` source, as a real process: Bluesky
//! events written here (posts with and without the lexicon's terms, in Dutch and English, a
//! delete, a malformed message) replayed by a local websocket server that cuts the first
//! connection -> collect (filtered by the `[matcher]` lexicons) -> bus -> score -> store,
//! compared with counts computed from the posts.

mod pipeline_common;

use futures_util::{SinkExt, StreamExt};
use pipeline_common::*;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use websense_store::SqliteStore;

/// A Jetstream event for `post`, its time `n` seconds after the first.
fn event(n: usize, post: &Post, lang: &str) -> (u64, String) {
    let time_us = 1_790_000_000_000_000 + n as u64 * 1_000_000;
    let record = serde_json::json!({
        "$type": "app.bsky.feed.post",
        "createdAt": post.published.to_rfc3339(),
        "langs": [lang],
        "text": post.text,
    });
    let event = serde_json::json!({
        "did": format!("did:plc:bewoner{}", n % 3),
        "time_us": time_us,
        "kind": "commit",
        "commit": {"rev": "r", "operation": "create", "collection": "app.bsky.feed.post",
                   "rkey": format!("post{n}"), "record": record, "cid": "bafy"},
    });
    (time_us, event.to_string())
}

/// Replays `events` from each connection's `cursor`; the first connection is cut after
/// `cut_after` events. Returns the address and the queries asked.
async fn replay(
    events: Vec<(u64, String)>,
    cut_after: usize,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let queries = Arc::new(Mutex::new(Vec::new()));
    let qs = queries.clone();
    tokio::spawn(async move {
        let mut connection = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            connection += 1;
            let (events, qs) = (events.clone(), qs.clone());
            let cut = (connection == 1).then_some(cut_after);
            tokio::spawn(async move {
                let mut query = String::new();
                // tungstenite's callback signature, not ours to shrink.
                #[allow(clippy::result_large_err)]
                let callback = |req: &Request, resp: Response| {
                    query = req.uri().query().unwrap_or_default().to_string();
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                    return;
                };
                qs.lock().unwrap().push(query.clone());
                let cursor: u64 = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("cursor="))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let todo = events.iter().filter(|(t, _)| *t >= cursor);
                for (i, (_, m)) in todo.enumerate() {
                    if cut == Some(i) {
                        return;
                    }
                    if ws.send(Message::text(m.clone())).await.is_err() {
                        return;
                    }
                }
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
    (addr, queries)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bluesky_live_reaches_the_store_through_websense_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_lexicons(&dir.join("lexicons"), "");
    let mut events = Vec::new();
    let mut kept = Vec::new();
    let mut last_kept = 0;
    for n in 0..40 {
        let p = post(n, epoch());
        // Every fifth post is English: the language filter drops it whatever its terms.
        let lang = if n % 5 == 4 { "en" } else { "nl" };
        if lang == "nl" && !p.terms.is_empty() {
            kept.push(p.clone());
            last_kept = n;
        }
        events.push(event(n, &p, lang));
        if n == 10 {
            events.push((events[n].0, "{\"time_us\": \"garbage\"".into()));
        }
    }
    assert!(kept.len() > 10 && kept.len() < 40, "{}", kept.len());
    let (addr, queries) = replay(events, 25).await;
    let config = format!(
        r#"
[collect]
allow_private_hosts = ["127.0.0.1"]
state_dir = "state"
default_interval = "1h"

[store]
backend = "embedded"
path = "data/websense.db"

[matcher]
lexicons = "lexicons"

[[sources]]
id = "bluesky-live"
kind = "jetstream"
url = "ws://{addr}/subscribe"
languages = ["nl"]
keywords_from_lexicons = true
max_items_per_round = {}
round_time = "3s"
"#,
        kept.len()
    );
    std::fs::write(dir.join("websense.toml"), config).unwrap();

    let mut run = Proc::websense("run", dir, &["run", "--config", "websense.toml", "--once"]);
    let status = run.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "websense run failed\n{}", run.output());
    let store = SqliteStore::open(dir.join("data/websense.db"))
        .await
        .unwrap();
    // Every Dutch post with a lexicon term once (the replayed overlap not twice), scored from
    // its text; the others never reached the store.
    assert_exact(&store, &kept).await;
    let asked = queries.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "one reconnect after the cut: {asked:?}");
    assert!(asked[1].contains("&cursor="), "{asked:?}");

    // Run again: it asks from where the first run stopped (its last kept post, less the
    // overlap), finds nothing new, stores nothing twice, and ends after its round time.
    let mut again = Proc::websense("run", dir, &["run", "--config", "websense.toml", "--once"]);
    let status = again.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "second run failed\n{}", again.output());
    assert_exact(
        &SqliteStore::open(dir.join("data/websense.db"))
            .await
            .unwrap(),
        &kept,
    )
    .await;
    let queries = queries.lock().unwrap().clone();
    assert_eq!(queries.len(), 3, "{queries:?}");
    let resume = event(last_kept, &post(last_kept, epoch()), "nl").0 - 2_000_000;
    assert!(
        queries[2].ends_with(&format!("&cursor={resume}")),
        "{queries:?}"
    );
}
