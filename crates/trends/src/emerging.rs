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
    /// The log-likelihood ratio `G²` of its share of foreground against background items.
    pub score: f64,
    /// Foreground items containing it, its occurrences there, their distinct authors.
    pub items: usize,
    pub occurrences: usize,
    pub authors: usize,
    pub background_items: usize,
    /// Background items containing it that were flagged.
    pub background_flagged_items: usize,
    /// Its share of foreground items over its reference share (see [`emerging_terms`]).
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
    background: usize,
    background_flagged: usize,
}

/// Dunning's log-likelihood ratio `G²` of `k1` of `n1` against `k2` of `n2`: twice the
/// log of how much likelier the counts are with a rate of their own for each side than
/// with one rate for both. Large when the rates differ and the counts say so; unlike a
/// z-score it stays honest for a handful of occurrences and for zero.
fn log_likelihood_ratio(k1: f64, n1: f64, k2: f64, n2: f64) -> f64 {
    let xlogx = |x: f64| if x > 0.0 { x * x.ln() } else { 0.0 };
    let cell = |k: f64, n: f64| xlogx(k) + xlogx(n - k) - xlogx(n);
    let pooled = cell(k1 + k2, n1 + n2);
    (2.0 * (cell(k1, n1) + cell(k2, n2) - pooled)).max(0.0)
}

