//! The matcher benchmark: a generated post corpus and generated lexicons, measured end to
//! end against the bare Aho-Corasick automaton over the same normalised bytes.
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
//! [`run_match_bench`] measures, in one run: (a) end to end — [`Matcher::score_batch`] from
//! original items to scored items (normalise, match, boundaries, exclusions, spans, scores)
//! on one thread and on all threads; (b) the raw `aho_corasick::AhoCorasick` of the same
//! kind and match kind counting `find_overlapping_iter` matches over the already
//! normalised fields, on one thread; (c) compile time and heap size of each matcher.
//! Each figure is the best of [`BenchOptions::runs`] runs.

use crate::{Engine, Matcher, MatcherOptions};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use websense_lexicon::{Category, Lexicon, LexiconSet, Location, MatchOptions, Term};
use websense_model::{Item, ItemId, SourceRef, TermKind};
use websense_normalize::{normalize, normalize_into, SpanMap};

/// What [`run_match_bench`] measures.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchOptions {
    /// Size of the generated corpus (titles and texts, original bytes), in MB (10^6 bytes).
    pub corpus_mb: usize,
    /// Lexicon sizes to measure, in terms.
    pub terms: Vec<usize>,
    /// Threads for the parallel run; 0 means all cores.
    pub threads: usize,
    /// Each figure is the best of this many runs.
    pub runs: usize,
    pub seed: u64,
    /// Matcher options (engine choice, cap) for every lexicon.
    pub matcher: MatcherOptions,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            corpus_mb: 100,
            terms: vec![10_000, 50_000],
            threads: 0,
            runs: 3,
            seed: 0x5EED,
            matcher: MatcherOptions::default(),
        }
    }
}

/// Figures of one benchmark run; `Display` prints them as a table.
#[derive(Clone, Debug)]
pub struct BenchReport {
    pub items: usize,
    /// Original bytes of titles and texts.
    pub bytes: usize,
    /// Bytes of their normal forms.
    pub normalized_bytes: usize,
    pub words: usize,
    pub non_ascii_bytes: usize,
    pub generate_time: Duration,
    pub threads: usize,
    /// One-thread times are CPU time of the working thread (else wall time).
    pub thread_cpu_clock: bool,
    /// Normalising alone (with span map), one thread.
    pub normalize_time: Duration,
    pub lexicons: Vec<LexiconFigures>,
}

/// Figures for one lexicon size.
#[derive(Clone, Debug)]
pub struct LexiconFigures {
    pub terms: usize,
    pub patterns: usize,
    pub engine: Engine,
    pub compile_time: Duration,
    pub heap_bytes: usize,
    /// Hits reported end to end over the corpus.
    pub hits: usize,
    pub flagged_items: usize,
    pub end_to_end_1: Duration,
    pub end_to_end_n: Duration,
    pub raw_1: Duration,
    /// Matches the raw automaton counted (before boundaries and exclusions).
    pub raw_matches: usize,
    pub raw_heap_bytes: usize,
}

