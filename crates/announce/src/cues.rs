//! The announcement lexicon (`lexicons/announce/`): calls, places and the words that make a
//! post no announcement, compiled into patterns of the normal form, and the resolution of
//! raw pattern matches into [`CueHit`]s in the original text.
//!
//! The file format is the scoring lexicons' (`websense-lexicon` reads and checks it); each
//! category of `lexicons/announce/categories.toml` is one [`Cue`]. Matching follows the
//! matcher's semantics for kinds (word, prefix, suffix, infix, phrase) and exclusions, in
//! the same normal form, so `KOM  ALLEMAAL!!`, `kóm allemaal` and `verzamel-punt` meet their
//! terms as a lexicon hit would.

use aho_corasick::{AhoCorasick, MatchKind};
use std::collections::HashMap;
use std::path::Path;
use websense_lexicon::{LexiconSet, Problem};
use websense_model::TermKind;
use websense_normalize::SpanMap;

/// What a word of the announcement lexicon is evidence of: its category there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cue {
    /// `oproep`: a call that makes an announcement with a time or a place.
    Call,
    /// `oproep_zwak`: an everyday word (`we gaan`) that is a call only with a time and a
    /// place.
    WeakCall,
    /// `plek`: a square, street or landmark.
    Place,
    /// `online`: an online-only event.
    Online,
    /// `wedstrijd`: an ordinary fixture.
    Fixture,
    /// `waarschuwing`: police, a municipality or the news warning about or reporting a call.
    Warning,
}

impl Cue {
    /// The category name in `lexicons/announce/categories.toml`.
    pub fn category(self) -> &'static str {
        match self {
            Cue::Call => "oproep",
            Cue::WeakCall => "oproep_zwak",
            Cue::Place => "plek",
            Cue::Online => "online",
            Cue::Fixture => "wedstrijd",
            Cue::Warning => "waarschuwing",
        }
    }

    fn of_category(name: &str) -> Option<Cue> {
        [
            Cue::Call,
            Cue::WeakCall,
            Cue::Place,
            Cue::Online,
            Cue::Fixture,
            Cue::Warning,
        ]
        .into_iter()
        .find(|c| c.category() == name)
    }

    pub fn is_call(self) -> bool {
        matches!(self, Cue::Call | Cue::WeakCall)
    }
}

/// One word of the announcement lexicon found in a field: byte span in the original text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CueHit {
    pub cue: Cue,
    /// The term's number in [`Cues::term`].
    pub term: u32,
    pub start: usize,
    pub end: usize,
}

/// A term as compiled.
#[derive(Clone, Debug)]
pub struct CueTerm {
    /// As the curator wrote it.
    pub text: String,
    pub kind: TermKind,
    pub cue: Cue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PatternUse {
    Term(u32),
    Exclusion(u32),
}

/// The compiled announcement lexicon.
pub struct Cues {
    terms: Vec<CueTerm>,
    /// Distinct normal forms, indexed by pattern number.
    patterns: Vec<String>,
    /// The uses of each pattern.
    uses: Vec<Vec<PatternUse>>,
    /// All patterns, for callers that do not walk them in their own automaton.
    automaton: AhoCorasick,
    version: String,
}

const SHIPPED_CATEGORIES: &str = include_str!("../../../lexicons/announce/categories.toml");
const SHIPPED_LEXICON: &str = include_str!("../../../lexicons/announce/oproepen.lex");

impl Cues {
    /// The lexicon shipped in `lexicons/announce/`, compiled in.
    pub fn shipped() -> Cues {
        let (set, problems) = LexiconSet::from_sources(
            Path::new("lexicons/announce/categories.toml"),
            SHIPPED_CATEGORIES,
            &[(Path::new("lexicons/announce/oproepen.lex"), SHIPPED_LEXICON)],
        );
        debug_assert!(
            !websense_lexicon::has_errors(&problems),
            "shipped announcement lexicon: {problems:?}"
        );
        Cues::from_set(&set)
    }

