//! The generated post corpus and lexicons of the matcher benchmark (the *sparse* profile),
//! and the dated corpus of the pipeline benchmark.
//!
//! Everything is generated from a seed, so two runs measure the same work. The corpus is
//! post-like Dutch and English: short and long posts, a quarter with a title, capitals at
//! sentence starts, punctuation, line breaks, hashtags, mentions, links, numbers, words with
//! diacritics (`één`, `reünie`, `financiële`), `ß`, curly quotes and emoji. Lexicon terms
//! are generated Dutch-looking compounds (half words, the rest prefixes, suffixes, infixes
//! and two-word phrases, a few with exclusions); the terms of a smaller lexicon are the
//! first terms of a larger one, and the corpus carries a few of the first thousand terms
//! per thousand words, so every lexicon size finds a realistic number of hits.
//!
//! [`dated_corpus`] turns it into the pipeline benchmark's input: a dozen sources, event
//! times rising through a week, three posts in ten carrying terms of a given lexicon.

use crate::Rng;
use std::collections::HashSet;
use std::path::PathBuf;
use websense_lexicon::{Category, Lexicon, LexiconSet, Location, MatchOptions, Term};
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef, TermKind};
use websense_normalize::normalize;

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "de", "het", "een", "en", "van", "ik", "je", "dat", "die", "in", "is", "niet", "op", "te", "zijn", "the",
    "to", "and", "a", "of", "it", "that", "is", "you", "for", "met", "voor", "er", "maar", "om", "ze", "ook",
    "als", "dan", "wat", "nog", "bij", "wel", "we", "this", "with", "on", "they", "not", "are", "was", "have",
    "be", "uit", "aan", "wordt", "kan", "heeft", "moet", "nu", "zo", "geen", "hun", "gemeente", "mensen", "wij",
    "onze", "just", "people", "what", "about", "all", "so", "their", "gewoon", "echt", "weer", "alleen",
    "iedereen", "allemaal", "jaar", "vandaag", "morgen", "regering", "kabinet", "minister", "politiek",
    "partij", "stemmen", "verkiezingen", "burgemeester", "raad", "wijk", "buurt", "straat", "school",
    "kinderen", "ouders", "huis", "huur", "woningen", "zorg", "ziekenhuis", "boeren", "stikstof", "klimaat",
    "energie", "prijzen", "geld", "belasting", "werk", "nieuws", "media", "journalisten", "waarheid",
    "vrijheid", "demonstratie", "protest", "politie", "rechter", "wet", "regels", "asiel", "azc",
    "vluchtelingen", "Nederland", "Amsterdam", "Rotterdam", "Utrecht", "Den", "Haag", "Brussel", "Europa",
    "government", "police", "protest", "freedom", "truth", "news", "country", "city", "council", "vote",
    "election", "tax", "housing", "rent", "farmers", "energy", "climate", "prices", "één", "café", "reünie",
    "coördinatie", "financiële", "naïef", "ideeën", "privé", "België", "overheidsinstanties", "Straße", "déjà",
    "vóór", "zeeën", "geïnteresseerd", "hè", "geëvalueerd", "enquête",
];

const EMOJI: &[&str] = &["🙄", "😡", "👍🏽", "🇳🇱", "😂", "🤡", "❤️", "🔥", "👇", "🤔"];
const PUNCTUATION: &[&str] = &[
    ",", ".", ".", "!", "?", "...", ":", " -", " –", ";", "!!", "?!",
];
#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "ver", "raad", "volk", "haat", "kli", "maat", "ter", "ro", "rist", "lan", "land", "over", "heid", "mos",
    "lim", "zwen", "del", "elite", "kar", "tel", "lo", "gen", "pro", "pa", "gan", "da", "dic", "ta", "tuur",
    "lin", "ks", "rechts", "extre", "mis", "me", "jood", "vijand", "straf", "brand", "schand", "tuig", "sche",
    "rem", "plu", "dra", "kon", "vo", "nep", "pers", "bol", "werk", "schaap", "vee", "vracht", "dwang", "wap",
    "bruin", "rood", "dood", "grens", "glo", "bal", "ist", "cor", "rupt", "sek", "te", "kap", "per", "ding",
    "zat",
];
const CATEGORIES: &[&str] = &[
    "anti_overheid",
    "desinformatie",
    "dreiging",
    "extremisme",
    "haatzaaien",
    "complot",
    "polarisatie",
    "racisme",
];

