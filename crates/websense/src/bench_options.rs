//! What each matching option costs: the matcher end to end on one thread over the
//! generated sparse profile of `websense-testkit`, with every term's options set to one option at a
//! time, against all options off (and context off) — all in one run, runs interleaved, so
//! the ratios hold on a busy machine where absolute figures do not.
//!
//! Each row is timed twice: in memory (parsed items in, scored items out) and as the
//! command users run (`websense match --threads 1`'s pipeline: JSON Lines in, JSON Lines
//! out, [`run_stream`]), where reading and writing JSON dilute what an option costs.

use crate::bench_command::to_jsonl;
use crate::bench_match::{mb_per_s, thread_time};
use crate::match_stream::{run_stream, StreamOptions};
use std::fmt;
use std::time::Duration;
use websense_lexicon::{LexiconSet, MatchOptions};
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::MatchMethod;
use websense_testkit::{generate_corpus, generate_lexicon};

/// What [`run_option_bench`] measures.
#[derive(Clone, Debug)]
pub struct OptionBenchOptions {
    pub corpus_mb: usize,
    /// Terms of the generated lexicon.
    pub terms: usize,
    /// Each figure is the best of this many runs.
    pub runs: usize,
    pub seed: u64,
}

impl Default for OptionBenchOptions {
    fn default() -> Self {
        OptionBenchOptions {
            corpus_mb: 20,
            terms: 10_000,
            runs: 3,
            seed: 0x5EED,
        }
    }
}

/// One row: an option set and what it costs.
#[derive(Clone, Debug)]
pub struct OptionFigures {
    pub name: String,
    /// In memory.
    pub time: Duration,
    /// The command path on one thread.
    pub command_time: Duration,
    pub hits: usize,
    /// Hits found other than as written.
    pub disguised_hits: usize,
    /// Hits with a context tag.
    pub tagged_hits: usize,
    /// Announcements found.
    pub announcements: usize,
}

#[derive(Clone, Debug)]
pub struct OptionReport {
    pub bytes: usize,
    pub terms: usize,
    pub rows: Vec<OptionFigures>,
}

/// What a row compiles beside the terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extras {
    None,
    /// The shipped gazetteer's attribution.
    Places,
    /// The attribution and the shipped announcement detector: what `websense match` does
    /// by default.
    PlacesAndAnnouncements,
}

/// The option sets measured: none, the default set with context (with the shipped
/// gazetteer's attribution, and with announcements too: what `websense match` does by
/// default), each option alone, all. (name, term options, context tags, extras)
fn variants() -> Vec<(String, MatchOptions, bool, Extras)> {
    let mut v = vec![
        (
            "none (plain)".to_string(),
            MatchOptions::NONE,
            false,
            Extras::None,
        ),
        (
            "default + context".to_string(),
            MatchOptions::DEFAULT,
            true,
            Extras::None,
        ),
        (
            "default + ctx + places".to_string(),
            MatchOptions::DEFAULT,
            true,
            Extras::Places,
        ),
        (
            "def+ctx+places+announce".to_string(),
            MatchOptions::DEFAULT,
            true,
            Extras::PlacesAndAnnouncements,
        ),
        (
            "context only".to_string(),
            MatchOptions::NONE,
            true,
            Extras::None,
        ),
        (
            "shipped + context".to_string(),
            MatchOptions::DEFAULT
                .union(MatchOptions::FUZZY)
                .union(MatchOptions::EMOJI),
            true,
            Extras::None,
        ),
    ];
    for (name, flag) in MatchOptions::NAMES {
        v.push((format!("{name} only"), flag, false, Extras::None));
    }
    v.push((
        "all + context".to_string(),
        MatchOptions::ALL,
        true,
        Extras::None,
    ));
    v
}

fn with_options(set: &LexiconSet, options: MatchOptions) -> LexiconSet {
    let mut set = set.clone();
    for l in &mut set.lexicons {
        for t in &mut l.terms {
            t.matching = options;
        }
    }
    set
}

