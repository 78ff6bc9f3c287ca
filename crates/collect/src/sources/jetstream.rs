//! One round of a `jetstream` source: Bluesky followed live through a Jetstream websocket.
//!
//! A round connects (asking for `app.bsky.feed.post` only, from the cursor), reads events
//! until it kept `max_items_per_round` posts or `round_time` passed, and hangs up; the
//! collector hands the posts on and only then saves the newest `time_us` read as the
//! cursor, as for every source. The next round asks again from that time, less
//! [`OVERLAP_US`] (events near a cut may come in any order; the remembered item ids make the
//! repeats harmless).
//!
//! * **Bounded memory.** A round holds at most `max_items_per_round` items and one message
//!   (messages and frames are capped at [`MAX_MESSAGE`]). The socket is read only while there
//!   is room: while the sink is slow the round is not reading, and between rounds the
//!   connection is closed, so the backlog waits on Jetstream's side (which replays from the
//!   cursor), not in memory, and nothing is dropped.
//! * **Reconnects.** A connection lost or refused within a round is tried again from the
//!   newest event read (less the overlap), waiting by the shared [`Backoff`]; after
//!   [`MAX_FAILURES`] failures in a row the round ends with what it has (a warning), or fails
//!   when it has nothing.
//! * **Hostile input.** A message that is not an event is a warning (the first
//!   [`MAX_WARNINGS`], then a count) and skipped.
//! * **SSRF.** The host is resolved and checked by the same policy as every HTTP fetch, and
//!   the socket opened to exactly the addresses checked.

use super::{Harvest, RoundError};
use crate::config::{JetstreamSpec, Source};
use crate::cursor::{Cursor, SeenIds};
use crate::http::Fetcher;
use crate::parse::jetstream::{parse_event, EventKind, Prefilter};
use crate::parse::ItemContext;
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Url;
use websense_model::Backoff;

/// How far before the cursor a round asks to start (Jetstream's advice: a few seconds).
pub const OVERLAP_US: u64 = 2_000_000;
/// The largest message or frame read; a post event is a few KiB.
const MAX_MESSAGE: usize = 1 << 20;
/// Connection failures in a row that end a round.
const MAX_FAILURES: u32 = 5;
/// Malformed messages reported one by one per round; the rest are counted.
const MAX_WARNINGS: usize = 10;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a round read besides the posts it kept, for the log.
#[derive(Debug, Default)]
struct Tally {
    events: u64,
    posts: u64,
    kept: u64,
    other_language: u64,
    no_keyword: u64,
    deleted: u64,
    /// Posts read before (overlap, reconnects).
    replayed: u64,
    malformed: u64,
    connections: u32,
}

/// Run one round of a `jetstream` source.
pub(super) async fn harvest(
    source: &Source,
    fetcher: &Fetcher,
    cursor: &Cursor,
    seen: &SeenIds,
    ctx: &ItemContext,
    spec: &JetstreamSpec,
) -> Result<Harvest, RoundError> {
    let fail = |url: &Url, message: String| RoundError {
        url: url.to_string(),
        message,
        retry_after: None,
    };
    let filter = prefilter(spec).map_err(|m| fail(&spec.url, m))?;
    let deadline = Instant::now() + spec.round_time;
    let mut out = Harvest::default();
    let mut tally = Tally::default();
    // The newest event read: where a reconnect (and the next round) resumes.
    let mut newest: Option<u64> = cursor.last_id.as_deref().and_then(|c| c.parse().ok());
    let backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(30));
    let mut failures = 0u32;
    let mut last_error = String::new();
    let max_items = spec.max_items_per_round as usize;
    // Posts read again after a reconnect or from the overlap are not kept twice, and do not
    // count towards `max_items_per_round`.
    let mut taken = HashSet::new();
    'round: while out.items.len() < max_items && Instant::now() < deadline {
        if failures > 0 {
            if failures >= MAX_FAILURES {
                break;
            }
            let wait = backoff.delay(failures - 1);
            if Instant::now() + wait >= deadline {
                break;
            }
            tokio::time::sleep(wait).await;
        }
        let url = subscribe_url(&spec.url, newest);
        let connected = tokio::time::timeout_at(deadline, connect(fetcher, &url)).await;
        let mut socket = match connected {
            Err(_) => break,
            Ok(Err(e)) => {
                // A host the SSRF policy refuses stays refused: no retry.
                failures = if e.starts_with("refused") {
                    MAX_FAILURES
                } else {
                    failures + 1
                };
                last_error = e;
                continue;
            }
            Ok(Ok(s)) => s,
        };
        tally.connections += 1;
        if tally.connections > 1 {
            tracing::info!(source = %source.id, url = %url, "jetstream reconnected");
        }
        loop {
            if out.items.len() >= max_items {
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                break 'round;
            }
            let message = match tokio::time::timeout_at(deadline, socket.next()).await {
                Err(_) => {
                    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                    break 'round;
                }
                Ok(None) => {
                    last_error = "the server closed the connection".into();
                    break;
                }
                Ok(Some(Err(e))) => {
                    last_error = format!("connection lost: {e}");
                    break;
                }
                Ok(Some(Ok(m))) => m,
            };
            // A message read means the connection works: failures count anew.
            failures = 0;
            let text = match message {
                Message::Text(t) => t,
                Message::Close(frame) => {
                    last_error = format!(
                        "the server closed the connection{}",
                        frame
                            .map(|f| format!(": {} {}", f.code, f.reason))
                            .unwrap_or_default()
                    );
                    break;
                }
                // Pings are answered by the library; Jetstream sends no binary frames unless
                // asked for compression, which websense does not ask for.
                Message::Binary(_) => {
                    malformed(
                        &mut out,
                        &mut tally,
                        "a binary message (not asked for)".into(),
                    );
                    continue;
                }
                _ => continue,
            };
            let event = match parse_event(text.as_str()) {
                Ok(e) => e,
                Err(e) => {
                    malformed(&mut out, &mut tally, e.0);
                    continue;
                }
            };
            tally.events += 1;
            newest = Some(newest.map_or(event.time_us, |n| n.max(event.time_us)));
            match event.what {
                EventKind::Deleted => tally.deleted += 1,
                EventKind::Other => {}
                EventKind::Post(post) => {
                    tally.posts += 1;
                    if !filter.language_ok(&post) {
                        tally.other_language += 1;
                    } else if !filter.keywords_ok(&post) {
                        tally.no_keyword += 1;
                    } else {
                        let item = post.into_item(ctx);
                        if seen.contains(&item.id) || !taken.insert(item.id.clone()) {
                            tally.replayed += 1;
                        } else {
                            tally.kept += 1;
                            out.items.push(item);
                        }
                    }
                }
            }
        }
        // The connection was lost: try again from the newest event read.
        failures += 1;
        out.warnings.push(format!(
            "jetstream {}: {last_error}; reconnecting from the newest event read",
            spec.url
        ));
    }
    if tally.malformed > MAX_WARNINGS as u64 {
        out.warnings.push(format!(
            "{} more malformed messages skipped",
            tally.malformed - MAX_WARNINGS as u64
        ));
    }
    if tally.connections == 0 {
        return Err(fail(
            &spec.url,
            if last_error.is_empty() {
                format!("no connection within round_time ({:?})", spec.round_time)
            } else {
                last_error
            },
        ));
    }
    if failures >= MAX_FAILURES {
        out.warnings.push(format!(
            "jetstream {}: gave up reconnecting this round after {failures} failures ({last_error}); the posts read are kept",
            spec.url
        ));
    }
    tracing::info!(
        source = %source.id, events = tally.events, posts = tally.posts, kept = tally.kept,
        other_language = tally.other_language, no_keyword = tally.no_keyword,
        deleted = tally.deleted, replayed = tally.replayed, malformed = tally.malformed, connections = tally.connections,
        "jetstream round read"
    );
    out.last_id = newest.map(|n| n.to_string());
    Ok(out)
}

