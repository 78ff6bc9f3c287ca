//! The *variant* normal form: the text as a disguise-aware reader would read it.
//!
//! Posters who know they are watched write `v0lksverrader`, `u i t s c h o t`,
//! `ongedieeeerte` or `onge🐀dierte`. The variant form is the normal form with those
//! readings applied, each output byte carrying the original range it stands for and a mark
//! saying which reading made it, so a matcher can find a term in it, point at the text as
//! written, and say how it matched:
//!
//! * **fold** ([`FOLDED`]): in a word that mixes letters with look-alikes, and holds
//!   nothing else, the look-alikes become the letters they imitate: leet digits and
//!   symbols `0→o 1→i (or l) 3→e 4→a 5→s 7→t @→a $→s` and Cyrillic/Greek letters that look
//!   Latin (`а о е р с х у і ѕ ...`). A word of only digits (`2024`), or one with another
//!   digit (`b2b`, `covid19`), or a whole Cyrillic word, is left alone. `@` and `$` count
//!   only inside a word (`$` also at its start), so `@jan` stays a mention.
//! * **join** ([`JOINED`]): three or more single letters (or look-alikes), each separated by
//!   one or two of space, `.`, `-`, `_`, `*`, `·`, read as one word (`u i t s c h o t`,
//!   `o.n.g.e.d.i.e.r.t.e`); with the emoji option, an emoji or other symbol between two
//!   letters does not split the word (`onge🐀dierte`).
//! * **squeeze** ([`SQUEEZED`]): a letter written three or more times in a row is read
//!   once, and in a second reading twice (`ongedieeeerte` is `ongedierte`, `ongeloooof`
//!   is `ongeloof`).
//!
//! [`may_vary`] is the cheap test run on every field (eight bytes of the normal form at a
//! time, then word by word where that finds a candidate); [`variant_into`] builds the form,
//! character by character, only for fields that pass it and only returns one where a
//! reading changed something. Where `1` may be `i` or `l`, or a squeezed run one letter
//! or two, the caller builds one variant per [`Reading`].

mod build;

use crate::{fold_char, CharClass};
pub use build::variant_into;
use std::ops::Range;

/// Output byte made by folding a look-alike.
pub const FOLDED: u8 = 1;
/// Output byte of a word joined from pieces (single letters, or around a symbol).
pub const JOINED: u8 = 2;
/// Output byte that stands for a squeezed run of one letter.
pub const SQUEEZED: u8 = 4;
/// Output byte of a word joined across an emoji or symbol (the emoji option).
pub const JOINED_SYMBOL: u8 = 8;

/// Which readings to apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VariantOptions {
    pub confusables: bool,
    pub squeeze: bool,
    pub joined: bool,
    pub emoji: bool,
}

impl VariantOptions {
    pub fn any(self) -> bool {
        self.confusables || self.squeeze || self.joined || self.emoji
    }
}

/// A variant normal form: bytes, and for each byte its original range and marks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variant {
    pub text: Vec<u8>,
    /// Original byte range of each byte of `text`.
    pub origin: Vec<(u32, u32)>,
    /// [`FOLDED`] | [`JOINED`] | [`SQUEEZED`] | [`JOINED_SYMBOL`] of each byte of `text`.
    pub marks: Vec<u8>,
    /// Whether a `1` was folded (so a reading with `1→l` may differ).
    pub folded_one: bool,
    /// Whether a run was squeezed (so a reading with two letters may differ).
    pub squeezed: bool,
    units: Vec<Unit>,
    folded: String,
}

impl Variant {
    /// The original byte range of the variant range `start..end` (not empty).
    pub fn original_span(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        self.origin[start].0 as usize..self.origin[end - 1].1 as usize
    }

