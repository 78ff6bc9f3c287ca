//! Text normalisation shared by lexicon terms and post text.
//!
//! Terms and text must be normalised *alike*, or a term would never meet its text; that is
//! why this is a crate of its own that both `websense-lexicon` (validation) and
//! `websense-matcher` (matching) use. It owns the normal form and the map from the normal
//! form back to the original text; it must not know about terms, lexicons or matching.
//!
//! The normal form, per character of the input:
//!
//! 1. compatibility decomposition (NFKD: ligatures `ﬁ` -> `fi`, full-width forms, ...);
//! 2. combining marks removed (diacritics: `één` -> `een`, `Ärger` -> `arger`);
//! 3. full Unicode lower-casing, plus the case *folds* lower-casing lacks (`ß`/`ẞ` -> `ss`,
//!    final sigma -> sigma), so `STRASSE` and `straße` meet;
//! 4. letters and digits are kept; invisible characters vanish without splitting a word:
//!    every Default_Ignorable_Code_Point (soft hyphen, zero-width joiners, bidi embedding,
//!    override and isolate marks, U+061C, Hangul fillers, variation selectors, tag
//!    characters, ...), Arabic tatweel, the Braille blank and U+FFF9–FFFB ([`is_ignorable`]),
//!    so `volks\u{202E}verrader` is `volksverrader`; every maximal run of anything else — whitespace,
//!    punctuation, symbols, emoji — becomes one ASCII space, and leading and trailing
//!    separators are dropped.
//!
//! So a word boundary in normalised text is simply the text's edge or a space, and a phrase
//! term `grote vervanging` meets `Grote, vervanging!` with any separators in between.
//!
//! # Three ways in
//!
//! * [`normalize`] is the definition: simple, one [`fold_char`] per character. Use it for
//!   terms and anything small.
//! * [`normalize_with_map`] also returns a [`SpanMap`], which turns a byte range of the
//!   normal form back into the byte range of the original text it came from, so a hit found
//!   in normal form can be highlighted in the post as written.
//! * [`normalize_into`] is the same as `normalize_with_map` into reusable buffers, for
//!   callers that normalise a stream of posts (the matcher).
//!
//! # Design and costs
//!
//! `normalize_into` takes ASCII eight bytes at a time where they map one to one (no byte
//! of 0x80 or more, no separator after a separator): a few word operations lower-case the
//! letters and turn separators into spaces, which is most of a post. Other ASCII goes byte
//! by byte through a 128-entry table, a separator run writing its space as soon as it
//! starts and dropping the rest of the run. Every other character below U+3000 (Latin,
//! Greek, Cyrillic, Hebrew, Arabic, general punctuation, common symbols) is looked up in a
//! table of precomputed [`fold_char`] results built once per process (about 180 KiB, a few
//! milliseconds); only rarer characters (emoji, CJK, ...) pay for a real decomposition.
//! The output is identical to [`normalize`], which the tests check on random text. Costs:
//! about 2.8 GB/s on plain ASCII words, nearer 0.6 GB/s on post-like text, where
//! punctuation runs, diacritics and emoji leave the fast path every few words.
//!
//! The span map is sparse. Within a *linear* segment each normal-form byte stands for the
//! original byte at a fixed offset, so a run of ASCII words costs nothing; an anchor is
//! recorded only where that offset changes (a run of several separators, a leading
//! separator, a character whose fold has another length or expands, such as `é` -> `e`,
//! `ß` -> `ss` or `ﬁ` -> `fi`). Such a character gets a *non-linear* segment of its own,
//! and every normal-form byte of it maps to the whole original character, so a range that
//! starts or ends inside an expansion widens to that character. Ignored characters
//! (combining marks, soft hyphens) right after a letter belong to that letter: a range
//! ending at the letter also covers them. Looking up a range is two binary searches.

mod variant;

use std::ops::Range;
use std::sync::OnceLock;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};
pub use variant::{
    may_vary, variant_into, variant_windows, whole_field, Reading, Variant, VariantOptions, FOLDED,
    JOINED, JOINED_SYMBOL, SQUEEZED,
};

