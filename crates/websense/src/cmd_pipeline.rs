//! `websense score` and `websense store`: one pipeline stage per process, against Kafka;
//! plus what every pipeline command shares (loading the configuration, logging).

use crate::config::Config;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use websense_pipeline::{stop_on_signals, Mode, Settings};

/// How logs are written (to stderr).
#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

#[derive(Args)]
#[command(
    after_help = "Runs until SIGTERM or Ctrl-C: batches in flight are finished, offsets \
                        committed, then it exits 0. SIGHUP reloads the lexicons (score). \
                        Exit status 2: bad configuration."
)]
pub struct StageArgs {
    /// Configuration file (see config/distributed.toml); its [bus] must be Kafka.
    #[arg(long)]
    config: PathBuf,
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// Read the configuration, or say why not (exit status 2).
pub fn load_config(path: &std::path::Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|e| {
        eprintln!("websense: {e}");
        ExitCode::from(2)
    })
}

/// Logs on stderr. `RUST_LOG` overrides the default filter.
pub fn init_logging(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in files and journals.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// `websense score`.
pub fn score(args: StageArgs) -> Result<ExitCode> {
    stage(args, |settings| async move {
        websense_pipeline::score_service(&settings, stop_on_signals()).await
    })
}

/// `websense store`.
pub fn store(args: StageArgs) -> Result<ExitCode> {
    stage(args, |settings| async move {
        websense_pipeline::store_service(&settings, stop_on_signals()).await
    })
}

fn stage<F, Fut>(args: StageArgs, service: F) -> Result<ExitCode>
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = Result<(), websense_pipeline::PipelineError>>,
{
    init_logging(args.log_format, "info");
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    runtime()?.block_on(service(config.pipeline_settings()))?;
    Ok(ExitCode::SUCCESS)
}

/// `websense collect` when the configuration names Kafka: sources onto the raw topic.
/// Exit status 1 when any source failed (each is logged with its source, URL and cause).
pub fn collect_to_bus(config: &Config, once: bool, reset_cursors: bool) -> Result<ExitCode> {
    let mut settings = config.pipeline_settings();
    settings.reset_cursors = reset_cursors;
    settings.handle_recorder = crate::cmd_collect::author_vault(&config.privacy)?;
    let mode = if once { Mode::Once } else { Mode::Continuous };
    let summary = runtime()?.block_on(async {
        websense_pipeline::collect_service(&settings, mode, stop_on_signals()).await
    })?;
    for failure in &summary.failures {
        eprintln!("failed: {failure}");
    }
    eprintln!(
        "collect: {} sources, {} ok, {} failed; {} items onto Kafka, {} duplicates skipped",
        summary.sources,
        summary.sources_ok,
        summary.sources_failed,
        summary.items,
        summary.duplicates
    );
    Ok(if summary.sources_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
