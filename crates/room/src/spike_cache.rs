//! The overview's spike scan, kept between requests: a service the overview handler and the
//! room's workers both use.
//!
//! The spike scan reads four weeks of series for every category and the busiest terms, and
//! the items behind each spike: far more than the rest. So the room keeps the last scan
//! ([`SpikeCache`]):
//! an overview of the same window length whose end lies up to [`SPIKE_FRESH_SECS`] after the
//! scan's gets it as it is; one up to [`SPIKE_STALE_SECS`] after gets it too, and starts a
//! new scan in the background for the next overview. Only the first overview, one after a
//! quiet spell or one of another window waits for a scan; overviews arriving meanwhile wait
//! for that one rather than start another. `spikes_as_of` says which scan answered. A failed
//! scan is not kept. The room's workers scan for the default window every
//! [`SPIKE_FRESH_SECS`] ([`warm`]), from start-up on, so the default overview finds a recent
//! scan even when nobody has looked for a while.
//!
//! This module owns the cache and when it is renewed; what a scan finds is
//! [`TrendAnalysis`](crate::TrendAnalysis)'s, and how the overview shows it is
//! `api::overview`'s.

use crate::trends::{ReportedSpike, SpikeQuery};
use crate::Room;
use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use websense_store::{BucketSize, TimeRange};

/// A spike scan this recent answers an overview as it is.
pub const SPIKE_FRESH_SECS: i64 = 60;
/// A spike scan this recent answers an overview while a new one runs in the background.
pub const SPIKE_STALE_SECS: i64 = 600;

/// The last spike scan of an overview, and whether a new one is under way.
#[derive(Default)]
pub(crate) struct SpikeCache {
    last: tokio::sync::Mutex<Option<CachedSpikes>>,
    refreshing: AtomicBool,
}

#[derive(Clone)]
struct CachedSpikes {
    hours: i64,
    /// The end of the scanned window.
    until: DateTime<Utc>,
    spikes: Vec<ReportedSpike>,
}

/// Spikes overlapping `window` (all series the analysis scans), highest score first, and
/// the end of the window they were scanned for .
pub(crate) async fn spikes(
    room: Arc<Room>,
    hours: i64,
    window: TimeRange,
) -> Result<(Vec<ReportedSpike>, DateTime<Utc>), String> {
    if room.trends.is_none() {
        return Err("spike detection needs trend analysis, which this server runs without".into());
    }
    let mut last = room.overview_spikes.last.lock().await;
    if let Some(c) = last.as_ref().filter(|c| c.hours == hours) {
        let behind = (window.to - c.until).num_seconds();
        if (0..SPIKE_STALE_SECS).contains(&behind) {
            if behind >= SPIKE_FRESH_SECS
                && !room.overview_spikes.refreshing.swap(true, Ordering::AcqRel)
            {
                tokio::spawn(refresh(room.clone(), hours, window));
            }
            return Ok((c.spikes.clone(), c.until));
        }
    }
    let scanned = scan(&room, hours, window).await?;
    *last = Some(scanned.clone());
    Ok((scanned.spikes, scanned.until))
}

/// The default overview's window.
pub(crate) const DEFAULT_HOURS: i64 = 24;

/// Scan the default overview's spikes now, unless a scan is running already: the room's
/// workers call this every [`SPIKE_FRESH_SECS`], so that overviews find a recent scan and
/// never wait for their own (the first one after start-up included).
pub(crate) async fn warm(room: Arc<Room>) {
    if room.trends.is_none() || room.overview_spikes.refreshing.swap(true, Ordering::AcqRel) {
        return;
    }
    let now = Utc::now();
    let window = TimeRange::new(now - Duration::hours(DEFAULT_HOURS), now);
    refresh(room, DEFAULT_HOURS, window).await;
}

/// The spikes of the default overview's last scan (none before the first).
pub(crate) async fn latest_spikes(room: &Room) -> Vec<ReportedSpike> {
    let last = room.overview_spikes.last.lock().await;
    last.as_ref()
        .filter(|c| c.hours == DEFAULT_HOURS)
        .map(|c| c.spikes.clone())
        .unwrap_or_default()
}

/// A new scan for the next overview; the last one stays when it fails.
async fn refresh(room: Arc<Room>, hours: i64, window: TimeRange) {
    match scan(&room, hours, window).await {
        Ok(scanned) => {
            let mut last = room.overview_spikes.last.lock().await;
            if last.as_ref().is_none_or(|c| c.until <= scanned.until) {
                *last = Some(scanned);
            }
        }
        Err(e) => tracing::warn!("overview spike scan failed: {e}"),
    }
    room.overview_spikes
        .refreshing
        .store(false, Ordering::Release);
}

async fn scan(room: &Room, hours: i64, window: TimeRange) -> Result<CachedSpikes, String> {
    let trends = room
        .trends
        .clone()
        .ok_or("spike detection needs trend analysis, which this server runs without")?;
    let query = SpikeQuery {
        range: window,
        bucket: BucketSize::Hour,
        category: None,
        term: None,
        filter: None,
    };
    let mut spikes = trends
        .spikes(room.store.as_ref(), &query)
        .await
        .map_err(|e| format!("spike detection failed: {e}"))?;
    spikes.sort_by(|a, b| b.evidence.score.total_cmp(&a.evidence.score));
    Ok(CachedSpikes {
        hours,
        until: window.to,
        spikes,
    })
}
