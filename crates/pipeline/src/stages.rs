//! The stage loops: read a batch from the bus, do the stage's work, hand the result on, and
//! only then acknowledge the batch.
//!
//! Each loop keeps up to `in_flight` batches going at once (one task each), so a scorer scores
//! the next batch while the previous one is being handed on, and a ClickHouse writer gets
//! several writes to group into one insert. A failed hand-over or write is retried with
//! backoff (the shared [`Backoff`] policy: exponential, full jitter), holding its batch, until
//! it succeeds or the loop is told to stop; a batch given up at shutdown is simply not
//! acknowledged, so the bus delivers it again (to this process after a restart, or to another
//! replica). Memory is bounded by `in_flight` batches, and on Kafka by the consumer's
//! `max_unacked_batches`, whatever happens downstream.
//!
//! A stop lets batches in flight finish (their first attempt, not endless retries), then
//! closes the consumer, which commits the acknowledged offsets.

use crate::metrics::{Metrics, Stage, StageMetrics};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use websense_bus::{Bus, BusConsumer, BusError};
use websense_matcher::MatcherHandle;
use websense_model::{Backoff, BoxFuture, Item, ItemSink, ScoredItem, ScoredSink, SinkError};
use websense_store::Store;

/// The window of the first retry of a hand-over or write; it doubles up to
/// [`LoopOptions::retry_max_delay`].
const RETRY_BASE_DELAY: Duration = Duration::from_millis(100);
/// The window of the first retry of opening a consumer.
const REOPEN_BASE_DELAY: Duration = Duration::from_millis(200);

/// How a stage loop runs.
#[derive(Clone, Copy, Debug)]
pub struct LoopOptions {
    /// Batches worked on at once.
    pub in_flight: usize,
    /// Longest pause between retries (the cap of their [`Backoff`]).
    pub retry_max_delay: Duration,
}

/// Raw items from the bus, scored with the matcher in use (on every core, off the async
/// threads), handed to `sink`. Returns once `stop` turns true and the batches in flight are
/// done, or when the bus closes.
pub async fn score_loop(
    bus: Arc<dyn Bus>,
    matcher: Arc<MatcherHandle>,
    sink: Arc<dyn ScoredSink>,
    options: LoopOptions,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) {
    let stage_metrics = metrics.clone();
    let work = move |records: Vec<Item>, stop: watch::Receiver<bool>| {
        let (matcher, sink, metrics) = (matcher.clone(), sink.clone(), stage_metrics.clone());
        async move {
            let m = metrics.stage(Stage::Score);
            let started = Instant::now();
            // One matcher per batch: a batch is scored by one lexicon version.
            let current = matcher.current();
            let scored = match tokio::task::spawn_blocking(move || current.score_batch(records))
                .await
            {
                Ok(scored) => scored,
                Err(e) => {
                    tracing::error!(error = %e, "scoring a batch failed; it is not acknowledged");
                    m.error();
                    return None;
                }
            };
            m.add_work(started.elapsed());
            let started = Instant::now();
            let sent = retry(
                m,
                &stop,
                options.retry_max_delay,
                "handing on scored items",
                || sink.send_scored(scored.clone()),
            )
            .await;
            m.add_handoff(started.elapsed());
            sent.map(|()| 0)
        }
    };
    consume(
        Stage::Score,
        || bus.raw_consumer(),
        options,
        metrics,
        stop,
        work,
    )
    .await
}

/// Scored items from the bus into `store`. Returns like [`score_loop`].
pub async fn store_loop(
    bus: Arc<dyn Bus>,
    store: Arc<dyn Store>,
    options: LoopOptions,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) {
    let stage_metrics = metrics.clone();
    let work = move |records: Vec<ScoredItem>, stop: watch::Receiver<bool>| {
        let (store, metrics) = (store.clone(), stage_metrics.clone());
        async move {
            let m = metrics.stage(Stage::Store);
            let started = Instant::now();
            let written = retry(
                m,
                &stop,
                options.retry_max_delay,
                "writing to the store",
                || store.write(records.clone()),
            )
            .await;
            m.add_work(started.elapsed());
            written.map(|summary| summary.duplicates)
        }
    };
    consume(
        Stage::Store,
        || bus.scored_consumer(),
        options,
        metrics,
        stop,
        work,
    )
    .await
}

