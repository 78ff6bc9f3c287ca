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
//! * [`Language`] ([`language`]): language guess with confidence (`whichlang`, `whatlang`
//!   where it cannot tell);
//! * [`Hit`], [`CategoryScore`] and [`ScoredItem`]: what the matcher adds to an item;
//!   [`Announcement`] ([`announcement`]): an announced gathering found in a post;
//! * [`Backoff`] ([`backoff`]): the one retry policy (exponential, full jitter, cap, attempt
//!   limit, `Retry-After`) every retry loop uses;
//! * [`rng`]: the one seeded pseudo-random generator (SplitMix64), for the retry jitter,
//!   the demo's generated history and, through `websense-testkit`, every generated corpus
//!   and test data set;
//! * [`BucketSize`]: the width of a trend bucket, as the store rolls up and trends are read;
//! * [`duration`]: the one way a duration is written in the configuration file (`"90s"`,
//!   `"15m"`, `"2h"`, `"30d"`), with the reading of the old `*_secs`/`*_ms`/... keys for one
//!   release;
//! * [`PrivacyConfig`] (`[privacy]`), the source switch file ([`Switches`]) and the Telegram
//!   discovery files ([`telegram`]: channels mentioned, channels an admin added or dismissed):
//!   read by the collector and written or read by the Room, so neither crate reaches into the
//!   other.
//!
//! It must not touch networking, storage, or matching logic: it holds types and the small
//! pure functions that give them their meaning (id derivation, pseudonymisation, language
//! detection, duration text). Its only file I/O is the state files the collector and the Room
//! share (switches, Telegram discovery), whose formats it owns (read and written whole).
//! Every other crate may depend on it; it depends on no sibling.

pub mod announcement;
pub mod backoff;
mod bucket;
pub mod duration;
mod id;
mod item;
mod jsonl;
pub mod language;
pub mod place;
mod privacy;
mod pseudonym;
pub mod rng;
mod scored;
mod source_status;
mod state_file;
pub mod switches;
pub mod telegram;

pub use announcement::Announcement;
pub use backoff::{parse_retry_after, Backoff, Jitter};
pub use bucket::BucketSize;
pub use duration::{format_duration, parse_duration, DurationError};
pub use id::{ItemId, SourceId};
pub use item::{Author, Item, SourceKind, SourceRef};
pub use jsonl::{read_jsonl, JsonlError, JsonlRecord};
pub use language::{detect_language, detect_language_of, Language};
pub use place::{Place, PlaceBasis, PlaceKind};
pub use privacy::PrivacyConfig;
pub use pseudonym::{Pseudonym, PseudonymKey, PseudonymKeyError};
pub use scored::{
    CategoryScore, CategoryScoreRef, ContextTag, Field, Hit, HitRef, MatchMethod, ScoredItem,
    ScoredItemRef, TermKind,
};
pub use source_status::{LastError, SourceStatus, STATUS_FILE};
pub use switches::{SwitchedOff, Switches, SWITCHES_FILE};
pub mod stage;
pub use stage::{BoxFuture, HandleRecorder, ItemSink, ScoredSink, SinkError};
