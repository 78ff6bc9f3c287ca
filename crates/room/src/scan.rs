//! Finding signal candidates: flagged items in the store, and spikes (when trend analysis is
//! plugged in). Candidate ids derive from their origin, so scanning a range again inserts
//! only what is new, and a dismissed candidate stays dismissed.

use crate::error::ApiError;
use crate::lexicons::LexiconSources;
use crate::trends::SpikeQuery;
use crate::Room;
use axum::http::StatusCode;
use chrono::Utc;
use serde::Serialize;
use websense_signals::db as signals_db;
use websense_signals::{candidate_from_item, candidate_from_spike, Signal};
use websense_store::{BucketSize, Filter, RangeQuery, RangeReader, TimeRange};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    /// Items of the range read from the store.
    pub items_examined: u64,
    /// Items passed over because their raw text is purged (retention ended their use).
    pub items_purged: u64,
    /// New candidates from flagged items.
    pub item_candidates: u64,
    pub spikes: u64,
    /// New candidates from spikes.
    pub spike_candidates: u64,
}

const PAGE: usize = 1000;

/// Scan the items (and spikes) whose event time lies in `range`. Items are read page by page
/// with the store's range read: each item stored when the scan started is examined once,
/// whatever is written meanwhile.
pub async fn scan(room: &Room, range: TimeRange) -> Result<ScanSummary, ApiError> {
    let mut summary = ScanSummary::default();
    let now = Utc::now();
    let mut reader = RangeReader::new(
        room.store.as_ref(),
        RangeQuery::new(range, Filter::default(), PAGE),
    );
    while let Some(page) = reader.next_page().await? {
        let mut candidates: Vec<Signal> = Vec::new();
        for stored in &page {
            let t = stored.item.event_time();
            // The store selects by the stored event time, clamped to 1970–2099.
            if t < range.from || t >= range.to {
                continue;
            }
            summary.items_examined += 1;
            if stored.text_purged {
                summary.items_purged += 1;
                continue;
            }
            candidates.extend(candidate_from_item(stored, &room.config.candidates, now));
        }
        summary.item_candidates += insert(room, candidates).await?;
    }
    if let Some(trends) = room.trends.clone() {
        let query = SpikeQuery {
            range,
            bucket: BucketSize::Hour,
            category: None,
            term: None,
            filter: None,
        };
        let spikes = trends
            .spikes(room.store.as_ref(), &query)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("spike detection failed: {e}"),
                )
            })?;
        summary.spikes = spikes.len() as u64;
        let dir = room.lexicon_dir.clone();
        let version = tokio::task::spawn_blocking(move || {
            LexiconSources::read(&dir).map(|s| s.build().0.version)
        })
        .await
        .map_err(|e| ApiError::internal("lexicon read task failed", e))?
        .unwrap_or_default();
        let candidates = spikes
            .into_iter()
            .map(|s| candidate_from_spike(s.evidence, &version, now))
            .collect();
        summary.spike_candidates = insert(room, candidates).await?;
    }
    Ok(summary)
}

async fn insert(room: &Room, candidates: Vec<Signal>) -> Result<u64, ApiError> {
    if candidates.is_empty() {
        return Ok(0);
    }
    room.db
        .run(move |c| {
            let tx = c.transaction()?;
            let mut new = 0;
            for s in &candidates {
                new += u64::from(signals_db::insert_candidate(&tx, s)?);
            }
            tx.commit()?;
            Ok(new)
        })
        .await
}