/// What one input character contributes to the normal form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    /// Contributed letters or digits (written to the output).
    Emitted,
    /// A separator (whitespace, punctuation, symbol, emoji).
    Separator,
    /// Contributes nothing and separates nothing (combining mark, format character).
    Ignored,
}

/// Fold one character, appending its letters/digits to `out`.
pub fn fold_char(c: char, out: &mut String) -> CharClass {
    if c.is_ascii() {
        return if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            CharClass::Emitted
        } else {
            CharClass::Separator
        };
    }
    if is_ignorable(c) {
        return CharClass::Ignored;
    }
    let before = out.len();
    let mut separator = false;
    decompose_compatible(c, |d| {
        if is_combining_mark(d) || is_ignorable(d) {
            return;
        }
        if !d.is_alphanumeric() {
            separator = true;
            return;
        }
        for l in d.to_lowercase() {
            match l {
                'ß' => out.push_str("ss"),
                'ς' => out.push('σ'),
                l if is_combining_mark(l) => {}
                l => out.push(l),
            }
        }
    });
    if out.len() > before {
        CharClass::Emitted
    } else if separator {
        CharClass::Separator
    } else {
        CharClass::Ignored
    }
}

/// Characters that vanish without separating words: every Default_Ignorable_Code_Point of
/// Unicode (soft hyphen, zero-width space and joiners, bidi embeddings, overrides, isolates
/// and marks, the Arabic letter mark, word joiner and invisible operators, Hangul fillers,
/// variation selectors, BOM, tag characters, ...), plus the characters that are invisible or
/// meaningless inside a word without being default-ignorable: Arabic tatweel (U+0640, a
/// letter by category that only stretches a word), the Braille blank (U+2800, drawn as
/// nothing) and the interlinear annotation controls (U+FFF9–FFFB).
///
/// Written out rather than taken from a crate: the property is a short, stable list of
/// ranges (DerivedCoreProperties.txt; Unicode keeps it stable across versions), and the
/// crates that carry it pull in every other property table for this one.
pub fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{0640}' | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// The normal form of `text` (see the crate doc).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_separator = false;
    for c in text.chars() {
        let mark = out.len();
        match fold_char(c, &mut out) {
            CharClass::Emitted => {
                if pending_separator && mark > 0 {
                    out.insert(mark, ' ');
                }
                pending_separator = false;
            }
            CharClass::Separator => pending_separator = true,
            CharClass::Ignored => {}
        }
    }
    out
}

/// A normal form together with the map back to the text it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Normalized {
    pub text: String,
    pub map: SpanMap,
}

/// The normal form of `text` (identical to [`normalize`]) and its [`SpanMap`].
pub fn normalize_with_map(text: &str) -> Normalized {
    let mut bytes = Vec::new();
    let mut map = SpanMap::default();
    normalize_into(text, &mut bytes, &mut map);
    let text = String::from_utf8(bytes).expect("the normal form is built from whole characters");
    Normalized { text, map }
}

/// Maps byte ranges of a normal form back to byte ranges of its original text.
///
/// See the crate doc for what a range maps to. Built by [`normalize_with_map`] or
/// [`normalize_into`]; a default map belongs to the empty text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanMap {
    /// Sorted by `norm`, strictly increasing. Segment `i` covers the normal-form bytes
    /// `[norm_i, norm_{i+1})` and the original bytes `[orig_i, orig_{i+1})`, where the
    /// segment after the last is `end`.
    segments: Vec<Segment>,
    end: Anchor,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Anchor {
    norm: usize,
    orig: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    at: Anchor,
    /// Byte `norm + k` stands for original byte `orig + k`; otherwise every byte of the
    /// segment stands for the whole original range.
    linear: bool,
}

