//! Where each source left off, saved only after its items were handed on.
//!
//! A [`Cursor`] holds a source's cache validators, its newest platform id (Mastodon's
//! `since_id`, Telegram's post number, ...), the ids of the items it handed on last
//! (bounded), where older pages still wait after a failed page ([`Resume`]) and, for web
//! pages and forums, where each thread was left ([`ThreadMark`]). The
//! collector saves it through a [`CursorStore`] only after the sink accepted the items, so
//! a crash re-fetches rather than loses; the remembered ids make the re-fetch skip what was
//! already handed on, and the downstream de-duplication by id covers the
//! window between "sink accepted" and "cursor saved".
//!
//! [`FileCursorStore`] keeps one small JSON file per source under `STATE_DIR/cursors/`,
//! replaced atomically (write to a temporary file, fsync, rename), so a crash leaves either
//! the old or the new cursor, never half of one. One file per source keeps a save
//! proportional to that source, not to the whole deployment.

use crate::http::Validators;
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use websense_model::{BoxFuture, ItemId, SourceId};

/// A source's position.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(default, flatten)]
    pub validators: Validators,
    /// The newest platform id handed on (for services that page by id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_id: Option<String>,
    /// Ids of items handed on, oldest first, at most `seen_ids_per_source`.
    #[serde(default)]
    pub seen: Vec<ItemId>,
    /// Older pages a round could not fetch (a later page failed after earlier ones were
    /// handed on): the next rounds go on from there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resume: Vec<Resume>,
    /// `html` sources: where each thread was left (bounded, most recently listed first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<ThreadMark>,
}

/// Where an `html` source left one thread: the last page it read (forum threads grow at the
/// end, so the next round starts there instead of at page one) and the newest post time it
/// handed on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMark {
    /// The thread's URL as the listing links it (for a source without threads: the listing).
    pub thread: String,
    /// The page to start from next round.
    pub page: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where a broken walk through a paged source stopped: the page to fetch next, and the
/// newest id handed on before that walk began (where the gap ends).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The next page as the service named it (a URL or a page token).
    pub next: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_id: Option<String>,
}

/// A cursor store could not load or save.
#[derive(Debug, thiserror::Error)]
#[error("cursor store {path}: {message}")]
pub struct CursorError {
    pub path: String,
    pub message: String,
}

/// Where cursors are kept.
pub trait CursorStore: Send + Sync {
    /// The saved cursor of a source, `None` if it has none yet.
    fn load(&self, source: SourceId) -> BoxFuture<'_, Result<Option<Cursor>, CursorError>>;
    /// Save a source's cursor durably; `Ok` only once it survives a crash.
    fn save(&self, source: SourceId, cursor: Cursor) -> BoxFuture<'_, Result<(), CursorError>>;
}

/// One JSON file per source in a directory.
pub struct FileCursorStore {
    dir: PathBuf,
}

impl FileCursorStore {
    /// Cursors under `state_dir/cursors/` (created when missing).
    pub fn new(state_dir: &Path) -> Result<FileCursorStore, CursorError> {
        let dir = state_dir.join("cursors");
        std::fs::create_dir_all(&dir).map_err(|e| CursorError {
            path: dir.display().to_string(),
            message: format!("cannot create: {e}"),
        })?;
        Ok(FileCursorStore { dir })
    }

    fn path(&self, source: &SourceId) -> PathBuf {
        // Source ids are checked to be file-name safe by configuration validation.
        self.dir.join(format!("{}.json", source.as_str()))
    }
}

impl CursorStore for FileCursorStore {
    fn load(&self, source: SourceId) -> BoxFuture<'_, Result<Option<Cursor>, CursorError>> {
        let path = self.path(&source);
        Box::pin(async move {
            let err = |message: String| CursorError {
                path: path.display().to_string(),
                message,
            };
            let bytes = match blocking(|| std::fs::read(&path)) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(err(format!("cannot read: {e}"))),
            };
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| err(format!("unreadable cursor: {e}")))
        })
    }

    fn save(&self, source: SourceId, cursor: Cursor) -> BoxFuture<'_, Result<(), CursorError>> {
        let path = self.path(&source);
        Box::pin(async move {
            let err = |message: String| CursorError {
                path: path.display().to_string(),
                message,
            };
            let bytes =
                serde_json::to_vec(&cursor).map_err(|e| err(format!("cannot encode: {e}")))?;
            blocking(|| write_atomically(&path, &bytes))
                .map_err(|e| err(format!("cannot write: {e}")))
        })
    }
}

/// Run blocking file I/O from async code, to completion, before the calling future can be
/// dropped. Unlike `spawn_blocking`, a write started here can never land after its caller
/// was cancelled: dropping a collector behaves like a crash (a write happened or it did
/// not), never like a write arriving late behind a restarted collector's back.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        // A current-thread runtime has no other thread to move tasks to; run it in place.
        _ => f(),
    }
}

/// Replace `path` with `bytes` so that a crash leaves the old or the new content.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        // The rename itself must reach the disk too.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// The item ids a source handed on recently: a set for lookups, a queue for the order in
/// which the oldest are forgotten.
#[derive(Debug, Default)]
pub struct SeenIds {
    order: VecDeque<ItemId>,
    set: HashSet<ItemId>,
    capacity: usize,
}

impl SeenIds {
    pub fn new(capacity: usize, ids: Vec<ItemId>) -> SeenIds {
        let mut seen = SeenIds {
            order: VecDeque::new(),
            set: HashSet::new(),
            capacity,
        };
        for id in ids {
            seen.insert(id);
        }
        seen
    }

    pub fn contains(&self, id: &ItemId) -> bool {
        self.set.contains(id)
    }

    pub fn insert(&mut self, id: ItemId) {
        if self.capacity == 0 || !self.set.insert(id.clone()) {
            return;
        }
        self.order.push_back(id);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }

    pub fn to_vec(&self) -> Vec<ItemId> {
        self.order.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_ids_forget_the_oldest() {
        let id = |s: &str| ItemId(s.into());
        let mut seen = SeenIds::new(2, vec![id("a"), id("b"), id("c")]);
        assert!(!seen.contains(&id("a")) && seen.contains(&id("c")));
        seen.insert(id("c"));
        seen.insert(id("d"));
        assert_eq!(seen.to_vec(), vec![id("c"), id("d")]);
    }

    #[tokio::test]
    async fn file_store_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileCursorStore::new(dir.path()).unwrap();
        let src = SourceId::new("nos");
        assert_eq!(store.load(src.clone()).await.unwrap(), None);
        let mut c = Cursor {
            last_id: Some("12".into()),
            seen: vec![ItemId("x".into())],
            ..Cursor::default()
        };
        c.validators.etag = Some("\"v1\"".into());
        store.save(src.clone(), c.clone()).await.unwrap();
        assert_eq!(store.load(src.clone()).await.unwrap(), Some(c.clone()));
        c.last_id = Some("13".into());
        store.save(src.clone(), c.clone()).await.unwrap();
        assert_eq!(store.load(src.clone()).await.unwrap(), Some(c));
        assert!(!dir.path().join("cursors/nos.tmp").exists());
        std::fs::write(dir.path().join("cursors/bad.json"), b"{not json").unwrap();
        let e = store.load(SourceId::new("bad")).await.unwrap_err();
        assert!(e.to_string().contains("bad.json"), "{e}");
    }
}
