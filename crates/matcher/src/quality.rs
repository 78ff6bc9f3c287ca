//! The disguise test set and `websense bench quality`: recall of disguised terms against
//! their plain forms, and hits the options add to ordinary Dutch prose, per option.
//!
//! Both are written for websense (never copied): `quality/cases.txt` holds Dutch and
//! English sentences, each with one word that a poster disguises, and [`TRICKS`] the ways
//! of disguising it that the issue names — leet digits and symbols, Cyrillic and Greek
//! look-alikes, letters spaced, dotted or underscored, a dropped space, a letter dropped,
//! doubled or swapped, a letter stretched, and invisible or meaningless characters (bidi
//! marks and isolates, U+061C, tag characters, Hangul filler, Braille blank, U+FFFA,
//! tatweel, zero-width space) or an emoji inside the word. Every sentence is a case once
//! plainly and once per trick that applies to it (edits only to terms of seven or more
//! letters, joins only to single words). `quality/prose.txt` holds ordinary news
//! sentences with slots for numbers, names, places, codes, links and dates, and words one
//! edit from a term (`verraden`, `opvangen`, `vergadering`), strung into posts.
//!
//! The matcher is run once per option set over all of it; a case is found when a hit of
//! its term lies inside the disguised word as written.

use crate::{Matcher, MatcherOptions};
use std::fmt;
use std::ops::Range;
use websense_lexicon::{LexiconSet, MatchOptions};
use websense_model::MatchMethod;

const CASES: &str = include_str!("quality/cases.txt");
const PROSE: &str = include_str!("quality/prose.txt");

/// One case: a sentence with its term, plainly or disguised by one trick.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub language: &'static str,
    pub term: &'static str,
    /// `plain`, or the trick's name.
    pub trick: &'static str,
    pub text: String,
    /// Where the (disguised) word stands in `text`.
    pub word: Range<usize>,
}

type Trick = fn(&str, bool) -> Option<String>;

/// The tricks, by name. Each gets the word and whether its term is long enough to be
/// matched fuzzily, and returns the disguised word (or none where it does not apply).
pub const TRICKS: &[(&str, Trick)] = &[
    ("leet digits", |w, _| {
        replace_some(w, &[('o', "0"), ('e', "3"), ('a', "4"), ('i', "1")], 2)
    }),
    ("leet symbols", |w, _| {
        interior(w, &[('a', "@"), ('s', "$")])
    }),
    ("cyrillic", |w, _| {
        replace_some(
            w,
            &[('a', "а"), ('o', "о"), ('e', "е"), ('p', "р"), ('c', "с")],
            2,
        )
    }),
    ("greek", |w, _| {
        replace_some(w, &[('o', "ο"), ('i', "ι"), ('v', "ν")], 1)
    }),
    ("spaced", |w, _| single_word(w).then(|| spread(w, " "))),
    ("dotted", |w, _| single_word(w).then(|| spread(w, "."))),
    ("underscored", |w, _| single_word(w).then(|| spread(w, "_"))),
    ("dropped space", |_, _| None), // built in `cases`: the word glued to the one before
    ("letter dropped", |w, long| {
        edit(w, long, |c, i| {
            c.remove(i);
        })
    }),
    ("letter doubled", |w, long| {
        edit(w, long, |c, i| {
            c.insert(i, c[i]);
        })
    }),
    ("letters swapped", |w, long| {
        edit(w, long, |c, i| c.swap(i, i + 1))
    }),
    ("stretched", |w, _| stretch(w)),
    ("bidi override", |w, _| Some(insert_middle(w, "\u{202E}"))),
    ("bidi isolate", |w, _| Some(insert_middle(w, "\u{2066}"))),
    ("arabic letter mark", |w, _| {
        Some(insert_middle(w, "\u{061C}"))
    }),
    ("tag characters", |w, _| {
        Some(insert_middle(w, "\u{E0041}\u{E0042}"))
    }),
    ("hangul filler", |w, _| Some(insert_middle(w, "\u{3164}"))),
    ("braille blank", |w, _| Some(insert_middle(w, "\u{2800}"))),
    ("annotation mark", |w, _| Some(insert_middle(w, "\u{FFFA}"))),
    ("tatweel", |w, _| Some(insert_middle(w, "\u{0640}"))),
    ("zero-width space", |w, _| {
        Some(insert_middle(w, "\u{200B}"))
    }),
    ("emoji inside", |w, _| {
        single_word(w).then(|| insert_middle(w, "🐀"))
    }),
];

