//! Emerging terms: words and two-word phrases that rise sharply in flagged or spiking
//! items and that no lexicon holds yet, offered to curators with example items.

use crate::EmergingParams;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;
use websense_lexicon::LexiconSet;
use websense_model::{ItemId, TermKind};
use websense_normalize::normalize;

/// One text the counts are taken from.
#[derive(Clone, Copy, Debug)]
pub struct Doc<'a> {
    pub id: &'a ItemId,
    /// The author's pseudonym; `None` counts as an author of its own.
    pub author: Option<&'a str>,
    pub text: &'a str,
    /// The categories the item was flagged or spiking for (foreground only).
    pub categories: &'a [String],
}

/// A word or phrase offered to curators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// In normal form (`websense_normalize`): what a lexicon line would hold.
    pub term: String,
    /// 1 or 2.
    pub words: usize,
    /// The z-score of the smoothed log-odds of foreground against background items.
    pub score: f64,
    /// Foreground items containing it, its occurrences there, their distinct authors.
    pub items: usize,
    pub occurrences: usize,
    pub authors: usize,
    pub background_items: usize,
    /// Its share of foreground items over its (smoothed) share of background items.
    pub ratio: f64,
    /// The categories of the foreground items containing it, most items first.
    pub categories: Vec<(String, usize)>,
    /// Up to `examples` foreground items containing it, from distinct authors first.
    pub examples: Vec<ItemId>,
}

/// The terms the lexicons already hold, with the kind they match by.
#[derive(Clone, Debug, Default)]
pub struct KnownTerms {
    exact: HashSet<String>,
    /// Terms that match a word start, a word end, or inside a word.
    globs: Vec<(String, TermKind)>,
}

impl KnownTerms {
    pub fn from_lexicons(set: &LexiconSet) -> KnownTerms {
        KnownTerms::from_terms(set.terms().map(|t| (t.normalized.clone(), t.kind)))
    }

    /// Terms in normal form with their kind.
    pub fn from_terms(terms: impl IntoIterator<Item = (String, TermKind)>) -> KnownTerms {
        let mut known = KnownTerms::default();
        for (term, kind) in terms {
            match kind {
                TermKind::Word | TermKind::Phrase => {
                    known.exact.insert(term);
                }
                TermKind::Prefix | TermKind::Suffix | TermKind::Infix => {
                    known.globs.push((term, kind))
                }
            }
        }
        known
    }

    /// Whether a term in normal form (one or more words) would be matched by a known term,
    /// or holds one: `volksverraders` is held by `volksverrader*`, `vuile volksverraders`
    /// too, since it says nothing the lexicon does not already catch.
    pub fn holds(&self, candidate: &str) -> bool {
        let words: Vec<&str> = candidate.split(' ').collect();
        if self.exact.contains(candidate) || words.iter().any(|w| self.exact.contains(*w)) {
            return true;
        }
        // Phrases inside a longer candidate: every run of two or more words.
        for i in 0..words.len() {
            for j in i + 2..=words.len() {
                if j - i < words.len() && self.exact.contains(&words[i..j].join(" ")) {
                    return true;
                }
            }
        }
        let padded = format!(" {candidate} ");
        self.globs.iter().any(|(term, kind)| match kind {
            TermKind::Prefix => padded.contains(&format!(" {term}")),
            TermKind::Suffix => padded.contains(&format!("{term} ")),
            _ => candidate.contains(term.as_str()),
        })
    }
}

/// Our stopword lists (Dutch, English, pieces of links), in normal form.
fn stopwords() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        [
            include_str!("stopwords/nl.txt"),
            include_str!("stopwords/en.txt"),
            include_str!("stopwords/web.txt"),
        ]
        .iter()
        .flat_map(|list| list.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(normalize)
        .collect()
    })
}

/// The candidate terms of one text, each once: content words, and pairs of content words
/// that stand next to each other.
fn candidates(text: &str, min_chars: usize) -> HashMap<String, usize> {
    let normal = normalize(text);
    let stop = stopwords();
    let content = |w: &str| {
        w.chars().count() >= min_chars
            && !w.chars().all(|c| c.is_ascii_digit())
            && !stop.contains(w)
    };
    let mut found: HashMap<String, usize> = HashMap::new();
    let mut previous: Option<&str> = None;
    for word in normal.split(' ').filter(|w| !w.is_empty()) {
        if content(word) {
            *found.entry(word.to_string()).or_default() += 1;
            if let Some(p) = previous {
                *found.entry(format!("{p} {word}")).or_default() += 1;
            }
            previous = Some(word);
        } else {
            previous = None;
        }
    }
    found
}

