//! `websense bench`: benchmarks that print figures (never timed tests).

use anyhow::Result;
use std::process::ExitCode;
use websense_matcher::bench::{run_match_bench, BenchOptions};

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(clap::Subcommand)]
enum BenchWhat {
    /// The matcher end to end (normalise + match + boundaries + score) on a generated corpus,
    /// on one core and on all cores, against the raw Aho-Corasick automaton over the same
    /// already-normalised bytes.
    Match {
        /// Size of the generated corpus in MB.
        #[arg(long, default_value_t = 100)]
        corpus_mb: usize,
        /// Lexicon sizes to measure, in terms (comma separated).
        #[arg(long, value_delimiter = ',', default_value = "10000,50000")]
        terms: Vec<usize>,
        /// Threads for the parallel run (0: all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Each figure is the best of this many runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    match args.what {
        BenchWhat::Match { corpus_mb, terms, threads, runs } => {
            let options = BenchOptions { corpus_mb, terms, threads, runs, ..BenchOptions::default() };
            println!("{}", run_match_bench(&options));
        }
    }
    Ok(ExitCode::SUCCESS)
}