impl SpanMap {
    /// The original byte range that the normal-form range `start..end` came from.
    ///
    /// `start` and `end` must lie on character boundaries of the normal form; the result
    /// then lies on character boundaries of the original text. An empty range maps to an
    /// empty range.
    ///
    /// # Panics
    /// When `start > end` or `end` is past the end of the normal form.
    pub fn original_span(&self, start: usize, end: usize) -> Range<usize> {
        assert!(
            start <= end && end <= self.end.norm,
            "range {start}..{end} is outside the normal form"
        );
        if start == end {
            let at = self.original_start(start);
            return at..at;
        }
        let i = self.segment_at(end - 1);
        let seg = self.segments[i];
        let orig_end = if seg.linear {
            seg.at.orig + (end - seg.at.norm)
        } else {
            self.segments.get(i + 1).map_or(self.end, |s| s.at).orig
        };
        self.original_start(start)..orig_end
    }

    fn original_start(&self, norm: usize) -> usize {
        if norm == self.end.norm {
            return self.end.orig;
        }
        let seg = self.segments[self.segment_at(norm)];
        if seg.linear {
            seg.at.orig + (norm - seg.at.norm)
        } else {
            seg.at.orig
        }
    }

    /// Index of the segment holding normal-form byte `norm`.
    fn segment_at(&self, norm: usize) -> usize {
        self.segments.partition_point(|s| s.at.norm <= norm) - 1
    }

    /// Bytes of heap this map holds.
    pub fn heap_bytes(&self) -> usize {
        self.segments.capacity() * std::mem::size_of::<Segment>()
    }

    fn clear(&mut self) {
        self.segments.clear();
        self.end = Anchor::default();
    }

    fn push(&mut self, norm: usize, orig: usize, linear: bool) {
        self.segments.push(Segment {
            at: Anchor { norm, orig },
            linear,
        });
    }
}

/// Normalise `text` into `out` (cleared first; the same bytes as [`normalize`]) and record
/// its span map in `map` (cleared first).
///
/// Buffers are reused, so a caller that keeps them allocates nothing in the steady state.
pub fn normalize_into(text: &str, out: &mut Vec<u8>, map: &mut SpanMap) {
    map.clear();
    out.clear();
    // ASCII never writes more bytes than it reads, so this holds all of an ASCII text; a
    // character that expands grows it for the rest (below).
    out.resize(text.len(), 0);
    // Written through a slice: its pointer and length stay in registers, where stores through
    // `out` itself would make the compiler reload them after every byte.
    let mut buf = out.as_mut_slice();
    let table = fold_table();
    let bytes = text.as_bytes();
    // The hot state is three integers, kept out of reach of the helpers (they get values and
    // return values) so that it can live in registers.
    let mut n = 0;
    // The last byte written; a space also at the start, so that leading separators vanish.
    let mut last = b' ';
    // `orig - norm` of the open linear segment, or NO_DELTA when the open segment (if any)
    // is not linear.
    let mut delta = NO_DELTA;
    let mut slow = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            // The leading bytes of the next 8 that map one to one go through in one step
            // (most of a post).
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            let (folded, good) = fold_ascii_word(word, last);
            if good > 0 {
                if i as isize - n as isize != delta {
                    // (after a separator run, or a character that is not one to one)
                    let is_space = folded as u8 == b' ';
                    delta = anchor_ascii(i, n, is_space, last, delta, map);
                }
                buf[n..n + 8].copy_from_slice(&folded.to_le_bytes());
                if good == 8 {
                    // The common case on its own: where the next word starts is then
                    // predicted, not waited for.
                    n += 8;
                    i += 8;
                    last = (folded >> 56) as u8;
                } else {
                    n += good;
                    i += good;
                    // (a shift, not an index into the stored bytes: `last` feeds the next word)
                    last = (folded >> (8 * (good - 1))) as u8;
                    if last == b' ' {
                        // The word stopped at a separator run (", "): the rest of it vanishes.
                        while bytes
                            .get(i)
                            .is_some_and(|&b| b < 0x80 && ASCII_FOLD[b as usize] == b' ')
                        {
                            i += 1;
                        }
                    }
                }
                continue;
            }
        }
        let byte = bytes[i];
        if byte < 0x80 {
            let folded = ASCII_FOLD[byte as usize];
            let is_space = folded == b' ';
            // Non-short-circuit: letters and separators alternate unpredictably, so this is
            // computed without a branch; it is false only inside a separator run.
            let emit = !is_space | (last != b' ');
            if emit {
                if i as isize - n as isize != delta {
                    delta = anchor_ascii(i, n, is_space, last, delta, map);
                }
                buf[n] = folded;
                n += 1;
                last = folded;
            }
            i += 1;
            continue;
        }
        let (fold, len) = fold_non_ascii(bytes, i, table, &mut slow);
        let in_slow = fold.len == UNTABLED;
        let fold_len = if in_slow {
            slow.len()
        } else {
            fold.len as usize
        };
        match fold.class {
            CharClass::Emitted => {
                let needed = n + fold_len.max(FOLD_CAPACITY) + (bytes.len() - i);
                if buf.len() < needed {
                    out.resize(needed, 0);
                    buf = out.as_mut_slice();
                }
                if last == b' ' && n > 0 && i - space_origin(n, delta, map) > 1 {
                    delta = space_spans_run(n, delta, map);
                }
                if fold.linear {
                    delta = anchor_linear(n, i, delta, map);
                } else {
                    map.push(n, i, false);
                    delta = NO_DELTA;
                }
                if in_slow {
                    buf[n..n + fold_len].copy_from_slice(slow.as_bytes());
                } else {
                    // all of `bytes`, a fixed size: a few moves rather than a call to memcpy
                    buf[n..n + FOLD_CAPACITY].copy_from_slice(&fold.bytes);
                }
                n += fold_len;
                last = buf[n - 1];
            }
            CharClass::Separator => {
                if last != b' ' {
                    map.push(n, i, false);
                    delta = NO_DELTA;
                    buf[n] = b' ';
                    n += 1;
                    last = b' ';
                }
            }
            CharClass::Ignored => {
                if last != b' ' && delta != NO_DELTA {
                    split_last_char(&buf[..n], delta, map);
                    delta = NO_DELTA;
                }
            }
        }
        i += len;
    }
    let content_end = if last == b' ' && n > 0 {
        // the trailing space of a trailing separator run
        let run_start = space_origin(n, delta, map);
        n -= 1;
        if map.segments.last().is_some_and(|s| s.at.norm == n) {
            map.segments.pop();
        }
        run_start
    } else if n == 0 {
        0
    } else {
        text.len()
    };
    out.truncate(n);
    map.end = Anchor {
        norm: n,
        orig: content_end,
    };
}

