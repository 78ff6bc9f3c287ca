//! Item retention: `[store] retention` drops whole months of items (with their matches,
//! scores and roll-ups) once every item of the month is older than that, hourly, in every
//! process that writes the store (`websense run`, `websense store`). Dropping is idempotent,
//! so several writers doing it is harmless. Raw-text expiry (`[privacy]
//! raw_text_retention`, much shorter) is the Room's, and keeps the counts.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use websense_store::{Store, StoreError};

/// How often retention runs.
const PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// Drop what is older than `days` before `now`; returns the items dropped.
pub async fn drop_expired(
    store: &dyn Store,
    days: u32,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    store
        .drop_older_than(now - Duration::days(i64::from(days)))
        .await
}

/// Run [`drop_expired`] now and then hourly until `stop` turns true.
pub fn spawn(store: Arc<dyn Store>, days: u32, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match drop_expired(store.as_ref(), days, Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, days, "retention: dropped months of items"),
                Err(e) => tracing::error!(error = %e, "retention failed; trying again in an hour"),
            }
            tokio::select! {
                _ = tokio::time::sleep(PERIOD) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::{Item, ItemId, ScoredItem, SourceId, SourceKind, SourceRef};
    use websense_store::{SqliteStore, TotalsQuery};

    fn item(n: u32, at: DateTime<Utc>) -> ScoredItem {
        let source = SourceRef {
            id: SourceId::new("s"),
            kind: SourceKind::Feed,
            tags: vec![],
        };
        let mut item = Item::new(ItemId::derive(&source.id, &n.to_string()), source, "tekst");
        item.published_at = Some(at);
        ScoredItem {
            item,
            lexicon_version: "lx-test".into(),
            matches: vec![],
            scores: vec![],
            places: Vec::new(),
            municipalities: Vec::new(),
            announcements: Vec::new(),
        }
    }

    #[tokio::test]
    async fn months_older_than_the_retention_go_and_the_rest_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
        store.migrate().await.unwrap();
        let now = "2026-11-22T12:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let old: Vec<_> = (0..5)
            .map(|n| item(n, "2026-06-10T00:00:00Z".parse().unwrap()))
            .collect();
        let recent: Vec<_> = (5..8).map(|n| item(n, now - Duration::days(3))).collect();
        store.write(old).await.unwrap();
        store.write(recent).await.unwrap();
        assert_eq!(drop_expired(&store, 90, now).await.unwrap(), 5);
        let left = store.totals(&TotalsQuery::default()).await.unwrap();
        assert_eq!(left.items, 3);
        assert_eq!(
            drop_expired(&store, 90, now).await.unwrap(),
            0,
            "idempotent"
        );
    }
}
