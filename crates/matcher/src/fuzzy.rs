//! Bounded fuzzy matching: a term one edit away (insert, delete, substitute, transpose).
//!
//! Only for terms of [`MIN_LEN`] (7) or more bytes of normal form (a changed letter: 9 or
//! more, since that is the edit that most often makes another ordinary word:
//! `ophangen`/`opvangen`) whose category (or lexicon or
//! line) turns `fuzzy` on, and only for `word`, `prefix` and `suffix` terms (a phrase or an
//! infix has no word to compare). The edit may not touch a term's first letter or its last
//! two: ordinary words one edit from a term differ mostly there (`verrader`/`verraden`,
//! `moslim`/`moslims`), while a disguise drops, doubles or swaps a letter inside
//! (`ongedeirte`, `volksveraders`).
//!
//! Symmetric deletion: every term and each of its one-byte deletions is a key of one hash
//! map; a candidate string (a word, or a word's start or end of a term's length give or
//! take one) is looked up as it is and with each of its bytes deleted, and what the keys
//! name is checked exactly. A word of n bytes costs about n lookups per role and length, so
//! this is the one option that costs real time per word; it is off by default.
//!
//! Anchors first: since the edit leaves a term's first byte and last two alone, a candidate
//! can only match a term that starts with its first byte, ends with its last two and is one
//! byte longer, shorter or as long. A bitmap of those (first, last two, length) keys per term
//! kind rejects most candidates of ordinary text with one probe before any hashing; for the
//! same reason a candidate is looked up only with an inner byte deleted. The keys are hashed
//! with `rustc-hash` (Fx), not SipHash: they are terms and text, and a collision costs only
//! a comparison.

use rustc_hash::FxHashMap;
use websense_model::TermKind;

/// Terms shorter than this (in normal-form bytes) are never matched fuzzily.
pub(crate) const MIN_LEN: usize = 7;
/// Terms shorter than this are matched with a letter dropped, added or swapped, but not
/// changed.
pub(crate) const MIN_SUBSTITUTION_LEN: usize = 9;

pub(crate) struct FuzzyIndex {
    /// The term and each of its one-byte deletions -> entries.
    keys: FxHashMap<Box<[u8]>, Vec<u32>>,
    entries: Vec<Entry>,
    /// Lengths of word terms (min, max).
    word_lengths: Option<(usize, usize)>,
    /// Distinct lengths of prefix and of suffix terms.
    prefix_lengths: Vec<usize>,
    suffix_lengths: Vec<usize>,
    /// Per kind (word, prefix, suffix): the (first byte, last two bytes) of its entries.
    anchors: [Anchors; 3],
}

/// Bits of an anchor bitmap (32 KiB): sparse enough that a key no term has is rarely set.
const ANCHOR_BITS: usize = 1 << 18;

/// A set of (first byte, last two bytes, length) keys, as a bitmap of their hashes: a bit
/// unset means no term has the key; a bit set, probably one does.
struct Anchors(Box<[u64]>);

impl Anchors {
    fn new() -> Anchors {
        Anchors(vec![0; ANCHOR_BITS / 64].into_boxed_slice())
    }

    /// The bit of a text of `len` bytes starting with `first` and ending with `last`.
    fn bit(first: u8, last: [u8; 2], len: usize) -> usize {
        let key = u64::from(first)
            | u64::from(last[0]) << 8
            | u64::from(last[1]) << 16
            | (len as u64) << 24;
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize % ANCHOR_BITS
    }

    /// A term's keys: candidates one byte shorter, as long and one byte longer.
    fn insert(&mut self, term: &[u8]) {
        let n = term.len();
        for len in [n - 1, n, n + 1] {
            let bit = Anchors::bit(term[0], [term[n - 2], term[n - 1]], len);
            self.0[bit / 64] |= 1 << (bit % 64);
        }
    }

    fn may_hold(&self, candidate: &[u8]) -> bool {
        let n = candidate.len();
        n >= 3 && {
            let bit = Anchors::bit(candidate[0], [candidate[n - 2], candidate[n - 1]], n);
            self.0[bit / 64] & (1 << (bit % 64)) != 0
        }
    }
}

fn kind_index(kind: TermKind) -> usize {
    match kind {
        TermKind::Word => 0,
        TermKind::Prefix => 1,
        _ => 2,
    }
}

struct Entry {
    term: u32,
    kind: TermKind,
    text: Box<[u8]>,
}