/// Fold the non-ASCII character at `bytes[i]`, from the table or else computed; a fold too
/// long for a [`Fold`] is left in `slow` (and the returned fold's `len` is `UNTABLED`).
/// Also returns the character's length in `bytes`.
#[inline(never)]
fn fold_non_ascii(bytes: &[u8], i: usize, table: &[Fold], slow: &mut String) -> (Fold, usize) {
    let (code, len) = decode_non_ascii(bytes, i);
    if let Some(f) = table
        .get(code as usize - 0x80)
        .filter(|f| f.len != UNTABLED)
    {
        return (*f, len);
    }
    slow.clear();
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    let class = fold_char(c, slow);
    (Fold::new(class, slow, len), len)
}

/// Where the separator run of the space at `norm - 1` began: the start of its own segment,
/// or else (it continues the open linear segment) at the segment's offset.
fn space_origin(norm: usize, delta: isize, map: &SpanMap) -> usize {
    match map.segments.last() {
        Some(seg) if seg.at.norm == norm - 1 => seg.at.orig,
        _ => (norm as isize - 1 + delta) as usize,
    }
}

/// `delta` when no linear segment is open; no real `orig - norm` is this small.
const NO_DELTA: isize = isize::MIN;

/// An ASCII byte at original `orig` is written at `norm`, but does not continue the open
/// linear segment: after a separator run of more than one byte, after a character that
/// did not map byte for byte, or at the start. Returns the new `delta`.
#[cold]
fn anchor_ascii(
    orig: usize,
    norm: usize,
    is_space: bool,
    last: u8,
    delta: isize,
    map: &mut SpanMap,
) -> isize {
    if !is_space && last == b' ' && norm > 0 {
        space_spans_run(norm, delta, map);
    }
    map.push(norm, orig, true);
    orig as isize - norm as isize
}

