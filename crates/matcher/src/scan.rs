//! The fused pass over one field, and turning its match positions into hits.

use crate::{Matcher, Use};
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::Anchored;
use std::cell::RefCell;
use websense_model::{Field, TermKind};
use websense_normalize::{normalize_into, SpanMap};

/// A hit in original coordinates, before it becomes a [`websense_model::Hit`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    pub term: u32,
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// Per-thread buffers, reused from item to item.
#[derive(Default)]
pub(crate) struct Scratch {
    /// The normal form of the field being matched.
    normalized: Vec<u8>,
    map: SpanMap,
    /// Normal-form end offsets where the automaton was in a match state, with that state.
    pub match_ends: Vec<(usize, StateID)>,
    /// Term hits of the field in normal-form offsets: (term, start, end).
    candidates: Vec<(u32, usize, usize)>,
    /// Exclusion occurrences of the field: (term they exclude for, start, end).
    exclusions: Vec<(u32, usize, usize)>,
    /// Hits of the item so far (all fields).
    pub found: Vec<Found>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Run `f` with this thread's scratch.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        // Only reachable if `f` itself re-entered the matcher; stay correct, just slower.
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Normalise `text` and step the automaton over every normal-form byte as it is produced,
/// recording where it is in a match state.
#[inline(never)]
pub(crate) fn scan<A: Automaton>(automaton: &A, start: StateID, text: &str, scratch: &mut Scratch) {
    let Scratch {
        normalized,
        map,
        match_ends,
        ..
    } = scratch;
    match_ends.clear();
    let mut state = start;
    normalize_into(text, normalized, map, |byte, end| {
        state = automaton.next_state(Anchored::No, state, byte);
        if automaton.is_special(state) {
            match_ends.push((end, state));
        }
    });
}

impl Scratch {
    /// Turn the match positions of the last [`scan`] into hits of `field`: fan each pattern
    /// out to its uses, check boundaries, drop excluded hits, map spans to the original.
    pub(crate) fn resolve<A: Automaton>(
        &mut self,
        matcher: &Matcher,
        automaton: &A,
        field: Field,
        text: &str,
    ) {
        let normalized = &self.normalized;
        self.candidates.clear();
        self.exclusions.clear();
        for &(end, state) in &self.match_ends {
            if !automaton.is_match(state) {
                continue;
            }
            for k in 0..automaton.match_len(state) {
                let pattern = &matcher.patterns[automaton.match_pattern(state, k).as_usize()];
                let start = end - pattern.len;
                let before = start == 0 || normalized[start - 1] == b' ';
                let after = end == normalized.len() || normalized[end] == b' ';
                for &usage in &matcher.uses[pattern.uses_start as usize..pattern.uses_end as usize]
                {
                    match usage {
                        Use::Term(t) => {
                            let wanted = match matcher.terms[t as usize].kind {
                                TermKind::Word | TermKind::Phrase => before && after,
                                TermKind::Prefix => before,
                                TermKind::Suffix => after,
                                TermKind::Infix => true,
                            };
                            if wanted {
                                self.candidates.push((t, start, end));
                            }
                        }
                        Use::Exclusion(t) => {
                            if before && after {
                                self.exclusions.push((t, start, end));
                            }
                        }
                    }
                }
            }
        }
        if !self.exclusions.is_empty() {
            drop_excluded(&mut self.candidates, &mut self.exclusions);
        }
        for &(term, start, end) in &self.candidates {
            let span = self.map.original_span(start, end);
            debug_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            self.found.push(Found {
                term,
                field,
                start: span.start,
                end: span.end,
            });
        }
    }
}

/// Remove the candidates that lie inside an exclusion occurrence of their own term.
///
/// Sorted by (term, start), a candidate is excluded exactly when the furthest end among
/// its term's exclusions that start at or before it reaches its end: one sweep, so hostile
/// text full of exclusions stays linear after sorting.
fn drop_excluded(
    candidates: &mut Vec<(u32, usize, usize)>,
    exclusions: &mut [(u32, usize, usize)],
) {
    candidates.sort_unstable();
    exclusions.sort_unstable();
    let mut next = 0;
    let mut reach: Option<(u32, usize)> = None;
    candidates.retain(|&(term, start, end)| {
        while let Some(&(x_term, x_start, x_end)) = exclusions.get(next) {
            if (x_term, x_start) > (term, start) {
                break;
            }
            reach = match reach {
                Some((t, furthest)) if t == x_term => Some((t, furthest.max(x_end))),
                _ => Some((x_term, x_end)),
            };
            next += 1;
        }
        !matches!(reach, Some((t, furthest)) if t == term && furthest >= end)
    });
}