#[derive(Default)]
struct Tally {
    items: Vec<usize>,
    occurrences: usize,
}

/// Words and two-word phrases over-represented in `foreground` (flagged or spiking items)
/// against `background` (older items), that `known` does not hold; best first.
///
/// Items are counted, not occurrences, so one post repeating a word forty times is one
/// item. The score is the z-score of the log-odds ratio of the items containing the term,
/// foreground against background, each of the four counts smoothed by `prior` (Monroe,
/// Colaresi and Quinn's "informative Dirichlet" log-odds with a flat prior). A suggestion
/// needs `min_items` items, `min_authors` authors, `min_score`, and `min_ratio` times its
/// background share. A word is dropped for a suggested phrase holding it when the phrase
/// is in `phrase_share` of the word's items: the phrase says more.
pub fn emerging_terms(
    foreground: &[Doc<'_>],
    background: &[Doc<'_>],
    known: &KnownTerms,
    params: &EmergingParams,
) -> Vec<Suggestion> {
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    for (i, doc) in foreground.iter().enumerate() {
        for (term, n) in candidates(doc.text, params.min_token_chars) {
            let t = tallies.entry(term).or_default();
            t.items.push(i);
            t.occurrences += n;
        }
    }
    tallies.retain(|term, t| t.items.len() >= params.min_items.max(1) && !known.holds(term));
    let mut background_items: HashMap<&str, usize> = HashMap::new();
    for doc in background {
        for term in candidates(doc.text, params.min_token_chars).into_keys() {
            if let Some((key, _)) = tallies.get_key_value(&term) {
                *background_items.entry(key.as_str()).or_default() += 1;
            }
        }
    }

    let nf = foreground.len() as f64;
    let nb = background.len() as f64;
    let a = params.prior.max(1e-9);
    let mut suggestions: Vec<Suggestion> = Vec::new();
    for (term, tally) in &tallies {
        let f = tally.items.len() as f64;
        let b = background_items.get(term.as_str()).copied().unwrap_or(0) as f64;
        let log_odds = ((f + a) / (nf - f + a)).ln() - ((b + a) / (nb - b + a)).ln();
        let variance = 1.0 / (f + a) + 1.0 / (nf - f + a) + 1.0 / (b + a) + 1.0 / (nb - b + a);
        let score = log_odds / variance.sqrt();
        let ratio = (f / nf.max(1.0)) / ((b + a) / (nb + a));
        let docs: Vec<&Doc> = tally.items.iter().map(|&i| &foreground[i]).collect();
        let authors = distinct_authors(&docs);
        if score < params.min_score || ratio < params.min_ratio || authors < params.min_authors {
            continue;
        }
        let mut categories: BTreeMap<&str, usize> = BTreeMap::new();
        for doc in &docs {
            for c in doc.categories {
                *categories.entry(c).or_default() += 1;
            }
        }
        let mut categories: Vec<(String, usize)> = categories
            .into_iter()
            .map(|(c, n)| (c.to_string(), n))
            .collect();
        categories.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        suggestions.push(Suggestion {
            words: term.split(' ').count(),
            term: term.clone(),
            score,
            items: tally.items.len(),
            occurrences: tally.occurrences,
            authors,
            background_items: b as usize,
            ratio,
            categories,
            examples: examples(&docs, params.examples),
        });
    }

    let phrases: Vec<(String, usize)> = suggestions
        .iter()
        .filter(|s| s.words == 2)
        .map(|s| (s.term.clone(), s.items))
        .collect();
    suggestions.retain(|s| {
        s.words > 1
            || !phrases.iter().any(|(phrase, items)| {
                phrase.split(' ').any(|w| w == s.term)
                    && *items as f64 >= params.phrase_share * s.items as f64
            })
    });
    suggestions.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.term.cmp(&y.term))
    });
    suggestions.truncate(params.max_suggestions);
    suggestions
}

fn distinct_authors(docs: &[&Doc]) -> usize {
    let named: HashSet<&str> = docs.iter().filter_map(|d| d.author).collect();
    named.len() + docs.iter().filter(|d| d.author.is_none()).count()
}

/// Up to `n` item ids, one per author first, then the rest in order.
fn examples(docs: &[&Doc], n: usize) -> Vec<ItemId> {
    let mut seen = HashSet::new();
    let (first, rest): (Vec<&&Doc>, Vec<&&Doc>) = docs.iter().partition(|d| match d.author {
        Some(a) => seen.insert(a),
        None => true,
    });
    first
        .into_iter()
        .chain(rest)
        .take(n)
        .map(|d| d.id.clone())
        .collect()
}