/// The space just before `norm` stands for a separator run longer than one byte, up to the
/// character written at `norm`: give it a non-linear segment. Returns the new `delta`.
fn space_spans_run(norm: usize, delta: isize, map: &mut SpanMap) -> isize {
    let run_start = space_origin(norm, delta, map);
    match map.segments.last_mut() {
        Some(seg) if seg.at.norm == norm - 1 => seg.linear = false,
        _ => map.push(norm - 1, run_start, false),
    }
    NO_DELTA
}

/// Continue the open linear segment with a character at `norm` from `orig`, or open one.
/// Returns the new `delta`.
fn anchor_linear(norm: usize, orig: usize, delta: isize, map: &mut SpanMap) -> isize {
    let d = orig as isize - norm as isize;
    if d != delta {
        map.push(norm, orig, true);
    }
    d
}

/// An ignored character (combining mark, soft hyphen) follows the last character of `out`,
/// which lies in the open linear segment: it belongs to that character, which so needs a
/// non-linear segment of its own (that then grows over the ignored bytes).
fn split_last_char(out: &[u8], delta: isize, map: &mut SpanMap) {
    let mut char_start = out.len() - 1;
    while out[char_start] & 0xC0 == 0x80 {
        char_start -= 1;
    }
    match map.segments.last_mut() {
        Some(seg) if seg.at.norm == char_start => seg.linear = false,
        _ => map.push(char_start, (char_start as isize + delta) as usize, false),
    }
}

/// The normal form of 8 bytes (little-endian in `word`) as far as it maps them one to
/// one: letters and digits lower-cased and each separator a space, for the leading bytes
/// that are ASCII and not a separator after a separator (or after `last`, the byte written
/// before). Returns the folded word and how many leading bytes that holds for.
#[inline(always)]
fn fold_ascii_word(word: u64, last: u8) -> (u64, usize) {
    const fn splat(b: u8) -> u64 {
        b as u64 * 0x0101_0101_0101_0101
    }
    const HIGH: u64 = splat(0x80);
    // For a byte below 0x80, adding 0x80 - lo sets its high bit exactly when it is >= lo.
    // A byte of 0x80 or more may carry into the bytes after it, which so become
    // meaningless, but only bytes before the first such byte are used.
    let at_least = |lo: u8| word.wrapping_add(splat(0x80 - lo)) & HIGH;
    let upper = at_least(b'A') & !at_least(b'Z' + 1);
    let lower = at_least(b'a') & !at_least(b'z' + 1);
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let separators = !(upper | lower | digit) & HIGH;
    let after_space = if last == b' ' { 0x80 } else { 0 };
    let doubled = separators & ((separators << 8) | after_space);
    let good = ((word & HIGH) | doubled).trailing_zeros() as usize / 8;
    let separator_bytes = (separators >> 7) * 0xFF;
    let lowered = word | (upper >> 2);
    let folded = (lowered & !separator_bytes) | (splat(b' ') & separator_bytes);
    (folded, good)
}

/// ASCII letters and digits lower-cased; a space for everything else.
const ASCII_FOLD: [u8; 128] = {
    let mut table = [b' '; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// The code point and UTF-8 length of the non-ASCII character at `bytes[i]` (valid UTF-8).
#[inline]
fn decode_non_ascii(bytes: &[u8], i: usize) -> (u32, usize) {
    let b0 = bytes[i] as u32;
    let cont = |k: usize| (bytes[i + k] & 0x3F) as u32;
    if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    }
}

/// A fold that is one character of the input's byte length maps byte for byte.
fn is_linear(folded: &str, input_len: usize) -> bool {
    let mut chars = folded.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.len_utf8() == input_len)
}

/// Precomputed [`fold_char`] of U+0080..U+2FFF.
const TABLE_END: u32 = 0x3000;
const FOLD_CAPACITY: usize = 12;
const UNTABLED: u8 = u8::MAX;

