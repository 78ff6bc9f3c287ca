//! The stage runners of websense: what turns the stage crates into a running pipeline.
//!
//! This crate owns the loops between the stages and their wiring: the scorer
//! ([`score_loop`]: raw items from the bus, scored in bulk, handed on), the writer
//! ([`store_loop`]: scored items from the bus into the store), the one-process pipeline of
//! `websense run` ([`Run`]) and the single-stage services of `websense collect | score |
//! store` ([`collect_service`], [`score_service`], [`store_service`]); lexicon hot reload
//! ([`Lexicons`]), the `/metrics` registry ([`Metrics`]), consumer lag ([`lag`]), graceful
//! stops ([`stop_on_signals`]), the check that the collector's cursors belong to the store
//! ([`identity`]) and the demo's local feed server ([`demo`]). It must not
//! fetch, parse, match, move bytes over the bus or write rows itself: the collect, matcher,
//! bus and store crates do, and this crate only calls them. The binary stays thin: it reads
//! the configuration file, parses the command line, and calls one function here.
//!
//! # Nothing lost, nothing counted twice
//!
//! Every hand-over in the chain `collector -> bus -> scorer -> bus -> writer -> store` is
//! acknowledged only after the next step made the items durable:
//!
//! * a collector saves its cursor only after the bus accepted its items; on the embedded bus
//!   that is after the writer stored them (the embedded bus forwards the acknowledgement), on
//!   Kafka after the brokers acknowledged them;
//! * the scorer acknowledges a raw batch only after its scored items were handed on; the
//!   writer acknowledges a scored batch only after the store said it is durable.
//!
//! A crash anywhere therefore repeats work (the collector fetches again, the bus delivers
//! again) and loses nothing. Repeats do not count twice because items have stable ids
//! ([`websense_model::ItemId`]) and the store keeps the first version of an id. A failing
//! hand-over or write is retried with backoff while its batch stays unacknowledged; the
//! consumer hands out a bounded number of such batches, so an outage downstream stops the
//! stream instead of growing memory.
//!
//! # Design and costs
//!
//! Scoring is CPU work: each batch is scored by [`websense_matcher::Matcher::score_batch`]
//! (rayon, every core) on a blocking thread, never on the async threads; `score_in_flight`
//! batches overlap so one is scored while another is handed on. Writes overlap too
//! (`store_in_flight`), which is what lets the ClickHouse writer group them into large
//! inserts. Sinks and stores take their batch by value, so each attempt hands over a copy
//! and keeps the original for a retry: the one copy the loops make. Metrics are relaxed
//! atomics bumped once per batch; consumer lag is read every `lag_interval` by a separate
//! Kafka client that never joins the group. A lexicon check reads and hashes the lexicon
//! files every `reload_interval` (they are small); compiling a changed set happens off the
//! stream, which keeps scoring with the old version until the swap.

pub mod config;
pub mod demo;
pub mod demo_history;
pub mod identity;
pub mod lag;
pub mod metrics;
pub mod reload;
pub mod report;
pub mod retention;
mod service;
mod stages;

pub use config::{DemoConfig, MatcherConfig, MetricsConfig, PipelineConfig};
pub use metrics::{Metrics, Stage, StageSnapshot};
pub use reload::{LexiconError, Lexicons, Reload};
pub use report::TrendSummary;
pub use service::{
    collect_service, score_service, stop_on_signals, store_service, wait_for_signal, Mode,
    PipelineError, Run, Settings,
};
pub use stages::{score_loop, store_loop, CountingSink, LoopOptions};
