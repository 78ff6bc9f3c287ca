//! The pipeline benchmark: items per second through the stage loops, and where the time goes.
//!
//! * **Embedded, end to end**: generated posts handed to the embedded bus by several
//!   concurrent "collectors" (batches of `batch` items, as a collector's round), scored by
//!   [`score_loop`], stored in SQLite by [`store_loop`]. A hand-over returns once its items
//!   are stored, as in `websense run`; the figure is items from the first hand-over to the
//!   last acknowledgement. Then each stage alone on the same items (the matcher's
//!   `score_batch` on every core; SQLite writes of the scored items), and the stages' busy
//!   time as a share of the end-to-end wall time.
//! * **Distributed, per stage** (with a broker and a ClickHouse URL): the same items produced
//!   onto a fresh raw topic (JSON, `acks=all`); then a scorer ([`score_loop`]) from the raw to
//!   the scored topic; then a writer ([`store_loop`]) from the scored topic into a fresh
//!   ClickHouse database. Each stage runs alone over the whole backlog, so its figure is its
//!   own ceiling on this machine. The topics and the database are deleted afterwards.
//!
//! The corpus is the matcher benchmark's generated post-like Dutch and English text, with
//! event times spread over a week and a dozen sources ([`websense_testkit::dated_corpus`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use websense_bus::{Bus, EmbeddedBus, EmbeddedConfig, KafkaBus, KafkaConfig};
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherHandle, MatcherOptions};
use websense_model::{Item, ItemSink, ScoredItem};
use websense_pipeline::{score_loop, store_loop, CountingSink, LoopOptions, Metrics, Stage};
use websense_store::{ClickhouseConfig, SqliteStore, Store, StoreConfig};
use websense_testkit::dated_corpus;

/// What [`run_pipeline_bench`] measures.
#[derive(Clone, Debug)]
pub struct PipelineBenchOptions {
    pub items: usize,
    /// The lexicon directory to score with.
    pub lexicons: PathBuf,
    /// Items per hand-over.
    pub batch: usize,
    /// Concurrent senders (collectors, or producers on Kafka).
    pub senders: usize,
    /// Brokers for the distributed figures (none: skipped).
    pub kafka: Option<String>,
    /// ClickHouse HTTP URL for the distributed figures (none: skipped).
    pub clickhouse: Option<String>,
}

/// One stage's figure.
#[derive(Clone, Debug)]
pub struct StageFigure {
    pub name: &'static str,
    pub items: usize,
    pub wall: Duration,
    /// Rows written (store stages only): items + hits + category scores.
    pub rows: Option<usize>,
    pub note: String,
}

impl StageFigure {
    fn per_second(&self) -> f64 {
        self.items as f64 / self.wall.as_secs_f64()
    }

    fn micros_per_item(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.items.max(1) as f64
    }
}

#[derive(Clone, Debug)]
pub struct PipelineBenchReport {
    pub options: PipelineBenchOptions,
    pub cores: usize,
    pub lexicon_terms: usize,
    pub corpus_bytes: usize,
    pub embedded: StageFigure,
    /// The embedded run's stages, each alone on the same items.
    pub alone: Vec<StageFigure>,
    pub distributed: Result<Vec<StageFigure>, String>,
}

