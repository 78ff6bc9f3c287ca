//! Compiling a [`LexiconSet`] (and a gazetteer's names) into a [`Matcher`]: the categories,
//! the terms with their options, every distinct normal-form string as one pattern with the
//! uses it fans out to, and the automaton over them (see the crate doc's "Design and costs").

use crate::{
    fuzzy, Compiled, CompiledCategory, CompiledTerm, Engine, Matcher, MatcherError, MatcherOptions,
    Pattern, Places, Use,
};
use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::{contiguous, noncontiguous};
use aho_corasick::{dfa, Anchored, MatchKind};
use std::collections::HashMap;
use websense_lexicon::{LexiconSet, Location, MatchOptions};
use websense_normalize::VariantOptions;

impl Matcher {
    pub(crate) fn build(
        set: &LexiconSet,
        options: MatcherOptions,
        places: Option<Places>,
        announcer: Option<std::sync::Arc<websense_announce::Announcer>>,
    ) -> Result<Matcher, MatcherError> {
        let mut categories = Vec::new();
        let mut category_index = HashMap::new();
        for c in &set.categories {
            if !c.threshold.is_finite() {
                return Err(MatcherError::BadThreshold {
                    category: c.name.clone(),
                    threshold: c.threshold,
                });
            }
            category_index
                .entry(c.name.as_str())
                .or_insert(categories.len() as u32);
            categories.push(CompiledCategory {
                name: c.name.clone(),
                threshold: c.threshold,
                fuzzy_weight: if c.fuzzy_weight.is_finite() {
                    c.fuzzy_weight
                } else {
                    1.0
                },
                context_weight: if c.context_weight.is_finite() {
                    c.context_weight
                } else {
                    1.0
                },
            });
        }

        // Every (string, use) first, owned, since squeezed terms are made here; then each
        // distinct string becomes one pattern.
        let mut wanted: Vec<(String, Use)> = Vec::new();
        let mut terms = Vec::new();
        let mut fuzzy_terms = Vec::new();
        for term in set.terms() {
            let t = terms.len() as u32;
            let Some(&category) = category_index.get(term.category.as_str()) else {
                return Err(MatcherError::UnknownCategory {
                    term: term.text.clone(),
                    category: term.category.clone(),
                    location: term.location.clone(),
                });
            };
            if !term.weight.is_finite() {
                return Err(MatcherError::BadWeight {
                    term: term.text.clone(),
                    weight: term.weight,
                    location: term.location.clone(),
                });
            }
            let matching = if options.disguise {
                term.matching
            } else {
                MatchOptions::NONE
            };
            check_normal_form(&term.normalized, &term.text, &term.location)?;
            wanted.push((term.normalized.clone(), Use::Term(t)));
            for x in &term.exclusions_normalized {
                check_normal_form(x, &term.text, &term.location)?;
                wanted.push((x.clone(), Use::Exclusion(t)));
            }
            if matching.contains(MatchOptions::FUZZY) {
                fuzzy_terms.push((t, term.kind, term.normalized.clone()));
            }
            terms.push(CompiledTerm {
                text: term.text.clone(),
                category,
                weight: term.weight,
                kind: term.kind,
                matching,
            });
        }
        if let Some(places) = &places {
            wanted.extend(
                places
                    .name_forms()
                    .map(|(name, number)| (name, Use::Place(number))),
            );
        }
        if let Some(announcer) = &announcer {
            wanted.extend(
                announcer
                    .cues()
                    .pattern_forms()
                    .map(|(form, p)| (form.to_string(), Use::Cue(p))),
            );
        }
        let mut strings: Vec<&str> = Vec::new();
        let mut string_index: HashMap<&str, usize> = HashMap::new();
        let mut uses_of: Vec<Vec<Use>> = Vec::new();
        for (string, usage) in &wanted {
            let p = *string_index.entry(string.as_str()).or_insert_with(|| {
                strings.push(string);
                uses_of.push(Vec::new());
                strings.len() - 1
            });
            if !uses_of[p].contains(usage) {
                uses_of[p].push(*usage);
            }
        }
        let mut variants = VariantOptions::default();
        for t in &terms {
            variants.confusables |= t.matching.contains(MatchOptions::CONFUSABLES);
            variants.squeeze |= t.matching.contains(MatchOptions::SQUEEZE);
            variants.joined |= t.matching.contains(MatchOptions::JOINED);
            variants.emoji |= t.matching.contains(MatchOptions::EMOJI);
        }
        let fuzzy = fuzzy::FuzzyIndex::new(fuzzy_terms);

        let mut patterns = Vec::with_capacity(strings.len());
        let mut uses = Vec::new();
        for (string, u) in strings.iter().zip(&uses_of) {
            let uses_start = uses.len() as u32;
            uses.extend_from_slice(u);
            patterns.push(Pattern {
                len: string.len(),
                uses_start,
                uses_end: uses.len() as u32,
            });
        }

        let nfa = noncontiguous::Builder::new()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&strings)?;
        let engine = match options.engine {
            Engine::Auto if estimated_dfa_bytes(&strings) <= options.dfa_max_bytes => Engine::Dfa,
            Engine::Auto => Engine::ContiguousNfa,
            chosen => chosen,
        };
        let automaton = match engine {
            Engine::Dfa => Compiled::Dfa(dfa::Builder::new().build_from_noncontiguous(&nfa)?),
            _ => Compiled::Nfa(contiguous::Builder::new().build_from_noncontiguous(&nfa)?),
        };
        let start = match &automaton {
            Compiled::Dfa(a) => a.start_state(Anchored::No),
            Compiled::Nfa(a) => a.start_state(Anchored::No),
        }
        .expect("automata are built with an unanchored start state");
        Ok(Matcher {
            version: set.version.clone(),
            options,
            automaton,
            start,
            patterns,
            uses,
            terms,
            categories,
            variants,
            variant_context_words: strings
                .iter()
                .map(|s| s.matches(' ').count())
                .max()
                .unwrap_or(0)
                .clamp(1, 8),
            fuzzy,
            places,
            announcer,
        })
    }
}

fn check_normal_form(string: &str, term: &str, location: &Location) -> Result<(), MatcherError> {
    if string.is_empty() {
        return Err(MatcherError::EmptyTerm {
            term: term.to_string(),
            location: location.clone(),
        });
    }
    let expected = websense_normalize::normalize(string);
    if expected != string {
        return Err(MatcherError::NotNormalized {
            term: term.to_string(),
            normalized: string.to_string(),
            expected,
            location: location.clone(),
        });
    }
    Ok(())
}

/// Transition-table bytes of the DFA for these patterns: its states are the trie's nodes
/// (distinct prefixes) plus four fixed ones, its stride the power of two above the number
/// of byte classes (bytes the patterns use split the byte range into classes).
fn estimated_dfa_bytes(strings: &[&str]) -> usize {
    let mut sorted: Vec<&[u8]> = strings.iter().map(|s| s.as_bytes()).collect();
    sorted.sort_unstable();
    let mut states = 4;
    let mut class_edges = [false; 256];
    for (k, s) in sorted.iter().enumerate() {
        let shared = k.checked_sub(1).map_or(0, |p| common_prefix(sorted[p], s));
        states += s.len() - shared;
        for &b in *s {
            if b > 0 {
                class_edges[b as usize - 1] = true;
            }
            class_edges[b as usize] = true;
        }
    }
    let classes = class_edges[..255].iter().filter(|&&e| e).count() + 1;
    states * classes.next_power_of_two() * 4
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
