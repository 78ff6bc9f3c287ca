//! Matching a group of fields: normalise each, walk the automaton over several at once,
//! and turn the match positions into hits.

use crate::{Matcher, Use};
use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::Anchored;
use std::cell::RefCell;
use websense_lexicon::MatchOptions;
use websense_model::{Field, MatchMethod, TermKind};
use websense_normalize::{
    normalize_into, variant_windows, whole_field, Reading, SpanMap, Variant, FOLDED, JOINED,
    JOINED_SYMBOL, SQUEEZED,
};

/// How many pieces a DFA walks in lockstep. A walk is a chain of dependent table loads;
/// independent chains let the CPU wait for several loads at once. (An NFA step branches
/// on failure transitions; interleaved, those branches predict badly, so an NFA walks one
/// piece at a time.)
pub(crate) const DFA_LANES: usize = 4;
pub(crate) const NFA_LANES: usize = 1;

/// Buffers above this size are given back after use.
const KEEP_BYTES: usize = 1 << 20;

/// A hit in original coordinates, before it becomes a [`websense_model::Hit`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    pub item: u32,
    pub term: u32,
    pub field: Field,
    pub start: usize,
    pub end: usize,
    pub method: MatchMethod,
    /// Context tag bits (see `context`), filled in after the scan.
    pub context: u8,
}

/// A term hit in normal-form offsets of one slot: (term, start, end, how).
pub(crate) type Candidate = (u32, usize, usize, MatchMethod);

/// One field of the group being matched: its normal form and span map, or (a variant slot)
/// its variant form, which also maps back to the original.
struct Slot {
    item: u32,
    field: Field,
    normalized: Vec<u8>,
    map: SpanMap,
    variant: Variant,
    is_variant: bool,
}

impl Slot {
    fn new(field: Field) -> Slot {
        Slot {
            item: 0,
            field,
            normalized: Vec::new(),
            map: SpanMap::default(),
            variant: Variant::default(),
            is_variant: false,
        }
    }

    /// The bytes the automaton walks.
    fn bytes(&self) -> &[u8] {
        if self.is_variant {
            &self.variant.text
        } else {
            &self.normalized
        }
    }

    fn original_span(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        if self.is_variant {
            self.variant.original_span(start, end)
        } else {
            self.map.original_span(start, end)
        }
    }
}

/// What one slot's matches name besides terms: gazetteer names (start, end, name number)
/// and announcement-lexicon patterns (start, end, pattern number).
#[derive(Default)]
pub(crate) struct SlotNames {
    places: Vec<(usize, usize, usize)>,
    cues: Vec<(usize, usize, u32)>,
}

/// Per-thread buffers, reused from group to group.
#[derive(Default)]
pub(crate) struct Scratch {
    slots: Vec<Slot>,
    /// The pieces the slots are walked in: (slot, start, limit).
    pieces: Vec<(u32, usize, usize)>,
    match_ends: Vec<MatchEnd>,
    /// Term hits of one field in normal-form offsets.
    candidates: Vec<Candidate>,
    /// Stretches of one field a variant reads (original byte ranges).
    windows: Vec<std::ops::Range<usize>>,
    /// Fuzzy hits of one field: (term, start, end).
    fuzzy: Vec<(u32, usize, usize)>,
    /// Exclusion occurrences of one field: (term they exclude for, start, end).
    exclusions: Vec<(u32, usize, usize)>,
    /// Hits of the group.
    pub found: Vec<Found>,
    /// Gazetteer names standing as whole words in the base slots (not in variants): (slot,
    /// start, end, name number) in normal-form offsets.
    pub place_names: Vec<(u32, usize, usize, usize)>,
    /// Announcement-lexicon patterns found in the base slots: (slot, start, end, pattern
    /// number of `websense_announce::Cues`) in normal-form offsets, boundaries unchecked.
    pub cue_patterns: Vec<(u32, usize, usize, u32)>,
    /// The names and cue patterns of one slot, while it is resolved.
    slot_names: SlotNames,
    /// Words and punctuation around the hits of one field, for their context tags.
    pub table: crate::tagging::Table,
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

impl Scratch {
    /// The item of slot `slot` in the last group.
    pub(crate) fn item_of(&self, slot: u32) -> u32 {
        self.slots[slot as usize].item
    }