    /// The marks of the bytes `start..end`, or-ed.
    pub fn marks_of(&self, start: usize, end: usize) -> u8 {
        self.marks[start..end].iter().fold(0, |a, &m| a | m)
    }

    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.origin.capacity() * 8 + self.marks.capacity()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UnitKind {
    /// Letters or digits of the normal form (`folded[fold.0..fold.1]`).
    Letter,
    /// `@` or `$`: a separator, unless a fold takes it into a word.
    SymbolLookalike,
    /// An emoji or other symbol (only with the emoji option).
    Symbol,
    /// A separator that may stand between joined single letters.
    JoinSeparator,
    Separator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Unit {
    kind: UnitKind,
    start: u32,
    end: u32,
    fold: (u32, u32),
    /// The Latin letter it imitates, if it is a look-alike.
    lookalike: Option<u8>,
    /// Whether `fold` is an ASCII letter a-z.
    latin: bool,
}

/// The Latin letter a character imitates (see the module doc), `1` as `i`.
fn lookalike(c: char) -> Option<u8> {
    Some(match c {
        '0' => b'o',
        '1' => b'i',
        '3' => b'e',
        '4' => b'a',
        '5' => b's',
        '7' => b't',
        '@' => b'a',
        '$' => b's',
        // Cyrillic
        'а' | 'А' => b'a',
        'В' => b'b',
        'е' | 'Е' | 'ё' | 'Ё' => b'e',
        'К' | 'к' => b'k',
        'М' => b'm',
        'Н' | 'н' => b'h',
        'о' | 'О' => b'o',
        'р' | 'Р' => b'p',
        'с' | 'С' => b'c',
        'Т' | 'т' => b't',
        'у' | 'У' => b'y',
        'х' | 'Х' => b'x',
        'і' | 'І' => b'i',
        'ј' | 'Ј' => b'j',
        'ѕ' | 'Ѕ' => b's',
        'ԁ' => b'd',
        'һ' | 'Һ' => b'h',
        'ӏ' | 'Ӏ' => b'l',
        'ԛ' => b'q',
        'ԝ' => b'w',
        // Greek
        'α' | 'Α' => b'a',
        'Β' | 'β' => b'b',
        'Ε' | 'ε' => b'e',
        'Ζ' => b'z',
        'Η' => b'h',
        'Ι' | 'ι' => b'i',
        'Κ' | 'κ' => b'k',
        'Μ' => b'm',
        'Ν' | 'ν' => b'v',
        'Ο' | 'ο' => b'o',
        'Ρ' | 'ρ' => b'p',
        'Τ' | 'τ' => b't',
        'Υ' | 'υ' => b'u',
        'Χ' | 'χ' => b'x',
        _ => return None,
    })
}

fn is_join_separator(c: char) -> bool {
    matches!(c, ' ' | '.' | '-' | '_' | '*' | '·' | '\u{00A0}')
}

/// Emoji and other symbols that may stand inside a word: not ASCII, not whitespace, not
/// punctuation (general punctuation, CJK and Latin-1 punctuation split words as always).
fn is_symbol(c: char) -> bool {
    let code = c as u32;
    code >= 0x2100
        && !(0x3000..=0x303F).contains(&code)
        && !(0xFE10..=0xFE6F).contains(&code)
        && !(0xFF00..=0xFF65).contains(&code)
        && !c.is_whitespace()
}

/// Whether `variant_into` may find something to change: [`whole_field`], or a stretch
/// that [`variant_windows`] would return. False means the variant form would equal the
/// normal form.
pub fn may_vary(text: &str, normalized: &[u8], options: VariantOptions) -> bool {
    let mut windows = Vec::new();
    whole_field(text, options)
        || (candidates(normalized, options, &mut |_| true) && {
            variant_windows(normalized, None, options, 0, &mut windows);
            !windows.is_empty()
        })
}

/// The cheap test, eight bytes of the normal form at a time (each block also sees the
/// first bytes of the next, so every pattern of up to five bytes that starts in it is
/// seen): a digit beside a letter, a byte outside ASCII, three equal letters, two single
/// letters in a row. Calls `found` with the offset of each block that has one, in order,
/// until it returns false; returns whether any had.
///
/// Each byte's classes (letter, digit, space) are computed once, for eight bytes at a
/// time; a pattern reads its neighbours' classes by shifting these masks, carrying in
/// those of the next block.
fn candidates(
    normalized: &[u8],
    options: VariantOptions,
    found: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if !(options.confusables || options.squeeze || options.joined) || normalized.is_empty() {
        return false;
    }
    let n = normalized.len();
    let mut any = false;
    // Single letters at the edges: `a b c...` and `...x y z`.
    if options.joined && n >= 4 {
        let e = |k: usize| normalized[k] == b' ';
        if !e(0) && e(1) && !e(2) && e(3) {
            any = true;
            if !found(0) {
                return true;
            }
        }
    }
    // (reported last: `found` is called with offsets in order)
    let end_edge = options.joined && n >= 4 && {
        let e = |k: usize| normalized[k] == b' ';
        e(n - 4) && !e(n - 3) && e(n - 2) && !e(n - 1)
    };
    // the block at `at`, padded with spaces past the end
    let block = |at: usize| match normalized.get(at..at + 8) {
        Some(word) => u64::from_le_bytes(word.try_into().expect("8 bytes")),
        None => {
            let mut bytes = [b' '; 8];
            if at < n {
                bytes[..n - at].copy_from_slice(&normalized[at..]);
            }
            u64::from_le_bytes(bytes)
        }
    };
    let mut at = 0;
    let mut w = block(0);
    let mut classes = Classes::of(w);
    loop {
        let next = block(at + 8);
        let next_classes = Classes::of(next);
        let mut flags = 0;
        if options.confusables {
            // a letter outside ASCII: Cyrillic, Greek, ... (diacritics are gone already)
            flags |= w & HIGH;
            let letter_next = shifted(classes.letter, next_classes.letter, 1);
            let digit_next = shifted(classes.digit, next_classes.digit, 1);
            flags |= (classes.digit & letter_next) | (classes.letter & digit_next);
        }
        if options.squeeze {
            let same_next = equal_bytes(w ^ shifted(w, next, 1));
            let same_after = equal_bytes(w ^ shifted(w, next, 2));
            flags |= same_next & same_after & classes.letter;
        }
        if options.joined {
            let space = |k| shifted(classes.space, next_classes.space, k);
            let other = |k| !space(k) & HIGH;
            flags |= classes.space & other(1) & space(2) & other(3) & space(4);
        }
        if flags != 0 {
            any = true;
            if !found(at) {
                return true;
            }
        }
        at += 8;
        if at >= n {
            if end_edge {
                found(n - 4);
            }
            return any || end_edge;
        }
        (w, classes) = (next, next_classes);
    }
}

const fn splat(b: u8) -> u64 {
    b as u64 * 0x0101_0101_0101_0101
}
const HIGH: u64 = splat(0x80);
const LOW: u64 = splat(0x7F);

/// The top bit of each zero byte of `t`.
fn equal_bytes(t: u64) -> u64 {
    !(((t & LOW) + LOW) | t) & HIGH
}

/// Eight bytes' classes, as the top bit of each byte.
#[derive(Clone, Copy)]
struct Classes {
    letter: u64,
    digit: u64,
    space: u64,
}

impl Classes {
    fn of(w: u64) -> Classes {
        let ascii = !w & HIGH;
        // (the low seven bits plus 0x80 - lo: at most 0xFF, so no carry crosses a byte)
        let low = w & LOW;
        let at_least = |lo: u8| low.wrapping_add(splat(0x80 - lo)) & HIGH;
        Classes {
            letter: at_least(b'a') & !at_least(b'z' + 1) & ascii,
            digit: at_least(b'0') & !at_least(b'9' + 1) & ascii,
            space: equal_bytes(w ^ splat(b' ')),
        }
    }
}

/// The bytes (or masks) `k` places further on, the first of `next` shifted in.
fn shifted(this: u64, next: u64, k: u32) -> u64 {
    (this >> (8 * k)) | (next << (64 - 8 * k))
}

/// Whether a reading needs the whole field rather than windows around words of its
/// normal form: an `@` or `$` inside a word (a separator in the normal form, so its word
/// is two there), or with the emoji option an emoji or symbol between two letters.
pub fn whole_field(text: &str, options: VariantOptions) -> bool {
    (options.confusables && interior_symbol_lookalike(text.as_bytes()))
        || (options.emoji && symbol_inside_word(text))
}

/// Whether a run of emoji, symbols and ignorable characters, holding at least one symbol,
/// stands between two letters or digits.
///
/// Only the characters around a symbol are decoded: every symbol starts with a byte of
/// 0xE2 or more (it is at least U+2100), so the text is searched for those bytes, eight at
/// a time, and most posts (no emoji, or emoji beside spaces) cost that search alone.
fn symbol_inside_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = next_symbol_lead(bytes, from) {
        let c = char_at(text, at);
        from = at + c.len_utf8();
        if !is_symbol(c) {
            continue;
        }
        // the run of symbols and ignorables around it
        let mut start = at;
        let before = loop {
            match text[..start].chars().next_back() {
                Some(p) if is_symbol(p) || crate::is_ignorable(p) => start -= p.len_utf8(),
                other => break other,
            }
        };
        let mut end = from;
        let after = loop {
            match text[end..].chars().next() {
                Some(n) if is_symbol(n) || crate::is_ignorable(n) => end += n.len_utf8(),
                other => break other,
            }
        };
        if before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = end;
    }
    false
}

/// The first byte at or after `from` that may start a symbol (0xE2 or more).
fn next_symbol_lead(bytes: &[u8], mut from: usize) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = bytes.get(from..from + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        // a byte of 0xE2 or more: its top bit set after adding 0x1E to its low seven bits
        // (no carry crosses bytes: 0x7F + 0x1E < 0x100), and its own top bit set
        if ((w & !HIGH) + 0x1E1E_1E1E_1E1E_1E1E) & w & HIGH != 0 {
            break;
        }
        from += 8;
    }
    bytes[from.min(bytes.len())..]
        .iter()
        .position(|&b| b >= 0xE2)
        .map(|k| from + k)
}

