//! The ClickHouse store's identity (see [`crate::StoreIdentity`]): one row per generation in
//! `store_identity`, the highest generation wins. Two collectors starting for the very
//! first time at the same moment could each write a different id; the one sorted first
//! wins, and the other's next start reports the mismatch.

use super::{ch_err, ClickhouseStore};
use crate::{StoreError, StoreIdentity};
use ::clickhouse::Row;
use serde::{Deserialize, Serialize};

#[derive(Row, Serialize, Deserialize)]
struct IdentityRow {
    id: String,
    generation: u64,
    at: u32,
}

impl ClickhouseStore {
    pub(crate) async fn read_identity(&self) -> Result<Option<StoreIdentity>, StoreError> {
        let rows: Vec<(String, u64)> = self
            .inner
            .client
            .query(&format!(
                "SELECT id, generation FROM {}.store_identity ORDER BY generation DESC, id LIMIT 1",
                self.inner.db
            ))
            .fetch_all()
            .await
            .map_err(ch_err("read store identity"))?;
        Ok(rows
            .into_iter()
            .next()
            .map(|(id, generation)| StoreIdentity { id, generation }))
    }

    pub(crate) async fn claim_generation(&self) -> Result<StoreIdentity, StoreError> {
        let next = match self.read_identity().await? {
            Some(current) => StoreIdentity {
                generation: current.generation + 1,
                ..current
            },
            None => StoreIdentity {
                id: uuid::Uuid::new_v4().to_string(),
                generation: 1,
            },
        };
        let mut insert = self
            .inner
            .client
            .insert::<IdentityRow>("store_identity")
            .await
            .map_err(ch_err("write store identity"))?;
        insert
            .write(&IdentityRow {
                id: next.id.clone(),
                generation: next.generation,
                at: chrono::Utc::now().timestamp().max(0) as u32,
            })
            .await
            .map_err(ch_err("write store identity"))?;
        insert.end().await.map_err(ch_err("write store identity"))?;
        Ok(next)
    }
}
