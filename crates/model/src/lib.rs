//! Shared types of websense: the one vocabulary every stage speaks.
//!
//! This crate owns the *shape* of the data that flows
//! `collect -> bus -> match -> store -> trends/signals -> room`:
//!
//! * [`Item`]: one public post, as a collector hands it on (JSON, one per line in streams);
//! * [`ItemId`]: a stable id derived from the source and the post's guid or url, so a post
//!   fetched twice gets the same id and can be de-duplicated anywhere downstream;
//! * [`Pseudonym`] and [`PseudonymKey`]: authors are stored as keyed pseudonyms, never as raw
//!   handles (unless a deployment explicitly switches that on);
//! * [`Language`]: language guess with confidence (through `whatlang`);
//! * [`Hit`], [`CategoryScore`] and [`ScoredItem`]: what the matcher adds to an item;
//! * [`BucketSize`]: the width of a trend bucket, as the store rolls up and trends are read.
//!
//! It must not touch I/O, networking, storage, or matching logic: it holds types and the
//! small pure functions that give them their meaning (id derivation, pseudonymisation,
//! language detection). Every other crate may depend on it; it depends on no sibling.

mod bucket;
mod id;
mod item;
mod jsonl;
mod language;
mod pseudonym;
mod scored;

pub use bucket::BucketSize;
pub use id::{ItemId, SourceId};
pub use item::{Author, Item, SourceKind, SourceRef};
pub use jsonl::{read_jsonl, JsonlError, JsonlRecord};
pub use language::{detect_language, Language};
pub use pseudonym::{Pseudonym, PseudonymKey, PseudonymKeyError};
pub use scored::{
    CategoryScore, CategoryScoreRef, ContextTag, Field, Hit, HitRef, MatchMethod, ScoredItem,
    ScoredItemRef, TermKind,
};
pub mod stage;
pub use stage::{BoxFuture, HandleRecorder, ItemSink, ScoredSink, SinkError};
