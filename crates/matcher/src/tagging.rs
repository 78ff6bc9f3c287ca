//! Context tags of many hits of one field at once: the rules of `context.rs`, with the
//! words, sentence and clause ends of the text around the hits found once per field
//! instead of once per hit.
//!
//! On hit-dense text (a hit every 20 bytes) the windows of neighbouring hits overlap
//! almost entirely, so reading them per hit read every word a dozen times. Here a
//! [`Table`] holds, for a stretch of the field that covers the windows of a run of nearby
//! hits, every word (its span and the lists it is on, with running counts of the lists
//! that are asked "any word in this range?") and the positions of the punctuation that
//! ends sentences and clauses; each hit then costs a few binary searches.
//!
//! The result is exactly [`context::context_of`]'s (a test compares them): that function
//! cuts its windows at byte offsets, so a word cut by a window's edge (or by the hit
//! itself) is read as the piece inside the window, here too.

use crate::context::{
    self, classify, inside_double_quotes, wrapped_in_single_quotes, CLAUSE_WORDS, CONDEMNING,
    COUNTER_SPEECH, NEGATED, NEGATIONS, NEGATION_WINDOW, QUOTED, REACH, SAYING_AFTER,
    SAYING_BEFORE,
};
use crate::scan::Found;

/// Hits further apart than this (end of one to start of the next) get tables of their own,
/// so a long post with two far-apart hits is not read whole.
const CLUSTER_GAP: usize = 4 * REACH;

