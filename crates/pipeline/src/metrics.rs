//! A small registry of atomics, rendered in the Prometheus text format on `/metrics`.
//!
//! Every figure is a relaxed atomic that the stages bump on their way; rendering reads them
//! without stopping anything. No metrics library: the handful of series below is all the
//! stages report, and the text format is simple enough to write by hand.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// The stages that report figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Collectors handing raw items to the bus.
    Collect,
    /// The matcher: raw items in, scored items out.
    Score,
    /// The writer: scored items into the store.
    Store,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Collect, Stage::Score, Stage::Store];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Collect => "collect",
            Stage::Score => "score",
            Stage::Store => "store",
        }
    }
}

/// Upper bounds of the batch-size histogram buckets (items).
const SIZE_BOUNDS: [f64; 10] = [
    1.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];
/// Upper bounds of the latency histogram buckets (seconds).
const LATENCY_BOUNDS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram with fixed buckets; the sum is kept in millionths.
struct Histogram<const N: usize> {
    bounds: &'static [f64; N],
    /// Non-cumulative counts per bucket; the last one is `+Inf`.
    buckets: [AtomicU64; N],
    overflow: AtomicU64,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: &'static [f64; N]) -> Self {
        Histogram {
            bounds,
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            overflow: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        match self.bounds.iter().position(|b| value <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.overflow.fetch_add(1, Ordering::Relaxed),
        };
        self.sum_micros
            .fetch_add((value * 1e6) as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.overflow.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(
            out,
            "{name}_count{{{labels}}} {}",
            self.count.load(Ordering::Relaxed)
        );
    }
}

/// The figures of one stage.
pub struct StageMetrics {
    items_in: AtomicU64,
    items_out: AtomicU64,
    duplicates: AtomicU64,
    errors: AtomicU64,
    /// Microseconds spent in the stage's own work (scoring, writing).
    work_micros: AtomicU64,
    /// Microseconds spent handing results downstream (waiting for the bus or the store).
    handoff_micros: AtomicU64,
    batch_sizes: Histogram<10>,
    latency: Histogram<12>,
    /// Messages the stage's consumer group has not committed yet; -1 when unknown.
    lag: AtomicI64,
}

impl StageMetrics {
    fn new() -> Self {
        StageMetrics {
            items_in: AtomicU64::new(0),
            items_out: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            work_micros: AtomicU64::new(0),
            handoff_micros: AtomicU64::new(0),
            batch_sizes: Histogram::new(&SIZE_BOUNDS),
            latency: Histogram::new(&LATENCY_BOUNDS),
            lag: AtomicI64::new(-1),
        }
    }

    /// A batch came in.
    pub fn batch_in(&self, items: usize) {
        self.items_in.fetch_add(items as u64, Ordering::Relaxed);
        self.batch_sizes.observe(items as f64);
    }

    /// A batch went out: `items` handed on, `duplicates` of them known already downstream,
    /// `latency` from the batch's arrival to its acknowledgement.
    pub fn batch_out(&self, items: usize, duplicates: usize, latency: Duration) {
        self.items_out.fetch_add(items as u64, Ordering::Relaxed);
        self.duplicates
            .fetch_add(duplicates as u64, Ordering::Relaxed);
        self.latency.observe(latency.as_secs_f64());
    }

