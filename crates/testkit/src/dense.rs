//! The *hit-dense* benchmark profile: a big research-style dictionary and posts full of its
//! words, the case where the matcher's per-hit work (boundaries, exclusions, spans, caps,
//! scores, context, hits written out) weighs more than its scan.
//!
//! Everything is generated here from a seed (no copied word lists or posts): five languages
//! (Dutch, English, German, Turkish, Arabic), each with its own syllables and a few
//! function words of its own. The dictionary ([`generate_dense_lexicon`], 15,000 terms by
//! default, split over the five languages) is made of syllable compounds, so its terms
//! overlap the way large dictionaries do: prefix terms are the stems of word terms, suffix
//! and infix terms are pieces of them, phrases are pairs of word terms, and a few terms have
//! exclusion phrases. The corpus ([`generate_dense_corpus`]) writes posts in one language
//! each, about a quarter of whose words are dictionary words (capitalised at sentence starts,
//! now and then in capitals, as compounds), the rest function words, numbers, punctuation
//! and emoji; that makes about one reported hit per 20 bytes of text
//! ([`DENSE_BYTES_PER_HIT`], checked by a test).

use crate::corpus::term;
use crate::Rng;
use std::collections::HashSet;
use std::path::PathBuf;
use websense_lexicon::{Category, Lexicon, LexiconSet, Location, Term};
use websense_model::{Item, ItemId, SourceRef, TermKind};
use websense_normalize::normalize;

/// About how many bytes of corpus text there are per reported hit (see the test).
pub const DENSE_BYTES_PER_HIT: f64 = 20.0;

/// Terms in the default hit-dense dictionary.
pub const DENSE_TERMS: usize = 15_000;

struct Language {
    code: &'static str,
    syllables: &'static [&'static str],
    /// Short words that carry no term (checked when terms are made).
    function_words: &'static [&'static str],
}

#[rustfmt::skip]
const LANGUAGES: &[Language] = &[
    Language {
        code: "nl",
        syllables: &["ver", "raad", "volk", "haat", "kli", "maat", "ter", "ro", "rist", "lan", "over",
            "heid", "mos", "lim", "zwen", "del", "kar", "tel", "gen", "pro", "pa", "gan", "dic", "tuur",
            "rechts", "extre", "jood", "vijand", "straf", "schand", "tuig", "plu", "nep", "pers", "schaap",
            "dwang", "bruin", "grens", "rupt", "kap"],
        function_words: &["de", "het", "een", "en", "van", "ik", "je", "dat", "die", "in", "is", "op",
            "te", "met", "voor", "er", "om", "ze", "ook", "als", "dan", "wat", "nog", "bij", "wel", "we"],
    },
    Language {
        code: "en",
        syllables: &["scum", "vile", "rat", "fil", "thy", "mob", "lie", "crook", "trash", "pest", "snake",
            "brain", "wash", "sheep", "worm", "rot", "dirt", "traitor", "lib", "tard", "globe", "bank",
            "puppet", "fake", "elite", "grift", "loon", "clown", "cuck", "woke", "shill", "troll", "bot",
            "crime", "thug", "leech", "parasite", "groom", "vermin", "horde"],
        function_words: &["the", "to", "and", "a", "of", "it", "that", "you", "for", "on", "they", "are",
            "was", "have", "be", "this", "with", "at", "by", "we", "or", "as", "so", "if", "my", "our"],
    },
    Language {
        code: "de",
        syllables: &["volk", "ver", "rä", "ter", "lüg", "pres", "se", "schma", "rot", "zer", "hetz", "ge",
            "sin", "nung", "pack", "dreck", "schä", "dling", "gut", "mensch", "system", "ling", "asyl",
            "tou", "rist", "staats", "funk", "gez", "mer", "kel", "dik", "tat", "ur", "um", "vol", "kung",
            "über", "frem", "ab", "schaum"],
        function_words: &["der", "die", "und", "ist", "nicht", "das", "mit", "für", "auf", "ein", "sie",
            "es", "wir", "ich", "zu", "im", "den", "von", "auch", "noch", "wie", "so", "nur", "am", "aus"],
    },
    Language {
        code: "tr",
        syllables: &["hain", "ler", "şe", "re", "fsiz", "ah", "mak", "gâ", "vur", "çı", "kar", "yo", "buş",
            "it", "ka", "leş", "sü", "rü", "ğü", "kö", "pek", "ter", "ör", "güt", "dö", "nek", "şı", "ırk",
            "düş", "man", "işgal", "ci", "sat", "kın", "pis", "lik", "ya", "bancı", "kaç", "ak"],
        function_words: &["ve", "bir", "bu", "da", "de", "için", "ile", "çok", "ne", "gibi", "daha", "ama",
            "şey", "olarak", "var", "yok", "ben", "sen", "biz", "onlar", "her", "kadar", "sonra", "en"],
    },
    Language {
        code: "ar",
        syllables: &["خا", "ئن", "عم", "يل", "كل", "حق", "ير", "فا", "سد", "لص", "وص", "جر", "ذل", "ان",
            "كف", "ار", "مر", "تد", "طا", "غو", "ت", "إر", "هاب", "عدو", "قذ", "ر", "نج", "س", "خن", "زي",
            "حش", "رة", "فت", "نة", "ضا", "ل", "مج", "وس", "شي", "طان"],
        function_words: &["في", "من", "على", "إلى", "هذا", "أن", "لا", "ما", "هو", "كان", "هي", "مع",
            "عن", "كل", "قد", "لم", "بعد", "ثم", "أو", "هم", "نحن", "أنت", "لقد", "إن", "يا"],
    },
];