/// Run the benchmark (see the module doc). Takes a while: build with `--release`.
pub fn run_match_bench(options: &BenchOptions) -> BenchReport {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let runs = options.runs.max(1);
    let started = Instant::now();
    let items = generate_corpus(options.corpus_mb * 1_000_000, options.seed);
    let generate_time = started.elapsed();
    let fields: Vec<&str> = items
        .iter()
        .flat_map(|i| i.title.as_deref().into_iter().chain([i.text.as_str()]))
        .collect();
    let bytes = fields.iter().map(|f| f.len()).sum();
    let non_ascii_bytes = fields
        .iter()
        .map(|f| f.bytes().filter(|b| !b.is_ascii()).count())
        .sum();
    let words = fields.iter().map(|f| f.split_whitespace().count()).sum();
    let normalized: Vec<String> = fields.iter().map(|f| normalize(f)).collect();
    let normalized_bytes = normalized.iter().map(|f| f.len()).sum();

    let normalize_time = best_of(runs, || {
        let (mut out, mut map) = (Vec::new(), SpanMap::default());
        let (total, took) = thread_time(|| {
            let mut total = 0;
            for f in &fields {
                normalize_into(f, &mut out, &mut map);
                total += out.len();
            }
            total
        });
        assert_eq!(total, normalized_bytes);
        took
    });

    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let all = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    let mut lexicons = Vec::new();
    for &n in &options.terms {
        let set = generate_lexicon(n, options.seed);
        let started = Instant::now();
        let matcher =
            Matcher::new(&set, options.matcher.clone()).expect("generated lexicons are valid");
        let compile_time = started.elapsed();

        let kind = match matcher.engine() {
            Engine::Dfa => AhoCorasickKind::DFA,
            _ => AhoCorasickKind::ContiguousNFA,
        };
        let raw = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(kind))
            .build(pattern_strings(&set))
            .expect("generated patterns build");

        let (mut hits, mut flagged_items, mut raw_matches) = (0, 0, 0);
        // One thread: CPU time of the pool's thread, which does all the work.
        // All threads: wall time.
        let mut end_to_end = |pool: &rayon::ThreadPool, one_thread: bool| {
            let batch = items.clone();
            let (scored, elapsed) = if one_thread {
                pool.install(|| thread_time(|| matcher.score_batch(batch)))
            } else {
                let started = Instant::now();
                let scored = pool.install(|| matcher.score_batch(batch));
                (scored, started.elapsed())
            };
            hits = scored.iter().map(|s| s.matches.len()).sum();
            flagged_items = scored
                .iter()
                .filter(|s| s.flagged().next().is_some())
                .count();
            elapsed
        };
        let mut raw_run = || {
            let took;
            (raw_matches, took) = thread_time(|| {
                normalized
                    .iter()
                    .map(|f| raw.find_overlapping_iter(f).count())
                    .sum()
            });
            took
        };
        // Runs alternate, so that what else the machine does weighs on all figures alike.
        let (mut end_to_end_1, mut end_to_end_n, mut raw_1) =
            (Duration::MAX, Duration::MAX, Duration::MAX);
        for _ in 0..runs {
            end_to_end_1 = end_to_end_1.min(end_to_end(&one, true));
            raw_1 = raw_1.min(raw_run());
            end_to_end_n = end_to_end_n.min(end_to_end(&all, false));
        }
        lexicons.push(LexiconFigures {
            terms: n,
            patterns: matcher.patterns_len(),
            engine: matcher.engine(),
            compile_time,
            heap_bytes: matcher.heap_bytes(),
            hits,
            flagged_items,
            end_to_end_1,
            end_to_end_n,
            raw_1,
            raw_matches,
            raw_heap_bytes: raw.memory_usage(),
        });
    }
    BenchReport {
        items: items.len(),
        bytes,
        normalized_bytes,
        words,
        non_ascii_bytes,
        generate_time,
        threads,
        thread_cpu_clock: thread_cpu_time().is_some(),
        normalize_time,
        lexicons,
    }
}

/// The shortest of `runs` times that `f` measures.
fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().expect("at least one run")
}

/// Run `f` and say how long it took: the CPU time of this thread where the platform tells
/// it (Linux), so that one-thread figures hold on a machine busy with other work; else
/// wall time.
pub(crate) fn thread_time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let wall = Instant::now();
    let cpu = thread_cpu_time();
    let out = f();
    let took = match (cpu, thread_cpu_time()) {
        (Some(before), Some(after)) => after.saturating_sub(before),
        _ => wall.elapsed(),
    };
    (out, took)
}

fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// The distinct term and exclusion strings of `set`, as the matcher compiles them.
fn pattern_strings(set: &LexiconSet) -> Vec<&str> {
    let mut seen = HashSet::new();
    set.terms()
        .flat_map(|t| std::iter::once(&t.normalized).chain(&t.exclusions_normalized))
        .map(String::as_str)
        .filter(|s| seen.insert(*s))
        .collect()
}

