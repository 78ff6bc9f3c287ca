//! The four ways to run websense: every stage in one process ([`Run`]), or one stage per
//! process ([`collect_service`], [`score_service`], [`store_service`]).

use crate::config::{DemoConfig, MatcherConfig, MetricsConfig, PipelineConfig};
use crate::lag::watch_lag;
use crate::metrics::{self, Metrics, Stage};
use crate::reload::{LexiconError, Lexicons};
use crate::report::TrendSummary;
use crate::stages::{score_loop, store_loop, CountingSink, LoopOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use websense_bus::{Bus, BusConfig, BusError, KafkaConfig};
use websense_collect::{Collector, FileCursorStore, SetupError, Summary};
use websense_model::HandleRecorder;
use websense_store::{Store, StoreConfig, StoreError};

/// Everything the pipeline reads from websense's configuration file.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub collect: websense_collect::Config,
    pub bus: BusConfig,
    pub store: StoreConfig,
    pub matcher: MatcherConfig,
    pub pipeline: PipelineConfig,
    pub metrics: Option<MetricsConfig>,
    pub demo: Option<DemoConfig>,
    /// Where the collector records author handles before dropping them (the author vault,
    /// opened by the binary when `privacy.author_vault` is set); None: handles are dropped.
    pub handle_recorder: Option<Arc<dyn HandleRecorder>>,
    /// Cursors that do not belong to the store are moved aside instead of refusing to start
    /// (`--reset-cursors`; see [`crate::identity`]).
    pub reset_cursors: bool,
}

