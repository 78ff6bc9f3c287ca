//! Collectors of websense: public posts from feeds, public APIs and public web pages and
//! forums, as [`Item`]s.
//!
//! This crate owns getting posts in: the `[collect]` and `[[sources]]` configuration
//! ([`config`]; the `[privacy]` section's type and the switch file's format, shared with the
//! Room, are `websense_model`'s and re-exported here), the pseudonym key kept away from the
//! data ([`key`]), polite and guarded HTTP ([`http`]) with robots.txt for the sources that
//! crawl pages ([`robots`]), one parser per source kind ([`parse`]: RSS/Atom/JSON Feed,
//! Mastodon, Reddit, Bluesky search, Telegram channel previews, configured JSON APIs, web pages
//! and forums read by configured CSS selectors, Bluesky live from a Jetstream websocket with a
//! language and lexicon keyword prefilter), cursors that make collecting resumable
//! ([`cursor`]), per-source status ([`status`]), Telegram discovery ([`discovery`]: the
//! channels that collected channels forward from or link to, counted for the Room to propose,
//! and the channels an admin added there, collected as sources; never a channel on its own)
//! and a JSON Lines [`ItemSink`] ([`sink`]). [`Collector`] ties them together, once or
//! continuously.
//!
//! It must not touch what comes after the sink: no matching, no storage, no bus. Items leave
//! through [`websense_model::ItemSink`], whichever sink the binary plugs in. What it tells the
//! Room (status, Telegram mentions) and what the Room tells it (switches, added channels) are
//! files in its state directory whose formats are `websense_model`'s.
//!
//! # Design
//!
//! * **Exactly-once out of at-least-once.** A source's cursor (validators, last platform id,
//!   recently handed-on item ids) is saved only after the sink accepted the round's items.
//!   A crash in between repeats a round; the remembered ids and the ids' stability
//!   ([`websense_model::ItemId::derive`] over source and guid) make repeats harmless.
//! * **Hostile input.** Bodies are capped while streaming, decoded by evidence rather than
//!   trust ([`encoding`]), parsed by parsers that return errors instead of panicking (fuzzed
//!   by the tests), and HTML is reduced to text by a linear-time tokenizer ([`html`]).
//!   Redirects are followed by hand, each hop checked against the SSRF policy.
//! * **Isolation.** One source's failure is recorded in its status and logged with the
//!   source id, URL and cause; other sources go on.
//!
//! # Costs
//!
//! Per source in memory: its cursor, at most `seen_ids_per_source` ids (about 100 bytes
//! each), and one round's items while they are handed on. Per round: one request per page,
//! per-host rate limited; one cursor file write (fsync) when something changed. A Jetstream
//! round holds at most `max_items_per_round` items and one message (1 MiB at most), and
//! costs one normalisation and one Aho-Corasick pass per post it reads. Parsing is
//! linear in the body, which is capped (`max_body_bytes`). Each item's language is guessed
//! from at most 1 KiB of title and text ([`websense_model::language`]): ~2 µs for the
//! Latin-script languages `whichlang` knows, ~60 µs where `whatlang` decides (other letters
//! and scripts); about 11 µs a post on our multilingual sample (`websense bench lang`).
//!
//! [`Item`]: websense_model::Item
//! [`ItemSink`]: websense_model::ItemSink

pub mod collector;
pub mod config;
pub mod cursor;
pub mod discovery;
pub mod encoding;
pub mod html;
pub mod http;
pub mod key;
pub mod markdown;
pub mod parse;
pub mod robots;
pub mod sink;
mod sources;
pub mod status;

pub use collector::{Collector, SetupError, SourceFailure, Summary};
pub use config::{CollectConfig, Config, PrivacyConfig, Source, SourceConfig};
pub use cursor::{Cursor, CursorStore, FileCursorStore, Resume};
pub use key::load_or_create_key;
pub use sink::JsonlSink;
pub use sources::RoundError;
pub use status::{Progress, SourceStatus, StatusBoard};
/// The switch file's format lives in `websense_model` (the Room writes it); re-exported.
pub use websense_model::switches;
pub use websense_model::{SwitchedOff, Switches, SWITCHES_FILE};
