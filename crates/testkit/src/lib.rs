//! The test kit of websense: generated benchmark corpora and the helpers tests share.
//!
//! This crate owns what the benchmarks and tests feed the product, never the product
//! itself:
//!
//! * [`corpus`]: the matcher benchmark's *sparse* profile, post-like Dutch and English with
//!   a few lexicon hits per 1,000 words ([`generate_corpus`], [`generate_lexicon`]), and the
//!   pipeline benchmark's dated corpus ([`dated_corpus`]);
//! * [`dense`]: the *hit-dense* profile, five languages and a 15,000-term dictionary with a
//!   hit about every 20 bytes ([`generate_dense_lexicon`], [`generate_dense_corpus`]);
//! * [`Rng`]: the one seeded generator, re-exported from [`websense_model::rng`] (it lives
//!   there because product code, the retry jitter and the demo's history, draws from it);
//! * [`services`]: the real services tests run against, from the environment
//!   (`WEBSENSE_TEST_KAFKA`, `WEBSENSE_TEST_CLICKHOUSE`, skipped with
//!   `WEBSENSE_SKIP_SERVICES=1`), names no other test uses, free ports and waiting for one.
//!
//! Generation is deterministic: the same seed gives the same bytes on every platform and
//! in every version (`websense bench corpus` writes them; benchmarks compare runs by them),
//! so a change to a generator's output is a change to every published figure.
//!
//! It is a dependency of the `websense` binary (the `websense bench` commands), of
//! examples, and a dev-dependency of the crates whose tests use it. It must not be used on
//! a product path (collecting, matching, storing, serving, the demo): nothing here is
//! hardened, and it depends on no stage crate, only on the model, the normal form and the
//! lexicon types, so every crate's tests can use it.

pub mod corpus;
pub mod dense;
pub mod services;

pub use corpus::{dated_corpus, generate_corpus, generate_lexicon};
pub use dense::{generate_dense_corpus, generate_dense_lexicon, DENSE_BYTES_PER_HIT, DENSE_TERMS};
pub use websense_model::rng::Rng;
