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

mod fast;
mod span_map;
mod variant;

pub use fast::normalize_into;
pub use span_map::SpanMap;

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ops::Range;

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
