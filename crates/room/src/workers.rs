//! The room's background work: webhook delivery, candidate scans and raw-text retention.

use crate::audit::{self, action, NewEntry};
use crate::error::ApiError;
use crate::Room;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use websense_signals::db as signals_db;
use websense_store::TimeRange;

/// How often retention runs.
const RETENTION_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);
/// Each periodic scan looks this far back, so items that reach the store late (their event
/// time hours before they are stored) are still scanned. Older late items need a manual
/// scan (`POST /api/signals/scan`).
const SCAN_LOOKBACK_HOURS: i64 = 6;

/// What one retention pass removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RetentionSummary {
    pub cutoff: DateTime<Utc>,
    /// Items whose raw text was purged now.
    pub items_purged: u64,
    /// Author vault entries forgotten.
    pub vault_entries_purged: u64,
    /// Candidates and dismissed signals of purged items removed (confirmed ones stay).
    pub signals_expired: u64,
}

/// Purge raw text older than the retention age (trend counts, matches and scores stay), the
/// author vault's entries of that age, and the signals of that age that nobody confirmed.
/// Recorded in the audit log as the `system` actor.
pub async fn run_retention(room: &Room, now: DateTime<Utc>) -> Result<RetentionSummary, ApiError> {
    let age = Duration::from_std(room.privacy.raw_text_retention).unwrap_or(Duration::MAX);
    let cutoff = now
        .checked_sub_signed(age)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let items_purged = room.store.purge_raw_text(cutoff).await?;
    let vault_entries_purged = match room.vault.clone() {
        Some(vault) => tokio::task::spawn_blocking(move || vault.purge_before(cutoff))
            .await
            .map_err(|e| ApiError::internal("author vault task failed", e))?
            .map_err(|e| ApiError::internal("author vault purge failed", e))?,
        None => 0,
    };
    room.db
        .run(move |c| {
            let tx = c.transaction()?;
            let signals_expired = signals_db::expire_undecided(&tx, cutoff)?;
            let summary = RetentionSummary {
                cutoff,
                items_purged,
                vault_entries_purged,
                signals_expired,
            };
            audit::append(
                &tx,
                now,
                &NewEntry {
                    actor: "system",
                    roles: "",
                    action: action::PURGE_RAW_TEXT,
                    target: None,
                    reason: Some("raw-text retention"),
                    detail: serde_json::to_value(summary).unwrap_or_default(),
                },
            )?;
            tx.commit()?;
            // Expired signals must leave the file too, not only the tables.
            websense_store::sqlite_file::reclaim(c)?;
            Ok(summary)
        })
        .await
}

async fn stopped(mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// Start the workers; they end when `shutdown` turns true.
pub fn spawn_workers(room: &Arc<Room>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let Some(deliverer) = room.deliverer.clone() {
        let stop = stopped(shutdown.clone());
        tasks.push(tokio::spawn(async move { deliverer.run(stop).await }));
    }
    {
        let room = room.clone();
        let mut stop = Box::pin(stopped(shutdown.clone()));
        tasks.push(tokio::spawn(async move {
            loop {
                match run_retention(&room, Utc::now()).await {
                    Ok(s) => tracing::info!(?s, "retention pass"),
                    Err(e) => tracing::error!(error = %e.message, "retention pass failed"),
                }
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(RETENTION_PERIOD) => {}
                }
            }
        }));
    }
    if room.trends.is_some() {
        let room = room.clone();
        let stop = stopped(shutdown.clone());
        tasks.push(tokio::spawn(async move { watch_spikes(room, stop).await }));
    }
    if !room.config.scan_interval.is_zero() {
        let room = room.clone();
        let period = room.config.scan_interval;
        let mut stop = Box::pin(stopped(shutdown));
        tasks.push(tokio::spawn(async move {
            loop {
                let now = Utc::now();
                let range = TimeRange::new(now - Duration::hours(SCAN_LOOKBACK_HOURS), now);
                match crate::scan::scan(&room, range).await {
                    Ok(s) => tracing::info!(?s, "candidate scan"),
                    Err(e) => tracing::error!(error = %e.message, "candidate scan failed"),
                }
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(period) => {}
                }
            }
        }));
    }
    tasks
}

/// One spike scan for the overview and the live list: the default overview's scan is
/// renewed every [`SPIKE_FRESH_SECS`](crate::spike_cache::SPIKE_FRESH_SECS), or every
/// `room.live_interval` while anyone listens on `/api/events` (and at once when someone
/// starts listening), and its open and ongoing spikes are what `room.live` holds.
async fn watch_spikes(room: Arc<Room>, stop: impl std::future::Future<Output = ()>) {
    let quiet = std::time::Duration::from_secs(crate::spike_cache::SPIKE_FRESH_SECS as u64);
    let listening = room
        .config
        .live_interval
        .max(std::time::Duration::from_secs(1));
    let mut stop = Box::pin(stop);
    loop {
        crate::spike_cache::warm(room.clone()).await;
        let listeners = room.live.receiver_count() > 0;
        if listeners {
            let live: Vec<_> = crate::spike_cache::latest_spikes(&room)
                .await
                .into_iter()
                .filter(|s| s.state != websense_trends::SpikeState::Closed)
                .collect();
            room.live.send_if_modified(|old| {
                let changed = **old != live;
                if changed {
                    *old = Arc::new(live);
                }
                changed
            });
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = room.live_wake.notified() => {}
            _ = tokio::time::sleep(if listeners { listening } else { quiet }) => {}
        }
    }
}