/// The character starting at byte `at` (a character boundary).
fn char_at(text: &str, at: usize) -> char {
    text[at..]
        .chars()
        .next()
        .expect("a character at a boundary")
}

/// The stretches of the normal form that a reading may change, each widened by
/// `context_words` words either side (so a phrase term around a disguised word is read
/// whole), merged, as byte ranges of whole words: a word that a fold would change (Latin
/// letters with look-alike digits and no other digit, or with letters outside ASCII),
/// three equal letters (also as written, given the span map: not `ideeën`), or a run of
/// three or more single letters. Only the words where the eight-byte test finds something
/// are looked at, so a field without candidates costs that test alone.
pub fn variant_windows(
    normalized: &[u8],
    map: Option<&crate::SpanMap>,
    options: VariantOptions,
    context_words: usize,
    out: &mut Vec<Range<usize>>,
) {
    windows_found_by(candidates, normalized, map, options, context_words, out)
}

/// The cheap test's signature: see [`candidates`].
type Scan = fn(&[u8], VariantOptions, &mut dyn FnMut(usize) -> bool) -> bool;

/// [`variant_windows`], with the words looked at chosen by `scan` (a test gives it one
/// that looks at every word).
fn windows_found_by(
    scan: Scan,
    normalized: &[u8],
    map: Option<&crate::SpanMap>,
    options: VariantOptions,
    context_words: usize,
    out: &mut Vec<Range<usize>>,
) {
    out.clear();
    let n = normalized.len();
    let word_start = |p: usize| {
        normalized[..p]
            .iter()
            .rposition(|&b| b == b' ')
            .map_or(0, |s| s + 1)
    };
    let word_end = |p: usize| {
        normalized[p..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(n, |e| p + e)
    };
    // the start of the word `count` words before the one starting at `p`, and the end of
    // the word `count` words after the one ending at `e`
    let back = |mut p: usize, count: usize| {
        for _ in 0..count {
            if p == 0 {
                break;
            }
            p = word_start(p - 1);
        }
        p
    };
    let forward = |mut e: usize, count: usize| {
        for _ in 0..count {
            if e >= n {
                break;
            }
            e = word_end(e + 1);
        }
        e
    };
    let is_single = |s: usize, e: usize| {
        e - s == 1
            || (e - s <= 4
                && std::str::from_utf8(&normalized[s..e]).is_ok_and(|w| w.chars().count() == 1))
    };
    let mut checked_to = 0;
    scan(normalized, options, &mut |at| {
        let mut p = word_start(at.min(n - 1)).max(checked_to);
        // (a run of single letters is found at the space before it: its first word may
        // start just after the block)
        let window_end = (at + 9).min(n);
        while p < window_end {
            if normalized[p] == b' ' {
                p += 1;
                continue;
            }
            let (s, e) = (p, word_end(p));
            p = e + 1;
            checked_to = p;
            let word = &normalized[s..e];
            let mut marked = None;
            if options.joined && is_single(s, e) {
                // the run of single letters through this one
                let (mut rs, mut re) = (s, e);
                let mut count = 1;
                while rs > 0 {
                    let ps = word_start(rs - 1);
                    if !is_single(ps, rs - 1) {
                        break;
                    }
                    rs = ps;
                    count += 1;
                }
                while re < n {
                    let ne = word_end(re + 1);
                    if !is_single(re + 1, ne) {
                        break;
                    }
                    re = ne;
                    count += 1;
                }
                if count >= 3 {
                    marked = Some((rs, re));
                    p = re + 1;
                    checked_to = p;
                }
            }
            if marked.is_none() && options.confusables {
                let (mut latin, mut lookalike, mut other_digit, mut non_ascii) =
                    (false, false, false, false);
                for &b in word {
                    match b {
                        b'a'..=b'z' => latin = true,
                        b'0' | b'1' | b'3' | b'4' | b'5' | b'7' => lookalike = true,
                        b'0'..=b'9' => other_digit = true,
                        0x80.. => non_ascii = true,
                        _ => {}
                    }
                }
                if latin && (non_ascii || (lookalike && !other_digit)) {
                    marked = Some((s, e));
                }
            }
            // Three equal letters also as written: not `ideeën`, `zeeën` (`eeë`).
            if marked.is_none()
                && options.squeeze
                && word.windows(3).enumerate().any(|(k, t)| {
                    t[0] == t[1]
                        && t[1] == t[2]
                        && t[0].is_ascii_lowercase()
                        && map.is_none_or(|m| m.original_span(s + k, s + k + 3).len() == 3)
                })
            {
                marked = Some((s, e));
            }
            if let Some((ms, me)) = marked {
                let (ws, we) = (back(ms, context_words), forward(me, context_words));
                match out.last_mut() {
                    Some(open) if open.end + 1 >= ws => open.end = open.end.max(we),
                    _ => out.push(ws..we),
                }
            }
        }
        true
    });
}

/// An `@` or `$` between two ASCII letters or digits, or a `$` before a letter at a word's
/// start.
fn interior_symbol_lookalike(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'@', b'$', bytes).any(|i| {
        let after = bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphanumeric());
        let before = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
        after && (before || bytes[i] == b'$')
    })
}

/// How one variant reads the ambiguous cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    /// `1` as `l` (else as `i`).
    pub one_as_l: bool,
    /// A squeezed run as two letters (else as one).
    pub squeeze_to_two: bool,
}

#[cfg(test)]
mod tests;
