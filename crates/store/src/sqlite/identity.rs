//! The embedded store's identity (see [`crate::StoreIdentity`]): two rows of `store_meta`.

use super::SqliteStore;
use crate::{StoreError, StoreIdentity};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

fn read(conn: &Connection) -> rusqlite::Result<Option<StoreIdentity>> {
    let value = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM store_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
    };
    let Some(id) = value("identity")? else {
        return Ok(None);
    };
    let generation = value("generation")?
        .and_then(|g| g.parse().ok())
        .unwrap_or(0);
    Ok(Some(StoreIdentity { id, generation }))
}

fn next_generation(conn: &mut Connection) -> rusqlite::Result<StoreIdentity> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let next = match read(&tx)? {
        Some(current) => StoreIdentity {
            generation: current.generation + 1,
            ..current
        },
        None => StoreIdentity {
            id: uuid::Uuid::new_v4().to_string(),
            generation: 1,
        },
    };
    for (key, value) in [
        ("identity", next.id.clone()),
        ("generation", next.generation.to_string()),
    ] {
        tx.execute(
            "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value.as_str()],
        )?;
    }
    tx.commit()?;
    Ok(next)
}

impl SqliteStore {
    pub(crate) async fn read_identity(&self) -> Result<Option<StoreIdentity>, StoreError> {
        self.with_writer(|w| read(&w.conn)).await
    }

    pub(crate) async fn claim_generation(&self) -> Result<StoreIdentity, StoreError> {
        self.with_writer(|w| next_generation(&mut w.conn)).await
    }
}