/// Run it (build with `--release`).
pub fn run_option_bench(options: &OptionBenchOptions) -> OptionReport {
    let items = generate_corpus(options.corpus_mb * 1_000_000, options.seed);
    let jsonl = to_jsonl(&items);
    let bytes = items
        .iter()
        .map(|i| i.text.len() + i.title.as_ref().map_or(0, |t| t.len()))
        .sum();
    let base = generate_lexicon(options.terms, options.seed);
    let matchers: Vec<(String, Matcher)> = variants()
        .into_iter()
        .map(|(name, flags, context, extras)| {
            let matcher_options = MatcherOptions {
                context,
                ..MatcherOptions::default()
            };
            let set = with_options(&base, flags);
            let places = (extras != Extras::None).then(|| crate::load_places(None, &[]));
            let announcer = (extras == Extras::PlacesAndAnnouncements)
                .then(|| std::sync::Arc::new(websense_announce::Announcer::shipped()));
            let m = Matcher::with_extras(&set, matcher_options, places, announcer)
                .expect("generated lexicons are valid");
            (name, m)
        })
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let mut rows: Vec<OptionFigures> = matchers
        .iter()
        .map(|(name, _)| OptionFigures {
            name: name.clone(),
            time: Duration::MAX,
            command_time: Duration::MAX,
            hits: 0,
            disguised_hits: 0,
            tagged_hits: 0,
            announcements: 0,
        })
        .collect();
    for _ in 0..options.runs.max(1) {
        for ((_, matcher), row) in matchers.iter().zip(&mut rows) {
            let batch = items.clone();
            let (scored, took) = pool.install(|| thread_time(|| matcher.score_batch(batch)));
            row.time = row.time.min(took);
            let hits = scored.iter().flat_map(|s| &s.matches);
            row.hits = hits.clone().count();
            row.disguised_hits = hits
                .clone()
                .filter(|h| h.method != MatchMethod::Exact)
                .count();
            row.tagged_hits = hits.filter(|h| !h.context.is_empty()).count();
            row.announcements = scored.iter().map(|s| s.announcements.len()).sum();
            let one_thread = StreamOptions {
                threads: 1,
                ..StreamOptions::default()
            };
            let started = std::time::Instant::now();
            let summary = run_stream(matcher, &jsonl[..], &mut std::io::sink(), None, &one_thread)
                .expect("generated items read back");
            row.command_time = row.command_time.min(started.elapsed());
            assert_eq!(
                summary.hits as usize, row.hits,
                "the command finds what the matcher finds"
            );
        }
    }
    OptionReport {
        bytes,
        terms: options.terms,
        rows,
    }
}

impl fmt::Display for OptionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "matching options, {} terms, {:.0} MB, end to end on 1 thread (same run, interleaved):",
            self.terms,
            self.bytes as f64 / 1e6
        )?;
        writeln!(
            f,
            "{:<23} {:>10} {:>10} {:>12} {:>10} {:>9} {:>10} {:>8}",
            "options", "MB/s", "vs none", "command MB/s", "vs none", "hits", "disguised", "tagged"
        )?;
        let none = self.rows[0].time.as_secs_f64();
        let command_none = self.rows[0].command_time.as_secs_f64();
        for r in &self.rows {
            writeln!(
                f,
                "{:<23} {:>10.0} {:>9.1}% {:>12.0} {:>9.1}% {:>9} {:>10} {:>8}",
                r.name,
                mb_per_s(self.bytes, r.time),
                100.0 * (r.time.as_secs_f64() / none - 1.0),
                mb_per_s(self.bytes, r.command_time),
                100.0 * (r.command_time.as_secs_f64() / command_none - 1.0),
                r.hits,
                r.disguised_hits,
                r.tagged_hits
            )?;
        }
        writeln!(
            f,
            "MB/s: of text (titles and texts); the command reads and writes JSON Lines.\n\
             vs none: extra time against all options and context off (negative: noise).\n\
             shipped: the options the starter categories set (default, fuzzy, emoji).\n\
             places: items attributed to municipalities by the shipped gazetteer, as\n\
             `websense match` does unless --no-places (compare with default + context).\n\
             announce: and announced gatherings found by the shipped detector, as `websense\n\
             match` does unless --no-announcements (compare with default + ctx + places;\n\
             {} announcements found).",
            self.rows.iter().map(|r| r.announcements).max().unwrap_or(0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_measures_every_option() {
        let report = run_option_bench(&OptionBenchOptions {
            corpus_mb: 1,
            terms: 500,
            runs: 1,
            seed: 3,
        });
        assert_eq!(report.rows.len(), 13);
        assert!(report.rows.iter().all(|r| r.command_time > Duration::ZERO));
        assert_eq!(report.rows[0].disguised_hits, 0);
        assert_eq!(report.rows[0].tagged_hits, 0);
        assert!(report.to_string().contains("fuzzy only"));
    }
}