/// Why the pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Config(String),
    // The cause is the source, which `{:#}` (anyhow) prints after the stage's name.
    #[error("bus")]
    Bus(#[from] BusError),
    #[error("store")]
    Store(#[from] StoreError),
    #[error("lexicons")]
    Lexicons(#[from] LexiconError),
    #[error("collect")]
    Collect(#[from] SetupError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// How long `websense run` collects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every source once; then drain the pipeline and stop.
    Once,
    /// Every source on its interval until stopped.
    Continuous,
}

impl Settings {
    fn loop_options(&self, in_flight: usize) -> LoopOptions {
        LoopOptions {
            in_flight,
            retry_max_delay: self.pipeline.retry_max_delay,
        }
    }

    fn kafka(&self, command: &str) -> Result<&KafkaConfig, PipelineError> {
        match &self.bus {
            BusConfig::Kafka(kafka) => Ok(kafka),
            BusConfig::Embedded(_) => Err(PipelineError::Config(format!(
                "`websense {command}` runs one stage against Kafka: set [bus] kind = \"kafka\" \
                 (with the embedded bus, `websense run` runs every stage in one process)"
            ))),
        }
    }
}

/// The tasks that serve a stage without being one: `/metrics`, the demo feeds, the lexicon
/// watcher, the lag readers. Stopped last.
struct Helpers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    metrics_addr: Option<SocketAddr>,
}

impl Helpers {
    async fn start(settings: &Settings, metrics: &Arc<Metrics>) -> Result<Helpers, PipelineError> {
        let (stop, _) = watch::channel(false);
        let mut helpers = Helpers {
            stop,
            tasks: Vec::new(),
            metrics_addr: None,
        };
        if let Some(config) = &settings.metrics {
            let (addr, task) =
                metrics::serve(config.listen, metrics.clone(), helpers.stop.subscribe()).await?;
            tracing::info!(%addr, "serving /metrics");
            helpers.metrics_addr = Some(addr);
            helpers.tasks.push(task);
        }
        Ok(helpers)
    }

    fn watch_lexicons(&mut self, lexicons: &Arc<Lexicons>, settings: &Settings) {
        self.tasks.push(
            lexicons
                .clone()
                .watch(settings.matcher.reload_interval, self.stop.subscribe()),
        );
    }

    /// `[store] retention`, in every process that writes the store.
    fn keep_retention(&mut self, settings: &Settings, store: &Arc<dyn Store>) {
        if let Some(days) = settings.store.retention_days() {
            self.tasks.push(crate::retention::spawn(
                store.clone(),
                days,
                self.stop.subscribe(),
            ));
        }
    }

    fn watch_lag(&mut self, settings: &Settings, stage: Stage, metrics: &Arc<Metrics>) {
        if let BusConfig::Kafka(kafka) = &settings.bus {
            self.tasks.push(watch_lag(
                kafka,
                stage,
                metrics.clone(),
                settings.pipeline.lag_interval,
                self.stop.subscribe(),
            ));
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

fn collector(
    settings: &Settings,
    bus: &Arc<dyn Bus>,
    metrics: &Arc<Metrics>,
) -> Result<Arc<Collector>, PipelineError> {
    let sink = Arc::new(CountingSink::new(bus.raw_sink(), metrics.clone()));
    let cursors = Arc::new(
        FileCursorStore::new(&settings.collect.collect.state_dir)
            .map_err(|e| PipelineError::Config(e.to_string()))?,
    );
    Ok(match &settings.handle_recorder {
        Some(handles) => {
            Collector::recording_handles(&settings.collect, sink, cursors, handles.clone())?
        }
        None => Collector::new(&settings.collect, sink, cursors)?,
    })
}

/// `websense run`: collectors, matcher and store in one process, over the configured bus
/// (embedded by default) into the configured store (embedded SQLite by default).
///
/// A collector's hand-over returns only once its items are durably accepted downstream (on
/// the embedded bus: stored), and only then is its cursor saved; so a crash at any moment
/// loses nothing, and the store's de-duplication by id keeps repeats from counting twice.
pub struct Run {
    pub lexicons: Arc<Lexicons>,
    pub store: Arc<dyn Store>,
    pub metrics: Arc<Metrics>,
    pub metrics_addr: Option<SocketAddr>,
    pub demo_addr: Option<SocketAddr>,
    collector: Arc<Collector>,
    collecting: JoinHandle<Summary>,
    score: (watch::Sender<bool>, JoinHandle<()>),
    store_stage: (watch::Sender<bool>, JoinHandle<()>),
    helpers: Helpers,
}

impl Run {
    /// Open the store and the bus, load the lexicons, start every stage. `stop` ends
    /// collecting; [`Run::finish`] then drains the rest.
    pub async fn start(
        settings: &Settings,
        mode: Mode,
        stop: watch::Receiver<bool>,
    ) -> Result<Run, PipelineError> {
        if mode == Mode::Once && matches!(settings.bus, BusConfig::Kafka(_)) {
            return Err(PipelineError::Config(
                "`--once` needs the embedded bus: on Kafka, other replicas may hold part of the \
                 stream, so this process cannot know when everything is stored"
                    .into(),
            ));
        }
        let metrics = Metrics::new();
        let lexicons = Arc::new(load_lexicons(settings, &metrics).await?);
        let store = settings.store.open().await?;
        let state_dir = &settings.collect.collect.state_dir;
        crate::identity::reconcile(store.as_ref(), state_dir, settings.reset_cursors).await?;
        let bus = websense_bus::open(&settings.bus).await?;
        let mut helpers = Helpers::start(settings, &metrics).await?;
        helpers.tasks.push(crate::identity::keep_current(
            store.clone(),
            state_dir.clone(),
            helpers.stop.subscribe(),
        ));
        let mut demo_addr = None;
        if let Some(demo) = &settings.demo {
            let (addr, task) = crate::demo::serve_feeds(
                demo.feeds_dir.clone(),
                demo.listen,
                helpers.stop.subscribe(),
            )
            .await?;
            demo_addr = Some(addr);
            helpers.tasks.push(task);
        }
        helpers.watch_lexicons(&lexicons, settings);
        helpers.watch_lag(settings, Stage::Score, &metrics);
        helpers.watch_lag(settings, Stage::Store, &metrics);
        helpers.keep_retention(settings, &store);

        let (store_stop, store_rx) = watch::channel(false);
        let store_task = tokio::spawn(store_loop(
            bus.clone(),
            store.clone(),
            settings.loop_options(settings.pipeline.store_in_flight),
            metrics.clone(),
            store_rx,
        ));
        let (score_stop, score_rx) = watch::channel(false);
        let score_task = tokio::spawn(score_loop(
            bus.clone(),
            lexicons.handle(),
            bus.scored_sink(),
            settings.loop_options(settings.pipeline.score_in_flight),
            metrics.clone(),
            score_rx,
        ));
        let collector = collector(settings, &bus, &metrics)?;
        let collecting = {
            let collector = collector.clone();
            let mut stop = stop;
            tokio::spawn(async move {
                match mode {
                    Mode::Continuous => collector.run(stop).await,
                    Mode::Once => tokio::select! {
                        summary = collector.run_once() => summary,
                        _ = stop.wait_for(|s| *s) => {
                            tracing::warn!("stopped before every source was collected");
                            Summary::default()
                        }
                    },
                }
            })
        };
        Ok(Run {
            lexicons,
            store,
            metrics_addr: helpers.metrics_addr,
            metrics,
            demo_addr,
            collector,
            collecting,
            score: (score_stop, score_task),
            store_stage: (store_stop, store_task),
            helpers,
        })
    }

    /// Enabled sources.
    pub fn sources(&self) -> usize {
        self.collector.source_count()
    }

    /// Resolves once every source finished its first round (its items stored, on the
    /// embedded bus), or collecting ended.
    pub async fn first_round(&self) {
        let progress = self.collector.progress();
        loop {
            let (ok, failed, _, _) = progress.load();
            if ok + failed >= self.sources() as u64 || self.collecting.is_finished() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Totals, categories and frequent terms over everything stored.
    pub async fn summary(&self) -> Result<TrendSummary, StoreError> {
        TrendSummary::query(self.store.as_ref(), &self.lexicons.categories(), 8).await
    }

    /// Wait until collecting ends (once: after one round; continuously: after `stop`), then
    /// stop the scorer once its batches are handed on, then the writer once they are written.
    pub async fn finish(self) -> Summary {
        let summary = self.collecting.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "the collector failed");
            Summary::default()
        });
        for (stop, task) in [self.score, self.store_stage] {
            let _ = stop.send(true);
            let _ = task.await;
        }
        self.helpers.stop().await;
        summary
    }
}

async fn load_lexicons(
    settings: &Settings,
    metrics: &Arc<Metrics>,
) -> Result<Lexicons, PipelineError> {
    let dir = settings.matcher.lexicons.clone();
    let metrics = metrics.clone();
    let m = &settings.matcher;
    let (enabled, gazetteer, region) = (m.places, m.gazetteer.clone(), m.region.clone());
    let (announcements, announce) = (m.announcements, m.announce.clone());
    tokio::task::spawn_blocking(move || {
        let places = crate::reload::load_places(enabled, gazetteer.as_deref(), &region);
        let announcer = crate::reload::load_announcer(announcements, announce.as_deref(), &dir)?;
        Lexicons::load_with(&dir, places, announcer, metrics)
    })
    .await
    .map_err(|e| PipelineError::Config(format!("loading the lexicons failed: {e}")))?
    .map_err(PipelineError::from)
}

/// `websense collect` onto Kafka: every enabled source, once or on its interval, its cursor
/// saved once the broker acknowledged the items.
pub async fn collect_service(
    settings: &Settings,
    mode: Mode,
    stop: watch::Receiver<bool>,
) -> Result<Summary, PipelineError> {
    settings.kafka("collect")?;
    let metrics = Metrics::new();
    let bus = websense_bus::open(&settings.bus).await?;
    let mut helpers = Helpers::start(settings, &metrics).await?;
    // The cursors are checked against a shared store (ClickHouse); an embedded store on
    // Kafka is a file of the `websense store` machine, out of this process's reach. A store
    // that is down does not stop collecting (Kafka holds the posts until it is back).
    if matches!(settings.store, StoreConfig::Clickhouse(_)) {
        match settings.store.open().await {
            Ok(store) => {
                let state_dir = &settings.collect.collect.state_dir;
                crate::identity::reconcile(store.as_ref(), state_dir, settings.reset_cursors)
                    .await?;
                helpers.tasks.push(crate::identity::keep_current(
                    store,
                    state_dir.clone(),
                    helpers.stop.subscribe(),
                ));
            }
            Err(e) => tracing::warn!(
                error = %e,
                "cannot reach the store to check that the cursors belong to it; collecting without the check until the next start"
            ),
        }
    }
    let collector = collector(settings, &bus, &metrics)?;
    let summary = match mode {
        Mode::Continuous => collector.run(stop).await,
        Mode::Once => collector.run_once().await,
    };
    helpers.stop().await;
    Ok(summary)
}

/// `websense score`: raw items from Kafka, scored in bulk on every core, back to Kafka;
/// until `stop`. Run as many replicas as the raw topic has partitions.
pub async fn score_service(
    settings: &Settings,
    stop: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    settings.kafka("score")?;
    let metrics = Metrics::new();
    let lexicons = Arc::new(load_lexicons(settings, &metrics).await?);
    let bus = websense_bus::open(&settings.bus).await?;
    let mut helpers = Helpers::start(settings, &metrics).await?;
    helpers.watch_lexicons(&lexicons, settings);
    helpers.watch_lag(settings, Stage::Score, &metrics);
    score_loop(
        bus.clone(),
        lexicons.handle(),
        bus.scored_sink(),
        settings.loop_options(settings.pipeline.score_in_flight),
        metrics.clone(),
        stop,
    )
    .await;
    helpers.stop().await;
    log_stage(&metrics, Stage::Score);
    Ok(())
}

/// `websense store`: scored items from Kafka into the configured store; until `stop`. Run
/// as many replicas as the scored topic has partitions.
pub async fn store_service(
    settings: &Settings,
    stop: watch::Receiver<bool>,
) -> Result<(), PipelineError> {
    settings.kafka("store")?;
    let metrics = Metrics::new();
    let store = settings.store.open().await?;
    let bus = websense_bus::open(&settings.bus).await?;
    let mut helpers = Helpers::start(settings, &metrics).await?;
    helpers.watch_lag(settings, Stage::Store, &metrics);
    helpers.keep_retention(settings, &store);
    store_loop(
        bus,
        store,
        settings.loop_options(settings.pipeline.store_in_flight),
        metrics.clone(),
        stop,
    )
    .await;
    helpers.stop().await;
    log_stage(&metrics, Stage::Store);
    Ok(())
}

fn log_stage(metrics: &Metrics, stage: Stage) {
    let s = metrics.stage(stage).snapshot();
    tracing::info!(
        stage = stage.as_str(),
        items_in = s.items_in,
        items_out = s.items_out,
        duplicates = s.duplicates,
        errors = s.errors,
        "stopped cleanly: batches in flight finished, offsets committed"
    );
}

/// A stop signal that turns true on SIGINT (Ctrl-C) or SIGTERM. A second signal exits at
/// once (status 130), for when a graceful stop takes too long for the person waiting.
pub fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        for n in 0.. {
            wait_for_signal().await;
            if n > 0 {
                tracing::warn!("second stop signal: exiting without draining");
                std::process::exit(130);
            }
            tracing::info!(
                "stopping: finishing batches in flight, committing offsets, saving cursors"
            );
            let _ = tx.send(true);
        }
    });
    rx
}

/// Until Ctrl-C or SIGTERM.
pub async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
