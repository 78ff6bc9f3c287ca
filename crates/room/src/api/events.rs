//! `GET /api/events`: server-sent events for the overview page. One `spike` event per spike
//! of the overview's window (the last day) that is open or ongoing, each sent once per
//! connection: first those known when the connection opens, then new ones as they are found.
//!
//! One worker renews the overview's spike scan for every connection (every
//! `room.live_interval` while someone is connected, and at once when a connection
//! opens); connections only compare the shared list with what they sent.

use crate::trends::ReportedSpike;
use crate::Room;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;

/// The identity of a spike across recomputations.
fn key(s: &ReportedSpike) -> String {
    let e = &s.evidence;
    format!(
        "{}\u{0}{}\u{0}{}",
        e.category,
        e.term.as_deref().unwrap_or(""),
        e.bucket_start.timestamp()
    )
}

pub(crate) async fn events(
    State(room): State<Arc<Room>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut live = room.live.subscribe();
    live.mark_changed();
    room.live_wake.notify_one();
    let state = (live, HashSet::<String>::new(), VecDeque::<Event>::new());
    let events = stream::unfold(state, |(mut live, mut sent, mut pending)| async move {
        loop {
            if let Some(event) = pending.pop_front() {
                return Some((Ok(event), (live, sent, pending)));
            }
            live.changed().await.ok()?;
            let spikes = live.borrow_and_update().clone();
            for s in spikes.iter() {
                if sent.insert(key(s)) {
                    if let Ok(event) = Event::default().event("spike").json_data(s) {
                        pending.push_back(event);
                    }
                }
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