    /// The base slots (the fields as written, not their variants) of the last group's item
    /// `item`: (slot, field, normal form, span map).
    pub(crate) fn fields_of(
        &self,
        item: u32,
    ) -> impl Iterator<Item = (u32, Field, &[u8], &SpanMap)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .take_while(|(_, s)| !s.is_variant)
            .filter(move |(_, s)| s.item == item)
            .map(|(k, s)| (k as u32, s.field, s.normalized.as_slice(), &s.map))
    }

    /// Match the fields of a group of items (title, text), leaving their hits in `found`.
    /// `LANES`: pieces walked in lockstep ([`DFA_LANES`], [`NFA_LANES`]).
    pub(crate) fn find<A: Automaton, const LANES: usize>(
        &mut self,
        matcher: &Matcher,
        automaton: &A,
        items: &[(Option<&str>, &str)],
    ) {
        self.found.clear();
        self.place_names.clear();
        self.cue_patterns.clear();
        let mut used = 0;
        for (item, &(title, text)) in items.iter().enumerate() {
            let fields = title
                .map(|t| (Field::Title, t))
                .into_iter()
                .chain([(Field::Text, text)]);
            for (field, text) in fields {
                if used == self.slots.len() {
                    self.slots.push(Slot::new(field));
                }
                let slot = &mut self.slots[used];
                normalize_into(text, &mut slot.normalized, &mut slot.map);
                slot.item = item as u32;
                slot.field = field;
                slot.is_variant = false;
                used += 1;
            }
        }
        // Fields that a disguise-aware reading may read differently get a variant slot
        // (two when a `1` may be `i` or `l`), walked with the rest.
        let options = matcher.variants;
        if options.any() {
            let base = used;
            for s in 0..base {
                let (item, field) = (self.slots[s].item, self.slots[s].field);
                let (title, text) = items[item as usize];
                let text = match field {
                    Field::Title => title.unwrap_or_default(),
                    Field::Text => text,
                };
                // Only the stretches a reading may change, with the words around them.
                let whole = whole_field(text, options);
                if whole {
                    self.windows.clear();
                    self.windows.push(0..text.len());
                } else {
                    let slot = &self.slots[s];
                    variant_windows(
                        &slot.normalized,
                        Some(&slot.map),
                        options,
                        matcher.variant_context_words,
                        &mut self.windows,
                    );
                    for w in &mut self.windows {
                        *w = slot.map.original_span(w.start, w.end);
                    }
                }
                if self.windows.is_empty() {
                    continue;
                }
                let (mut one_as_l, mut two) = (false, false);
                loop {
                    if used == self.slots.len() {
                        self.slots.push(Slot::new(field));
                    }
                    let slot = &mut self.slots[used];
                    let reading = Reading {
                        one_as_l,
                        squeeze_to_two: two,
                    };
                    slot.variant.clear();
                    let mut changed = false;
                    for w in &self.windows {
                        changed |= slot
                            .variant
                            .append(&text[w.clone()], w.start, options, reading);
                    }
                    if !changed {
                        break;
                    }
                    slot.item = item;
                    slot.field = field;
                    slot.is_variant = true;
                    used += 1;
                    // the next reading, where this one had an ambiguous case: (i, one),
                    // (i, two), (l, one), (l, two)
                    if slot.variant.squeezed && !two {
                        two = true;
                    } else if slot.variant.folded_one && !one_as_l {
                        (one_as_l, two) = (true, false);
                    } else {
                        break;
                    }
                }
            }
        }
        let slots = &self.slots[..used];
        walk::<A, LANES>(
            automaton,
            matcher.start,
            slots,
            &mut self.pieces,
            &mut self.match_ends,
        );
        self.match_ends.sort_unstable_by_key(|m| m.slot);
        let mut rest = &self.match_ends[..];
        while let Some(&MatchEnd { slot, .. }) = rest.first() {
            let in_slot = rest.iter().take_while(|m| m.slot == slot).count();
            let slot_index = slot;
            let slot = &self.slots[slot as usize];
            resolve(
                matcher,
                automaton,
                slot,
                &rest[..in_slot],
                &mut self.candidates,
                &mut self.exclusions,
                &mut self.fuzzy,
                &mut self.slot_names,
            );
            self.place_names.extend(
                self.slot_names
                    .places
                    .drain(..)
                    .map(|(start, end, name)| (slot_index, start, end, name)),
            );
            self.cue_patterns.extend(
                self.slot_names
                    .cues
                    .drain(..)
                    .map(|(start, end, p)| (slot_index, start, end, p)),
            );
            push_found(slot, &self.candidates, &mut self.found);
            rest = &rest[in_slot..];
        }
        // Fuzzy matching reads words, not automaton matches: a base slot without any
        // automaton match may still have fuzzy hits.
        if matcher.fuzzy.is_some() {
            let mut with_matches = vec![false; used];
            for m in &self.match_ends {
                with_matches[m.slot as usize] = true;
            }
            for (s, slot) in self.slots[..used].iter().enumerate() {
                if !slot.is_variant && !with_matches[s] {
                    resolve(
                        matcher,
                        automaton,
                        slot,
                        &[],
                        &mut self.candidates,
                        &mut self.exclusions,
                        &mut self.fuzzy,
                        &mut self.slot_names,
                    );
                    push_found(slot, &self.candidates, &mut self.found);
                }
            }
        }
        // A huge post leaves huge buffers behind; do not keep them for the thread's lifetime.
        for slot in &mut self.slots[..used] {
            if slot.normalized.capacity() > KEEP_BYTES || slot.variant.heap_bytes() > KEEP_BYTES {
                slot.normalized = Vec::new();
                slot.map = SpanMap::default();
                slot.variant = Variant::default();
            }
        }
    }
}

