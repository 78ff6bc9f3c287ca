//! [`normalize_into`]: the normal form built fast, into reusable buffers, with its span map
//! (the crate doc's "Design and costs" says how).

use crate::span_map::{Anchor, SpanMap};
use crate::{fold_char, CharClass};
use std::sync::OnceLock;

/// Normalise `text` into `out` (cleared first; the same bytes as [`normalize`](crate::normalize)) and record
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
