//! The parts of a term line that the loader and the importers share: globs, weights,
//! kinds, exclusions, identifiers.

use websense_model::TermKind;
use websense_normalize::normalize;

use crate::ProblemKind;

/// The largest weight a term may have; larger values are far more often a typo (`25` for
/// `2.5`) than intent.
pub const MAX_WEIGHT: f64 = 10.0;

/// A term with its glob resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Glob {
    /// As written, without stars.
    pub text: String,
    pub normalized: String,
    pub kind: TermKind,
}

pub(crate) type Failure = (ProblemKind, String);

/// Resolve `raw` (`volksverrader*`, `*terrorist*`, `grote vervanging`) and check it
/// against an explicit kind, if one was given.
pub(crate) fn parse_glob(raw: &str, explicit: Option<TermKind>) -> Result<Glob, Failure> {
    let raw = raw.trim();
    let leading = raw.starts_with('*');
    let core = raw.strip_prefix('*').unwrap_or(raw);
    let trailing = core.ends_with('*');
    let core = core.strip_suffix('*').unwrap_or(core);
    if core.trim().is_empty() {
        return Err((ProblemKind::EmptyTerm, "empty term".into()));
    }
    if core.contains('*') {
        return Err((
            ProblemKind::BadStars,
            format!("`{raw}`: a `*` may only open or close a term (one at each end)"),
        ));
    }
    if core.trim() != core {
        return Err((
            ProblemKind::BadStars,
            format!("`{raw}`: a `*` must touch the term, without spaces between"),
        ));
    }
    let normalized = normalize(core);
    if normalized.is_empty() {
        return Err((
            ProblemKind::TermNormalizesToNothing,
            format!("`{core}` has no letters or digits, so it can never match"),
        ));
    }
    let several_words = normalized.contains(' ');
    let starred = match (leading, trailing) {
        (true, true) => Some(TermKind::Infix),
        (true, false) => Some(TermKind::Suffix),
        (false, true) => Some(TermKind::Prefix),
        (false, false) => None,
    };
    let kind = match (starred, explicit) {
        (Some(starred), Some(explicit)) if starred != explicit => {
            return Err((
                ProblemKind::KindContradictsStars,
                format!(
                    "`{raw}` is a {} by its stars but the line says {}",
                    starred.as_str(),
                    explicit.as_str()
                ),
            ))
        }
        (Some(starred), _) => starred,
        (None, Some(TermKind::Word)) if several_words => {
            return Err((
                ProblemKind::KindContradictsStars,
                format!(
                    "`{core}` is several words (`{normalized}`), so it is a phrase, not a word"
                ),
            ))
        }
        (None, Some(TermKind::Phrase)) if !several_words => {
            return Err((
                ProblemKind::KindContradictsStars,
                format!("`{core}` is one word, so it is a word, not a phrase"),
            ))
        }
        (None, Some(explicit)) => explicit,
        (None, None) if several_words => TermKind::Phrase,
        (None, None) => TermKind::Word,
    };
    Ok(Glob {
        text: core.to_string(),
        normalized,
        kind,
    })
}

/// A weight: a decimal number above 0 and at most [`MAX_WEIGHT`].
pub(crate) fn parse_weight(raw: &str) -> Result<f64, Failure> {
    let raw = raw.trim();
    let bad = |why: &str| Err((ProblemKind::BadWeight, format!("weight `{raw}` {why}")));
    if raw.contains(',') {
        return bad("has a comma; write a decimal point (`1.5`)");
    }
    let weight: f64 = match raw.parse() {
        Ok(w) => w,
        Err(_) => return bad("is not a number"),
    };
    if !weight.is_finite() {
        return bad("is not a finite number");
    }
    if weight <= 0.0 {
        return bad(
            "must be above 0 (use an exclusion for harmless contexts, not a negative weight)",
        );
    }
    if weight > MAX_WEIGHT {
        return bad(&format!("is above the maximum of {MAX_WEIGHT}"));
    }
    Ok(weight)
}

pub(crate) fn parse_kind(raw: &str) -> Result<TermKind, Failure> {
    TermKind::parse(raw).ok_or_else(|| {
        (
            ProblemKind::UnknownKind,
            format!(
                "unknown kind `{}` (word, prefix, suffix, infix or phrase)",
                raw.trim()
            ),
        )
    })
}

/// Check one exclusion of `term`, returning its normal form.
pub(crate) fn check_exclusion(term: &Glob, raw: &str) -> Result<String, Failure> {
    let normalized = normalize(raw);
    if normalized.is_empty() {
        return Err((
            ProblemKind::ExclusionNormalizesToNothing,
            format!("exclusion `{}` has no letters or digits", raw.trim()),
        ));
    }
    if !occurs(&normalized, &term.normalized, term.kind) {
        return Err((
            ProblemKind::ExclusionWithoutTerm,
            format!(
                "exclusion `{}` does not contain the {} `{}`, so it could never apply",
                raw.trim(),
                term.kind.as_str(),
                term.text
            ),
        ));
    }
    if normalized == term.normalized && matches!(term.kind, TermKind::Word | TermKind::Phrase) {
        return Err((
            ProblemKind::ExclusionCancelsTerm,
            format!(
                "exclusion `{}` is the term itself and would cancel every hit",
                raw.trim()
            ),
        ));
    }
    Ok(normalized)
}

/// Whether `needle` occurs in `haystack` (both normalised) with the word boundaries `kind`
/// asks for: a boundary is the text's edge or a space.
fn occurs(haystack: &str, needle: &str, kind: TermKind) -> bool {
    let (left, right) = match kind {
        TermKind::Word | TermKind::Phrase => (true, true),
        TermKind::Prefix => (true, false),
        TermKind::Suffix => (false, true),
        TermKind::Infix => (false, false),
    };
    haystack.match_indices(needle).any(|(start, _)| {
        let end = start + needle.len();
        (!left || start == 0 || haystack.as_bytes()[start - 1] == b' ')
            && (!right || end == haystack.len() || haystack.as_bytes()[end] == b' ')
    })
}

/// The term as a `.lex` file writes it: the kind said with stars.
pub fn render_glob(text: &str, kind: TermKind) -> String {
    match kind {
        TermKind::Word | TermKind::Phrase => text.to_string(),
        TermKind::Prefix => format!("{text}*"),
        TermKind::Suffix => format!("*{text}"),
        TermKind::Infix => format!("*{text}*"),
    }
}

/// Category names: `[a-z][a-z0-9_]*`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Lexicon names: letters, digits, `-`, `_`, `.`.
pub(crate) fn is_lexicon_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// ISO 639-1 codes: two lowercase ASCII letters.
pub(crate) fn is_language_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurs_respects_the_boundaries_of_each_kind() {
        assert!(occurs("kill time", "kill", TermKind::Word));
        assert!(!occurs("skill time", "kill", TermKind::Word));
        assert!(occurs("killing time", "kill", TermKind::Prefix));
        assert!(!occurs("skilling", "kill", TermKind::Prefix));
        assert!(occurs("feminazi", "nazi", TermKind::Suffix));
        assert!(!occurs("nazis", "nazi", TermKind::Suffix));
        assert!(occurs("klimaatterroristen", "terrorist", TermKind::Infix));
    }
}