fn push_found(slot: &Slot, candidates: &[Candidate], found: &mut Vec<Found>) {
    for &(term, start, end, method) in candidates {
        let span = slot.original_span(start, end);
        found.push(Found {
            item: slot.item,
            term,
            field: slot.field,
            start: span.start,
            end: span.end,
            method,
            context: 0,
        });
    }
}

/// Where the automaton was in a match state.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MatchEnd {
    slot: u32,
    /// Offset in the slot's normal form just after the match.
    end: usize,
    state: StateID,
    /// Only patterns starting before this offset count here (see [`Piece`]).
    limit: usize,
}

/// A stretch of one slot's normal form that one lane walks from the start state.
///
/// Long fields are cut into pieces so that the lanes stay evenly loaded. A piece walked
/// from the start state finds every match that starts inside it; it walks on past its
/// end by the longest pattern's length less one, to finish the matches that start inside
/// it, and reports only those (`limit`): the next piece finds the others.
#[derive(Clone, Copy)]
struct Piece<'a> {
    slot: u32,
    /// The bytes not walked yet, and the normal-form offset of the first of them.
    rest: &'a [u8],
    at: usize,
    limit: usize,
    state: StateID,
}

/// Fields up to this many bytes (or eight times the longest pattern) are walked whole.
const PIECE_LEN: usize = 512;

