//! `websense bench`: benchmarks that print figures (never timed tests).

use anyhow::Result;

use crate::bench_command;
use crate::bench_match::{run_match_bench, BenchOptions};
use crate::bench_options::{run_option_bench, OptionBenchOptions};
use crate::bench_pipeline::{run_pipeline_bench, PipelineBenchOptions};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(clap::Subcommand)]
enum BenchWhat {
    /// The matcher end to end (normalise + match + boundaries + score) on a generated corpus,
    /// on one core and on all cores, against the raw Aho-Corasick automaton over the same
    /// already-normalised bytes; first the cost of each matching option against all off;
    /// last the command path (JSON Lines in -> out, as `websense match` runs) beside the
    /// in-memory matcher on the sparse and the hit-dense profile.
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
        /// MB of the corpus for the cost of each matching option (0: skip that part).
        #[arg(long, default_value_t = 20)]
        options_mb: usize,
        /// MB of JSON Lines per profile for the command path (`websense match`'s pipeline,
        /// JSON in -> JSON out) beside the in-memory matcher (0: skip that part).
        #[arg(long, default_value_t = 40)]
        command_mb: usize,
        /// Profiles for the command path (comma separated): sparse, dense.
        #[arg(long, value_delimiter = ',', default_value = "sparse,dense")]
        profiles: Vec<crate::bench_command::Profile>,
    },
    /// Write a generated profile to a directory, to time `websense match` from outside:
    /// DIR/lexicons (a lexicon directory) and DIR/corpus.jsonl (see `scripts/bench-scaling`).
    Corpus {
        /// sparse (a few hits per 1,000 words) or dense (five languages, 15,000 overlapping
        /// terms, about one hit per 20 bytes).
        #[arg(long, default_value = "dense")]
        profile: crate::bench_command::Profile,
        /// Bytes of text to generate, in MB.
        #[arg(long, default_value_t = 40)]
        corpus_mb: usize,
        /// Directory to write to.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Matching quality against disguise: recall of the disguise test set (every trick,
    /// Dutch and English) against the plain forms, and hits the options add to ordinary
    /// Dutch prose per 10,000 words, per matching option.
    Quality {
        /// Lexicon directory whose terms the test set names.
        #[arg(long, default_value = "lexicons")]
        lexicons: std::path::PathBuf,
        /// Words of generated ordinary prose.
        #[arg(long, default_value_t = 100_000)]
        prose_words: usize,
    },
    /// Early warning against published detectors: websense's spike detector, a windowed
    /// Gaussian z-score and a seasonal hybrid ESD (Twitter's AnomalyDetection) on the same
    /// 5-minute series with labelled events, from the extended generator and from our
    /// hand-written labelled set: recall per event kind, false alarms per series-week,
    /// detection delay.
    Detect {
        /// Series drawn from the extended generator.
        #[arg(long, default_value_t = 40)]
        series: usize,
        /// Seed of the extended generator.
        #[arg(long, default_value_t = 19)]
        seed: u64,
        /// Also write the labelled set here: one CSV per series (`timestamp,value`, as
        /// `websense trends detect` reads it) and labels.jsonl with its events.
        #[arg(long)]
        write: Option<std::path::PathBuf>,
    },
    /// Language detection on our own labelled multilingual sample: right answers per language
    /// and per kind of post (short, emoji, links, mixed, long), and CPU time per post, for
    /// websense's detector against `whatlang` and `whichlang` alone and websense before.
    Lang {
        /// JSON Lines of `{"lang": ISO 639-3, "kind": ..., "text": ...}`.
        #[arg(long, default_value = "samples/languages.jsonl")]
        samples: std::path::PathBuf,
        /// Each time is the best of this many runs.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Announced gatherings on our labelled sets, through the matcher as `websense match`
    /// runs it: precision and recall of detection, exact start-time accuracy, per kind of
    /// case, and every failing case with why.
    Announcements {
        /// Labelled sets to run (`published | expected | kind | text` lines, see
        /// `websense_announce::eval`); default: the two shipped with websense-announce.
        #[arg(long)]
        set: Vec<std::path::PathBuf>,
        /// The announcement lexicon directory (default: announce/ in --lexicons, else the
        /// shipped one).
        #[arg(long)]
        announce: Option<std::path::PathBuf>,
        #[arg(long, default_value = "lexicons")]
        lexicons: std::path::PathBuf,
    },
    /// The pipeline: items/s end to end on the embedded path (bus + matcher + SQLite), each
    /// stage alone, and per stage on the distributed path (Kafka produce, score, ClickHouse
    /// store) when a broker and ClickHouse are given; with where the time goes.
    Pipeline {
        /// Generated posts to push through.
        #[arg(long, default_value_t = 200_000)]
        items: usize,
        /// Lexicon directory to score with.
        #[arg(long, default_value = "lexicons")]
        lexicons: std::path::PathBuf,
        /// Items per hand-over (a collector's round, a producer's batch).
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Concurrent senders.
        #[arg(long, default_value_t = 4)]
        senders: usize,
        /// Kafka brokers for the distributed figures [default: $WEBSENSE_TEST_KAFKA].
        #[arg(long)]
        kafka: Option<String>,
        /// ClickHouse HTTP URL for the distributed figures [default: $WEBSENSE_TEST_CLICKHOUSE].
        #[arg(long)]
        clickhouse: Option<String>,
    },
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    match args.what {
        BenchWhat::Match {
            corpus_mb,
            terms,
            threads,
            runs,
            options_mb,
            command_mb,
            profiles,
        } => {
            if options_mb > 0 {
                let costs = OptionBenchOptions {
                    corpus_mb: options_mb,
                    terms: terms.first().copied().unwrap_or(10_000),
                    runs,
                    ..OptionBenchOptions::default()
                };
                println!("{}", run_option_bench(&costs));
            }
            if corpus_mb > 0 {
                let options = BenchOptions {
                    corpus_mb,
                    terms,
                    threads,
                    runs,
                    ..BenchOptions::default()
                };
                println!("{}", run_match_bench(&options));
            }
            if command_mb > 0 {
                let mut figures = Vec::new();
                for profile in profiles {
                    figures.push(bench_command::measure(profile, command_mb, threads, runs)?);
                }
                println!("{}", bench_command::report(&figures));
            }
        }
        BenchWhat::Corpus {
            profile,
            corpus_mb,
            out,
        } => bench_command::write_profile(profile, corpus_mb, &out)?,
        BenchWhat::Announcements {
            set,
            announce,
            lexicons,
        } => {
            print!(
                "{}",
                crate::bench_announce::run(&set, announce.as_deref(), &lexicons)?
            );
        }
        BenchWhat::Lang { samples, runs } => {
            println!("{}", crate::bench_lang::run_lang_bench(&samples, runs)?);
        }
        BenchWhat::Quality {
            lexicons,
            prose_words,
        } => {
            let (set, problems) = websense_lexicon::LexiconSet::load_dir(&lexicons)?;
            if websense_lexicon::has_errors(&problems) {
                anyhow::bail!(
                    "{} has errors; run `websense lexicon check {}`",
                    lexicons.display(),
                    lexicons.display()
                );
            }
            println!(
                "{}",
                websense_matcher::quality::run_quality(&set, prose_words)
            );
        }
        BenchWhat::Detect {
            series,
            seed,
            write,
        } => {
            let params = websense_trends::SpikeParams::default();
            let generated: Vec<_> = websense_trends::extended_set(series, seed)
                .iter()
                .map(websense_trends::generate_spec)
                .collect();
            let set = format!("extended generator ({series} series, seed {seed})");
            println!("{}", websense_trends::compare(&set, &generated, &params));
            let labelled: Vec<_> = websense_trends::labelled_set()
                .iter()
                .map(websense_trends::generate_spec)
                .collect();
            println!(
                "{}",
                websense_trends::compare("labelled set", &labelled, &params)
            );
            if let Some(dir) = write {
                write_labelled(&labelled, &dir)?;
            }
        }
        BenchWhat::Pipeline {
            items,
            lexicons,
            batch,
            senders,
            kafka,
            clickhouse,
        } => {
            let options = PipelineBenchOptions {
                items,
                lexicons,
                batch,
                senders,
                kafka: kafka.or_else(|| std::env::var("WEBSENSE_TEST_KAFKA").ok()),
                clickhouse: clickhouse.or_else(|| std::env::var("WEBSENSE_TEST_CLICKHOUSE").ok()),
            };
            let runtime = crate::cmd_pipeline::runtime()?;
            let report = runtime
                .block_on(run_pipeline_bench(&options))
                .map_err(anyhow::Error::msg)?;
            println!("{report}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The labelled set as files: `NAME.csv` per series and `labels.jsonl`.
fn write_labelled(series: &[websense_trends::ScenarioSeries], dir: &std::path::Path) -> Result<()> {
    use anyhow::Context;
    use std::io::Write;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut labels = std::io::BufWriter::new(std::fs::File::create(dir.join("labels.jsonl"))?);
    for s in series {
        let mut csv = String::from("timestamp,value\n");
        for (at, value) in &s.points {
            csv.push_str(&format!("{},{value}\n", at.to_rfc3339()));
        }
        std::fs::write(dir.join(format!("{}.csv", s.name)), csv)?;
        for e in &s.events {
            serde_json::to_writer(
                &mut labels,
                &serde_json::json!({"series": s.name, "kind": e.kind, "start": e.start, "window_end": e.window_end}),
            )?;
            labels.write_all(b"\n")?;
        }
    }
    labels.flush()?;
    eprintln!(
        "wrote {} series and their labels to {}",
        series.len(),
        dir.display()
    );
    Ok(())
}
