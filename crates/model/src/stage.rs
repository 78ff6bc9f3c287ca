//! The seams between stages.
//!
//! A stage hands its output to a sink it does not know: a collector writes to a JSON Lines
//! file, the embedded bus or Kafka through the same [`ItemSink`]. A sink's `send` returns only
//! once the batch is durably accepted (written out, acknowledged by the broker, committed to
//! the store); only then may the caller advance its cursor. That ordering is what makes
//! delivery at-least-once; ids ([`crate::ItemId`]) make the repeats harmless.

use crate::{Item, Pseudonym, ScoredItem, SourceId};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (what trait objects can return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a sink did not accept a batch. The batch is not accepted; the caller keeps its cursor
/// and retries later.
#[derive(Debug, thiserror::Error)]
#[error("{sink}: {message}")]
pub struct SinkError {
    /// Which sink failed (`"kafka"`, `"jsonl:/path"`, ...).
    pub sink: String,
    pub message: String,
}

impl SinkError {
    pub fn new(sink: impl Into<String>, message: impl std::fmt::Display) -> SinkError {
        SinkError {
            sink: sink.into(),
            message: message.to_string(),
        }
    }
}

/// Where raw items go (collectors -> bus).
pub trait ItemSink: Send + Sync {
    /// Hand a batch on; `Ok` means durably accepted.
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>>;
}

/// Where scored items go (matcher -> bus or store).
pub trait ScoredSink: Send + Sync {
    /// Hand a batch on; `Ok` means durably accepted.
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>>;
}

/// Where a collector reports who is behind a pseudonym, before it drops the handle: the
/// author resolution vault, when a deployment has one. Called once per item with an author,
/// before the item is handed on; a failure is the recorder's to explain and does not stop
/// the item.
pub trait HandleRecorder: Send + Sync + std::fmt::Debug {
    /// `handle` (as the source showed it) is the author of an item of `source` with
    /// `pseudonym`, seen in an item of `event_time`.
    fn record(
        &self,
        source: &SourceId,
        pseudonym: &Pseudonym,
        handle: &str,
        event_time: DateTime<Utc>,
    ) -> Result<(), String>;
}