    pub fn error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add_work(&self, spent: Duration) {
        self.work_micros
            .fetch_add(spent.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn add_handoff(&self, spent: Duration) {
        self.handoff_micros
            .fetch_add(spent.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn set_lag(&self, messages: Option<i64>) {
        self.lag.store(messages.unwrap_or(-1), Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StageSnapshot {
        StageSnapshot {
            items_in: self.items_in.load(Ordering::Relaxed),
            items_out: self.items_out.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            batches: self.batch_sizes.count.load(Ordering::Relaxed),
            work: Duration::from_micros(self.work_micros.load(Ordering::Relaxed)),
            handoff: Duration::from_micros(self.handoff_micros.load(Ordering::Relaxed)),
            lag: Some(self.lag.load(Ordering::Relaxed)).filter(|l| *l >= 0),
        }
    }
}

/// A stage's counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageSnapshot {
    pub items_in: u64,
    pub items_out: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub batches: u64,
    pub work: Duration,
    pub handoff: Duration,
    pub lag: Option<i64>,
}

/// Every figure of one process.
pub struct Metrics {
    stages: [StageMetrics; 3],
    lexicon_version: Mutex<String>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            stages: std::array::from_fn(|_| StageMetrics::new()),
            lexicon_version: Mutex::new(String::new()),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    pub fn stage(&self, stage: Stage) -> &StageMetrics {
        &self.stages[stage as usize]
    }

    pub fn set_lexicon_version(&self, version: &str) {
        *self
            .lexicon_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = version.to_string();
    }

    pub fn lexicon_version(&self) -> String {
        self.lexicon_version
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn reload(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `(succeeded, failed)` lexicon reloads.
    pub fn reloads(&self) -> (u64, u64) {
        (
            self.reloads_ok.load(Ordering::Relaxed),
            self.reloads_failed.load(Ordering::Relaxed),
        )
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8192);
        type Counter = fn(&StageSnapshot) -> String;
        let series: [(&str, &str, &str, Counter); 7] = [
            ("websense_items_in_total", "counter", "Items a stage received.", |s| s.items_in.to_string()),
            ("websense_items_out_total", "counter", "Items a stage handed on and had acknowledged.", |s| s.items_out.to_string()),
            ("websense_duplicates_total", "counter", "Items handed on that were known already downstream (re-deliveries).", |s| s.duplicates.to_string()),
            ("websense_errors_total", "counter", "Failed hand-overs and writes (each is retried; nothing is dropped).", |s| s.errors.to_string()),
            ("websense_work_seconds_total", "counter", "Time spent in a stage's own work (scoring, writing).", |s| s.work.as_secs_f64().to_string()),
            ("websense_handoff_seconds_total", "counter", "Time spent waiting for the next stage to accept a batch.", |s| s.handoff.as_secs_f64().to_string()),
            ("websense_consumer_lag", "gauge", "Messages of the stage's topic its consumer group has not committed; -1 when unknown.", |s| s.lag.unwrap_or(-1).to_string()),
        ];
        let snapshots: Vec<_> = Stage::ALL
            .iter()
            .map(|s| (*s, self.stage(*s).snapshot()))
            .collect();
        for (name, kind, help, value) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (stage, snapshot) in &snapshots {
                let _ = writeln!(
                    out,
                    "{name}{{stage=\"{}\"}} {}",
                    stage.as_str(),
                    value(snapshot)
                );
            }
        }
        let histograms: [(&str, &str); 2] = [
            ("websense_batch_items", "Items per batch a stage received."),
            (
                "websense_batch_seconds",
                "Time from a batch's arrival to its acknowledgement downstream.",
            ),
        ];
        for (i, (name, help)) in histograms.into_iter().enumerate() {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            for stage in Stage::ALL {
                let labels = format!("stage=\"{}\"", stage.as_str());
                let metrics = self.stage(stage);
                if i == 0 {
                    metrics.batch_sizes.render(&mut out, name, &labels);
                } else {
                    metrics.latency.render(&mut out, name, &labels);
                }
            }
        }
        let version = self.lexicon_version();
        let _ = writeln!(
            out,
            "# HELP websense_lexicon_info The lexicon version the matcher uses now.\n\
             # TYPE websense_lexicon_info gauge\n\
             websense_lexicon_info{{version=\"{}\"}} 1",
            escape_label(&version)
        );
        let (ok, failed) = self.reloads();
        let _ = writeln!(
            out,
            "# HELP websense_lexicon_reloads_total Lexicon reloads, by result (a failed one keeps the previous version).\n\
             # TYPE websense_lexicon_reloads_total counter\n\
             websense_lexicon_reloads_total{{result=\"ok\"}} {ok}\n\
             websense_lexicon_reloads_total{{result=\"failed\"}} {failed}"
        );
        out
    }
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Serve `GET /metrics` on `listen` until `stop` turns true. Binding happens before this
/// returns, so a port in use is an error here, not later in a log.
pub async fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen for /metrics on {listen}: {e}"),
        )
    })?;
    let local = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    metrics.render(),
                )
            }
        }),
    );
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "the /metrics server failed");
        }
    });
    Ok((local, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_the_lexicon_version() {
        let metrics = Metrics::default();
        let score = metrics.stage(Stage::Score);
        score.batch_in(500);
        score.batch_in(20);
        score.batch_out(520, 3, Duration::from_millis(30));
        score.set_lag(Some(42));
        metrics.set_lexicon_version("v\"1");
        metrics.reload(false);
        let text = metrics.render();
        assert!(
            text.contains("websense_items_in_total{stage=\"score\"} 520\n"),
            "{text}"
        );
        assert!(text.contains("websense_items_out_total{stage=\"score\"} 520\n"));
        assert!(text.contains("websense_duplicates_total{stage=\"score\"} 3\n"));
        assert!(text.contains("websense_consumer_lag{stage=\"score\"} 42\n"));
        assert!(text.contains("websense_consumer_lag{stage=\"store\"} -1\n"));
        // Cumulative buckets: 20 falls in le=50, 500 in le=500.
        assert!(text.contains("websense_batch_items_bucket{stage=\"score\",le=\"10\"} 0\n"));
        assert!(text.contains("websense_batch_items_bucket{stage=\"score\",le=\"50\"} 1\n"));
        assert!(text.contains("websense_batch_items_bucket{stage=\"score\",le=\"500\"} 2\n"));
        assert!(text.contains("websense_batch_items_bucket{stage=\"score\",le=\"+Inf\"} 2\n"));
        assert!(text.contains("websense_batch_items_sum{stage=\"score\"} 520\n"));
        assert!(text.contains("websense_batch_seconds_bucket{stage=\"score\",le=\"0.025\"} 0\n"));
        assert!(text.contains("websense_batch_seconds_bucket{stage=\"score\",le=\"0.05\"} 1\n"));
        assert!(text.contains("websense_lexicon_info{version=\"v\\\"1\"} 1\n"));
        assert!(text.contains("websense_lexicon_reloads_total{result=\"failed\"} 1\n"));
        // Every series has its TYPE line once.
        assert_eq!(
            text.matches("# TYPE websense_items_in_total counter")
                .count(),
            1
        );
    }
}
