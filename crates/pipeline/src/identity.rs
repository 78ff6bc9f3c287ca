//! The store and the collector's cursors belong together.
//!
//! A cursor says "everything before here is stored". If the store is deleted, emptied,
//! replaced or restored from an older backup, the cursors no longer tell the truth and the
//! items they passed are never fetched again: the store would start silently empty or with a
//! hole. So the store carries an identity ([`StoreIdentity`]: a UUID and a generation), and
//! the state directory keeps the identity of the store its cursors were saved for
//! (`STATE_DIR/store-identity.json`). At every start of a process that keeps cursors and
//! can reach the store ([`reconcile`]; `websense run`, and `websense collect` onto Kafka):
//!
//! * no identity beside the cursors (first start, or a release before this one): the
//!   store's is recorded;
//! * the store has no identity, another one, or a generation behind the cursors' while
//!   cursors exist: the start is refused with what happened and how to re-collect;
//!   `--reset-cursors` moves the cursors aside (`STATE_DIR/cursors.before-<time>`), so every
//!   source is fetched from what it still offers, and the store's de-duplication by id
//!   keeps what it has from counting twice;
//! * otherwise the generation counts up, in the store first and then beside the cursors,
//!   at start and hourly ([`keep_current`]). A store restored from a backup made before the
//!   last count is behind its cursors and detected; a crash between the two writes leaves
//!   the store ahead, which is harmless (cursors behind the store only fetch again).

use crate::service::PipelineError;
use chrono::Utc;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use websense_store::{Store, StoreIdentity};

/// The store identity beside the cursors, in the state directory.
pub const IDENTITY_FILE: &str = "store-identity.json";

/// How often the generation counts up while collecting.
const PERIOD: Duration = Duration::from_secs(3600);

/// Check that the cursors in `state_dir` belong to `store` (see the module documentation),
/// then count the generation up. With `reset_cursors`, cursors that do not belong are moved
/// aside instead of refusing to start.
pub async fn reconcile(
    store: &dyn Store,
    state_dir: &Path,
    reset_cursors: bool,
) -> Result<StoreIdentity, PipelineError> {
    let saved = read_saved(state_dir)?;
    let current = store.identity().await?;
    let cursors = state_dir.join("cursors");
    if let Some(problem) = mismatch(saved.as_ref(), current.as_ref()) {
        if has_cursors(&cursors) {
            if !reset_cursors {
                return Err(PipelineError::Config(format!(
                    "{problem} The cursors in {} would never fetch again what the store lacks. \
                     To collect again what the sources still offer, start once with \
                     --reset-cursors (the cursors are kept aside in {}); items the store still \
                     has are not counted twice. See deploy/operations.md, \"Store and cursors\".",
                    cursors.display(),
                    state_dir.join("cursors.before-<time>").display()
                )));
            }
            let aside = state_dir.join(format!(
                "cursors.before-{}",
                Utc::now().format("%Y%m%dT%H%M%SZ")
            ));
            std::fs::rename(&cursors, &aside).map_err(|e| {
                PipelineError::Config(format!(
                    "cannot move the cursors {} aside to {}: {e}",
                    cursors.display(),
                    aside.display()
                ))
            })?;
            tracing::warn!(
                %problem,
                kept_in = %aside.display(),
                "--reset-cursors: cursors moved aside; every source is collected again from what it still offers"
            );
        } else {
            tracing::warn!(%problem, "no cursors to lose; recording the store's identity");
        }
    } else if saved.is_none() {
        tracing::info!(
            state_dir = %state_dir.display(),
            "recording the store's identity beside the cursors"
        );
    }
    advance(store, state_dir).await
}

/// Count the generation up hourly until `stop`, so that a restored backup is noticed.
pub fn keep_current(
    store: Arc<dyn Store>,
    state_dir: PathBuf,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(PERIOD) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            if let Err(e) = advance(store.as_ref(), &state_dir).await {
                tracing::error!(error = %e, "cannot count the store generation up; trying again in an hour");
            }
        }
    })
}

/// What is wrong between the identity beside the cursors and the store's, if anything.
fn mismatch(saved: Option<&StoreIdentity>, current: Option<&StoreIdentity>) -> Option<String> {
    let saved = saved?;
    Some(match current {
        None => format!(
            "The store has no identity: it is new or was emptied (deleted or replaced), but the \
             cursors were saved for store {} (generation {}).",
            saved.id, saved.generation
        ),
        Some(c) if c.id != saved.id => format!(
            "The store is store {}, not store {} the cursors were saved for: it was replaced.",
            c.id, saved.id
        ),
        Some(c) if c.generation < saved.generation => format!(
            "The store (generation {}) is older than its cursors (generation {}): it was \
             restored from a backup.",
            c.generation, saved.generation
        ),
        Some(_) => return None,
    })
}

fn has_cursors(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .unwrap_or(false)
}

fn read_saved(state_dir: &Path) -> Result<Option<StoreIdentity>, PipelineError> {
    let path = state_dir.join(IDENTITY_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(PipelineError::Config(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        PipelineError::Config(format!(
            "{} is unreadable ({e}); if the store is the right one, delete the file and start again",
            path.display()
        ))
    })
}

async fn advance(store: &dyn Store, state_dir: &Path) -> Result<StoreIdentity, PipelineError> {
    let next = store.next_generation().await?;
    std::fs::create_dir_all(state_dir)?;
    let path = state_dir.join(IDENTITY_FILE);
    let bytes = serde_json::to_vec_pretty(&next).map_err(std::io::Error::other)?;
    write_atomically(&path, &bytes)
        .map_err(|e| PipelineError::Config(format!("cannot write {}: {e}", path.display())))?;
    Ok(next)
}

/// A crash leaves the old or the new file, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(id: &str, generation: u64) -> StoreIdentity {
        StoreIdentity {
            id: id.into(),
            generation,
        }
    }

    #[test]
    fn what_counts_as_a_mismatch() {
        assert_eq!(mismatch(None, None), None, "first start");
        assert_eq!(
            mismatch(None, Some(&id("a", 3))),
            None,
            "a new state directory"
        );
        assert_eq!(mismatch(Some(&id("a", 3)), Some(&id("a", 3))), None);
        assert_eq!(
            mismatch(Some(&id("a", 3)), Some(&id("a", 4))),
            None,
            "the store ahead: a crash between the two writes"
        );
        assert!(mismatch(Some(&id("a", 3)), None)
            .unwrap()
            .contains("no identity"));
        assert!(mismatch(Some(&id("a", 3)), Some(&id("b", 9)))
            .unwrap()
            .contains("replaced"));
        assert!(mismatch(Some(&id("a", 3)), Some(&id("a", 2)))
            .unwrap()
            .contains("backup"));
    }
}
