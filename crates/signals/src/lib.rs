//! Signals for the case table (i2o): from a flagged item or a spike to a confirmed, explained
//! record in the case table's own system.
//!
//! This crate owns the life of a signal and what a signal may reveal:
//!
//! * [`Signal`], [`Origin`], [`Explanation`]: a candidate made from a flagged item
//!   ([`candidate_from_item`], under [`CandidateRules`]) or from a spike
//!   ([`candidate_from_spike`], from a [`SpikeEvidence`]), with the terms and categories that
//!   hit, the lexicon version, the scores, the source, the times, the link and the author's
//!   pseudonym. Never the post's text and never a raw handle: a signal travels to another
//!   organisation's system, and the text stays behind the room's audited item endpoints.
//! * States `candidate -> confirmed | dismissed` ([`SignalState`], [`Decision`]): confirming
//!   needs a reason, dismissing does not; a decision is final (the database refuses to
//!   change a decided signal, [`db`]).
//! * Exports as JSON and CSV ([`export`]), CSV guarded against formula injection.
//! * Webhook delivery ([`webhook`]): an outbox in the room database, a worker that POSTs with
//!   the signal id as `Idempotency-Key`, retries with exponential backoff and records every
//!   attempt.
//! * The author resolution vault ([`vault`]), a separate file mapping pseudonyms to handles,
//!   for the admin-only, audited, retention-bound resolution of a confirmed signal's author.
//!
//! It must not serve HTTP, check who may do what, or write the audit log: that is
//! `websense-room`, which calls these functions inside its own transactions so a decision and
//! its audit row commit together. It does not detect spikes either (that is trend analysis;
//! a detector hands a [`SpikeEvidence`] in).
//!
//! # Design and costs
//!
//! Signal ids are derived from their origin ([`SignalId::of`]), so scanning the same items or
//! spikes again inserts nothing new and a dismissed candidate does not return; the id is also
//! the idempotency key. Signals are few (people decide each one), so they live in SQLite as
//! one row each with the origin and explanation as JSON, indexed by state and event time.
//! A webhook payload is serialised once, when the signal is confirmed, so every retry sends
//! identical bytes.

pub mod db;
pub mod export;
mod listing;
mod signal;
pub mod vault;
pub mod webhook;

pub use db::{
    DeliveryState, DeliveryStatus, SharedConnection, SignalError, SignalFacets, SignalFilter,
    SignalSort,
};
pub use export::{csv_cell, csv_row, signals_csv, signals_json};
pub use signal::{
    candidate_from_item, candidate_from_spike, scope, web_link, CandidateRules, Decision,
    Explanation, NamedMunicipality, Origin, Signal, SignalId, SignalState, SourceSummary,
    SpikeEvidence, TermHits,
};
pub use vault::{AuthorVault, VaultEntry, VaultError};
pub use webhook::{Deliverer, DeliveryRound, WebhookConfig};