/// Words and punctuation of one stretch of a field (absolute byte offsets).
#[derive(Default)]
pub(crate) struct Table {
    /// Each word's span (runs of ASCII letters and digits and of bytes outside ASCII).
    spans: Vec<(usize, usize)>,
    /// The lists each word is on ([`classify`]).
    class: Vec<u8>,
    /// Words before index `k` on the saying-before list, and on the condemning list.
    saying: Vec<u32>,
    condemning: Vec<u32>,
    /// `.`, `!`, `?` and line breaks.
    stops: Vec<usize>,
    /// Where a clause starts after a `, ; : ( )`, en dash or em dash (one past it).
    clause_cuts: Vec<usize>,
    /// `, ; : ( )` (a clause after a hit ends at these, not at dashes).
    clause_marks: Vec<usize>,
    /// `"` and the lead bytes of `“ ” „ « »` (0xE2, 0xC2).
    quote_bytes: Vec<usize>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

impl Table {
    /// Read the words and punctuation of `text[from..to]`, widened to whole words, and the
    /// quotation bytes of `text[quotes_from..quotes_to]` (the wider reach of the quotation
    /// rule: only those bytes are needed there, found with `memchr`).
    fn build(&mut self, text: &str, from: usize, to: usize, quotes: std::ops::Range<usize>) {
        let bytes = text.as_bytes();
        let (mut from, mut to) = (from, to);
        while from > 0 && is_word_byte(bytes[from - 1]) {
            from -= 1;
        }
        while to < bytes.len() && is_word_byte(bytes[to]) {
            to += 1;
        }
        self.spans.clear();
        self.class.clear();
        self.saying.clear();
        self.condemning.clear();
        self.stops.clear();
        self.clause_cuts.clear();
        self.clause_marks.clear();
        self.quote_bytes.clear();
        self.quote_bytes.extend(
            memchr::memchr3_iter(b'"', 0xE2, 0xC2, &bytes[quotes.clone()])
                .map(|k| quotes.start + k),
        );
        let (mut saying, mut condemning) = (0u32, 0u32);
        self.saying.push(0);
        self.condemning.push(0);
        let mut i = from;
        while i < to {
            let b = bytes[i];
            if is_word_byte(b) {
                let start = i;
                let mut high = false;
                while i < to && is_word_byte(bytes[i]) {
                    high |= bytes[i] >= 0x80;
                    i += 1;
                }
                if high {
                    // `–` is E2 80 93, `—` E2 80 94: they cut a clause, inside a "word" too
                    let word = &bytes[start..i];
                    for k in memchr::memchr_iter(0xE2, word) {
                        if word.get(k + 1) == Some(&0x80)
                            && matches!(word.get(k + 2), Some(0x93 | 0x94))
                        {
                            self.clause_cuts.push(start + k + 3);
                        }
                    }
                }
                let class = classify(&bytes[start..i]);
                self.spans.push((start, i));
                self.class.push(class);
                saying += u32::from(class & SAYING_BEFORE != 0);
                condemning += u32::from(class & CONDEMNING != 0);
                self.saying.push(saying);
                self.condemning.push(condemning);
                continue;
            }
            match b {
                b'.' | b'!' | b'?' | b'\n' => self.stops.push(i),
                b',' | b';' | b':' | b'(' | b')' => {
                    self.clause_cuts.push(i + 1);
                    self.clause_marks.push(i);
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// The words overlapping `from..to`: an index range of `spans`.
    fn overlapping(&self, from: usize, to: usize) -> std::ops::Range<usize> {
        let lo = self.spans.partition_point(|w| w.1 <= from);
        let hi = lo + self.spans[lo..].partition_point(|w| w.0 < to);
        lo..hi
    }

    /// Word `k` as cut by `from..to`, and the lists that piece is on.
    fn piece<'t>(&self, text: &'t [u8], k: usize, from: usize, to: usize) -> (&'t [u8], u8) {
        let (s, e) = self.spans[k];
        if s >= from && e <= to {
            (&text[s..e], self.class[k])
        } else {
            let piece = &text[s.max(from)..e.min(to)];
            (piece, classify(piece))
        }
    }

    /// Which of the lists SAYING_BEFORE and CONDEMNING (bits) a word of `text[from..to]`
    /// is on: both answered from one lookup of the range.
    fn lists_in(&self, text: &[u8], from: usize, to: usize) -> u8 {
        const BOTH: u8 = SAYING_BEFORE | CONDEMNING;
        let range = self.overlapping(from, to);
        let (mut lo, mut hi) = (range.start, range.end);
        let mut found = 0;
        if lo < hi && self.spans[lo].0 < from {
            found |= self.piece(text, lo, from, to).1 & BOTH;
            lo += 1;
        }
        if lo < hi && self.spans[hi - 1].1 > to {
            found |= self.piece(text, hi - 1, from, to).1 & BOTH;
            hi -= 1;
        }
        if lo < hi {
            if self.saying[hi] > self.saying[lo] {
                found |= SAYING_BEFORE;
            }
            if self.condemning[hi] > self.condemning[lo] {
                found |= CONDEMNING;
            }
        }
        found
    }

    /// The context tags of the hit at `start..end`: [`context::context_of`]'s.
    fn context_of(&self, text: &str, start: usize, end: usize) -> u8 {
        let bytes = text.as_bytes();
        let before_start = context::floor(text, start.saturating_sub(REACH));
        let after_end = context::ceil(text, (end + REACH).min(text.len()));
        let k = self.stops.partition_point(|&p| p < start);
        let sentence_start = match k.checked_sub(1).map(|k| self.stops[k]) {
            Some(p) if p >= before_start => p + 1,
            _ => before_start,
        };
        let sentence_end = match self.stops.get(self.stops.partition_point(|&p| p < end)) {
            Some(&p) if p < after_end => p,
            _ => after_end,
        };
        let k = self.clause_cuts.partition_point(|&q| q <= start);
        let clause_start = match k.checked_sub(1).map(|k| self.clause_cuts[k]) {
            Some(q) if q > sentence_start => q,
            _ => sentence_start,
        };
        let k = self.clause_marks.partition_point(|&p| p < end);
        let clause_end = match self.clause_marks.get(k) {
            Some(&p) if p < sentence_end => p,
            _ => sentence_end,
        };

        let mut tags = 0;
        // The last words of the clause, back to a clause word (`maar`, `but`).
        let mut window: [(&[u8], u8); NEGATION_WINDOW] = [(b"", 0); NEGATION_WINDOW];
        let mut taken = 0;
        for k in self.overlapping(clause_start, start).rev() {
            let (word, class) = self.piece(bytes, k, clause_start, start);
            if taken == NEGATION_WINDOW || class & CLAUSE_WORDS != 0 {
                break;
            }
            window[taken] = (word, class);
            taken += 1;
        }
        let window = &window[..taken];
        let contraction = window.windows(2).any(|w| {
            w[0].0.eq_ignore_ascii_case(b"t") && w[1].0.last().is_some_and(|&b| b | 0x20 == b'n')
        });
        if contraction || window.iter().any(|(_, class)| class & NEGATIONS != 0) {
            tags |= NEGATED;
        }

        let far_start = context::floor(text, start.saturating_sub(2 * REACH));
        let may_quote = self
            .quote_bytes
            .get(self.quote_bytes.partition_point(|&p| p < far_start))
            .is_some_and(|&p| p < start);
        let quoted =
            (may_quote && {
                let far_end = context::ceil(text, (end + 2 * REACH).min(text.len()));
                inside_double_quotes(&text[far_start..start], &text[end..far_end])
            }) || wrapped_in_single_quotes(&text[before_start..start], &text[end..after_end]);
        let lists_before = self.lists_in(bytes, sentence_start, start);
        let reported = || {
            lists_before & SAYING_BEFORE != 0 || {
                let after = self.overlapping(end, clause_end);
                let first = after.start..after.end.min(after.start + 4);
                first
                    .map(|k| self.piece(bytes, k, end, clause_end).1)
                    .any(|class| class & SAYING_AFTER != 0)
            }
        };
        if quoted || reported() {
            tags |= QUOTED;
        }
        if lists_before & CONDEMNING != 0
            || self.lists_in(bytes, end, sentence_end) & CONDEMNING != 0
        {
            tags |= COUNTER_SPEECH;
        }
        tags
    }
}

/// Fill in the context tags of `hits`, hits of `text` sorted by start, with `table` as
/// scratch: one table per cluster of nearby hits.
pub(crate) fn tag_field(table: &mut Table, text: &str, hits: &mut [Found]) {
    let mut first = 0;
    while first < hits.len() {
        // the cluster: hits that start within CLUSTER_GAP of the furthest end so far
        let mut end = hits[first].end;
        let mut last = first + 1;
        while last < hits.len() && hits[last].start <= end + CLUSTER_GAP {
            end = end.max(hits[last].end);
            last += 1;
        }
        if last == first + 1 {
            // a hit alone: reading its windows once costs less than a table of them
            let hit = &mut hits[first];
            hit.context = context::context_of(text, hit.start, hit.end);
            first = last;
            continue;
        }
        let reach = |by: usize| {
            context::floor(text, hits[first].start.saturating_sub(by))
                ..context::ceil(text, (end + by).min(text.len()))
        };
        let words = reach(REACH);
        table.build(text, words.start, words.end, reach(2 * REACH));
        for hit in &mut hits[first..last] {
            hit.context = table.context_of(text, hit.start, hit.end);
        }
        first = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::rng::Rng;
    use websense_model::{Field, MatchMethod};

    const PIECES: &[&str] = &[
        "geen",
        "niet",
        "Nooit",
        "not",
        "don",
        "t",
        "'",
        "’",
        "‘",
        "\"",
        "“",
        "”",
        "„",
        "«",
        "»",
        "zei",
        "noemde",
        "noemen",
        "said",
        "walgelijk",
        "VILE",
        "maar",
        "but",
        ".",
        "!",
        "?",
        "\n",
        ",",
        ";",
        ":",
        "(",
        ")",
        " – ",
        "—",
        " ",
        " ",
        " ",
        "ongedierte",
        "rat",
        "ratten",
        "é",
        "één",
        "😡",
        "ı",
        "ş",
        "فا",
        "؟",
        "x",
        "1",
        "nooit2",
        "aldus",
    ];

    #[test]
    fn tags_are_those_of_context_of_hit_by_hit() {
        let mut rng = Rng::new(7);
        let mut table = Table::default();
        let mut seen = [0usize; 8];
        for round in 0..3000 {
            let words = 1 + rng.below(if round % 10 == 0 { 400 } else { 60 });
            let mut text = String::new();
            for _ in 0..words {
                text.push_str(PIECES[rng.below(PIECES.len())]);
                if rng.chance(0.6) {
                    text.push(' ');
                }
            }
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let mut spans: Vec<(usize, usize)> = (0..1 + rng.below(30))
                .map(|_| {
                    let a = boundaries[rng.below(boundaries.len())];
                    let b = boundaries[rng.below(boundaries.len())];
                    (a.min(b), a.max(b))
                })
                .collect();
            spans.sort_unstable();
            let mut hits: Vec<Found> = spans
                .iter()
                .map(|&(start, end)| Found {
                    item: 0,
                    term: 0,
                    field: Field::Text,
                    start,
                    end,
                    method: MatchMethod::Exact,
                    context: 0xFF,
                })
                .collect();
            tag_field(&mut table, &text, &mut hits);
            for hit in &hits {
                let (s, e) = (hit.start, hit.end);
                assert_eq!(
                    hit.context,
                    context::context_of(&text, s, e),
                    "{text:?} at {s}..{e}"
                );
                seen[hit.context as usize] += 1;
            }
        }
        // every combination of tags came up, and untagged hits
        assert!(seen.iter().all(|&n| n > 50), "{seen:?}");
    }
}
