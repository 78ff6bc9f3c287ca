//! `websense collect`: fetch every enabled source of a configuration into JSON Lines.

use anyhow::{Context, Result};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use websense_collect::{Collector, Config, FileCursorStore, PrivacyConfig, SourceStatus, Summary};
use websense_model::HandleRecorder;
use websense_signals::AuthorVault;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 when every source was fetched, 1 when any source failed \
                        (each failure is listed with its source, URL and cause), 2 on a bad configuration."
)]
pub struct CollectArgs {
    /// Configuration file: [collect], [privacy] and [[sources]] (see config/sources.example.toml).
    #[arg(long)]
    config: PathBuf,
    /// Fetch every enabled source once, then exit; without it, collect continuously, each
    /// source on its own interval, until Ctrl-C or SIGTERM.
    #[arg(long)]
    once: bool,
    /// Where items go, as JSON Lines: a file (appended to; items already in it are not written
    /// again) or `-` for standard output. Default: Kafka when the configuration's [bus] is
    /// Kafka, else standard output.
    #[arg(long)]
    output: Option<String>,
    /// With --once: print a data-quality report per source on stderr afterwards: items,
    /// entries skipped and why, the encoding guessed for bodies that declared none, warnings.
    #[arg(long, requires = "once")]
    report: bool,
    /// On Kafka with a ClickHouse store: when the store does not match the cursors
    /// (deleted, emptied, replaced or restored from an older backup), move the cursors aside
    /// and collect again what the sources still offer, instead of refusing to start.
    #[arg(long)]
    reset_cursors: bool,
}

pub fn run(args: CollectArgs) -> Result<ExitCode> {
    init_logging(args.once);
    let config = match crate::config::Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("websense: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if args.output.is_none() && matches!(config.bus, websense_bus::BusConfig::Kafka(_)) {
        let code = crate::cmd_pipeline::collect_to_bus(&config, args.once, args.reset_cursors)?;
        if args.report {
            let state_dir = config.collect_config().collect.state_dir;
            report_from_status_file(&state_dir.join("status.json"));
        }
        return Ok(code);
    }
    let config = config.collect_config();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(collect(config, args))
}

async fn collect(config: Config, args: CollectArgs) -> Result<ExitCode> {
    let output = args.output.as_deref().unwrap_or("-");
    let sink = Arc::new(websense_collect::sink::open_output(output)?);
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir)?);
    let collector = match author_vault(&config.privacy)? {
        Some(vault) => Collector::recording_handles(&config, sink, cursors, vault)?,
        None => Collector::new(&config, sink, cursors)?,
    };
    let summary = if args.once {
        let progress = show_progress(&collector);
        let summary = collector.run_once().await;
        if let Some(p) = progress {
            p.abort();
            eprint!("\r\x1b[2K");
        }
        summary
    } else {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping: finishing hand-overs in progress and saving cursors");
            let _ = stop_tx.send(true);
        });
        collector.run(stop_rx).await
    };
    if args.report {
        eprint!("{}", report(&collector.status().snapshot()));
    }
    print_summary(&summary);
    Ok(if summary.sources_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The author vault the collector records handles into, when `privacy.author_vault` is set
/// (`websense collect` and `websense run`; the Room resolves from the same file).
pub(crate) fn author_vault(privacy: &PrivacyConfig) -> Result<Option<Arc<dyn HandleRecorder>>> {
    let Some(path) = &privacy.author_vault else {
        return Ok(None);
    };
    let vault = AuthorVault::open(path)?;
    tracing::info!(path = %path.display(), "recording author handles in the author vault");
    Ok(Some(Arc::new(vault)))
}

/// A single updating line on stderr while a `--once` run is busy, when stderr is a terminal.
fn show_progress(collector: &Arc<Collector>) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let progress = collector.progress();
    let total = collector.source_count();
    Some(tokio::spawn(async move {
        loop {
            let (ok, failed, items, duplicates) = progress.load();
            eprint!(
                "\r\x1b[2Kcollect: {}/{total} sources done, {failed} failed, {items} items, {duplicates} duplicates skipped",
                ok + failed
            );
            let _ = std::io::stderr().flush();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }))
}

fn report_from_status_file(path: &std::path::Path) {
    let statuses = std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<Vec<SourceStatus>>(&b).map_err(|e| e.to_string()));
    match statuses {
        Ok(s) => eprint!("{}", report(&s)),
        Err(e) => eprintln!("websense: no report: cannot read {}: {e}", path.display()),
    }
}

/// The data-quality report of `--once --report`: what an operator reads to trust a new source.
pub(crate) fn report(statuses: &[SourceStatus]) -> String {
    let mut out = String::from("report:\n");
    for s in statuses {
        let state = match &s.last_error {
            Some(e) if s.is_failing() => format!("FAILED {}: {}", e.url, e.message),
            _ if s.last_fetch.is_none() => "not fetched".to_string(),
            _ => format!("{} items", s.last_round_items),
        };
        out += &format!("  {} ({}, {}): {state}\n", s.id, s.kind.as_str(), s.url);
        if let Some(guess) = &s.encoding_guess {
            out += &format!("    encoding: {guess} (guessed: no charset declared)\n");
        }
        let (skipped, warnings): (Vec<&String>, Vec<&String>) =
            s.warnings.iter().partition(|w| w.contains(" skipped"));
        if !skipped.is_empty() {
            out += &format!("    skipped: {}\n", skipped.len());
            for w in skipped {
                out += &format!("      {w}\n");
            }
        }
        for w in warnings {
            out += &format!("    warning: {w}\n");
        }
    }
    out
}

fn print_summary(summary: &Summary) {
    for failure in &summary.failures {
        eprintln!("failed: {failure}");
    }
    eprintln!(
        "collect: {} sources, {} ok, {} failed; {} items, {} duplicates skipped",
        summary.sources,
        summary.sources_ok,
        summary.sources_failed,
        summary.items,
        summary.duplicates
    );
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Logs to stderr. `--once` shows warnings (every failing source) and worse; a continuous run
/// also reports each round. `RUST_LOG` overrides both.
fn init_logging(once: bool) {
    let default = if once {
        "warn"
    } else {
        "warn,websense_collect=info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in files and journals.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