fn single_word(w: &str) -> bool {
    !w.contains(' ')
}

/// Replace up to `max` letters (in the order of `pairs`), keeping the first letter.
fn replace_some(w: &str, pairs: &[(char, &str)], max: usize) -> Option<String> {
    let mut chars: Vec<String> = w.chars().map(String::from).collect();
    let mut done = 0;
    for &(from, to) in pairs {
        for c in chars.iter_mut().skip(1) {
            if done < max && c.as_str() == from.to_string() {
                *c = to.to_string();
                done += 1;
            }
        }
    }
    (done > 0).then(|| chars.concat())
}

/// Replace one letter between two letters.
fn interior(w: &str, pairs: &[(char, &str)]) -> Option<String> {
    let chars: Vec<char> = w.chars().collect();
    for &(from, to) in pairs {
        for i in 1..chars.len().saturating_sub(1) {
            if chars[i] == from && chars[i - 1].is_alphabetic() && chars[i + 1].is_alphabetic() {
                let mut out: String = chars[..i].iter().collect();
                out.push_str(to);
                out.extend(&chars[i + 1..]);
                return Some(out);
            }
        }
    }
    None
}

fn spread(w: &str, separator: &str) -> String {
    w.chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Apply `f` at the middle of a single word of a long term.
fn edit(w: &str, long: bool, f: impl Fn(&mut Vec<char>, usize)) -> Option<String> {
    if !long || !single_word(w) {
        return None;
    }
    let mut chars: Vec<char> = w.chars().collect();
    let i = chars.len() / 2;
    if chars[i] == chars[i + 1] {
        return None;
    }
    f(&mut chars, i);
    Some(chars.into_iter().collect())
}

/// The first vowel after the first letter written five times.
fn stretch(w: &str) -> Option<String> {
    let i = w
        .char_indices()
        .skip(1)
        .find(|(_, c)| "aeiou".contains(*c))?
        .0;
    let c = &w[i..i + 1];
    Some(format!("{}{}{}", &w[..i], c.repeat(5), &w[i + 1..]))
}

fn insert_middle(w: &str, s: &str) -> String {
    let mut i = w.len() / 2;
    while !w.is_char_boundary(i) {
        i += 1;
    }
    format!("{}{s}{}", &w[..i], &w[i..])
}

/// Every case: each sentence plainly, and once per trick that applies.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for line in CASES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.splitn(3, '|').map(str::trim);
        let (Some(language), Some(term), Some(sentence)) =
            (parts.next(), parts.next(), parts.next())
        else {
            panic!("quality/cases.txt: bad line {line:?}");
        };
        let open = sentence.find('{').expect("a {word}");
        let close = sentence.find('}').expect("a {word}");
        let (before, word, after) = (
            &sentence[..open],
            &sentence[open + 1..close],
            &sentence[close + 1..],
        );
        let long = term.chars().filter(|c| c.is_alphabetic()).count() >= 7;
        let mut push = |trick, before: &str, word: &str| {
            out.push(Case {
                language,
                term,
                trick,
                text: format!("{before}{word}{after}"),
                word: before.len()..before.len() + word.len(),
            })
        };
        push("plain", before, word);
        for &(trick, disguise) in TRICKS {
            if trick == "dropped space" {
                if let Some(glued) = before.strip_suffix(' ') {
                    let at = glued.rfind(' ').map_or(0, |i| i + 1);
                    // the word and the one before it, written as one
                    let joined = format!("{}{word}", &glued[at..]);
                    push(trick, &glued[..at], &joined);
                }
                continue;
            }
            if let Some(disguised) = disguise(word, long) {
                push(trick, before, &disguised);
            }
        }
    }
    out
}

