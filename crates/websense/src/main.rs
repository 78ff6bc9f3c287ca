//! The `websense` binary: command-line parsing and wiring of the stage crates, and the
//! `websense bench` measurements over the corpora `websense-testkit` generates; nothing else.

// The commands' doc comments are their `--help` text, which names configuration sections as
// `[store]`, `[[sources]]`: that is what users type, not intra-doc links.
#![allow(rustdoc::broken_intra_doc_links)]

mod bench_announce;
mod bench_command;
mod bench_lang;
mod bench_match;
mod bench_options;
mod bench_pipeline;
mod cmd_audit;
mod cmd_bench;
mod cmd_collect;
mod cmd_gazetteer;
mod cmd_lexicon;
mod cmd_match;
mod cmd_pipeline;
mod cmd_run;
mod cmd_serve;
mod cmd_trends;
mod cmd_user;
mod config;
mod match_json;
mod match_output;
mod match_stream;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::Path;
use std::process::ExitCode;
use websense_lexicon::LexiconSet;

#[derive(Parser)]
#[command(
    name = "websense",
    version,
    about = "Online signalling pipeline: collect, match, store, warn."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score JSON Lines items against a lexicon directory; exit code 3 when input lines were rejected.
    Match(cmd_match::MatchArgs),
    /// Check lexicon directories and import curators' lists into .lex files.
    Lexicon(cmd_lexicon::LexiconArgs),
    /// Benchmarks that print figures: `websense bench match`, `websense bench pipeline`, `websense bench detect`.
    Bench(cmd_bench::BenchArgs),
    /// Fetch every enabled source of a configuration into JSON Lines; exit code 1 when any source failed.
    Collect(cmd_collect::CollectArgs),
    /// Serve the Room's HTTP API (trends, items, signals, curator tools, audit).
    Serve(cmd_serve::ServeArgs),
    /// Check the Room's audit log: `websense audit verify --config FILE`.
    Audit(cmd_audit::AuditArgs),
    /// Manage the Room's accounts: `websense user add NAME --role ROLE --config FILE`.
    User(cmd_user::UserArgs),
    /// Collectors, matcher and store in one process (embedded by default): `websense run --config config/demo.toml`.
    Run(cmd_run::RunArgs),
    /// One stage as a service: raw items from Kafka, scored on every core, back to Kafka.
    Score(cmd_pipeline::StageArgs),
    /// One stage as a service: scored items from Kafka into the store (ClickHouse).
    Store(cmd_pipeline::StageArgs),
    /// Early warning on a series from a file: `websense trends detect --input FILE`.
    Trends(cmd_trends::TrendsArgs),
    /// Check the gazetteer of Dutch municipalities: `websense gazetteer check [--dir DIR]`.
    Gazetteer(cmd_gazetteer::GazetteerArgs),
    /// Print the version of this build.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Match(args) => cmd_match::run(args),
        Command::Lexicon(args) => cmd_lexicon::run(args),
        Command::Bench(args) => cmd_bench::run(args),
        Command::Collect(args) => cmd_collect::run(args),
        Command::Serve(args) => cmd_serve::run(args),
        Command::User(args) => cmd_user::run(args),
        Command::Audit(args) => cmd_audit::run(args),
        Command::Run(args) => cmd_run::run(args),
        Command::Score(args) => cmd_pipeline::score(args),
        Command::Store(args) => cmd_pipeline::store(args),
        Command::Trends(args) => cmd_trends::run(args),
        Command::Gazetteer(args) => cmd_gazetteer::run(args),
        Command::Version => {
            println!("websense {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("websense: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The gazetteer attribution for a matcher: the shipped gazetteer, or a curator's directory
/// (every problem printed with its file and line on stderr; bad lines are left out, the rest
/// is used), resolving shared names in `region` (CBS codes and province names). The
/// pipeline's `[matcher]` does the same through `websense_pipeline::reload::load_places`,
/// onto its log.
pub(crate) fn load_places(dir: Option<&Path>, region: &[String]) -> websense_matcher::Places {
    let gazetteer = match dir {
        None => websense_gazetteer::Gazetteer::shipped(),
        Some(dir) => {
            let (gazetteer, problems) = websense_gazetteer::Gazetteer::load_dir(dir);
            for problem in &problems {
                eprintln!("{problem}");
            }
            gazetteer
        }
    };
    websense_matcher::Places::new(std::sync::Arc::new(gazetteer), region)
}

/// The announcement detector of `websense match` and the benches: the lexicon of `dir`, else
/// of `announce/` inside the scoring lexicons' directory when it exists, else the shipped
/// one. Problems are printed with their file and line; lines in error are left out.
pub(crate) fn load_announcer(
    dir: Option<&Path>,
    lexicons: &Path,
) -> Result<std::sync::Arc<websense_announce::Announcer>> {
    let beside = lexicons.join("announce");
    let dir = dir.or_else(|| beside.is_dir().then_some(beside.as_path()));
    let cues = match dir {
        None => websense_announce::Cues::shipped(),
        Some(dir) => {
            let (cues, problems) = websense_announce::Cues::load_dir(dir)
                .with_context(|| format!("cannot read announcement lexicon {}", dir.display()))?;
            for problem in &problems {
                eprintln!("{problem}");
            }
            cues
        }
    };
    Ok(std::sync::Arc::new(websense_announce::Announcer::new(cues)))
}

/// Load a lexicon directory, printing every problem with its file and line on stderr.
/// Lines with errors are skipped (the rest is used); only an unreadable directory is fatal.
pub(crate) fn load_lexicons(dir: &Path) -> Result<LexiconSet> {
    let (set, problems) = LexiconSet::load_dir(dir)?;
    for problem in &problems {
        eprintln!("{problem}");
    }
    let errors = problems.iter().filter(|p| p.is_error()).count();
    if errors > 0 {
        eprintln!("websense: {errors} lexicon error(s); those lines are skipped (see `websense lexicon check`)");
    }
    Ok(set)
}