/// Run `work` over the batches of the consumers `open` gives, `in_flight` at a time. `work`
/// returns how many of the batch's items were duplicates downstream, or `None` when it gave
/// up (only at shutdown); then the batch is left unacknowledged.
async fn consume<T, W, Fut>(
    stage: Stage,
    open: impl Fn() -> Result<Box<dyn BusConsumer<T>>, BusError>,
    options: LoopOptions,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
    work: W,
) where
    T: Send + 'static,
    W: Fn(Vec<T>, watch::Receiver<bool>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<usize>> + Send + 'static,
{
    let work = Arc::new(work);
    let slots = Arc::new(Semaphore::new(options.in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let Some(mut consumer) = reopen(stage, &open, &metrics, &mut stop, options).await else {
        return;
    };
    loop {
        while let Some(done) = tasks.try_join_next() {
            report_panic(stage, done);
        }
        let permit = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            permit = slots.clone().acquire_owned() => permit.expect("never closed"),
        };
        let next = tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => break,
            next = consumer.next_batch() => next,
        };
        let batch = match next {
            Ok(batch) => batch,
            Err(BusError::Closed) => break,
            Err(e) => {
                // Abandoned (a batch was dropped) or a fatal consumer error: let the batches
                // in flight finish, then read again from the group's committed offsets.
                tracing::warn!(stage = stage.as_str(), error = %e, "consumer failed; opening a new one");
                metrics.stage(stage).error();
                drop(permit);
                while let Some(done) = tasks.join_next().await {
                    report_panic(stage, done);
                }
                close(stage, consumer).await;
                match reopen(stage, &open, &metrics, &mut stop, options).await {
                    Some(c) => consumer = c,
                    None => return,
                }
                continue;
            }
        };
        let (work, metrics, stop) = (work.clone(), metrics.clone(), stop.clone());
        tasks.spawn(async move {
            let m = metrics.stage(stage);
            let arrived = Instant::now();
            let items = batch.records.len();
            m.batch_in(items);
            match work(batch.records, stop).await {
                Some(duplicates) => match batch.ack.ack() {
                    Ok(()) => m.batch_out(items, duplicates, arrived.elapsed()),
                    Err(e) => {
                        tracing::warn!(stage = stage.as_str(), error = %e, items,
                            "acknowledging a batch failed; it will come again");
                        m.error();
                    }
                },
                None => {
                    tracing::info!(
                        stage = stage.as_str(),
                        items,
                        "batch given up at shutdown; it will come again"
                    );
                    drop(batch.ack);
                }
            }
            drop(permit);
        });
    }
    while let Some(done) = tasks.join_next().await {
        report_panic(stage, done);
    }
    close(stage, consumer).await;
}

/// Open a consumer, retrying with a [`Backoff`] (from 200 ms up to the loop's
/// `retry_max_delay`, full jitter); `None` if told to stop first.
async fn reopen<T>(
    stage: Stage,
    open: &impl Fn() -> Result<Box<dyn BusConsumer<T>>, BusError>,
    metrics: &Metrics,
    stop: &mut watch::Receiver<bool>,
    options: LoopOptions,
) -> Option<Box<dyn BusConsumer<T>>> {
    let backoff = Backoff::new(REOPEN_BASE_DELAY, options.retry_max_delay);
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            return None;
        }
        let delay = match open() {
            Ok(consumer) => return Some(consumer),
            Err(e) => {
                let delay = backoff.delay(failures);
                failures = failures.saturating_add(1);
                tracing::error!(stage = stage.as_str(), error = %e, retry_in = ?delay, "cannot open a consumer");
                metrics.stage(stage).error();
                delay
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => return None,
        }
    }
}

async fn close<T>(stage: Stage, consumer: Box<dyn BusConsumer<T>>) {
    if let Err(e) = consumer.close().await {
        tracing::warn!(stage = stage.as_str(), error = %e, "closing the consumer failed");
    }
}

fn report_panic(stage: Stage, done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!(stage = stage.as_str(), error = %e, "a batch task failed");
    }
}

/// Try `attempt` until it succeeds; after a failure, wait (a [`Backoff`] from 100 ms up to
/// `max_delay`, with full jitter) and try again, unless `stop` is set: then give up (`None`).
async fn retry<T, E: std::fmt::Display, Fut>(
    metrics: &StageMetrics,
    stop: &watch::Receiver<bool>,
    max_delay: Duration,
    what: &str,
    mut attempt: impl FnMut() -> Fut,
) -> Option<T>
where
    Fut: Future<Output = Result<T, E>>,
{
    let mut stop = stop.clone();
    let backoff = Backoff::new(RETRY_BASE_DELAY, max_delay);
    let mut failures = 0u32;
    loop {
        match attempt().await {
            Ok(value) => return Some(value),
            Err(e) => {
                metrics.error();
                if *stop.borrow() {
                    tracing::warn!(error = %e, "{what} failed at shutdown");
                    return None;
                }
                let delay = backoff.delay(failures);
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, retry_in = ?delay, "{what} failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.wait_for(|s| *s) => return None,
                }
            }
        }
    }
}

/// A collector's sink that counts what goes through it as the collect stage.
pub struct CountingSink {
    inner: Arc<dyn ItemSink>,
    metrics: Arc<Metrics>,
}

impl CountingSink {
    pub fn new(inner: Arc<dyn ItemSink>, metrics: Arc<Metrics>) -> CountingSink {
        CountingSink { inner, metrics }
    }
}

impl ItemSink for CountingSink {
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            let m = self.metrics.stage(Stage::Collect);
            let n = items.len();
            m.batch_in(n);
            let started = Instant::now();
            let result = self.inner.send(items).await;
            m.add_handoff(started.elapsed());
            match &result {
                Ok(()) => m.batch_out(n, 0, started.elapsed()),
                Err(_) => m.error(),
            }
            result
        })
    }
}
