//! Per-source status, for logs, the `--once` summary and (later) the dashboard.
//!
//! Kept in memory and written to `STATE_DIR/status.json` (atomically, at most once a
//! second while running, and at the end), so a dashboard can show which sources work, which
//! fail and why, without reading logs.

use crate::cursor::write_atomically;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use websense_model::SourceId;
pub use websense_model::{LastError, SourceStatus};

/// The status of every source, shared by the collector's tasks.
pub struct StatusBoard {
    sources: Mutex<BTreeMap<SourceId, SourceStatus>>,
    path: Option<PathBuf>,
    last_write: Mutex<Option<Instant>>,
}

impl StatusBoard {
    /// A board for `sources`, continuing the totals of an earlier `status.json` at `path`.
    pub fn new(sources: Vec<SourceStatus>, path: Option<PathBuf>) -> StatusBoard {
        let earlier: BTreeMap<SourceId, SourceStatus> = path
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<Vec<SourceStatus>>(&b).ok())
            .map(|v| v.into_iter().map(|s| (s.id.clone(), s)).collect())
            .unwrap_or_default();
        let map = sources
            .into_iter()
            .map(|mut s| {
                if let Some(old) = earlier.get(&s.id) {
                    s.items_total = old.items_total;
                    s.duplicates_total = old.duplicates_total;
                    s.last_success = old.last_success;
                    s.last_fetch = old.last_fetch;
                }
                (s.id.clone(), s)
            })
            .collect();
        StatusBoard {
            sources: Mutex::new(map),
            path,
            last_write: Mutex::new(None),
        }
    }

    pub fn snapshot(&self) -> Vec<SourceStatus> {
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    pub fn get(&self, id: &SourceId) -> Option<SourceStatus> {
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// A source that joined after the board was made (a Telegram channel added in the Room).
    pub(crate) fn add(&self, status: SourceStatus) {
        self.sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(status.id.clone())
            .or_insert(status);
    }

    pub(crate) fn update(&self, id: &SourceId, f: impl FnOnce(&mut SourceStatus)) {
        if let Some(s) = self
            .sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(id)
        {
            f(s);
        }
    }

    /// Write `status.json`; unless `force`, at most once a second.
    pub(crate) async fn persist(&self, force: bool) {
        let Some(path) = self.path.clone() else {
            return;
        };
        {
            let mut last = self.last_write.lock().unwrap_or_else(|p| p.into_inner());
            if !force && last.is_some_and(|t| t.elapsed() < Duration::from_secs(1)) {
                return;
            }
            *last = Some(Instant::now());
        }
        let snapshot = self.snapshot();
        let result = tokio::task::spawn_blocking(move || {
            let bytes = serde_json::to_vec_pretty(&snapshot).map_err(std::io::Error::other)?;
            write_atomically(&path, &bytes)
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot write status.json"),
            Err(e) => tracing::warn!(error = %e, "status writer failed"),
        }
    }
}

/// Running totals of a collect, for a progress line.
#[derive(Debug, Default)]
pub struct Progress {
    pub rounds_ok: AtomicU64,
    pub rounds_failed: AtomicU64,
    pub items: AtomicU64,
    pub duplicates: AtomicU64,
}

impl Progress {
    pub fn load(&self) -> (u64, u64, u64, u64) {
        (
            self.rounds_ok.load(Ordering::Relaxed),
            self.rounds_failed.load(Ordering::Relaxed),
            self.items.load(Ordering::Relaxed),
            self.duplicates.load(Ordering::Relaxed),
        )
    }
}
