//! Per-source status, for logs, the `--once` summary and (later) the dashboard.
//!
//! Kept in memory and written to `STATE_DIR/status.json` (atomically, at most once a
//! second while running, and at the end), so a dashboard can show which sources work, which
//! fail and why, without reading logs.

use crate::cursor::write_atomically;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use websense_model::SourceId;
pub use websense_model::{LastError, SourceStatus};

/// The least time between two writes of `status.json` while running.
const WRITE_INTERVAL: Duration = Duration::from_secs(1);

/// The status of every source, shared by the collector's tasks.
pub struct StatusBoard {
    sources: Mutex<BTreeMap<SourceId, SourceStatus>>,
    path: Option<PathBuf>,
    last_write: Mutex<Option<Instant>>,
    /// Held while a snapshot is taken and written, so writes land in the order their
    /// snapshots were taken: the file never goes back to an older state.
    writing: tokio::sync::Mutex<()>,
    /// A write is scheduled for the end of the current interval.
    trailing: AtomicBool,
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
            writing: tokio::sync::Mutex::new(()),
            trailing: AtomicBool::new(false),
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

    /// Write `status.json`; unless `force`, at most once a second. An update that comes too
    /// soon after a write is not dropped: one write at the end of the interval carries it and
    /// every other update meanwhile. (Dropping it kept only the first of the sources that
    /// finished a round within the same second: the others showed "never fetched" until
    /// their next round.)
    pub(crate) async fn persist(self: &Arc<Self>, force: bool) {
        if self.path.is_none() {
            return;
        }
        if !force {
            let wait = self
                .last_write
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .map(|t| WRITE_INTERVAL.saturating_sub(t.elapsed()))
                .unwrap_or_default();
            if !wait.is_zero() {
                if !self.trailing.swap(true, Ordering::SeqCst) {
                    let board = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(wait).await;
                        // Cleared before the snapshot: a later update either is in it or
                        // schedules a write of its own.
                        board.trailing.store(false, Ordering::SeqCst);
                        board.write().await;
                    });
                }
                return;
            }
        }
        self.write().await;
    }

    /// Write a snapshot of every source's status now.
    async fn write(&self) {
        let Some(path) = self.path.clone() else {
            return;
        };
        let _writing = self.writing.lock().await;
        *self.last_write.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
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

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::SourceKind;

    fn read(path: &std::path::Path) -> Vec<SourceStatus> {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Three sources finishing their rounds within the same second each keep their own
    /// status in the file.
    #[tokio::test]
    async fn every_source_keeps_its_own_status_when_rounds_end_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(websense_model::STATUS_FILE);
        let ids = ["gemeente", "nieuws", "forum"];
        let board = Arc::new(StatusBoard::new(
            ids.iter()
                .map(|id| {
                    SourceStatus::new(
                        SourceId::new(*id),
                        SourceKind::Feed,
                        format!("https://{id}.invalid/"),
                    )
                })
                .collect(),
            Some(path.clone()),
        ));
        for (n, id) in ids.iter().enumerate() {
            board.update(&SourceId::new(*id), |s| {
                s.last_success = Some(chrono::Utc::now());
                s.items_total = 10 + n as u64;
            });
            board.persist(false).await;
        }
        tokio::time::sleep(WRITE_INTERVAL + Duration::from_millis(500)).await;
        let written = read(&path);
        assert_eq!(written.len(), 3);
        for s in &written {
            assert!(s.last_success.is_some(), "{} lost its status: {s:?}", s.id);
        }
        let totals: Vec<u64> = written.iter().map(|s| s.items_total).collect();
        assert_eq!(totals, vec![12, 10, 11], "by id: forum, gemeente, nieuws");
    }
}