/// Ordinary prose: about `words` words of news sentences with their slots filled, in posts
/// of three to six sentences, from `seed`.
pub fn ordinary_prose(words: usize, seed: u64) -> Vec<String> {
    const NAMES: &[&str] = &[
        "Jansen",
        "De Vries",
        "El Amrani",
        "Bakker",
        "Yilmaz",
        "Van Dijk",
        "Visser",
        "Smit",
    ];
    const PLACES: &[&str] = &[
        "Zwolle",
        "Tilburg",
        "Leeuwarden",
        "Almere",
        "Delft",
        "Venlo",
        "Assen",
        "Gouda",
    ];
    const CODES: &[&str] = &[
        "A12",
        "N381",
        "2024-0173",
        "BZ4-11",
        "Z-2023-55",
        "A1",
        "3e",
        "B2B",
        "5G",
    ];
    const URLS: &[&str] = &[
        "https://www.gemeente.nl/raad/2024/agenda?id=4417",
        "www.provincie.nl/n381",
        "https://t.co/a1B3c4",
    ];
    let sentences: Vec<&str> = PROSE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let mut posts = Vec::new();
    let mut total = 0;
    while total < words {
        let mut post = String::new();
        for _ in 0..3 + next(4) {
            let mut s = sentences[next(sentences.len())].to_string();
            while let Some(at) = s.find('{') {
                let end = at + s[at..].find('}').expect("closed slot");
                let fill = match &s[at + 1..end] {
                    "n" => (1 + next(2000)).to_string(),
                    "name" => NAMES[next(NAMES.len())].to_string(),
                    "place" => PLACES[next(PLACES.len())].to_string(),
                    "code" => CODES[next(CODES.len())].to_string(),
                    "url" => URLS[next(URLS.len())].to_string(),
                    _ => format!("{} {}", 1 + next(28), ["maart", "juni", "oktober"][next(3)]),
                };
                s.replace_range(at..=end, &fill);
            }
            total += s.split_whitespace().count();
            post.push_str(&s);
            post.push(' ');
        }
        posts.push(post);
    }
    posts
}