/// Step the automaton over the normal form of every slot, in pieces, `LANES` pieces at a
/// time in lockstep, recording where it is in a match state.
fn walk<A: Automaton, const LANES: usize>(
    automaton: &A,
    start: StateID,
    slots: &[Slot],
    pieces: &mut Vec<(u32, usize, usize)>,
    match_ends: &mut Vec<MatchEnd>,
) {
    match_ends.clear();
    pieces.clear();
    let overlap = automaton.max_pattern_len().saturating_sub(1);
    let piece_len = PIECE_LEN.max(8 * automaton.max_pattern_len());
    for (slot, s) in slots.iter().enumerate() {
        let len = s.bytes().len();
        let count = len.div_ceil(piece_len);
        for k in 0..count {
            // (slot, start, limit): equal pieces, the last one ending at the text's end
            pieces.push((slot as u32, k * len / count, (k + 1) * len / count));
        }
    }
    // Longest first, so that the lanes run out of work at about the same time.
    pieces.sort_unstable_by_key(|&(_, start, limit)| std::cmp::Reverse(limit - start));
    let mut queue = pieces.iter().map(|&(slot, at, limit)| {
        let bytes = slots[slot as usize].bytes();
        Piece {
            slot,
            rest: &bytes[at..(limit + overlap).min(bytes.len())],
            at,
            limit,
            state: start,
        }
    });
    let idle = Piece {
        slot: 0,
        rest: &[],
        at: 0,
        limit: 0,
        state: start,
    };
    let mut lanes = [idle; LANES];
    loop {
        for lane in lanes.iter_mut().filter(|l| l.rest.is_empty()) {
            if let Some(piece) = queue.next() {
                *lane = piece;
            }
        }
        if lanes.iter().any(|l| l.rest.is_empty()) {
            break;
        }
        lockstep(automaton, &mut lanes, match_ends);
    }
    // The queue is empty: finish what is left two lanes at a time, then the last one alone.
    let lanes = &mut lanes[..];
    loop {
        lanes.sort_unstable_by_key(|l| l.rest.is_empty());
        match lanes.iter().take_while(|l| !l.rest.is_empty()).count() {
            0 => break,
            1 => {
                let mut one = [lanes[0]];
                lockstep(automaton, &mut one, match_ends);
                lanes[0] = one[0];
            }
            _ => {
                let mut pair = [lanes[0], lanes[1]];
                lockstep(automaton, &mut pair, match_ends);
                lanes[..2].copy_from_slice(&pair);
            }
        }
    }
}

/// Walk `N` pieces in lockstep until the shortest is done.
#[inline(always)]
fn lockstep<A: Automaton, const N: usize>(
    automaton: &A,
    lanes: &mut [Piece; N],
    match_ends: &mut Vec<MatchEnd>,
) {
    let steps = lanes.iter().map(|l| l.rest.len()).min().unwrap_or(0);
    // Plain arrays of states and equally long slices: the compiler keeps the states in
    // registers and drops the bounds checks, so each chain is just its table loads.
    let bytes: [&[u8]; N] = std::array::from_fn(|j| &lanes[j].rest[..steps]);
    let mut states: [StateID; N] = std::array::from_fn(|j| lanes[j].state);
    // One index into all lanes (and into the match offsets), not an iterator per lane.
    #[allow(clippy::needless_range_loop)]
    for k in 0..steps {
        let mut special = false;
        for j in 0..N {
            states[j] = automaton.next_state(Anchored::No, states[j], bytes[j][k]);
            special |= automaton.is_special(states[j]);
        }
        if special {
            for (lane, &state) in lanes.iter().zip(&states) {
                if automaton.is_special(state) {
                    let end = lane.at + k + 1;
                    match_ends.push(MatchEnd {
                        slot: lane.slot,
                        end,
                        state,
                        limit: lane.limit,
                    });
                }
            }
        }
    }
    for (lane, state) in lanes.iter_mut().zip(states) {
        lane.state = state;
        lane.rest = &lane.rest[steps..];
        lane.at += steps;
    }
}