/// A post-like corpus of about `bytes` original bytes (titles and texts), from `seed`.
pub fn generate_corpus(bytes: usize, seed: u64) -> Vec<Item> {
    let injected = generate_terms(1000, seed);
    let mut rng = Rng::new(seed ^ 0xC0_7205);
    let mut items = Vec::new();
    let mut total = 0;
    while total < bytes {
        let k = items.len();
        let title = if rng.chance(0.25) {
            let words = 3 + rng.below(8);
            Some(post(&mut rng, &injected, words))
        } else {
            None
        };
        let words = if rng.chance(0.2) {
            150 + rng.below(400)
        } else {
            8 + rng.below(60)
        };
        let text = post(&mut rng, &injected, words);
        total += text.len() + title.as_ref().map_or(0, String::len);
        let mut item = Item::new(ItemId(format!("bench-{k}")), SourceRef::unknown(), text);
        item.title = title;
        items.push(item);
    }
    items
}

/// One post of `words` words, with a few injected terms per thousand words.
fn post(rng: &mut Rng, injected: &[Term], words: usize) -> String {
    let mut text = String::new();
    let mut sentence_start = true;
    for w in 0..words {
        if w > 0 {
            text.push(if rng.chance(0.03) { '\n' } else { ' ' });
        }
        let roll = rng.below(1000);
        let start = text.len();
        match roll {
            0..=2 => {
                let term = &injected[rng.below(injected.len())];
                inject(rng, term, &mut text);
            }
            3..=9 => text.push_str(rng.pick(EMOJI)),
            10..=14 => {
                text.push('#');
                text.push_str(rng.pick_common(WORDS));
            }
            15..=17 => text.push_str(&format!("@user{}", rng.below(10_000))),
            18..=19 => text.push_str(&format!(
                "https://example.org/{}/{}",
                rng.pick(WORDS),
                rng.below(1_000_000)
            )),
            20..=29 => text.push_str(&rng.below(2030).to_string()),
            30..=34 => {
                text.push('“');
                text.push_str(rng.pick_common(WORDS));
                text.push('”');
            }
            _ => text.push_str(rng.pick_common(WORDS)),
        }
        if sentence_start {
            capitalise_from(&mut text, start);
        }
        sentence_start = false;
        if rng.chance(0.12) {
            let p = rng.pick(PUNCTUATION);
            text.push_str(p);
            sentence_start = p.ends_with(['.', '!', '?']);
        }
    }
    text
}

fn capitalise_from(text: &mut String, start: usize) {
    if let Some(c) = text[start..].chars().next() {
        if c.is_lowercase() {
            let upper: String = c.to_uppercase().collect();
            text.replace_range(start..start + c.len_utf8(), &upper);
        }
    }
}

/// Write `term` into a post the way posts use it: compounds for prefixes, suffixes and infixes.
fn inject(rng: &mut Rng, term: &Term, text: &mut String) {
    let (before, after) = match term.kind {
        TermKind::Prefix => ("", rng.pick(&["", "s", "en", "isme", "achtig"])),
        TermKind::Suffix => (rng.pick(&["", "anti", "super", "oer"]), ""),
        TermKind::Infix => (rng.pick(&["", "anti", "mega"]), rng.pick(&["", "s", "en"])),
        _ => ("", ""),
    };
    text.push_str(before);
    if rng.chance(0.2) {
        text.push_str(&term.text.to_uppercase());
    } else {
        text.push_str(&term.text);
    }
    text.push_str(after);
}

/// A lexicon set of `n` generated terms over eight categories, from `seed`; the terms of a
/// smaller `n` are the first terms of a larger one.
pub fn generate_lexicon(n: usize, seed: u64) -> LexiconSet {
    let categories = CATEGORIES
        .iter()
        .map(|&name| Category::new(name, &name.replace('_', " "), 2.0))
        .collect();
    let terms = generate_terms(n, seed);
    LexiconSet {
        categories,
        lexicons: vec![Lexicon {
            name: "bench".to_string(),
            languages: vec!["nl".to_string(), "en".to_string()],
            file: PathBuf::from("bench.lex"),
            terms,
        }],
        version: format!("bench-{n}-{seed}"),
    }
}

