//! `websense run`: collectors, matcher and store in one process.

use crate::cmd_pipeline::{init_logging, load_config, runtime, LogFormat};
use crate::config::Config;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use websense_bus::BusConfig;
use websense_pipeline::{stop_on_signals, Mode, Run, Stage};
use websense_store::StoreConfig;

#[derive(Args)]
#[command(
    after_help = "Without a [bus] and a ClickHouse [store] everything is embedded: \
                        the bus in memory, the store a SQLite file. Runs until Ctrl-C or \
                        SIGTERM (batches in flight are stored and cursors saved first); SIGHUP \
                        reloads the lexicons. Exit status: 0; 1 with --once when a source \
                        failed; 2 on a bad configuration."
)]
pub struct RunArgs {
    /// Configuration file (see config/demo.toml).
    #[arg(long)]
    config: PathBuf,
    /// Collect every source once, wait until every item is stored, print the summary and
    /// exit (embedded bus only).
    #[arg(long)]
    once: bool,
    /// When the store does not match the collector's cursors (deleted, emptied, replaced or
    /// restored from an older backup), move the cursors aside and collect again what the
    /// sources still offer, instead of refusing to start.
    #[arg(long)]
    reset_cursors: bool,
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    init_logging(args.log_format, "warn,websense_pipeline=info");
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    runtime()?.block_on(run_all(config, args.once, args.reset_cursors))
}

async fn run_all(config: Config, once: bool, reset_cursors: bool) -> Result<ExitCode> {
    let mut settings = config.pipeline_settings();
    settings.reset_cursors = reset_cursors;
    settings.handle_recorder = crate::cmd_collect::author_vault(&config.privacy)?;
    let mode = if once { Mode::Once } else { Mode::Continuous };
    let run = Run::start(&settings, mode, stop_on_signals()).await?;
    println!(
        "websense run: {} sources, lexicon version {} from {}",
        run.sources(),
        run.lexicons.version(),
        config.matcher.lexicons.display()
    );
    println!("  bus:   {}", describe_bus(&config.bus));
    println!("  store: {}", describe_store(&config.store));
    if let Some(addr) = run.demo_addr {
        let dir = config
            .demo
            .as_ref()
            .map(|d| d.feeds_dir.display().to_string());
        println!(
            "  demo feeds: {} served on http://{addr}/",
            dir.unwrap_or_default()
        );
    }
    if let Some(addr) = run.metrics_addr {
        println!("  metrics: http://{addr}/metrics");
    }
    let room = if once || !config.room.serve_with_run {
        None
    } else {
        Some(start_room(&config, &run).await?)
    };
    let store = run.store.clone();
    let categories = run.lexicons.categories();
    let metrics = run.metrics.clone();
    let summary = if once {
        run.finish().await
    } else {
        run.first_round().await;
        print_summary(&run.summary().await?, &config);
        println!(
            "running: each source is fetched again on its interval, lexicon edits are picked up; \
             Ctrl-C stops cleanly"
        );
        run.finish().await
    };
    if let Some((stop, task)) = room {
        let _ = stop.send(());
        let _ = task.await;
    }
    for failure in &summary.failures {
        eprintln!("failed: {failure}");
    }
    println!(
        "collected this run: {} new items from {} sources ({} failed, {} duplicates skipped)",
        summary.items, summary.sources, summary.sources_failed, summary.duplicates
    );
    let stored = metrics.stage(Stage::Store).snapshot();
    println!(
        "stored this run: {} new items, {} already stored",
        stored.items_out - stored.duplicates,
        stored.duplicates
    );
    if once {
        let trends = websense_pipeline::TrendSummary::query(store.as_ref(), &categories, 8).await?;
        print_summary(&trends, &config);
    }
    Ok(if once && summary.sources_failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

type RoomTask = (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

/// Serve the Room beside the pipeline, over the same store; with `[demo]`, first generate
/// the demo's history and create its accounts.
async fn start_room(config: &Config, run: &Run) -> Result<RoomTask> {
    use anyhow::Context;
    use std::sync::Arc;
    use websense_room::{accounts, Role};
    if let Some(demo) = &config.demo {
        if let (Some(posts), days) = (&demo.history_posts, demo.history_days()) {
            if days > 0 {
                let templates = websense_pipeline::demo_history::read_templates(posts)
                    .map_err(anyhow::Error::msg)?;
                let matcher = run.lexicons.handle().current();
                let seeded = websense_pipeline::demo_history::seed_history(
                    run.store.as_ref(),
                    &matcher,
                    &templates,
                    days,
                    chrono::Utc::now(),
                )
                .await
                .context("cannot store the demo history")?;
                println!(
                    "  demo history: {days} days, {} generated posts ({} new) from {}; rising now: {}",
                    seeded.generated,
                    seeded.stored,
                    posts.display(),
                    seeded.spike_category.as_deref().unwrap_or("-")
                );
            }
        }
    }
    let room = crate::cmd_serve::open_room(config.serve_config(), run.store.clone())?;
    let demo_password = config.demo.as_ref().and_then(|d| d.room_password.clone());
    if let Some(password) = &demo_password {
        let hash = accounts::hash_password(password, room.config().password_hash)?;
        let demo_accounts = [
            ("analist", Role::Analyst),
            ("curator", Role::Curator),
            ("i2o", Role::I2oLiaison),
            ("beheer", Role::Admin),
        ];
        room.db().blocking(|c| -> Result<()> {
            let existing: Vec<String> = accounts::list_accounts(c)?
                .into_iter()
                .map(|(name, _, _)| name)
                .collect();
            for (name, role) in demo_accounts {
                if !existing.iter().any(|n| n == name) {
                    accounts::create_account(c, name, &[role], &hash, chrono::Utc::now())?;
                }
            }
            Ok(())
        })?;
    }
    let listen = config.room.listen.clone();
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot serve the Room on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("  room:  http://{addr}/  (the Web Sense Room)");
    if let Some(password) = demo_password {
        println!(
            "         log in as analist, curator, i2o or beheer with password {password:?} (demo accounts)"
        );
    }
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(websense_room::serve(Arc::new(room), listener, async {
        let _ = stopped.await;
    }));
    Ok((stop, task))
}

fn print_summary(summary: &websense_pipeline::TrendSummary, config: &Config) {
    print!("{summary}");
    let key = websense_collect::key::key_file(&config.collect_config())
        .map(|k| k.display().to_string())
        .unwrap_or_else(|e| e.0);
    println!(
        "data: {}; cursors in {}; pseudonym key {key}",
        describe_store(&config.store),
        config.collect.state_dir.display()
    );
}

fn describe_bus(bus: &BusConfig) -> String {
    match bus {
        BusConfig::Embedded(_) => "embedded (in memory)".into(),
        BusConfig::Kafka(k) => format!(
            "Kafka {} (topics {} and {})",
            k.brokers, k.raw_topic, k.scored_topic
        ),
    }
}

fn describe_store(store: &StoreConfig) -> String {
    match store {
        StoreConfig::Embedded(e) => format!("embedded SQLite {}", e.path.display()),
        StoreConfig::Clickhouse(c) => format!("ClickHouse {} database {}", c.url, c.database),
    }
}