/// Turn the match positions of one slot into term hits (in `candidates`, normal-form or
/// variant offsets): fan each pattern out to its uses, check boundaries and the term's
/// options, add fuzzy hits (base slots), drop excluded hits.
///
/// In a variant slot a hit counts only where a reading changed a byte it covers (else the
/// base slot has it already), and only if its term allows every reading it covers.
///
/// Gazetteer names standing as whole words in a base slot go to `names.places`, and the
/// announcement lexicon's patterns found in a base slot to `names.cues`.
#[allow(clippy::too_many_arguments)]
fn resolve<A: Automaton>(
    matcher: &Matcher,
    automaton: &A,
    slot: &Slot,
    match_ends: &[MatchEnd],
    candidates: &mut Vec<Candidate>,
    exclusions: &mut Vec<(u32, usize, usize)>,
    fuzzy: &mut Vec<(u32, usize, usize)>,
    names: &mut SlotNames,
) {
    let normalized = slot.bytes();
    let variant = slot.is_variant.then_some(&slot.variant);
    candidates.clear();
    exclusions.clear();
    for &MatchEnd {
        end, state, limit, ..
    } in match_ends
    {
        if !automaton.is_match(state) {
            continue;
        }
        for k in 0..automaton.match_len(state) {
            let pattern = &matcher.patterns[automaton.match_pattern(state, k).as_usize()];
            let start = end - pattern.len;
            if start >= limit {
                continue;
            }
            // (a variant's stretches are separated by a line break)
            let before = start == 0 || normalized[start - 1] <= b' ';
            let after = end == normalized.len() || normalized[end] <= b' ';
            let marks = variant.map_or(0, |v| v.marks_of(start, end));
            for &usage in &matcher.uses[pattern.uses_start as usize..pattern.uses_end as usize] {
                let t = match usage {
                    Use::Exclusion(t) => {
                        if before && after {
                            exclusions.push((t, start, end));
                        }
                        continue;
                    }
                    Use::Place(name) => {
                        if before && after && variant.is_none() {
                            names.places.push((start, end, name as usize));
                        }
                        continue;
                    }
                    Use::Cue(pattern) => {
                        if variant.is_none() {
                            names.cues.push((start, end, pattern));
                        }
                        continue;
                    }
                    Use::Term(t) => t,
                };
                let term = &matcher.terms[t as usize];
                if variant.is_some() && (marks == 0 || !allows(term.matching, marks)) {
                    continue;
                }
                let wanted = match term.kind {
                    TermKind::Word | TermKind::Phrase => before && after,
                    TermKind::Prefix => before,
                    TermKind::Suffix => after,
                    TermKind::Infix => true,
                };
                let method = method_of(marks);
                if wanted {
                    candidates.push((t, start, end, method));
                } else if term.kind == TermKind::Word && term.matching.contains(MatchOptions::INFIX)
                {
                    candidates.push((t, start, end, MatchMethod::Joined));
                }
            }
        }
    }
    if variant.is_none() {
        if let Some(index) = &matcher.fuzzy {
            fuzzy.clear();
            index.find(normalized, fuzzy);
            candidates.extend(fuzzy.iter().map(|&(t, s, e)| (t, s, e, MatchMethod::Fuzzy)));
        }
    }
    if !exclusions.is_empty() {
        drop_excluded(candidates, exclusions);
    }
}

/// Whether a term with options `matching` may be found through the readings `marks`.
fn allows(matching: MatchOptions, marks: u8) -> bool {
    (marks & FOLDED == 0 || matching.contains(MatchOptions::CONFUSABLES))
        && (marks & JOINED == 0 || matching.contains(MatchOptions::JOINED))
        && (marks & SQUEEZED == 0 || matching.contains(MatchOptions::SQUEEZE))
        && (marks & JOINED_SYMBOL == 0 || matching.contains(MatchOptions::EMOJI))
}

/// How a hit covering bytes with these marks was found (joining says most about a
/// disguise, then folding, then squeezing).
fn method_of(marks: u8) -> MatchMethod {
    if marks & (JOINED | JOINED_SYMBOL) != 0 {
        MatchMethod::Joined
    } else if marks & FOLDED != 0 {
        MatchMethod::Folded
    } else if marks & SQUEEZED != 0 {
        MatchMethod::Squeezed
    } else {
        MatchMethod::Exact
    }
}

/// Remove the candidates that lie inside an exclusion occurrence of their own term.
///
/// Sorted by (term, start), a candidate is excluded exactly when the furthest end among
/// its term's exclusions that start at or before it reaches its end: one sweep, so hostile
/// text full of exclusions stays linear after sorting.
fn drop_excluded(candidates: &mut Vec<Candidate>, exclusions: &mut [(u32, usize, usize)]) {
    candidates.sort_unstable();
    exclusions.sort_unstable();
    let mut next = 0;
    let mut reach: Option<(u32, usize)> = None;
    candidates.retain(|&(term, start, end, _)| {
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