pub(crate) fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "corpus: {} items, {:.1} MB ({:.1} MB normalised), {:.1} M words, {:.2}% non-ASCII bytes, generated in {:.1} s",
            self.items,
            self.bytes as f64 / 1e6,
            self.normalized_bytes as f64 / 1e6,
            self.words as f64 / 1e6,
            100.0 * self.non_ascii_bytes as f64 / self.bytes as f64,
            self.generate_time.as_secs_f64()
        )?;
        writeln!(
            f,
            "normalise only (with span map), 1 thread: {:.0} MB/s",
            mb_per_s(self.bytes, self.normalize_time)
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:>7} {:>8} {:>6} {:>8} {:>9} {:>10} {:>8} {:>16} {:>16} {:>8} {:>12} {:>7}",
            "terms",
            "patterns",
            "engine",
            "compile",
            "heap",
            "hits/1kw",
            "flagged",
            "e2e 1 thread",
            format!("e2e {} threads", self.threads),
            "scaling",
            "raw AC 1 thr",
            "e2e/raw"
        )?;
        for l in &self.lexicons {
            let engine = match l.engine {
                Engine::Dfa => "DFA",
                _ => "NFA",
            };
            let items_per_s = |t: Duration| self.items as f64 / t.as_secs_f64() / 1e3;
            writeln!(
                f,
                "{:>7} {:>8} {:>6} {:>6.2} s {:>6.1} MB {:>10.2} {:>8} {:>5.0} MB/s {:>4.0}k/s {:>5.0} MB/s {:>4.0}k/s {:>7.2}x {:>7.0} MB/s {:>7.2}",
                l.terms,
                l.patterns,
                engine,
                l.compile_time.as_secs_f64(),
                l.heap_bytes as f64 / 1e6,
                1000.0 * l.hits as f64 / self.words as f64,
                l.flagged_items,
                mb_per_s(self.bytes, l.end_to_end_1),
                items_per_s(l.end_to_end_1),
                mb_per_s(self.bytes, l.end_to_end_n),
                items_per_s(l.end_to_end_n),
                l.end_to_end_1.as_secs_f64() / l.end_to_end_n.as_secs_f64(),
                mb_per_s(self.normalized_bytes, l.raw_1),
                l.raw_1.as_secs_f64() / l.end_to_end_1.as_secs_f64(),
            )?;
        }
        writeln!(f)?;
        writeln!(f, "e2e: Matcher::score_batch from original items (normalise + match + boundaries + exclusions + spans + scores),")?;
        writeln!(f, "     MB/s of original bytes, items/s. scaling: e2e 1 thread time / e2e all threads time.")?;
        if self.thread_cpu_clock {
            writeln!(f, "     1-thread figures (normalise, e2e 1 thread, raw) use the working thread's CPU time,")?;
            writeln!(f, "     all-thread figures wall time; on a busy machine the scaling column says little.")?;
        }
        writeln!(f, "raw AC: aho_corasick::AhoCorasick (same kind, MatchKind::Standard) counting find_overlapping_iter")?;
        writeln!(
            f,
            "     over the already normalised fields, MB/s of normalised bytes."
        )?;
        writeln!(f, "e2e/raw: raw time / e2e 1-thread time over the same corpus (1.0 = as fast as the bare automaton).")?;
        for l in &self.lexicons {
            writeln!(
                f,
                "{} terms: raw matches {} (before boundaries/exclusions), raw automaton heap {:.1} MB",
                l.terms,
                l.raw_matches,
                l.raw_heap_bytes as f64 / 1e6
            )?;
        }
        Ok(())
    }
}

/// Deterministic pseudo-random numbers (SplitMix64): the same seed, the same corpus,
/// on every platform and in every version.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub(crate) fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }

    /// Skewed towards the front of `from`, as word frequencies are.
    pub(crate) fn pick_common<T: Copy>(&mut self, from: &[T]) -> T {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        from[((u * u * u) * from.len() as f64) as usize]
    }
}

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
    let mut rng = Rng(seed ^ 0xC0_7205);
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
    let mut rng = Rng(seed);
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
        terms.push(Term {
            text,
            normalized,
            category: rng.pick(CATEGORIES).to_string(),
            weight: [0.5, 1.0, 1.0, 2.0][rng.below(4)],
            kind,
            exclusions_normalized: exclusions.iter().map(|x| normalize(x)).collect(),
            exclusions,
            matching: MatchOptions::DEFAULT,
            location: Location {
                file: PathBuf::from("bench.lex"),
                line: terms.len() + 1,
            },
        });
    }
    terms
}

/// A Dutch-looking compound of two to four syllables.
fn compound(rng: &mut Rng) -> String {
    let syllables = 2 + rng.below(3);
    (0..syllables).map(|_| rng.pick(SYLLABLES)).collect()
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

    #[test]
    fn a_small_run_reports_hits_and_figures() {
        let options = BenchOptions {
            corpus_mb: 1,
            terms: vec![300, 1000],
            runs: 1,
            ..BenchOptions::default()
        };
        let report = run_match_bench(&options);
        assert!(report.bytes >= 1_000_000);
        assert_eq!(report.lexicons.len(), 2);
        for l in &report.lexicons {
            let per_1k_words = 1000.0 * l.hits as f64 / report.words as f64;
            assert!(
                (0.5..20.0).contains(&per_1k_words),
                "{per_1k_words} hits per 1000 words"
            );
            assert!(l.flagged_items > 0);
        }
        let table = report.to_string();
        assert!(table.contains("e2e/raw"), "{table}");
    }
}
