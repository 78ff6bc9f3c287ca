//! `websense trends detect`: the pipeline's spike detector on a count series from a file.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use websense_trends::{
    detect_series, guess_bucket, read_count_csv, set_zone, snap_series, Gaps, History, SeriesSpike,
    SpikeKind, SpikeParams, SpikeState,
};

/// Exit code when some input lines were skipped (the others were read and used).
pub const EXIT_SKIPPED_LINES: u8 = 3;

#[derive(clap::Args)]
pub struct TrendsArgs {
    #[command(subcommand)]
    what: TrendsWhat,
}

#[derive(clap::Subcommand)]
enum TrendsWhat {
    /// Find spikes and level shifts in a count series (CSV) with the pipeline's detector;
    /// write them as JSON Lines in time order. Exit code 3 when input lines were skipped.
    Detect(DetectArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BucketArg {
    /// The median step between the samples, rounded to 5m, 15m, 1h or 1d.
    Auto,
    #[value(name = "5m")]
    FiveMinutes,
    #[value(name = "15m")]
    FifteenMinutes,
    #[value(name = "1h")]
    Hour,
    #[value(name = "1d")]
    Day,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum GapsArg {
    /// A bucket without a sample is unknown: left out of baselines and never scored.
    Unknown,
    /// A bucket without a sample counted nothing.
    Zero,
}

#[derive(clap::Args)]
struct DetectArgs {
    /// The series: CSV of `timestamp,value` (a header optional), or the trend explorer's
    /// CSV export as it is; `-` is stdin. Times are ISO 8601 or `YYYY-MM-DD HH:MM:SS`, with
    /// or without an offset.
    #[arg(long)]
    input: String,
    /// The bucket: samples of about its size go to the nearest bucket start, finer samples
    /// are summed into the bucket they lie in.
    #[arg(long, value_enum, default_value = "auto")]
    bucket: BucketArg,
    /// The time zone of times written without an offset, and of the daily cycle (so a
    /// daylight-saving change does not move it): an IANA name such as Europe/Amsterdam.
    #[arg(long, default_value = "UTC")]
    zone: String,
    /// Where the spikes go, as JSON Lines; `-` is stdout.
    #[arg(long, default_value = "-")]
    output: String,
    /// What a bucket without a sample means.
    #[arg(long, value_enum, default_value = "unknown")]
    gaps: GapsArg,
    /// The value column to read, by its header name (default: the second column).
    #[arg(long)]
    column: Option<String>,
    /// A configuration file whose `[trends.spikes]` parameters are used (default: the
    /// pipeline's defaults).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override one detector parameter, `KEY=VALUE`, as the `[trends.spikes]` section
    /// writes it (e.g. `min_volume=5`, `score=3.5`, `long_window="12h"`,
    /// `level_shift_after="1d"`); repeatable. See the trends crate's documentation.
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

/// One spike as `websense trends detect` writes it.
#[derive(Serialize)]
struct SpikeLine {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    peak_at: DateTime<Utc>,
    detected_at: DateTime<Utc>,
    duration_s: i64,
    observed: f64,
    expected: f64,
    ratio: f64,
    score: f64,
    state: SpikeState,
    kind: SpikeKind,
    history: History,
}

impl From<&SeriesSpike> for SpikeLine {
    fn from(s: &SeriesSpike) -> Self {
        SpikeLine {
            start: s.start,
            end: s.end,
            peak_at: s.peak,
            detected_at: s.detected_at,
            duration_s: (s.end - s.start).num_seconds(),
            observed: s.observed,
            expected: s.expected,
            ratio: s.ratio,
            score: s.score,
            state: s.state,
            kind: s.kind,
            history: s.history,
        }
    }
}

pub fn run(args: TrendsArgs) -> Result<ExitCode> {
    match args.what {
        TrendsWhat::Detect(args) => detect(args),
    }
}

fn spike_params(args: &DetectArgs) -> Result<SpikeParams> {
    let base = match &args.config {
        Some(path) => crate::config::Config::load(path)?.trends.spikes,
        None => SpikeParams::default(),
    };
    if args.params.is_empty() {
        return Ok(base);
    }
    let mut table = toml::Table::try_from(&base).context("parameters as TOML")?;
    for param in &args.params {
        let Some((key, value)) = param.split_once('=') else {
            bail!("--param {param}: write KEY=VALUE");
        };
        let (key, value) = (key.trim(), value.trim());
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        table.insert(key.to_string(), parsed);
    }
    SpikeParams::deserialize(toml::Value::Table(table)).map_err(|e| anyhow::anyhow!("--param: {e}"))
}

use serde::Deserialize as _;

fn detect(args: DetectArgs) -> Result<ExitCode> {
    let params = spike_params(&args)?;
    let zone: Tz = args.zone.parse().map_err(|_| {
        anyhow::anyhow!(
            "--zone {}: no such time zone (e.g. Europe/Amsterdam)",
            args.zone
        )
    })?;
    let source = if args.input == "-" {
        "stdin".to_string()
    } else {
        args.input.clone()
    };
    let mut text = String::new();
    if args.input == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(&args.input)
            .with_context(|| format!("cannot read {}", args.input))?;
    }
    let read = read_count_csv(&text, zone, args.column.as_deref())
        .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    for problem in &read.problems {
        eprintln!("websense: {source}:{problem}; the line is skipped");
    }
    let native = guess_bucket(&read.points);
    let bucket = match args.bucket {
        BucketArg::Auto => native,
        BucketArg::FiveMinutes => 300,
        BucketArg::FifteenMinutes => 900,
        BucketArg::Hour => 3600,
        BucketArg::Day => 86_400,
    };
    let gaps = match args.gaps {
        GapsArg::Unknown => Gaps::Unknown,
        GapsArg::Zero => Gaps::Zero,
    };
    // Samples finer than the bucket are summed into the bucket they lie in; samples of
    // the bucket's own size go to the nearest bucket start (their clocks wander).
    let finer = bucket > native;
    let Some(mut snapped) = snap_series(&read.points, bucket, gaps, finer) else {
        bail!("{source}: no samples to read");
    };
    if let Some(first) = snapped.duplicates.first().filter(|_| !finer) {
        eprintln!(
            "websense: warning: {source}: {} bucket(s) of {bucket} s had more than one sample, summed (the first at {})",
            snapped.duplicates.len(),
            first.to_rfc3339()
        );
    }
    set_zone(&mut snapped.series, zone);
    let spikes = detect_series(&snapped.series, &params);
    let mut out: Box<dyn Write> = if args.output == "-" {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(std::io::BufWriter::new(
            std::fs::File::create(&args.output)
                .with_context(|| format!("cannot create {}", args.output))?,
        ))
    };
    for spike in &spikes {
        serde_json::to_writer(&mut out, &SpikeLine::from(spike))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let unknown = snapped.series.values.iter().filter(|v| v.is_none()).count();
    eprintln!(
        "websense: {source}: {} samples, {} buckets of {bucket} s from {} ({unknown} unknown), {} spike(s){}",
        read.points.len(),
        snapped.series.values.len(),
        snapped.series.start.to_rfc3339(),
        spikes.len(),
        if read.problems.is_empty() {
            String::new()
        } else {
            format!(", {} line(s) skipped", read.problems.len())
        }
    );
    Ok(if read.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_SKIPPED_LINES)
    })
}
