//! Text normalisation shared by lexicon terms and post text.
//!
//! Terms and text must be normalised *alike*, or a term would never meet its text; that is
//! why this is a crate of its own that both `websense-lexicon` (validation) and
//! `websense-matcher` (matching) use.
//!
//! The normal form, per character of the input:
//!
//! 1. compatibility decomposition (NFKD: ligatures `ﬁ` -> `fi`, full-width forms, ...);
//! 2. combining marks removed (diacritics: `één` -> `een`, `Ärger` -> `arger`);
//! 3. full Unicode lower-casing, plus the case *folds* lower-casing lacks (`ß`/`ẞ` -> `ss`,
//!    final sigma -> sigma), so `STRASSE` and `straße` meet;
//! 4. letters and digits are kept; format characters (soft hyphen, zero-width joiners,
//!    variation selectors) vanish; every maximal run of anything else — whitespace,
//!    punctuation, symbols, emoji — becomes one ASCII space, and leading and trailing
//!    separators are dropped.
//!
//! So a word boundary in normalised text is simply the text's edge or a space, and a phrase
//! term `grote vervanging` meets `Grote, vervanging!` with any separators in between.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

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

/// Characters that vanish without separating words: format controls such as soft hyphen
/// (U+00AD), zero-width space/joiners, word joiner, BOM, and variation selectors.
fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{034F}' | '\u{180E}')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_separators() {
        assert_eq!(normalize("  Één, TWEE!!  drie\n\tvier "), "een twee drie vier");
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
}
