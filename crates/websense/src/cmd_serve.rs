//! `websense serve`: the Room's HTTP API with its workers (candidate scans, webhook delivery,
//! raw-text retention). Everything but the wiring is `websense-room`'s.

use crate::config::Config;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use websense_room::{Room, SeasonalTrends, ServeConfig};
use websense_store::Store;

#[derive(Args)]
#[command(
    after_help = "Exit status: 0 after a clean shutdown (Ctrl-C or SIGTERM), 2 on a bad \
                        configuration, 1 when the server cannot start."
)]
pub struct ServeArgs {
    /// websense's configuration file (the one `websense run` reads): the Room uses its [room],
    /// [privacy], [store], [trends] and [matcher] lexicons (see docs/api.md).
    #[arg(long)]
    config: PathBuf,
    /// Listen on this address:port instead of room.listen.
    #[arg(long)]
    listen: Option<String>,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    init_logging();
    let mut config = match Config::load(&args.config) {
        Ok(c) => c.serve_config(),
        Err(e) => {
            eprintln!("websense: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(listen) = args.listen {
        config.room.listen = listen;
        if let Err(e) = config.validate() {
            eprintln!("websense: --listen: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    crate::load_lexicons(&config.lexicons)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(config))
}

/// The Room over `store`, with spike detection and emerging terms plugged in.
pub(crate) fn open_room(config: ServeConfig, store: Arc<dyn Store>) -> Result<Room> {
    let trends = SeasonalTrends::new(config.trends, &config.lexicons);
    Ok(
        Room::new(config.room, config.privacy, store, config.lexicons)
            .context("cannot open the room")?
            .with_trends(Arc::new(trends)),
    )
}

async fn serve(config: ServeConfig) -> Result<ExitCode> {
    let store = config.store.open().await.context("cannot open the store")?;
    let listen = config.room.listen.clone();
    let room = open_room(config, store)?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    tracing::info!(
        address = %listener.local_addr().map(|a| a.to_string()).unwrap_or(listen),
        "serving the Web Sense Room: pages at /, the API under /api/ (OpenAPI at /api/openapi.json)"
    );
    websense_room::serve(Arc::new(room), listener, async {
        websense_pipeline::wait_for_signal().await;
        tracing::info!("stopping: finishing requests in flight");
    })
    .await
    .context("the server failed")?;
    Ok(ExitCode::SUCCESS)
}

/// Logs to stderr: the room's own events at info, the rest at warn; `RUST_LOG` overrides.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,websense_room=info,websense_signals=info,websense=info",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, not in files and journals.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