const CATEGORIES: &[&str] = &[
    "dehumanisation",
    "threat",
    "hate",
    "conspiracy",
    "anti_government",
    "polarisation",
];

const EMOJI: &[&str] = &["🙄", "😡", "👍🏽", "😂", "🤡", "🔥", "👇", "🤔"];
const PUNCTUATION: &[&str] = &[",", ".", "!", "?", "...", ":", " -", "!!", "،", "؟"];

/// The hit-dense dictionary: `n` terms over five languages (one lexicon each) and six
/// categories, from `seed`.
pub fn generate_dense_lexicon(n: usize, seed: u64) -> LexiconSet {
    let categories = CATEGORIES
        .iter()
        .map(|&name| Category::new(name, &name.replace('_', " "), 3.0))
        .collect();
    let mut rng = Rng::new(seed ^ 0xDE_45E);
    let mut seen = HashSet::new();
    let mut lexicons = Vec::new();
    for (k, language) in LANGUAGES.iter().enumerate() {
        let want = n / LANGUAGES.len() + usize::from(k < n % LANGUAGES.len());
        lexicons.push(language_lexicon(language, want, &mut rng, &mut seen));
    }
    LexiconSet {
        categories,
        lexicons,
        version: format!("dense-{n}-{seed}"),
    }
}

fn language_lexicon(
    language: &Language,
    n: usize,
    rng: &mut Rng,
    seen: &mut HashSet<String>,
) -> Lexicon {
    let file = PathBuf::from(format!("dense-{}.lex", language.code));
    let function_words: Vec<String> = language
        .function_words
        .iter()
        .map(|w| normalize(w))
        .collect();
    let mut terms: Vec<Term> = Vec::with_capacity(n);
    let mut words: Vec<String> = Vec::new();
    let mut tries = 0;
    while terms.len() < n && tries < n * 50 {
        tries += 1;
        let (kind, text) = match rng.below(20) {
            // word terms first make up most of the dictionary; the others are built from them
            0..=10 => {
                let n = 2 + rng.below(3);
                (TermKind::Word, syllables(rng, language, n))
            }
            11..=13 => (TermKind::Prefix, syllables(rng, language, 2)),
            14..=15 => (TermKind::Suffix, syllables(rng, language, 2)),
            16 => (TermKind::Infix, syllables(rng, language, 2)),
            _ if words.len() > 10 => {
                let a = words[rng.below(words.len())].clone();
                let b = words[rng.below(words.len())].clone();
                (TermKind::Phrase, format!("{a} {b}"))
            }
            _ => continue,
        };
        let normalized = normalize(&text);
        // Short pieces or pieces inside a function word would hit everything.
        if (kind != TermKind::Word && kind != TermKind::Phrase && normalized.chars().count() < 4)
            || function_words
                .iter()
                .any(|w| w.contains(normalized.as_str()))
            || !seen.insert(normalized.clone())
        {
            continue;
        }
        if kind == TermKind::Word {
            words.push(text.clone());
        }
        let exclusions: Vec<String> = if kind == TermKind::Word && rng.chance(0.03) {
            vec![format!("{} {text}", rng.pick(language.function_words))]
        } else {
            Vec::new()
        };
        let category = rng.pick(CATEGORIES);
        let weight = [0.5, 1.0, 1.0, 2.0, 3.0][rng.below(5)];
        let location = Location {
            file: file.clone(),
            line: terms.len() + 1,
        };
        terms.push(term(
            text, normalized, kind, exclusions, category, weight, location,
        ));
    }
    Lexicon {
        name: format!("dense-{}", language.code),
        languages: vec![language.code.to_string()],
        file,
        terms,
    }
}

