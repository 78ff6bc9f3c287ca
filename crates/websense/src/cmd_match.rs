//! `websense match`: score JSON Lines items against a lexicon directory.
//!
//! The work is done by the pipeline of [`crate::match_stream`] (a reader cutting the input
//! into chunks of whole lines, `--threads` workers that parse, match, score and serialise
//! a chunk each, an ordered writer); this module is the command line around it.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};

use crate::match_output::OutputShape;
use crate::match_stream::{run_stream, StreamOptions, StreamSummary};

/// Exit code when some input lines were rejected (the others were scored and written).
pub const EXIT_REJECTED_LINES: u8 = 3;

#[derive(clap::Args)]
pub struct MatchArgs {
    /// Lexicon directory (categories.toml and *.lex files).
    #[arg(long, default_value = "lexicons")]
    lexicons: PathBuf,
    /// JSON Lines items to score (`id` and `text` required, `title` optional); `-` is stdin.
    #[arg(long, default_value = "-")]
    input: String,
    /// Where scored items go, as JSON Lines; `-` is stdout.
    #[arg(long, default_value = "-")]
    output: String,
    /// Where rejected input lines go (JSON Lines: line, error, the raw line). Without it, rejected
    /// lines are listed on stderr. Either way the exit code is 3 when any line was rejected.
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Lines per chunk: the unit a worker thread takes (a chunk also ends after 1 MiB).
    #[arg(long, default_value_t = 4096)]
    batch: usize,
    /// Worker threads that parse, match, score and serialise (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Write only these top-level fields (comma separated, written in the default order):
    /// id, source, url, author, published_at, fetched_at, language, title, text, links,
    /// raw, lexicon_version, matches, scores, places, municipalities, announcements, and
    /// `flagged` (the categories the item is
    /// flagged for, not in the default output).
    #[arg(long)]
    fields: Option<String>,
    /// Write repeated hits of one term in an item as one entry, with `count` and `spans`
    /// (`[start, end]` pairs) instead of `start` and `end`.
    #[arg(long)]
    aggregate_hits: bool,
    /// Write only items with at least one hit.
    #[arg(long)]
    only_hits: bool,
    /// Attribute items to municipalities with this gazetteer directory (a curator's edited
    /// copy of `gazetteer/`) instead of the shipped one.
    #[arg(long, conflicts_with = "no_places")]
    gazetteer: Option<PathBuf>,
    /// Resolve names shared by several municipalities in this region when a post does not
    /// settle them: CBS codes (`GM0479`) and province names, comma separated.
    #[arg(long, value_delimiter = ',')]
    region: Vec<String>,
    /// No attribution to municipalities (no `places` and `municipalities` in the output).
    #[arg(long)]
    no_places: bool,
    /// Find announced gatherings with this announcement lexicon directory (a curator's
    /// edited copy of `lexicons/announce/`). Default: `announce/` inside `--lexicons` when
    /// it exists, else the shipped one.
    #[arg(long, conflicts_with = "no_announcements")]
    announce: Option<PathBuf>,
    /// No announcement detection (no `announcements` in the output).
    #[arg(long)]
    no_announcements: bool,
}

fn open_input(path: &str) -> Result<Box<dyn Read + Send>> {
    Ok(if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open input {path}"))?)
    })
}

fn open_output(path: &str) -> Result<Box<dyn Write>> {
    Ok(if path == "-" {
        Box::new(BufWriter::with_capacity(1 << 20, io::stdout()))
    } else {
        let file = File::create(path).with_context(|| format!("cannot create output {path}"))?;
        Box::new(BufWriter::with_capacity(1 << 20, file))
    })
}

pub fn run(args: MatchArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let fields = match &args.fields {
        Some(list) => Some(OutputShape::parse_fields(list).map_err(anyhow::Error::msg)?),
        None => None,
    };
    let set = crate::load_lexicons(&args.lexicons)?;
    let options = MatcherOptions::default();
    let places =
        (!args.no_places).then(|| crate::load_places(args.gazetteer.as_deref(), &args.region));
    let announcer = if args.no_announcements {
        None
    } else {
        Some(crate::load_announcer(
            args.announce.as_deref(),
            &args.lexicons,
        )?)
    };
    let matcher = Matcher::with_extras(&set, options, places, announcer)
        .with_context(|| format!("cannot compile lexicons in {}", args.lexicons.display()))?;
    let compiled = started.elapsed();

    let input = open_input(&args.input)?;
    let mut output = open_output(&args.output)?;
    let mut errors = match &args.errors {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| {
            format!("cannot create errors file {}", p.display())
        })?)),
        None => None,
    };
    let options = StreamOptions {
        threads: args.threads,
        chunk_lines: args.batch,
        only_hits: args.only_hits,
        shape: OutputShape {
            fields,
            aggregate_hits: args.aggregate_hits,
        },
        errors_as_json: errors.is_some(),
        input_name: args.input.clone(),
    };
    let scoring = Instant::now();
    let summary = run_stream(
        &matcher,
        input,
        &mut output,
        errors.as_mut().map(|w| w as &mut dyn Write),
        &options,
    )?;
    let elapsed = scoring.elapsed();
    print_summary(&summary, &set, compiled, elapsed, options.worker_threads());
    Ok(if summary.rejected > 0 {
        ExitCode::from(EXIT_REJECTED_LINES)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(
    s: &StreamSummary,
    set: &LexiconSet,
    compiled: std::time::Duration,
    elapsed: std::time::Duration,
    threads: usize,
) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    eprintln!(
        "lexicons {} ({} terms, {} categories) compiled in {:.0} ms",
        set.version,
        set.terms().count(),
        set.categories.len(),
        compiled.as_secs_f64() * 1000.0
    );
    eprintln!(
        "items: {} read, {} scored, {} rejected, {} with hits, {} hits ({:.0} items/s, {:.1} MB/s in, {:.1} MB/s out, {threads} threads)",
        s.read,
        s.read - s.rejected,
        s.rejected,
        s.with_hits,
        s.hits,
        s.read as f64 / secs,
        s.bytes as f64 / 1e6 / secs,
        s.written as f64 / 1e6 / secs
    );
    for category in &set.categories {
        let n = s.flagged.get(&category.name).copied().unwrap_or(0);
        eprintln!(
            "  flagged {:<28} {n:>6}   {}",
            category.name, category.label
        );
    }
    if !s.municipalities.is_empty() {
        let mut by_count: Vec<_> = s.municipalities.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let list: Vec<String> = by_count
            .iter()
            .take(10)
            .map(|(code, n)| format!("{code} ({n})"))
            .collect();
        eprintln!(
            "  {} items attributed to {} municipalities: {}",
            s.with_places,
            s.municipalities.len(),
            list.join(", ")
        );
    }
    if s.announcements > 0 {
        eprintln!("  {} announcements", s.announcements);
    }
    let mut top: Vec<_> = s.terms.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if !top.is_empty() {
        let list: Vec<String> = top
            .iter()
            .take(10)
            .map(|(t, n)| format!("{t} ({n})"))
            .collect();
        eprintln!("  top terms: {}", list.join(", "));
    }
}
