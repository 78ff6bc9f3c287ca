//! The matcher benchmark (`websense bench match`): the matcher measured end to end against
//! the bare Aho-Corasick automaton over the same normalised bytes, on the generated sparse
//! profile of `websense-testkit` ([`generate_corpus`], [`generate_lexicon`]).
//!
//! [`run_match_bench`] measures, in one run: (a) end to end — [`Matcher::score_batch`] from
//! original items to scored items (normalise, match, boundaries, exclusions, spans, scores)
//! on one thread and on all threads; (b) the raw `aho_corasick::AhoCorasick` of the same
//! kind and match kind counting `find_overlapping_iter` matches over the already
//! normalised fields, on one thread; (c) compile time and heap size of each matcher.
//! Each figure is the best of [`BenchOptions::runs`] runs.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};
use websense_lexicon::LexiconSet;
use websense_matcher::{Engine, Matcher, MatcherOptions};
use websense_normalize::{normalize, normalize_into, SpanMap};
use websense_testkit::{generate_corpus, generate_lexicon};

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

#[cfg(test)]
mod tests {
    use super::*;

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