/// Run the benchmark (needs a Tokio runtime with the `rt-multi-thread` flavour).
pub async fn run_pipeline_bench(
    options: &PipelineBenchOptions,
) -> Result<PipelineBenchReport, String> {
    let (set, problems) = LexiconSet::load_dir(&options.lexicons).map_err(|e| e.to_string())?;
    if problems.iter().any(|p| p.is_error()) {
        return Err(format!(
            "{} has errors; see `websense lexicon check`",
            options.lexicons.display()
        ));
    }
    let matcher = Matcher::new(&set, MatcherOptions::default()).map_err(|e| e.to_string())?;
    let handle = Arc::new(MatcherHandle::new(matcher));
    let corpus = dated_corpus(options.items, &set);
    let corpus_bytes = corpus
        .iter()
        .map(|i| i.text.len() + i.title.as_ref().map_or(0, String::len))
        .sum();

    let embedded = embedded(options, &handle, &corpus).await?;
    let alone = alone(options, &handle, &corpus).await?;
    let distributed = match (&options.kafka, &options.clickhouse) {
        (Some(kafka), Some(clickhouse)) => {
            let rows = alone.iter().find_map(|s| s.rows).unwrap_or(0);
            distributed(options, rows, kafka, clickhouse, &handle, &corpus).await
        }
        _ => Err(
            "skipped: give --kafka and --clickhouse (or set WEBSENSE_TEST_KAFKA and \
                  WEBSENSE_TEST_CLICKHOUSE)"
                .into(),
        ),
    };
    Ok(PipelineBenchReport {
        options: options.clone(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        lexicon_terms: set.terms().count(),
        corpus_bytes,
        embedded,
        alone,
        distributed,
    })
}

/// Writes in flight in the embedded run, as `[pipeline] store_in_flight` by default.
const STORE_IN_FLIGHT: usize = 8;

fn options_for(in_flight: usize) -> LoopOptions {
    LoopOptions {
        in_flight,
        retry_max_delay: Duration::from_secs(1),
    }
}

/// Hand `items` to `sink` from `senders` concurrent tasks in batches of `batch`; returns when
/// every hand-over is acknowledged.
async fn send_all(
    sink: Arc<dyn ItemSink>,
    items: &[Item],
    batch: usize,
    senders: usize,
) -> Result<(), String> {
    let chunks: Vec<Vec<Item>> = items.chunks(batch.max(1)).map(<[Item]>::to_vec).collect();
    let queue = Arc::new(std::sync::Mutex::new(chunks));
    let mut tasks: tokio::task::JoinSet<Result<(), String>> = tokio::task::JoinSet::new();
    for _ in 0..senders.max(1) {
        let (queue, sink) = (queue.clone(), sink.clone());
        tasks.spawn(async move {
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let Some(chunk) = next else {
                    return Ok(());
                };
                sink.send(chunk).await.map_err(|e| e.to_string())?;
            }
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.map_err(|e| e.to_string())??;
    }
    Ok(())
}

async fn embedded(
    options: &PipelineBenchOptions,
    handle: &Arc<MatcherHandle>,
    corpus: &[Item],
) -> Result<StageFigure, String> {
    let dir = tempdir()?;
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(dir.join("bench.db"))
            .await
            .map_err(|e| e.to_string())?,
    );
    store.migrate().await.map_err(|e| e.to_string())?;
    // As `websense run` with `[bus] batch_size` set to the hand-over size.
    let bus: Arc<dyn Bus> = Arc::new(EmbeddedBus::new(&EmbeddedConfig {
        batch_size: options.batch,
        capacity: (options.batch * 2 * options.senders).max(EmbeddedConfig::default().capacity),
    }));
    let metrics = Metrics::new();
    let (stop, stopped) = watch::channel(false);
    let store_task = tokio::spawn(store_loop(
        bus.clone(),
        store.clone(),
        options_for(STORE_IN_FLIGHT),
        metrics.clone(),
        stopped.clone(),
    ));
    let score_task = tokio::spawn(score_loop(
        bus.clone(),
        handle.clone(),
        bus.scored_sink(),
        options_for(2),
        metrics.clone(),
        stopped,
    ));
    let sink = Arc::new(CountingSink::new(bus.raw_sink(), metrics.clone()));
    let started = Instant::now();
    send_all(sink, corpus, options.batch, options.senders).await?;
    let wall = started.elapsed();
    let _ = stop.send(true);
    let _ = score_task.await;
    let _ = store_task.await;
    let stored = store
        .totals(&Default::default())
        .await
        .map_err(|e| e.to_string())?
        .items;
    let disk: u64 = ["bench.db", "bench.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    if stored != corpus.len() as u64 {
        return Err(format!(
            "embedded run stored {stored} of {} items",
            corpus.len()
        ));
    }
    let store_stage = metrics.stage(Stage::Store).snapshot();
    Ok(StageFigure {
        name: "embedded end to end",
        items: corpus.len(),
        wall,
        rows: None,
        note: format!(
            "{} senders, batches of {}; {} store batches; SQLite file {:.0} bytes per item",
            options.senders,
            options.batch,
            store_stage.batches,
            disk as f64 / corpus.len().max(1) as f64
        ),
    })
}

async fn alone(
    options: &PipelineBenchOptions,
    handle: &Arc<MatcherHandle>,
    corpus: &[Item],
) -> Result<Vec<StageFigure>, String> {
    let matcher = handle.current();
    let items = corpus.to_vec();
    let batch = options.batch.max(1);
    let (scored, wall) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut scored = Vec::with_capacity(items.len());
        for chunk in items.chunks(batch) {
            scored.extend(matcher.score_batch(chunk.to_vec()));
        }
        (scored, started.elapsed())
    })
    .await
    .map_err(|e| e.to_string())?;
    let matcher_figure = StageFigure {
        name: "matcher alone",
        items: scored.len(),
        wall,
        rows: None,
        note: format!("score_batch, batches of {batch}"),
    };
    let dir = tempdir()?;
    let store = SqliteStore::open(dir.join("alone.db"))
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let rows = rows(&scored);
    // As the writer in the pipeline: STORE_IN_FLIGHT writes at once.
    let chunks: Vec<Vec<ScoredItem>> = scored.chunks(batch).map(<[ScoredItem]>::to_vec).collect();
    let started = Instant::now();
    let mut writes = tokio::task::JoinSet::new();
    for chunk in chunks {
        if writes.len() >= STORE_IN_FLIGHT {
            if let Some(done) = writes.join_next().await {
                done.map_err(|e| e.to_string())??;
            }
        }
        let store = store.clone();
        writes.spawn(async move {
            store
                .write(chunk)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
    }
    while let Some(done) = writes.join_next().await {
        done.map_err(|e| e.to_string())??;
    }
    let sqlite_figure = StageFigure {
        name: "SQLite writes alone",
        items: scored.len(),
        wall: started.elapsed(),
        rows: Some(rows),
        note: format!("one transaction per batch of {batch}, {STORE_IN_FLIGHT} writes in flight"),
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![matcher_figure, sqlite_figure])
}

fn rows(scored: &[ScoredItem]) -> usize {
    scored
        .iter()
        .map(|s| 1 + s.matches.len() + s.scores.len())
        .sum()
}

async fn distributed(
    options: &PipelineBenchOptions,
    rows: usize,
    brokers: &str,
    clickhouse: &str,
    handle: &Arc<MatcherHandle>,
    corpus: &[Item],
) -> Result<Vec<StageFigure>, String> {
    let name = format!(
        "websense_bench_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    let mut kafka = KafkaConfig {
        brokers: brokers.to_string(),
        raw_topic: format!("{name}_raw"),
        scored_topic: format!("{name}_scored"),
        dead_letter_topic: format!("{name}_dead"),
        group_id: name.clone(),
        partitions: 6,
        batch_size: 2000,
        max_unacked_batches: 32,
        ..KafkaConfig::default()
    };
    for (key, value) in [
        ("session.timeout.ms", "6000"),
        ("max.poll.interval.ms", "60000"),
    ] {
        kafka.consumer_settings.insert(key.into(), value.into());
    }
    let result = stages_over_kafka(options, rows, &kafka, clickhouse, &name, handle, corpus).await;
    cleanup(&kafka, clickhouse, &name).await;
    result
}

#[allow(clippy::too_many_arguments)]
async fn stages_over_kafka(
    options: &PipelineBenchOptions,
    rows: usize,
    kafka: &KafkaConfig,
    clickhouse: &str,
    database: &str,
    handle: &Arc<MatcherHandle>,
    corpus: &[Item],
) -> Result<Vec<StageFigure>, String> {
    let bus: Arc<dyn Bus> = Arc::new(KafkaBus::connect(kafka).await.map_err(|e| e.to_string())?);
    let n = corpus.len();
    let started = Instant::now();
    send_all(bus.raw_sink(), corpus, options.batch, options.senders).await?;
    let produce = StageFigure {
        name: "produce raw items onto Kafka",
        items: n,
        wall: started.elapsed(),
        rows: None,
        note: format!(
            "{} producers, batches of {}, lz4, acks=all",
            options.senders, options.batch
        ),
    };

    let metrics = Metrics::new();
    let (score_wall, score_join) = drain(&metrics, Stage::Score, n, |stop| {
        score_loop(
            bus.clone(),
            handle.clone(),
            bus.scored_sink(),
            options_for(2),
            metrics.clone(),
            stop,
        )
    })
    .await?;
    let s = metrics.stage(Stage::Score).snapshot();
    let score = StageFigure {
        name: "score: raw topic -> matcher -> scored topic",
        items: n,
        wall: score_wall,
        rows: None,
        note: format!(
            "busy: matcher {:.1} s, Kafka hand-over {:.1} s, over 2 batches in flight; \
             group join {:.1} s before",
            s.work.as_secs_f64(),
            s.handoff.as_secs_f64(),
            score_join.as_secs_f64()
        ),
    };

    let store = StoreConfig::Clickhouse(ClickhouseConfig {
        url: clickhouse.to_string(),
        database: database.to_string(),
        ..ClickhouseConfig::default()
    })
    .open()
    .await
    .map_err(|e| e.to_string())?;
    let (store_wall, store_join) = drain(&metrics, Stage::Store, n, |stop| {
        store_loop(
            bus.clone(),
            store.clone(),
            options_for(32),
            metrics.clone(),
            stop,
        )
    })
    .await?;
    let stored = store
        .totals(&Default::default())
        .await
        .map_err(|e| e.to_string())?
        .items;
    if stored != n as u64 {
        return Err(format!("the writer stored {stored} of {n} items"));
    }
    let disk = clickhouse::Client::default()
        .with_url(clickhouse)
        .with_validation(false)
        .query("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = ? AND active")
        .bind(database)
        .fetch_one::<u64>()
        .await
        .map_or_else(
            |e| format!("size unknown: {e}"),
            |bytes| {
                format!(
                    "{:.0} bytes per item on disk",
                    bytes as f64 / n.max(1) as f64
                )
            },
        );
    let store_figure = StageFigure {
        name: "store: scored topic -> ClickHouse",
        items: n,
        wall: store_wall,
        rows: Some(rows),
        note: format!(
            "32 writes in flight, flushes of up to 100,000 rows; group join {:.1} s before; {disk}",
            store_join.as_secs_f64()
        ),
    };
    Ok(vec![produce, score, store_figure])
}

/// Run a stage loop until it has handed on `n` items. Returns the time from its first batch
/// to then, and the time before that first batch (joining the consumer group).
async fn drain<F, Fut>(
    metrics: &Arc<Metrics>,
    stage: Stage,
    n: usize,
    start: F,
) -> Result<(Duration, Duration), String>
where
    F: FnOnce(watch::Receiver<bool>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (stop, stopped) = watch::channel(false);
    let m = metrics.stage(stage);
    let (before_in, before_out) = (m.snapshot().items_in, m.snapshot().items_out);
    let started = Instant::now();
    let task = tokio::spawn(start(stopped));
    let deadline = started + Duration::from_secs(600);
    let mut first_batch = None;
    while m.snapshot().items_out < before_out + n as u64 {
        if first_batch.is_none() && m.snapshot().items_in > before_in {
            first_batch = Some(Instant::now());
        }
        if Instant::now() > deadline {
            let _ = stop.send(true);
            return Err(format!(
                "{} did not finish within 10 minutes",
                stage.as_str()
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first_batch = first_batch.unwrap_or(started);
    let result = (first_batch.elapsed(), first_batch - started);
    let _ = stop.send(true);
    let _ = task.await;
    Ok(result)
}

async fn cleanup(kafka: &KafkaConfig, clickhouse: &str, database: &str) {
    if let Err(e) = websense_bus::delete_topics(kafka).await {
        eprintln!("bench: could not delete the bench's topics: {e}");
    }
    let client = clickhouse::Client::default()
        .with_url(clickhouse)
        .with_validation(false);
    if let Err(e) = client
        .query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute()
        .await
    {
        eprintln!("bench: could not drop ClickHouse database {database}: {e}");
    }
}

fn tempdir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "websense-bench-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

impl fmt::Display for PipelineBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |f: &mut fmt::Formatter<'_>, s: &StageFigure| {
            write!(
                f,
                "  {:<44} {:>9.0} items/s  ({} items in {:.2} s",
                s.name,
                s.per_second(),
                s.items,
                s.wall.as_secs_f64()
            )?;
            if let Some(rows) = s.rows {
                write!(f, "; {:.0} rows/s", rows as f64 / s.wall.as_secs_f64())?;
            }
            writeln!(f, "; {})", s.note)
        };
        writeln!(
            f,
            "websense bench pipeline: {} items ({:.1} MB of text, {:.0} bytes per item), {} lexicon terms, {} cores",
            self.options.items,
            self.corpus_bytes as f64 / 1e6,
            self.corpus_bytes as f64 / self.options.items.max(1) as f64,
            self.lexicon_terms,
            self.cores
        )?;
        writeln!(
            f,
            "\nembedded (one process: embedded bus, matcher, SQLite):"
        )?;
        line(f, &self.embedded)?;
        writeln!(f, "  each stage alone on the same items:")?;
        for s in &self.alone {
            line(f, s)?;
        }
        let e2e = self.embedded.micros_per_item();
        writeln!(
            f,
            "  where the time goes, per item (the stages overlap; the slowest bounds the rate):"
        )?;
        for s in &self.alone {
            writeln!(
                f,
                "    {:<28} {:>6.1} µs = {:>3.0}% of the {:.1} µs an item takes end to end",
                s.name,
                s.micros_per_item(),
                100.0 * s.micros_per_item() / e2e,
                e2e
            )?;
        }
        writeln!(
            f,
            "\ndistributed (Kafka and ClickHouse; each stage alone over the whole backlog):"
        )?;
        match &self.distributed {
            Ok(stages) => {
                for s in stages {
                    line(f, s)?;
                }
            }
            Err(why) => writeln!(f, "  {why}")?,
        }
        Ok(())
    }
}
