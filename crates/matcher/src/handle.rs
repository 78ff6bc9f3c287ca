//! Swapping lexicon versions under a running stream.

use crate::Matcher;
use arc_swap::ArcSwap;
use std::sync::Arc;
use websense_model::{Item, ScoredItem};

/// The current [`Matcher`] of a stream, replaceable while the stream runs.
///
/// Each batch takes the current matcher once ([`MatcherHandle::current`], a lock-free
/// load), so a batch is scored by exactly one lexicon version, and a [`swap`] takes effect
/// from the next batch on without stopping anything. The old matcher is freed when the
/// last batch using it ends.
///
/// [`swap`]: MatcherHandle::swap
pub struct MatcherHandle {
    current: ArcSwap<Matcher>,
}

impl MatcherHandle {
    pub fn new(matcher: Matcher) -> MatcherHandle {
        MatcherHandle {
            current: ArcSwap::from_pointee(matcher),
        }
    }

    /// The matcher in use now.
    pub fn current(&self) -> Arc<Matcher> {
        self.current.load_full()
    }

    /// Put `matcher` in use for every batch from now on; returns the one it replaces.
    pub fn swap(&self, matcher: Matcher) -> Arc<Matcher> {
        self.current.swap(Arc::new(matcher))
    }

    /// Score a batch with the current matcher (on all cores).
    pub fn score_batch(&self, items: Vec<Item>) -> Vec<ScoredItem> {
        self.current().score_batch(items)
    }
}