    /// A curator's edited copy of `lexicons/announce/`: every problem with its file and
    /// line; lines in error are left out, the rest is used. Fails only when the directory
    /// cannot be read.
    pub fn load_dir(dir: &Path) -> Result<(Cues, Vec<Problem>), websense_lexicon::LoadError> {
        let (set, problems) = LexiconSet::load_dir(dir)?;
        Ok((Cues::from_set(&set), problems))
    }

    /// Compile a lexicon set; terms of categories that name no [`Cue`] are ignored.
    pub fn from_set(set: &LexiconSet) -> Cues {
        let mut terms = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut uses: Vec<Vec<PatternUse>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut add = |form: &str, usage: PatternUse, patterns: &mut Vec<String>| {
            if form.is_empty() {
                return;
            }
            let p = *index.entry(form.to_string()).or_insert_with(|| {
                patterns.push(form.to_string());
                uses.push(Vec::new());
                patterns.len() - 1
            });
            if !uses[p].contains(&usage) {
                uses[p].push(usage);
            }
        };
        for term in set.terms() {
            let Some(cue) = Cue::of_category(&term.category) else {
                continue;
            };
            let t = terms.len() as u32;
            add(&term.normalized, PatternUse::Term(t), &mut patterns);
            for x in &term.exclusions_normalized {
                add(x, PatternUse::Exclusion(t), &mut patterns);
            }
            terms.push(CueTerm {
                text: term.text.clone(),
                kind: term.kind,
                cue,
            });
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("a few hundred short patterns always compile");
        Cues {
            terms,
            patterns,
            uses,
            automaton,
            version: set.version.clone(),
        }
    }

    /// The lexicon's version (content hash).
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn term(&self, term: u32) -> &CueTerm {
        &self.terms[term as usize]
    }

    /// Every distinct normal form with its pattern number: what a caller's own automaton
    /// searches for (the matcher adds them to its walk), to hand the matches back to
    /// [`Cues::resolve`].
    pub fn pattern_forms(&self) -> impl Iterator<Item = (&str, u32)> + '_ {
        self.patterns
            .iter()
            .enumerate()
            .map(|(p, s)| (s.as_str(), p as u32))
    }

    /// Whether pattern `pattern` can stand for a call (so a field whose matches hold none
    /// needs no resolution at all).
    pub fn may_call(&self, pattern: u32) -> bool {
        self.uses[pattern as usize].iter().any(|u| match u {
            PatternUse::Term(t) => self.terms[*t as usize].cue.is_call(),
            PatternUse::Exclusion(_) => false,
        })
    }

    /// The cues of one field: normalise it and search every pattern (for callers without
    /// their own walk).
    pub fn find(&self, text: &str, out: &mut Vec<CueHit>) {
        let normalized = websense_normalize::normalize_with_map(text);
        let norm = normalized.text.as_bytes();
        let raw: Vec<(usize, usize, u32)> = self
            .automaton
            .find_overlapping_iter(norm)
            .map(|m| (m.start(), m.end(), m.pattern().as_u32()))
            .collect();
        self.resolve(text, norm, &normalized.map, &raw, out);
    }