fn syllables(rng: &mut Rng, language: &Language, n: usize) -> String {
    (0..n).map(|_| rng.pick(language.syllables)).collect()
}

/// A post corpus of about `bytes` bytes of text (one language per post) full of the words
/// of `set` (a [`generate_dense_lexicon`] set), from `seed`.
pub fn generate_dense_corpus(set: &LexiconSet, bytes: usize, seed: u64) -> Vec<Item> {
    let mut rng = Rng::new(seed ^ 0xC0_DE45);
    let by_language: Vec<(Vec<&Term>, Vec<&Term>, Vec<&Term>)> = LANGUAGES
        .iter()
        .map(|language| {
            let terms: Vec<&Term> = set
                .lexicons
                .iter()
                .filter(|l| l.languages.iter().any(|c| c == language.code))
                .flat_map(|l| &l.terms)
                .collect();
            let of = |kind: TermKind| terms.iter().copied().filter(|t| t.kind == kind).collect();
            (
                of(TermKind::Word),
                of(TermKind::Phrase),
                of(TermKind::Prefix),
            )
        })
        .collect();
    let fetched_at = "2025-01-01T00:00:00Z".parse().expect("a valid time");
    let mut items = Vec::new();
    let mut total = 0;
    while total < bytes {
        let l = rng.below(LANGUAGES.len());
        let language = &LANGUAGES[l];
        let (words, phrases, prefixes) = &by_language[l];
        let n = if rng.chance(0.15) {
            60 + rng.below(200)
        } else {
            6 + rng.below(40)
        };
        let mut text = String::new();
        let mut sentence_start = true;
        for w in 0..n {
            if w > 0 {
                text.push(if rng.chance(0.03) { '\n' } else { ' ' });
            }
            let start = text.len();
            let roll = rng.below(100);
            match roll {
                0..=17 if !words.is_empty() => text.push_str(&rng.pick_common(words).text),
                20..=21 if !phrases.is_empty() => text.push_str(&rng.pick(phrases).text),
                22..=23 if !prefixes.is_empty() => {
                    text.push_str(&rng.pick(prefixes).text);
                    text.push_str(rng.pick(language.syllables));
                }
                24..=25 => text.push_str(rng.pick(EMOJI)),
                26..=28 => text.push_str(&rng.below(2030).to_string()),
                _ => text.push_str(rng.pick(language.function_words)),
            }
            if rng.chance(0.02) {
                let upper = text[start..].to_uppercase();
                text.truncate(start);
                text.push_str(&upper);
            } else if sentence_start {
                let first = text[start..].chars().next().map_or(0, char::len_utf8);
                let upper = text[start..start + first].to_uppercase();
                text.replace_range(start..start + first, &upper);
            }
            sentence_start = false;
            if rng.chance(0.1) {
                let p = rng.pick(PUNCTUATION);
                text.push_str(p);
                sentence_start = p.ends_with(['.', '!', '?', '؟']);
            }
        }
        total += text.len();
        let mut item = Item::new(
            ItemId(format!("dense-{}", items.len())),
            SourceRef::unknown(),
            text,
        );
        item.fetched_at = fetched_at;
        items.push(item);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_matcher::{Matcher, MatcherOptions};

    #[test]
    fn the_dense_profile_has_a_hit_every_twenty_bytes_or_so() {
        let set = generate_dense_lexicon(DENSE_TERMS, 11);
        assert_eq!(set.terms().count(), DENSE_TERMS);
        assert_eq!(set.lexicons.len(), 5);
        let kinds: HashSet<TermKind> = set.terms().map(|t| t.kind).collect();
        assert_eq!(kinds.len(), 5, "every kind of term");
        assert!(set.terms().any(|t| !t.exclusions.is_empty()));
        let items = generate_dense_corpus(&set, 300_000, 11);
        let bytes: usize = items.iter().map(|i| i.text.len()).sum();
        let matcher = Matcher::new(&set, MatcherOptions::default()).unwrap();
        let hits: usize = items
            .iter()
            .map(|i| matcher.find(None, &i.text).matches.len())
            .sum();
        let per_hit = bytes as f64 / hits as f64;
        eprintln!("{per_hit} bytes per hit");
        assert!((17.0..24.0).contains(&per_hit), "{per_hit} bytes per hit");
        let arabic = |c: char| ('\u{600}'..'\u{700}').contains(&c);
        assert!(items.iter().any(|i| i.text.chars().any(arabic)));
        assert!(items
            .iter()
            .any(|i| i.text.contains('ş') || i.text.contains('ı')));
        // deterministic
        let again = generate_dense_corpus(&set, 300_000, 11);
        assert_eq!(again[..10], items[..10]);
    }
}