/// The figures of one option set.
#[derive(Clone, Debug)]
pub struct QualityRow {
    pub name: String,
    pub plain: (usize, usize),
    pub disguised: (usize, usize),
    /// (trick, found, cases)
    pub per_trick: Vec<(&'static str, usize, usize)>,
    /// Hits in the prose found other than as written.
    pub added_hits: usize,
    pub prose_words: usize,
}

impl QualityRow {
    pub fn plain_recall(&self) -> f64 {
        self.plain.0 as f64 / self.plain.1.max(1) as f64
    }
    pub fn disguised_recall(&self) -> f64 {
        self.disguised.0 as f64 / self.disguised.1.max(1) as f64
    }
    pub fn added_per_10k_words(&self) -> f64 {
        self.added_hits as f64 * 10_000.0 / self.prose_words.max(1) as f64
    }
}

#[derive(Clone, Debug)]
pub struct QualityReport {
    pub cases: usize,
    pub rows: Vec<QualityRow>,
}

/// The option sets measured: none, each option alone, the default set, all, and (`None`)
/// the options the lexicon files themselves configure per category, lexicon and term:
/// what a user of those files gets.
pub fn option_sets() -> Vec<(String, Option<MatchOptions>)> {
    let mut sets = vec![("none".to_string(), Some(MatchOptions::NONE))];
    sets.extend(
        MatchOptions::NAMES
            .iter()
            .map(|(n, f)| (n.to_string(), Some(*f))),
    );
    sets.push(("default".to_string(), Some(MatchOptions::DEFAULT)));
    sets.push(("all".to_string(), Some(MatchOptions::ALL)));
    sets.push((CONFIGURED.to_string(), None));
    sets
}

/// The row of the options as the lexicon files configure them.
pub const CONFIGURED: &str = "configured";

/// Run the set against `lexicons` (whose terms the cases name) with each option set, over
/// `prose_words` words of ordinary prose.
pub fn run_quality(lexicons: &LexiconSet, prose_words: usize) -> QualityReport {
    let cases = cases();
    let prose = ordinary_prose(prose_words, 7);
    let words = prose.iter().map(|p| p.split_whitespace().count()).sum();
    let mut rows = Vec::new();
    for (name, options) in option_sets() {
        let mut set = lexicons.clone();
        if let Some(options) = options {
            for t in set.lexicons.iter_mut().flat_map(|l| &mut l.terms) {
                t.matching = options;
            }
        }
        let matcher = Matcher::new(
            &set,
            MatcherOptions {
                context: false,
                ..MatcherOptions::default()
            },
        )
        .expect("a valid lexicon set");
        let mut row = QualityRow {
            name,
            plain: (0, 0),
            disguised: (0, 0),
            per_trick: Vec::new(),
            added_hits: 0,
            prose_words: words,
        };
        for case in &cases {
            let hit = found(&matcher, case);
            let tally = if case.trick == "plain" {
                &mut row.plain
            } else {
                &mut row.disguised
            };
            tally.0 += hit as usize;
            tally.1 += 1;
            if case.trick != "plain" {
                match row.per_trick.iter_mut().find(|(t, _, _)| *t == case.trick) {
                    Some(t) => {
                        t.1 += hit as usize;
                        t.2 += 1;
                    }
                    None => row.per_trick.push((case.trick, hit as usize, 1)),
                }
            }
        }
        row.added_hits = prose
            .iter()
            .map(|p| {
                matcher
                    .find(None, p)
                    .matches
                    .iter()
                    .filter(|h| h.method != MatchMethod::Exact)
                    .count()
            })
            .sum();
        rows.push(row);
    }
    QualityReport {
        cases: cases.len(),
        rows,
    }
}

/// Whether a hit of the case's term lies inside its (disguised) word.
pub fn found(matcher: &Matcher, case: &Case) -> bool {
    matcher
        .find(None, &case.text)
        .matches
        .iter()
        .any(|h| h.term == case.term && case.word.start <= h.start && h.end <= case.word.end)
}

impl fmt::Display for QualityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = self.rows.first().map_or(0, |r| r.prose_words);
        writeln!(
            f,
            "disguise test set: {} cases (NL + EN), ordinary Dutch prose: {} words",
            self.cases, words
        )?;
        writeln!(
            f,
            "{:<12} {:>12} {:>12} {:>14} {:>16}",
            "options", "plain rec.", "disg. rec.", "disg./plain", "added/10k words"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<12} {:>12.3} {:>12.3} {:>14.3} {:>16.2}",
                r.name,
                r.plain_recall(),
                r.disguised_recall(),
                r.disguised_recall() / r.plain_recall().max(f64::MIN_POSITIVE),
                r.added_per_10k_words()
            )?;
        }
        writeln!(f)?;
        let pick = |name: &str| self.rows.iter().find(|r| r.name == name);
        if let (Some(none), Some(default), Some(all), Some(configured)) =
            (pick("none"), pick("default"), pick("all"), pick(CONFIGURED))
        {
            writeln!(
                f,
                "{:<20} {:>7} {:>9} {:>7} {:>11} {:>6}",
                "recall per trick", "none", "default", "all", CONFIGURED, "cases"
            )?;
            for (k, (trick, _, total)) in all.per_trick.iter().enumerate() {
                let r = |row: &QualityRow| row.per_trick[k].1 as f64 / row.per_trick[k].2 as f64;
                writeln!(
                    f,
                    "{:<20} {:>7.2} {:>9.2} {:>7.2} {:>11.2} {:>6}",
                    trick,
                    r(none),
                    r(default),
                    r(all),
                    r(configured),
                    total
                )?;
            }
        }
        writeln!(f, "\nrecall: share of cases with a hit of their term inside the word as written; added: hits in the")?;
        writeln!(
            f,
            "prose found other than as written (by an option, not as the prose writes the term)."
        )?;
        writeln!(
            f,
            "{CONFIGURED}: the options the lexicon files set per category, lexicon and term."
        )
    }
}