    /// Turn raw matches of [`Cues::pattern_forms`] in a field's normal form `norm` (from
    /// `text`, with span map `map`) into hits: the term kinds' word boundaries checked, hits
    /// inside an exclusion of their term dropped, spans mapped to the original text. A
    /// term that is part of a word (`*plein`, `verzamel*`) spans the whole word
    /// (`Hobbemaplein`, `verzamelpunt`).
    /// Hits are appended in text order.
    pub fn resolve(
        &self,
        text: &str,
        norm: &[u8],
        map: &SpanMap,
        raw: &[(usize, usize, u32)],
        out: &mut Vec<CueHit>,
    ) {
        let mut found: Vec<(u32, usize, usize)> = Vec::new();
        let mut excluded: Vec<(u32, usize, usize)> = Vec::new();
        for &(start, end, pattern) in raw {
            let before = start == 0 || norm[start - 1] == b' ';
            let after = end == norm.len() || norm[end] == b' ';
            for usage in &self.uses[pattern as usize] {
                match *usage {
                    PatternUse::Exclusion(t) => {
                        if before && after {
                            excluded.push((t, start, end));
                        }
                    }
                    PatternUse::Term(t) => {
                        let wanted = match self.terms[t as usize].kind {
                            TermKind::Word | TermKind::Phrase => before && after,
                            TermKind::Prefix => before,
                            TermKind::Suffix => after,
                            TermKind::Infix => true,
                        };
                        if wanted {
                            found.push((t, start, end));
                        }
                    }
                }
            }
        }
        let first = out.len();
        for (t, start, end) in found {
            if excluded
                .iter()
                .any(|&(x, s, e)| x == t && s <= start && end <= e)
            {
                continue;
            }
            let term = &self.terms[t as usize];
            let span = map.original_span(start, end);
            let (mut start, mut end) = (span.start, span.end);
            if !matches!(term.kind, TermKind::Word | TermKind::Phrase) {
                (start, end) = whole_word(text, start, end);
            }
            out.push(CueHit {
                cue: term.cue,
                term: t,
                start,
                end,
            });
        }
        // Of overlapping hits of one kind (a call and a call, a place and a place), the
        // first and longest stands for them: `kom allemaal` and not also `kom`, nor
        // `allemaal naar` after it.
        out[first..].sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        let same = |a: Cue, b: Cue| a == b || (a.is_call() && b.is_call());
        let mut kept = first;
        for k in first..out.len() {
            let hit = out[k];
            if !out[first..kept]
                .iter()
                .any(|o| same(o.cue, hit.cue) && o.start < hit.end && hit.start < o.end)
            {
                out[kept] = hit;
                kept += 1;
            }
        }
        out.truncate(kept);
    }
}

/// Widen `start..end` to the word it is part of (letters, digits and hyphens).
fn whole_word(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    let part = |c: char| c.is_alphanumeric() || c == '-';
    while let Some(c) = text[..start].chars().next_back().filter(|&c| part(c)) {
        start -= c.len_utf8();
    }
    while let Some(c) = text[end..].chars().next().filter(|&c| part(c)) {
        end += c.len_utf8();
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(text: &str) -> Vec<(Cue, &str)> {
        let cues = Cues::shipped();
        let mut out = Vec::new();
        cues.find(text, &mut out);
        out.iter().map(|h| (h.cue, &text[h.start..h.end])).collect()
    }

    #[test]
    fn calls_are_found_in_the_normal_form_and_spans_are_as_written() {
        assert_eq!(
            hits("KOM   ALLEMAAL!!! naar de Coolsingel"),
            [(Cue::Call, "KOM   ALLEMAAL"), (Cue::Place, "Coolsingel")]
        );
        assert_eq!(
            hits("Verzamelpunt: Hobbemaplein"),
            [(Cue::Call, "Verzamelpunt"), (Cue::Place, "Hobbemaplein")]
        );
    }

    #[test]
    fn exclusions_and_word_boundaries_hold() {
        // `*weg` does not take `onderweg`; `*veld` does take `Malieveld`
        assert_eq!(hits("we zijn onderweg"), [(Cue::WeakCall, "we")][..0]);
        assert_eq!(hits("op het Malieveld"), [(Cue::Place, "Malieveld")]);
        // `demo` is a word: not in `democratie`
        assert!(hits("de democratie").is_empty());
    }

    #[test]
    fn the_shipped_lexicon_has_every_cue() {
        let cues = Cues::shipped();
        for cue in [
            Cue::Call,
            Cue::WeakCall,
            Cue::Place,
            Cue::Online,
            Cue::Fixture,
            Cue::Warning,
        ] {
            assert!(cues.terms.iter().any(|t| t.cue == cue), "{cue:?}");
        }
    }
}