fn malformed(out: &mut Harvest, tally: &mut Tally, why: String) {
    tally.malformed += 1;
    if tally.malformed <= MAX_WARNINGS as u64 {
        out.warnings
            .push(format!("a malformed jetstream message was skipped: {why}"));
    }
}

/// The round's filter: the configured languages and keywords, plus the lexicons' terms.
fn prefilter(spec: &JetstreamSpec) -> Result<Prefilter, String> {
    let mut keywords = spec.keywords.clone();
    if spec.keywords_from_lexicons {
        let Some(dir) = &spec.lexicons else {
            return Err(
                "`keywords_from_lexicons` is set, but no lexicon directory is known \
                        (`websense` reads it from `[matcher] lexicons`)"
                    .into(),
            );
        };
        let (set, _problems) = websense_lexicon::LexiconSet::load_dir(dir)
            .map_err(|e| format!("cannot read the lexicons for the keyword filter: {e}"))?;
        let before = keywords.len();
        keywords.extend(set.terms().map(|t| t.normalized.clone()));
        if keywords.len() == before {
            return Err(format!(
                "the lexicons in {} have no terms to filter by",
                dir.display()
            ));
        }
    }
    Prefilter::new(&spec.languages, &keywords)
}

/// The endpoint with Bluesky posts asked for, from `newest` less the overlap.
pub(crate) fn subscribe_url(base: &Url, newest: Option<u64>) -> Url {
    let mut url = base.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("wantedCollections", "app.bsky.feed.post");
        if let Some(t) = newest {
            q.append_pair("cursor", &t.saturating_sub(OVERLAP_US).to_string());
        }
    }
    url
}

/// Open the websocket: the host resolved and checked by the SSRF policy, the TCP connection
/// to a checked address, then TLS (for `wss`) and the websocket handshake.
async fn connect(fetcher: &Fetcher, url: &Url) -> Result<Socket, String> {
    let addrs = fetcher.policy.resolve_checked(url).await?;
    let tcp = tokio::time::timeout(fetcher.connect_timeout, TcpStream::connect(&addrs[..]))
        .await
        .map_err(|_| format!("connect timed out after {:?}", fetcher.connect_timeout))?
        .map_err(|e| format!("cannot connect: {e}"))?;
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("bad websocket request: {e}"))?;
    let agent = fetcher
        .user_agent
        .parse()
        .map_err(|e| format!("user_agent cannot be a header: {e}"))?;
    request.headers_mut().insert("user-agent", agent);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let handshake =
        tokio_tungstenite::client_async_tls_with_config(request, tcp, Some(config), None);
    let (socket, _response) = tokio::time::timeout(fetcher.connect_timeout, handshake)
        .await
        .map_err(|_| format!("handshake timed out after {:?}", fetcher.connect_timeout))?
        .map_err(|e| format!("websocket handshake failed: {e}"))?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscribe_url_asks_for_posts_from_before_the_cursor() {
        let base = Url::parse("wss://jetstream.example/subscribe").unwrap();
        assert_eq!(
            subscribe_url(&base, None).as_str(),
            "wss://jetstream.example/subscribe?wantedCollections=app.bsky.feed.post"
        );
        assert_eq!(
            subscribe_url(&base, Some(10_000_000)).as_str(),
            "wss://jetstream.example/subscribe?wantedCollections=app.bsky.feed.post&cursor=8000000"
        );
        assert!(subscribe_url(&base, Some(5)).as_str().ends_with("cursor=0"));
    }
}
