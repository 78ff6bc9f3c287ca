//! `websense match`: score JSON Lines items against a lexicon directory.

use anyhow::{Context, Result};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::{Item, ScoredItem};

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
    /// Items per batch scored in parallel.
    #[arg(long, default_value_t = 4096)]
    batch: usize,
    /// Write only items with at least one hit.
    #[arg(long)]
    only_hits: bool,
}

#[derive(serde::Serialize)]
struct Rejected<'a> {
    line: u64,
    error: String,
    raw: &'a str,
}

#[derive(Default)]
struct Summary {
    read: u64,
    rejected: u64,
    with_hits: u64,
    bytes: u64,
    flagged: BTreeMap<String, u64>,
    terms: BTreeMap<String, u64>,
}

impl Summary {
    fn add(&mut self, scored: &ScoredItem) {
        if !scored.matches.is_empty() {
            self.with_hits += 1;
        }
        for category in scored.flagged() {
            *self.flagged.entry(category.to_string()).or_default() += 1;
        }
        for hit in &scored.matches {
            *self.terms.entry(hit.term.clone()).or_default() += 1;
        }
    }
}

fn open_input(path: &str) -> Result<Box<dyn BufRead>> {
    Ok(if path == "-" {
        Box::new(BufReader::with_capacity(1 << 20, io::stdin()))
    } else {
        let file = File::open(path).with_context(|| format!("cannot open input {path}"))?;
        Box::new(BufReader::with_capacity(1 << 20, file))
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
    let set = crate::load_lexicons(&args.lexicons)?;
    let matcher = Matcher::new(&set, MatcherOptions::default())
        .with_context(|| format!("cannot compile lexicons in {}", args.lexicons.display()))?;
    let compiled = started.elapsed();

    let mut input = open_input(&args.input)?;
    let mut output = open_output(&args.output)?;
    let mut errors = match &args.errors {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| {
            format!("cannot create errors file {}", p.display())
        })?)),
        None => None,
    };

    let mut summary = Summary::default();
    let mut line_no = 0u64;
    let mut batch: Vec<(u64, String)> = Vec::with_capacity(args.batch);
    let scoring = Instant::now();
    loop {
        batch.clear();
        while batch.len() < args.batch.max(1) {
            let mut line = String::new();
            let n = read_line_lossless(&mut input, &mut line, line_no + 1)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if !line.trim().is_empty() {
                batch.push((line_no, line));
            }
        }
        if batch.is_empty() {
            break;
        }
        let parsed: Vec<Result<Item, String>> = batch
            .par_iter()
            .map(|(_, line)| serde_json::from_str::<Item>(line).map_err(|e| e.to_string()))
            .collect();
        let mut items = Vec::with_capacity(parsed.len());
        for ((line, raw), result) in batch.iter().zip(parsed) {
            summary.read += 1;
            summary.bytes += raw.len() as u64;
            match result {
                Ok(item) => items.push(item),
                Err(error) => {
                    summary.rejected += 1;
                    let error = format!("invalid item: {error}");
                    match errors.as_mut() {
                        Some(w) => {
                            serde_json::to_writer(
                                &mut *w,
                                &Rejected {
                                    line: *line,
                                    error,
                                    raw: raw.trim_end(),
                                },
                            )?;
                            w.write_all(b"\n")?;
                        }
                        None => eprintln!("{}:{line}: {error}", args.input),
                    }
                }
            }
        }
        for scored in matcher.score_batch(items) {
            summary.add(&scored);
            if args.only_hits && scored.matches.is_empty() {
                continue;
            }
            serde_json::to_writer(&mut output, &scored)?;
            output.write_all(b"\n")?;
        }
    }
    output.flush().context("cannot write output")?;
    if let Some(w) = errors.as_mut() {
        w.flush().context("cannot write errors file")?;
    }
    let elapsed = scoring.elapsed();
    print_summary(&summary, &set, compiled, elapsed);
    Ok(if summary.rejected > 0 {
        ExitCode::from(EXIT_REJECTED_LINES)
    } else {
        ExitCode::SUCCESS
    })
}

/// Read one line; invalid UTF-8 becomes an error naming the line instead of aborting the whole run.
fn read_line_lossless(input: &mut dyn BufRead, line: &mut String, line_no: u64) -> Result<usize> {
    let mut bytes = Vec::new();
    let n = input
        .read_until(b'\n', &mut bytes)
        .with_context(|| format!("cannot read input at line {line_no}"))?;
    match String::from_utf8(bytes) {
        Ok(s) => *line = s,
        // Keep the line (lossily) so it is rejected by the JSON parser with its number, never dropped.
        Err(e) => *line = format!("\u{FFFD}{}", String::from_utf8_lossy(e.as_bytes())),
    }
    Ok(n)
}

fn print_summary(
    s: &Summary,
    set: &LexiconSet,
    compiled: std::time::Duration,
    elapsed: std::time::Duration,
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
        "items: {} read, {} scored, {} rejected, {} with hits ({:.0} items/s, {:.1} MB/s)",
        s.read,
        s.read - s.rejected,
        s.rejected,
        s.with_hits,
        s.read as f64 / secs,
        s.bytes as f64 / 1e6 / secs
    );
    for category in &set.categories {
        let n = s.flagged.get(&category.name).copied().unwrap_or(0);
        eprintln!(
            "  flagged {:<28} {n:>6}   {}",
            category.name, category.label
        );
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