impl FuzzyIndex {
    /// The index of `terms` (term id, kind, normal form), or none when none qualifies.
    pub(crate) fn new(terms: Vec<(u32, TermKind, String)>) -> Option<FuzzyIndex> {
        let mut index = FuzzyIndex {
            keys: FxHashMap::default(),
            entries: Vec::new(),
            word_lengths: None,
            prefix_lengths: Vec::new(),
            suffix_lengths: Vec::new(),
            anchors: [Anchors::new(), Anchors::new(), Anchors::new()],
        };
        for (term, kind, text) in terms {
            let n = text.len();
            if n < MIN_LEN
                || text.contains(' ')
                || !matches!(kind, TermKind::Word | TermKind::Prefix | TermKind::Suffix)
            {
                continue;
            }
            let e = index.entries.len() as u32;
            let bytes = text.as_bytes();
            let mut key = Vec::with_capacity(n);
            let mut add = |key: &[u8]| {
                let list = index.keys.entry(key.into()).or_default();
                if !list.contains(&e) {
                    list.push(e);
                }
            };
            add(bytes);
            for i in 0..n {
                key.clear();
                key.extend_from_slice(&bytes[..i]);
                key.extend_from_slice(&bytes[i + 1..]);
                add(&key);
            }
            match kind {
                TermKind::Word => {
                    let (lo, hi) = index.word_lengths.unwrap_or((n, n));
                    index.word_lengths = Some((lo.min(n), hi.max(n)));
                }
                TermKind::Prefix => index.prefix_lengths.push(n),
                _ => index.suffix_lengths.push(n),
            }
            index.anchors[kind_index(kind)].insert(bytes);
            index.entries.push(Entry {
                term,
                kind,
                text: bytes.into(),
            });
        }
        for lengths in [&mut index.prefix_lengths, &mut index.suffix_lengths] {
            lengths.sort_unstable();
            lengths.dedup();
        }
        (!index.entries.is_empty()).then_some(index)
    }

    /// Fuzzy hits in a normal form: (term, start, end) in normal-form offsets.
    pub(crate) fn find(&self, normalized: &[u8], out: &mut Vec<(u32, usize, usize)>) {
        let mut key = Vec::new();
        let mut start = 0;
        for word in normalized.split(|&b| b == b' ') {
            let end = start + word.len();
            if let Some((lo, hi)) = self.word_lengths {
                if (lo - 1..=hi + 1).contains(&word.len()) {
                    self.lookup(word, TermKind::Word, &mut key, |t| {
                        out.push((t, start, end))
                    });
                }
            }
            for &n in &self.prefix_lengths {
                for l in [n - 1, n, n + 1] {
                    if l <= word.len() && is_boundary(word, l) {
                        self.lookup(&word[..l], TermKind::Prefix, &mut key, |t| {
                            out.push((t, start, start + l))
                        });
                    }
                }
            }
            for &n in &self.suffix_lengths {
                for l in [n - 1, n, n + 1] {
                    if l <= word.len() && is_boundary(word, word.len() - l) {
                        self.lookup(&word[word.len() - l..], TermKind::Suffix, &mut key, |t| {
                            out.push((t, end - l, end))
                        });
                    }
                }
            }
            start = end + 1;
        }
    }

