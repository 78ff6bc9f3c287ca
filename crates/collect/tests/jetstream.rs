//! `kind = "jetstream"` against a local websocket server that replays fixture events written
//! here: the connection dropped mid-stream and resumed from the right cursor, the language
//! and keyword filters, malformed messages and deletes skipped, the next round resuming from
//! the saved cursor, and the SSRF guard on the websocket host.

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;
use websense_collect::{Cursor, SourceStatus};

const T0: u64 = 1_725_911_162_000_000;
const SECOND: u64 = 1_000_000;

fn post(n: u64, text: &str, lang: &str) -> (u64, String) {
    let time = T0 + n * SECOND;
    (
        time,
        format!(
            r#"{{"did":"did:plc:user{n}","time_us":{time},"kind":"commit","commit":{{"rev":"r{n}","operation":"create","collection":"app.bsky.feed.post","rkey":"post{n}","record":{{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:0{}.000Z","langs":["{lang}"],"text":"{text}"}},"cid":"bafy{n}"}}}}"#,
            n % 10
        ),
    )
}

fn raw(n: u64, json: &str) -> (u64, String) {
    (
        T0 + n * SECOND,
        json.replace("TIME", &(T0 + n * SECOND).to_string()),
    )
}

/// The fixture stream: kept posts are the Dutch ones about `stikstof`.
fn events() -> Vec<(u64, String)> {
    vec![
        post(0, "Stikstof: de raad besluit vandaag", "nl"),
        post(1, "Het weer is mooi", "nl"),
        raw(
            2,
            r#"{"did":"did:plc:x","time_us":TIME,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"old"}}"#,
        ),
        post(3, "Nitrogen (stikstof) policy in the Netherlands", "en"),
        raw(4, "{not json at all"),
        post(5, "Boeren boos over STIKSTOFbeleid", "nl"),
        raw(
            6,
            r#"{"did":"did:plc:x","time_us":TIME,"kind":"identity","identity":{"handle":"x.bsky.social"}}"#,
        ),
        post(7, "Stikstofdemo bij het provinciehuis", "nl-NL"),
        post(8, "Weer een stikstofplan", "nl"),
    ]
}

/// A Jetstream stand-in: every connection gets the events from its `cursor` on; the first
/// connection is cut (no close frame) after `cut_after` events. Records each request's query.
struct Replay {
    addr: SocketAddr,
    events: Arc<Mutex<Vec<(u64, String)>>>,
    queries: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    async fn start(events: Vec<(u64, String)>, cut_after: Option<usize>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let events = Arc::new(Mutex::new(events));
        let queries = Arc::new(Mutex::new(Vec::new()));
        let (ev, qs) = (events.clone(), queries.clone());
        tokio::spawn(async move {
            let mut connection = 0usize;
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                connection += 1;
                let (ev, qs) = (ev.clone(), qs.clone());
                let cut = cut_after.filter(|_| connection == 1);
                tokio::spawn(async move {
                    let mut query = String::new();
                    // tungstenite's callback signature, not ours to shrink.
                    #[allow(clippy::result_large_err)]
                    let callback = |req: &Request, resp: Response| {
                        query = req.uri().query().unwrap_or_default().to_string();
                        Ok(resp)
                    };
                    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await
                    else {
                        return;
                    };
                    qs.lock().unwrap().push(query.clone());
                    let cursor: u64 = query
                        .split('&')
                        .find_map(|kv| kv.strip_prefix("cursor="))
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(0);
                    let todo: Vec<String> = ev
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|(t, _)| *t >= cursor)
                        .map(|(_, m)| m.clone())
                        .collect();
                    for (i, m) in todo.into_iter().enumerate() {
                        if cut == Some(i) {
                            return; // dropped: the socket goes without a close frame
                        }
                        if ws.send(Message::text(m)).await.is_err() {
                            return;
                        }
                    }
                    // Live and quiet: hold the connection until the client hangs up.
                    while let Some(Ok(_)) = ws.next().await {}
                });
            }
        });
        Replay {
            addr,
            events,
            queries,
        }
    }

    fn queries(&self) -> Vec<String> {
        self.queries.lock().unwrap().clone()
    }
}

fn jetstream_source(addr: SocketAddr, extra: &str) -> String {
    source(
        "bsky-live",
        "jetstream",
        &format!(
            "url = \"ws://{addr}/subscribe\"\nlanguages = [\"nl\"]\nkeywords = [\"stikstof\"]\n{extra}"
        ),
    )
}

fn texts(items: &[websense_model::Item]) -> Vec<String> {
    items.iter().map(|i| i.text.clone()).collect()
}

fn warnings(state: &std::path::Path) -> Vec<String> {
    let all: Vec<SourceStatus> =
        serde_json::from_slice(&std::fs::read(state.join("status.json")).unwrap()).unwrap();
    all.into_iter()
        .find(|s| s.id.as_str() == "bsky-live")
        .unwrap()
        .warnings
}