fn generate_terms(n: usize, seed: u64) -> Vec<Term> {
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::new();
    let vocabulary: Vec<String> = WORDS.iter().map(|w| normalize(w)).collect();
    let mut terms = Vec::with_capacity(n);
    while terms.len() < n {
        let kind = match rng.below(20) {
            0..=9 => TermKind::Word,
            10..=12 => TermKind::Prefix,
            13..=14 => TermKind::Suffix,
            15..=16 => TermKind::Infix,
            _ => TermKind::Phrase,
        };
        let mut text = compound(&mut rng);
        if kind == TermKind::Phrase {
            text.push(' ');
            text.push_str(&compound(&mut rng));
        }
        if rng.chance(0.03) {
            text = text.replacen('e', "ë", 1);
        }
        let normalized = normalize(&text);
        // A term inside an ordinary word would hit far more often than lexicon terms do.
        let inside_a_word = |part: &str| vocabulary.iter().any(|w| w.contains(part));
        if normalized.split(' ').any(inside_a_word) || !seen.insert(normalized.clone()) {
            continue;
        }
        let exclusions: Vec<String> = if kind == TermKind::Word && rng.chance(0.03) {
            vec![format!("{} {}", rng.pick(WORDS), text)]
        } else {
            Vec::new()
        };
        let category = rng.pick(CATEGORIES);
        let weight = [0.5, 1.0, 1.0, 2.0][rng.below(4)];
        let location = Location {
            file: PathBuf::from("bench.lex"),
            line: terms.len() + 1,
        };
        terms.push(term(
            text, normalized, kind, exclusions, category, weight, location,
        ));
    }
    terms
}

/// A generated term, matched as written (the default options), with its exclusions
/// normalised.
pub(crate) fn term(
    text: String,
    normalized: String,
    kind: TermKind,
    exclusions: Vec<String>,
    category: &str,
    weight: f64,
    location: Location,
) -> Term {
    Term {
        text,
        normalized,
        category: category.to_string(),
        weight,
        kind,
        exclusions_normalized: exclusions.iter().map(|x| normalize(x)).collect(),
        exclusions,
        matching: MatchOptions::DEFAULT,
        location,
    }
}

/// A Dutch-looking compound of two to four syllables.
fn compound(rng: &mut Rng) -> String {
    let syllables = 2 + rng.below(3);
    (0..syllables).map(|_| rng.pick(SYLLABLES)).collect()
}

/// `n` generated posts (from [`generate_corpus`] with seed 7) from a dozen sources, event times rising through a week; three in ten
/// carry one to three terms of `set` (so the store writes hits and scores, not only items).
pub fn dated_corpus(n: usize, set: &LexiconSet) -> Vec<Item> {
    let terms: Vec<&str> = set.terms().map(|t| t.text.as_str()).collect();
    let mut generated = generate_corpus(n * 700, 7);
    generated.truncate(n);
    while generated.len() < n {
        let again = generated[generated.len() % generated.len().max(1)].clone();
        generated.push(again);
    }
    let start = chrono::DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
        .expect("a valid time")
        .to_utc();
    let week_ms = 7 * 24 * 3600 * 1000;
    generated
        .into_iter()
        .enumerate()
        .map(|(k, mut item)| {
            let source = SourceId::new(format!("source-{}", k % 12));
            item.id = ItemId::derive(&source, &format!("post-{k}"));
            item.source = SourceRef {
                id: source,
                kind: SourceKind::Feed,
                tags: vec![format!("region-{}", k % 3)],
            };
            item.published_at =
                Some(start + chrono::Duration::milliseconds((k as i64 * week_ms) / n as i64));
            if k % 10 < 3 && !terms.is_empty() {
                for t in 0..=(k % 3) {
                    item.text.push(' ');
                    item.text.push_str(terms[(k * 7 + t * 131) % terms.len()]);
                }
            }
            item
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_nested() {
        let small = generate_lexicon(200, 7);
        let large = generate_lexicon(500, 7);
        assert_eq!(small.lexicons[0].terms[..], large.lexicons[0].terms[..200]);
        assert_eq!(generate_lexicon(200, 7), small);
        let texts = |corpus: Vec<Item>| {
            corpus
                .into_iter()
                .map(|i| (i.title, i.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts(generate_corpus(200_000, 7)),
            texts(generate_corpus(200_000, 7))
        );
    }
}