#[derive(Clone, Copy)]
struct Fold {
    class: CharClass,
    linear: bool,
    /// Bytes used in `bytes`, or `UNTABLED` when the fold is too long to store.
    len: u8,
    bytes: [u8; FOLD_CAPACITY],
}

impl Fold {
    /// The fold of a character of `input_len` bytes, of class `class`, that wrote `folded`.
    fn new(class: CharClass, folded: &str, input_len: usize) -> Fold {
        let mut bytes = [0; FOLD_CAPACITY];
        let len = if folded.len() <= FOLD_CAPACITY {
            bytes[..folded.len()].copy_from_slice(folded.as_bytes());
            folded.len() as u8
        } else {
            UNTABLED
        };
        Fold {
            class,
            linear: is_linear(folded, input_len),
            len,
            bytes,
        }
    }
}

fn fold_table() -> &'static [Fold] {
    static TABLE: OnceLock<Vec<Fold>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut folded = String::new();
        (0x80..TABLE_END)
            .map(|code| {
                folded.clear();
                match char::from_u32(code) {
                    Some(c) => Fold::new(fold_char(c, &mut folded), &folded, c.len_utf8()),
                    // Surrogates are not characters and never occur in a &str.
                    None => Fold::new(CharClass::Ignored, "", 3),
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_case_diacritics_and_separators() {
        assert_eq!(
            normalize("  Één, TWEE!!  drie\n\tvier "),
            "een twee drie vier"
        );
        assert_eq!(normalize("Ärger"), "arger");
        assert_eq!(normalize("STRASSE"), normalize("straße"));
        assert_eq!(normalize("İSTANBUL"), "istanbul");
        assert_eq!(normalize("ﬁnancieel"), "financieel");
        assert_eq!(normalize("volks\u{AD}verrader"), "volksverrader");
        assert_eq!(normalize("cafe\u{301} 👍🏽 ok"), "cafe ok");
        assert_eq!(normalize("🙂🙂"), "");
        assert_eq!(normalize("ΟΔΟΣ"), "οδοσ");
        assert_eq!(normalize("covid-19"), "covid 19");
    }

    #[test]
    fn invisible_characters_inside_a_word_vanish() {
        for c in [
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{061C}',
            '\u{E0020}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{3164}',
            '\u{115F}',
            '\u{1160}',
            '\u{FFA0}',
            '\u{2800}',
            '\u{FFF9}',
            '\u{FFFA}',
            '\u{FFFB}',
            '\u{0640}',
            '\u{200B}',
            '\u{2060}',
            '\u{FE0F}',
            '\u{180E}',
            '\u{17B4}',
            '\u{1D173}',
            '\u{1BCA0}',
        ] {
            let text = format!("Onge{c}{c}dierte en{c} zo");
            assert_eq!(normalize(&text), "ongedierte en zo", "U+{:04X}", c as u32);
            let n = normalize_with_map(&text);
            assert_eq!(n.text, "ongedierte en zo");
            // the hit covers the invisible characters inside it, as written
            assert_eq!(
                &text[n.map.original_span(0, 10)],
                format!("Onge{c}{c}dierte")
            );
        }
    }

    /// The original text of the normal-form range `start..end` of `text`.
    fn original(text: &str, start: usize, end: usize) -> &str {
        let n = normalize_with_map(text);
        &text[n.map.original_span(start, end)]
    }

    #[test]
    fn spans_map_back_where_lengths_change() {
        // "strasse" from "Straße": a range inside the expansion of ß widens to ß.
        let text = "Die Straße!";
        let n = normalize_with_map(text);
        assert_eq!(n.text, "die strasse");
        assert_eq!(&text[n.map.original_span(4, 11)], "Straße");
        assert_eq!(&text[n.map.original_span(8, 10)], "ß");
        assert_eq!(&text[n.map.original_span(9, 11)], "ße");
        assert_eq!(&text[n.map.original_span(0, 3)], "Die");
        assert_eq!(original("  İSTANBUL", 0, 8), "İSTANBUL");
        assert_eq!(original("de ﬁnanciën", 3, 6), "ﬁn");
        assert_eq!(original("de ﬁnanciën", 4, 5), "ﬁ");
        assert_eq!(original("de ﬁnanciën", 8, 12), "ciën");
        // NFD: the combining mark after the last letter belongs to it.
        assert_eq!(original("cafe\u{301}, nu", 0, 4), "cafe\u{301}");
        assert_eq!(original("cafe\u{301}, nu", 5, 7), "nu");
        assert_eq!(original("e\u{301}e\u{301}n", 0, 3), "e\u{301}e\u{301}n");
        assert_eq!(original("e\u{301}e\u{301}n", 1, 2), "e\u{301}");
        assert_eq!(original("volks\u{AD}verrader", 0, 5), "volks\u{AD}");
        assert_eq!(original("volks\u{AD}verrader", 5, 13), "verrader");
        assert_eq!(original("ＷＯＲＤ ok", 0, 4), "ＷＯＲＤ");
        assert_eq!(original("ＷＯＲＤ ok", 5, 7), "ok");
        // a run of separators is one space
        assert_eq!(original("a , 🙄 b", 1, 2), " , 🙄 ");
        assert_eq!(original("a , 🙄 b!!", 2, 3), "b");
        assert_eq!(original("", 0, 0), "");
    }

    /// Reference: normalise per character, recording for every normal-form byte the
    /// original range it stands for.
    fn dense(text: &str) -> (String, Vec<Range<usize>>) {
        let mut out = String::new();
        let mut origin: Vec<Range<usize>> = Vec::new();
        let mut pending: Option<usize> = None;
        let mut last_char: Option<Range<usize>> = None; // normal-form bytes of the last letter
        for (at, c) in text.char_indices() {
            let end = at + c.len_utf8();
            let mut folded = String::new();
            match fold_char(c, &mut folded) {
                CharClass::Emitted => {
                    if let Some(run_start) = pending.take() {
                        if !out.is_empty() {
                            out.push(' ');
                            origin.push(run_start..at);
                        }
                    }
                    last_char = Some(out.len()..out.len() + folded.len());
                    out.push_str(&folded);
                    origin.resize(origin.len() + folded.len(), at..end);
                }
                CharClass::Separator => {
                    pending.get_or_insert(at);
                }
                CharClass::Ignored => {
                    if pending.is_none() {
                        if let Some(bytes) = &last_char {
                            for o in &mut origin[bytes.clone()] {
                                o.end = end;
                            }
                        }
                    }
                }
            }
        }
        (out, origin)
    }

    fn piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a",
            "B",
            "z",
            "9",
            " ",
            "  ",
            "\n",
            ",",
            "!?",
            "-",
            "ß",
            "ẞ",
            "İ",
            "é",
            "e\u{301}",
            "Zeven Woorden",
            "abcdefgh",
            ", ",
            "A.B.C.",
            "0123",
            "\u{301}",
            "\u{AD}",
            "\u{200B}",
            "\u{202E}",
            "\u{0640}",
            "\u{3164}",
            "\u{E0041}",
            "\u{2800}",
            "\u{FFFA}",
            "ﬁ",
            "Ｗ",
            "🙄",
            "👍🏽",
            "Ω",
            "ς",
            "½",
            "㎉",
            "ǅ",
            "…",
            "’",
            "\u{FDFA}",
            "字",
        ])
    }

    proptest! {
        #[test]
        fn streaming_form_and_map_match_the_reference(pieces in prop::collection::vec(piece(), 0..24)) {
            let text: String = pieces.concat();
            let n = normalize_with_map(&text);
            prop_assert_eq!(&n.text, &normalize(&text));
            let (reference, origin) = dense(&text);
            prop_assert_eq!(&n.text, &reference);
            let boundaries: Vec<usize> =
                (0..=n.text.len()).filter(|&b| n.text.is_char_boundary(b)).collect();
            for (k, &start) in boundaries.iter().enumerate() {
                for &end in &boundaries[k + 1..] {
                    let want = origin[start].start..origin[end - 1].end;
                    prop_assert_eq!(n.map.original_span(start, end), want, "{}..{} of {:?}", start, end, text);
                }
            }
        }
    }
}