fn saved_cursor(state: &std::path::Path) -> Cursor {
    let text = std::fs::read_to_string(state.join("cursors/bsky-live.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_cut_connection_resumes_from_the_cursor_and_keeps_only_wanted_posts() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dir.path().join("items.jsonl");
    // Cut after six events: the Dutch `stikstof` post 5 was the last one read.
    let server = Replay::start(events(), Some(6)).await;
    let config = config_text(
        &state,
        "",
        &jetstream_source(server.addr, "max_items_per_round = 4\nround_time = \"10s\""),
    );
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    assert_eq!(
        texts(&items),
        [
            "Stikstof: de raad besluit vandaag",
            "Boeren boos over STIKSTOFbeleid",
            "Stikstofdemo bij het provinciehuis",
            "Weer een stikstofplan",
        ],
        "Dutch posts with the keyword, each once although posts 3-5 came twice"
    );
    let queries = server.queries();
    assert_eq!(queries.len(), 2, "one reconnect: {queries:?}");
    assert_eq!(queries[0], "wantedCollections=app.bsky.feed.post");
    assert_eq!(
        queries[1],
        format!(
            "wantedCollections=app.bsky.feed.post&cursor={}",
            T0 + 5 * SECOND - 2 * SECOND
        ),
        "resumed two seconds before the newest event read (post 5; event 4 was malformed)"
    );
    let first = &items[0];
    assert_eq!(
        first.url.as_deref(),
        Some("https://bsky.app/profile/did:plc:user0/post/post0")
    );
    assert_eq!(first.source.kind.as_str(), "bluesky");
    let author = first.author.as_ref().unwrap();
    assert_eq!(author.handle, None, "the DID is not kept");
    assert!(!author.pseudonym.to_string().contains("did:plc"));
    assert_eq!(
        saved_cursor(&state).last_id,
        Some((T0 + 8 * SECOND).to_string()),
        "the cursor is the newest event read"
    );
    let said = warnings(&state);
    assert!(
        said.iter()
            .any(|w| w.contains("malformed") && w.contains("not JSON")),
        "the malformed message is reported: {said:?}"
    );
    assert!(
        said.iter().any(|w| w.contains("reconnecting")),
        "the cut is reported: {said:?}"
    );

    // The next round asks from the saved cursor and hands on only what is new.
    server
        .events
        .lock()
        .unwrap()
        .push(post(9, "Nieuw stikstofakkoord", "nl"));
    let summary = collect_once(
        &config.replace("max_items_per_round = 4", "max_items_per_round = 1"),
        &out,
    )
    .await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    let items = read_items(&out);
    assert_eq!(items.len(), 5);
    assert_eq!(items[4].text, "Nieuw stikstofakkoord");
    assert_eq!(
        server.queries()[2],
        format!(
            "wantedCollections=app.bsky.feed.post&cursor={}",
            T0 + 8 * SECOND - 2 * SECOND
        )
    );
    assert_eq!(
        saved_cursor(&state).last_id,
        Some((T0 + 9 * SECOND).to_string())
    );
}

#[tokio::test]
async fn a_round_ends_after_its_time_with_what_it_read() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dir.path().join("items.jsonl");
    let server = Replay::start(events(), None).await;
    let config = config_text(
        &state,
        "",
        &jetstream_source(server.addr, "round_time = \"500ms\""),
    );
    let started = std::time::Instant::now();
    let summary = collect_once(&config, &out).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    assert_eq!(read_items(&out).len(), 4);
    assert_eq!(
        server.queries().len(),
        1,
        "a quiet stream is not a lost one"
    );
}

#[tokio::test]
async fn a_websocket_to_a_private_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dir.path().join("items.jsonl");
    let server = Replay::start(events(), None).await;
    let config = config_text(
        &state,
        "allow_private_networks = false",
        &jetstream_source(server.addr, "round_time = \"30s\""),
    );
    let started = std::time::Instant::now();
    let summary = collect_once(&config, &out).await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "a refused host is not retried until the round ends"
    );
    assert_eq!(summary.sources_failed, 1);
    assert!(
        summary.failures[0].message.contains("not a public address")
            || summary.failures[0].message.contains("non-public"),
        "{}",
        summary.failures[0].message
    );
    assert!(server.queries().is_empty(), "never connected");
    assert!(read_items(&out).is_empty());
}

#[tokio::test]
async fn lexicon_keywords_need_a_lexicon_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = dir.path().join("items.jsonl");
    let server = Replay::start(events(), None).await;
    let sources = source(
        "bsky-live",
        "jetstream",
        &format!(
            "url = \"ws://{}/subscribe\"\nkeywords_from_lexicons = true\nround_time = \"2s\"",
            server.addr
        ),
    );
    let summary = collect_once(&config_text(&state, "", &sources), &out).await;
    assert_eq!(summary.sources_failed, 1);
    assert!(
        summary.failures[0].message.contains("no lexicon directory"),
        "{}",
        summary.failures[0].message
    );
}