/// Words and two-word phrases that rise sharply in `foreground` (flagged or spiking items
/// of a recent window) against `background` (older items; those with categories are the
/// older flagged ones), that `known` does not hold; best first.
///
/// Items are counted, not occurrences, so one post repeating a word forty times is one
/// item. A suggestion needs all of:
///
/// * `min_items` foreground items from `min_authors` authors;
/// * a log-likelihood ratio `G²` (Dunning) of at least `min_score` between its share of
///   foreground items and its share of background items, the foreground's being higher:
///   it is specific to these items, and not by chance (`G²` of 15.1 is a chance of 1 in
///   10,000 under one shared rate);
/// * when the background holds at least `min_flagged_background` flagged items: a `G²` of
///   at least `min_rise_score` between its share of foreground and of those older flagged
///   items, the foreground's being higher. So the heated words flagged posts always use do
///   not come back every day, while a word new to flagged posts does. (With fewer older
///   flagged items this test says nothing and is skipped.)
/// * a foreground share of `min_ratio` times its *reference* share: its share of the older
///   flagged items when that test ran, else of all older items (each smoothed by `prior`
///   items, so an absent term has a share above zero).
///
/// Of a suggested phrase and a suggested word in it, the phrase stays when it is in
/// `phrase_share` of the word's items (it says more), else the word does (the phrase adds
/// nothing but a neighbour).
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
    for doc in background {
        for term in candidates(doc.text, params.min_token_chars).into_keys() {
            if let Some(t) = tallies.get_mut(&term) {
                t.background += 1;
                t.background_flagged += usize::from(!doc.categories.is_empty());
            }
        }
    }

    let nf = foreground.len() as f64;
    let nb = background.len() as f64;
    let nbf = background
        .iter()
        .filter(|d| !d.categories.is_empty())
        .count() as f64;
    let mut suggestions: Vec<Suggestion> = Vec::new();
    for (term, tally) in &tallies {
        let f = tally.items.len() as f64;
        let b = tally.background as f64;
        let bf = tally.background_flagged as f64;
        let rising = |k: f64, n: f64| {
            if f / nf > k / n.max(1.0) {
                log_likelihood_ratio(f, nf, k, n)
            } else {
                0.0
            }
        };
        let score = rising(b, nb);
        let (reference_share, rise_passed) = if nbf >= params.min_flagged_background as f64 {
            (
                (bf + params.prior) / (nbf + params.prior),
                rising(bf, nbf) >= params.min_rise_score,
            )
        } else {
            ((b + params.prior) / (nb + params.prior), true)
        };
        let ratio = (f / nf) / reference_share;
        let docs: Vec<&Doc> = tally.items.iter().map(|&i| &foreground[i]).collect();
        let authors = distinct_authors(&docs);
        if score < params.min_score
            || !rise_passed
            || ratio < params.min_ratio
            || authors < params.min_authors
        {
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
            background_items: tally.background,
            background_flagged_items: tally.background_flagged,
            ratio,
            categories,
            examples: examples(&docs, params.examples),
        });
    }

    // A phrase and a suggested word in it: the phrase stays when it covers `phrase_share`
    // of the word's items (it says more), else the word does (the phrase adds nothing).
    let items_of: HashMap<String, usize> = suggestions
        .iter()
        .map(|s| (s.term.clone(), s.items))
        .collect();
    let phrase_wins = |phrase: &str, word: &str| {
        items_of[phrase] as f64 >= params.phrase_share * items_of[word] as f64
    };
    suggestions.retain(|s| {
        if s.words == 1 {
            !items_of.keys().any(|p| {
                p.split(' ').count() == 2
                    && p.split(' ').any(|w| w == s.term)
                    && phrase_wins(p, &s.term)
            })
        } else {
            !s.term
                .split(' ')
                .any(|w| items_of.contains_key(w) && !phrase_wins(&s.term, w))
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Everyday Dutch and English words, written for these tests.
    const COMMON: &[&str] = &[
        "gemeente",
        "wijk",
        "straat",
        "vandaag",
        "morgen",
        "bewoners",
        "raad",
        "plan",
        "nieuws",
        "school",
        "fiets",
        "weer",
        "regen",
        "markt",
        "winkel",
        "verkeer",
        "buurt",
        "park",
        "bus",
        "trein",
        "werk",
        "huis",
        "kinderen",
        "ouders",
        "feest",
        "concert",
        "voetbal",
        "wedstrijd",
        "burgemeester",
        "wethouder",
        "budget",
        "kosten",
        "belasting",
        "zorg",
        "council",
        "street",
        "weather",
        "people",
        "city",
        "football",
        "music",
        "market",
    ];
    /// Words of heated posts that are not in any lexicon of these tests.
    const HEATED: &[&str] = &[
        "schandalig",
        "boos",
        "woedend",
        "genoeg",
        "leugens",
        "walgelijk",
    ];

    struct Corpus {
        ids: Vec<ItemId>,
        authors: Vec<Option<String>>,
        texts: Vec<String>,
        flagged: Vec<bool>,
        categories: Vec<String>,
    }

    impl Corpus {
        fn new() -> Corpus {
            Corpus {
                ids: Vec::new(),
                authors: Vec::new(),
                texts: Vec::new(),
                flagged: Vec::new(),
                categories: vec!["polarisatie".to_string()],
            }
        }

        fn push(&mut self, author: Option<String>, words: &[String], flagged: bool) {
            self.ids.push(ItemId(format!("item-{}", self.ids.len())));
            self.authors.push(author);
            self.texts.push(words.join(" "));
            self.flagged.push(flagged);
        }

        fn docs(&self) -> Vec<Doc<'_>> {
            (0..self.ids.len())
                .map(|i| Doc {
                    id: &self.ids[i],
                    author: self.authors[i].as_deref(),
                    text: &self.texts[i],
                    categories: if self.flagged[i] {
                        &self.categories
                    } else {
                        &[]
                    },
                })
                .collect()
        }
    }

    fn sentence(rng: &mut StdRng, words: &[&str], n: usize) -> Vec<String> {
        (0..n)
            .map(|_| words[rng.random_range(0..words.len())].to_string())
            .collect()
    }

    /// A flagged post: everyday words, heated words, and now and then a known term.
    fn heated_post(rng: &mut StdRng, i: usize) -> Vec<String> {
        let mut words = sentence(rng, COMMON, 8);
        words.extend(sentence(rng, HEATED, 3));
        if i.is_multiple_of(10) {
            words.push(["volksverraders", "plandemie", "klimaatterroristen"][i % 3].to_string());
        }
        words
    }

    /// The background: 2000 everyday posts (one in ten with a heated word) and 300 older
    /// flagged posts. The foreground: 200 flagged posts, 30 of them (from 15 authors) with
    /// a new slur in varying spellings, 12 with a new two-word narrative, 10 from one
    /// author with a nonsense word, 8 without an author with another.
    fn corpora(seed: u64) -> (Corpus, Corpus) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut background = Corpus::new();
        for i in 0..2000usize {
            let mut words = sentence(&mut rng, COMMON, 12);
            if i.is_multiple_of(10) {
                words.extend(sentence(&mut rng, HEATED, 1));
            }
            if i.is_multiple_of(7) {
                words.extend(["de".to_string(), "het".to_string(), "2024".to_string()]);
            }
            background.push(Some(format!("bg-{}", i % 300)), &words, false);
        }
        for i in 0..300 {
            let words = heated_post(&mut rng, i);
            background.push(Some(format!("old-{}", i % 90)), &words, true);
        }
        let mut flagged = Corpus::new();
        let slur = [
            "Slijkvreters",
            "slijkvreters!",
            "SLIJKVRETERS",
            "slijkvréters",
        ];
        for i in 0..200 {
            let mut words = heated_post(&mut rng, i);
            let mut author = Some(format!("fg-{}", i % 80));
            if i < 30 {
                words.insert(rng.random_range(0..words.len()), slur[i % 4].to_string());
                author = Some(format!("slur-{}", i % 15));
            } else if i < 42 {
                words.insert(4, "stille".to_string());
                words.insert(5, "Invasie,".to_string());
            } else if i < 52 {
                words.push("blorkfest".to_string());
                author = Some("spammer".to_string());
            } else if i < 60 {
                author = None;
                words.push("zonderauteur".to_string());
            }
            flagged.push(author, &words, true);
        }
        (flagged, background)
    }

    fn known() -> KnownTerms {
        KnownTerms::from_terms([
            ("volksverrader".to_string(), TermKind::Prefix),
            ("plandemie".to_string(), TermKind::Prefix),
            ("terrorist".to_string(), TermKind::Infix),
            ("great reset".to_string(), TermKind::Phrase),
        ])
    }

    #[test]
    fn a_new_slur_and_a_new_phrase_are_suggested_with_examples() {
        let (flagged, background) = corpora(11);
        let found = emerging_terms(
            &flagged.docs(),
            &background.docs(),
            &known(),
            &EmergingParams::default(),
        );
        let terms: Vec<&str> = found.iter().map(|s| s.term.as_str()).collect();
        for s in &found {
            println!(
                "{:<16} G2 {:>6.1} ratio {:>6.1} items {:>2} background {}/{}",
                s.term, s.score, s.ratio, s.items, s.background_items, s.background_flagged_items
            );
        }
        assert_eq!(terms[0], "slijkvreters", "{terms:?}");
        let slur = &found[0];
        assert_eq!((slur.items, slur.occurrences, slur.authors), (30, 30, 15));
        assert_eq!(
            (slur.background_items, slur.background_flagged_items),
            (0, 0)
        );
        assert_eq!(slur.categories, vec![("polarisatie".to_string(), 30)]);
        assert_eq!(slur.examples.len(), 5);
        let first_five: Vec<ItemId> = (0..5).map(|i| ItemId(format!("item-{i}"))).collect();
        assert_eq!(slur.examples, first_five, "one item per author, in order");

        let phrase = found
            .iter()
            .find(|s| s.term == "stille invasie")
            .expect("phrase");
        assert_eq!((phrase.words, phrase.items), (2, 12));
        assert!(
            !terms.contains(&"stille") && !terms.contains(&"invasie"),
            "the phrase says more"
        );
        // Eight items without an author are eight authors.
        assert!(terms.contains(&"zonderauteur"), "{terms:?}");
    }

    #[test]
    fn over_seeds_exactly_the_new_terms_are_suggested() {
        for seed in 0..12 {
            let (flagged, background) = corpora(seed);
            let found = emerging_terms(
                &flagged.docs(),
                &background.docs(),
                &known(),
                &EmergingParams::default(),
            );
            let terms: Vec<&str> = found.iter().map(|s| s.term.as_str()).collect();
            assert_eq!(
                terms,
                ["slijkvreters", "stille invasie", "zonderauteur"],
                "seed {seed}"
            );
        }
    }

    #[test]
    fn without_older_flagged_items_the_words_of_flagged_posts_come_up_too() {
        let (flagged, mut background) = corpora(13);
        let everyday = background.flagged.iter().filter(|f| !**f).count();
        background.ids.truncate(everyday);
        let found = emerging_terms(
            &flagged.docs(),
            &background.docs(),
            &known(),
            &EmergingParams::default(),
        );
        let terms: Vec<&str> = found.iter().map(|s| s.term.as_str()).collect();
        assert!(terms.contains(&"slijkvreters"), "{terms:?}");
        assert!(terms.contains(&"stille invasie"), "{terms:?}");
        assert!(HEATED.iter().all(|h| terms.contains(h)), "{terms:?}");
    }

    #[test]
    fn known_terms_stopwords_numbers_common_words_and_single_authors_are_not_suggested() {
        let (flagged, background) = corpora(12);
        let found = emerging_terms(
            &flagged.docs(),
            &background.docs(),
            &known(),
            &EmergingParams::default(),
        );
        let terms: Vec<&str> = found.iter().map(|s| s.term.as_str()).collect();
        for absent in [
            "volksverraders",
            "plandemie",
            "klimaatterroristen",
            "blorkfest",
            "2024",
            "het",
        ] {
            assert!(
                !terms.iter().any(|t| t.split(' ').any(|w| w == absent)),
                "{absent}: {terms:?}"
            );
        }
        // Everyday words are as common in the background; heated words are far more common
        // in flagged items than in everyday ones, but as common in the older flagged items.
        for common in COMMON.iter().chain(HEATED) {
            assert!(!terms.contains(common), "{common}: {terms:?}");
        }
        let loose = EmergingParams {
            min_authors: 1,
            ..EmergingParams::default()
        };
        let found = emerging_terms(&flagged.docs(), &background.docs(), &known(), &loose);
        assert!(
            found.iter().any(|s| s.term == "blorkfest"),
            "one author is enough when allowed"
        );
    }

    #[test]
    fn known_terms_hold_by_their_kind() {
        let known = KnownTerms::from_terms([
            ("volksverrader".to_string(), TermKind::Prefix),
            ("moslim".to_string(), TermKind::Suffix),
            ("terrorist".to_string(), TermKind::Infix),
            ("elite".to_string(), TermKind::Word),
            ("great reset".to_string(), TermKind::Phrase),
            ("grote vervang".to_string(), TermKind::Prefix),
        ]);
        for held in [
            "volksverraders",
            "vuile volksverraders",
            "haatmoslim",
            "klimaatterroristen",
            "elite",
            "linkse elite",
            "great reset",
            "grote vervanging",
        ] {
            assert!(known.holds(held), "{held}");
        }
        for new in [
            "hetvolksverraad",
            "moslims",
            "elites",
            "great",
            "reset plan",
            "grote",
        ] {
            assert!(!known.holds(new), "{new}");
        }
    }

    #[test]
    fn the_shipped_lexicons_hold_their_own_terms() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lexicons");
        let (set, _) = LexiconSet::load_dir(dir).unwrap();
        let known = KnownTerms::from_lexicons(&set);
        assert!(known.holds("volksverraders") && known.holds("omvolkingsagenda"));
        assert!(!known.holds("slijkvreters"));
        for term in set.terms() {
            assert!(known.holds(&term.normalized), "{}", term.text);
        }
    }
}