    fn lookup(
        &self,
        candidate: &[u8],
        kind: TermKind,
        key: &mut Vec<u8>,
        mut hit: impl FnMut(u32),
    ) {
        if !self.anchors[kind_index(kind)].may_hold(candidate) {
            return;
        }
        let mut seen: [u32; 8] = [u32::MAX; 8];
        let mut seen_len = 0;
        let mut check = |entries: &[u32]| {
            for &e in entries {
                let entry = &self.entries[e as usize];
                if entry.kind != kind || seen[..seen_len].contains(&e) {
                    continue;
                }
                if seen_len < seen.len() {
                    seen[seen_len] = e;
                    seen_len += 1;
                }
                if one_edit_inside(candidate, &entry.text) {
                    hit(entry.term);
                }
            }
        };
        if let Some(entries) = self.keys.get(candidate) {
            check(entries);
        }
        // An inserted, changed or swapped byte lies after the first and before the last two
        // (a deleted one is found by the lookup as it is).
        for i in 1..candidate.len().saturating_sub(2) {
            key.clear();
            key.extend_from_slice(&candidate[..i]);
            key.extend_from_slice(&candidate[i + 1..]);
            if let Some(entries) = self.keys.get(key.as_slice()) {
                check(entries);
            }
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.anchors.len() * ANCHOR_BITS / 8
            + self
                .keys
                .iter()
                .map(|(k, v)| k.len() + v.capacity() * 4 + 48)
                .sum::<usize>()
            + self
                .entries
                .iter()
                .map(|e| e.text.len() + 32)
                .sum::<usize>()
    }
}

/// Whether `at` is a character boundary of the UTF-8 `word`.
fn is_boundary(word: &[u8], at: usize) -> bool {
    at == word.len() || word[at] & 0xC0 != 0x80
}

/// Whether `text` is exactly one edit (insert, delete, substitute, adjacent transpose) from
/// `term`, with the edit neither on the term's first byte nor on its last two.
pub(crate) fn one_edit_inside(text: &[u8], term: &[u8]) -> bool {
    let n = term.len();
    let p = text.iter().zip(term).take_while(|(a, b)| a == b).count();
    // The edit changes the term's bytes `from..to` (an insertion: none, before `from`); it
    // must leave the first byte and the last two alone.
    let inside = |from: usize, to: usize| from >= 1 && to + 2 <= n;
    if text.len() == n {
        if p == n {
            return false;
        }
        if text[p + 1..] == term[p + 1..] {
            // A changed letter is the edit that most often makes an ordinary word
            // (`ophangen`/`opvangen`): only for longer terms.
            return n >= MIN_SUBSTITUTION_LEN && inside(p, p + 1);
        }
        p + 1 < n
            && text[p] == term[p + 1]
            && text[p + 1] == term[p]
            && text[p + 2..] == term[p + 2..]
            && inside(p, p + 2)
    } else if text.len() == n + 1 {
        // a byte inserted before term[p]
        text[p + 1..] == term[p..] && inside(p, p)
    } else if text.len() + 1 == n {
        // term[p] deleted
        text[p..] == term[p + 1..] && inside(p, p + 1)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::rng::Rng;

    /// Every hit by brute force: each word, and each word's start and end of every length,
    /// against every qualifying term with `one_edit_inside`.
    fn brute_force(terms: &[(u32, TermKind, String)], text: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        let mut start = 0;
        for word in text.split(|&b| b == b' ') {
            let end = start + word.len();
            for (id, kind, term) in terms {
                let t = term.as_bytes();
                if t.len() < MIN_LEN {
                    continue;
                }
                match kind {
                    TermKind::Word if one_edit_inside(word, t) => out.push((*id, start, end)),
                    TermKind::Prefix | TermKind::Suffix => {
                        for l in [t.len() - 1, t.len(), t.len() + 1] {
                            if l > word.len() {
                                continue;
                            }
                            let (piece, from) = if *kind == TermKind::Prefix {
                                (&word[..l], start)
                            } else {
                                (&word[word.len() - l..], end - l)
                            };
                            if one_edit_inside(piece, t) {
                                out.push((*id, from, from + l));
                            }
                        }
                    }
                    _ => {}
                }
            }
            start = end + 1;
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The index (symmetric deletion behind the anchor bitmap) finds exactly what brute force
    /// finds, on texts full of near misses: words made from the terms by random edits.
    #[test]
    fn the_index_finds_what_brute_force_finds() {
        let mut rng = Rng::new(7);
        let letters = b"abdeilnorstv";
        let word = |rng: &mut Rng, n: usize| -> String {
            (0..n)
                .map(|_| letters[rng.below(letters.len())] as char)
                .collect()
        };
        for round in 0..200 {
            let kinds = [TermKind::Word, TermKind::Prefix, TermKind::Suffix];
            let terms: Vec<(u32, TermKind, String)> = (0..1 + rng.below(12))
                .map(|i| {
                    let (kind, n) = (rng.pick(&kinds), 7 + rng.below(6));
                    (i as u32, kind, word(&mut rng, n))
                })
                .collect();
            let mut text = Vec::new();
            for _ in 0..40 {
                let (_, _, term) = &terms[rng.below(terms.len())];
                let mut w = term.clone().into_bytes();
                match rng.below(6) {
                    0 => {
                        let n = 3 + rng.below(12);
                        w = word(&mut rng, n).into_bytes();
                    }
                    1 => {
                        let at = rng.below(w.len());
                        w.remove(at);
                    }
                    2 => {
                        let at = rng.below(w.len() + 1);
                        w.insert(at, letters[rng.below(letters.len())]);
                    }
                    3 => {
                        let at = rng.below(w.len() - 1);
                        w.swap(at, at + 1);
                    }
                    4 => {
                        let at = rng.below(w.len());
                        w[at] = letters[rng.below(letters.len())];
                    }
                    _ => {
                        let n = rng.below(4);
                        w.extend_from_slice(word(&mut rng, n).as_bytes());
                    }
                }
                if !text.is_empty() {
                    text.push(b' ');
                }
                text.extend_from_slice(&w);
            }
            let mut found = Vec::new();
            if let Some(index) = FuzzyIndex::new(terms.clone()) {
                index.find(&text, &mut found);
            }
            found.sort_unstable();
            found.dedup();
            assert_eq!(
                found,
                brute_force(&terms, &text),
                "round {round}: {terms:?} in {:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    #[test]
    fn one_edit_inside_the_term() {
        let t = b"ongedierte";
        assert!(one_edit_inside(b"ongedeirte", t), "transposed");
        assert!(one_edit_inside(b"ongediete", t), "deleted");
        assert!(one_edit_inside(b"ongediierte", t), "inserted");
        assert!(one_edit_inside(b"ongedxerte", t), "substituted");
        assert!(!one_edit_inside(b"ongedierte", t), "equal");
        assert!(!one_edit_inside(b"ongedierten", t), "after the end");
        assert!(!one_edit_inside(b"ongedierta", t), "last letter");
        assert!(!one_edit_inside(b"ongediertr", t), "last two swapped");
        assert!(!one_edit_inside(b"xngedierte", t), "first letter");
        assert!(!one_edit_inside(b"verraden", b"verrader"));
        assert!(
            !one_edit_inside(b"opvangen", b"ophangen"),
            "8 letters: no substitution"
        );
        assert!(
            one_edit_inside(b"ophagen", b"ophangen"),
            "8 letters: a deletion"
        );
        assert!(!one_edit_inside(b"ongedeitre", t), "two edits");
    }
}
