//! The JSON Lines output: items, one JSON object per line, to a file or standard output.
//!
//! `send` returns only after the batch is written, flushed and (for files) fsynced: that is
//! the "durably accepted" an [`ItemSink`] promises, after which the collector saves cursors.
//!
//! A file is appended to, and it is its own de-duplication: on opening, the ids already in
//! it are read back, so items repeated after a crash (handed on, cursor not yet saved) are
//! not written twice. A line torn by a crash mid-write is cut off first. The cost is one id
//! (about 100 bytes with the set's overhead) in memory per line in the file; the bus and the
//! store sinks de-duplicate downstream instead.

use crate::cursor::blocking;
use serde::Deserialize;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use websense_model::{BoxFuture, Item, ItemId, ItemSink, SinkError};

/// Writes items as JSON Lines.
pub struct JsonlSink {
    name: String,
    target: Mutex<Target>,
}

enum Target {
    Stdout,
    File {
        file: File,
        written: HashSet<ItemId>,
    },
}

impl JsonlSink {
    /// Write to standard output (no de-duplication across runs).
    pub fn stdout() -> JsonlSink {
        JsonlSink {
            name: "jsonl:-".into(),
            target: Mutex::new(Target::Stdout),
        }
    }

    /// Append to `path`, creating it if needed, skipping items whose ids are already in it.
    pub fn append_to(path: &Path) -> Result<JsonlSink, SinkError> {
        let name = format!("jsonl:{}", path.display());
        let err = |m: String| SinkError::new(name.clone(), m);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| err(format!("cannot open: {e}")))?;
        let written =
            read_ids(&mut file, path).map_err(|e| err(format!("cannot read back: {e}")))?;
        Ok(JsonlSink {
            name,
            target: Mutex::new(Target::File { file, written }),
        })
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: ItemId,
}

/// The ids in an existing file; a torn last line (no newline: a crash mid-write) is removed.
fn read_ids(file: &mut File, path: &Path) -> std::io::Result<HashSet<ItemId>> {
    let mut ids = HashSet::new();
    let mut reader = BufReader::new(&mut *file);
    reader.seek(SeekFrom::Start(0))?;
    let mut line = Vec::new();
    let mut good_len = 0u64;
    let mut line_no = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if line.last() != Some(&b'\n') {
            tracing::warn!(file = %path.display(), line = line_no, "cutting off a torn last line (left by a crash mid-write)");
            break;
        }
        good_len += n as u64;
        match serde_json::from_slice::<IdOnly>(&line) {
            Ok(r) => {
                ids.insert(r.id);
            }
            Err(_) if line.iter().all(u8::is_ascii_whitespace) => {}
            Err(e) => {
                tracing::warn!(file = %path.display(), line = line_no, error = %e, "line without an item id")
            }
        }
    }
    drop(reader);
    if file.metadata()?.len() != good_len {
        file.set_len(good_len)?;
    }
    Ok(ids)
}

impl ItemSink for JsonlSink {
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            blocking(|| write_batch(&self.target, items))
                .map_err(|e| SinkError::new(self.name.clone(), e))
        })
    }
}

fn write_batch(target: &Mutex<Target>, items: Vec<Item>) -> Result<(), String> {
    let mut target = target.lock().unwrap_or_else(|p| p.into_inner());
    let mut buf = Vec::with_capacity(items.len() * 512);
    match &mut *target {
        Target::Stdout => {
            for item in &items {
                serde_json::to_writer(&mut buf, item).map_err(|e| e.to_string())?;
                buf.push(b'\n');
            }
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write: {e}"))
        }
        Target::File { file, written } => {
            // A set, not a list: a batch of n items costs n look-ups, not n² comparisons.
            let mut fresh: HashSet<&ItemId> = HashSet::with_capacity(items.len());
            for item in &items {
                if written.contains(&item.id) || !fresh.insert(&item.id) {
                    continue;
                }
                serde_json::to_writer(&mut buf, item).map_err(|e| e.to_string())?;
                buf.push(b'\n');
            }
            if buf.is_empty() {
                return Ok(());
            }
            file.write_all(&buf)
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("cannot write: {e}"))?;
            written.extend(fresh.into_iter().cloned());
            Ok(())
        }
    }
}

/// Where `--output` points: a path, or `-` for standard output.
pub fn open_output(spec: &str) -> Result<JsonlSink, SinkError> {
    if spec == "-" {
        Ok(JsonlSink::stdout())
    } else {
        JsonlSink::append_to(&PathBuf::from(spec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::{read_jsonl, SourceRef};

    fn item(id: &str) -> Item {
        Item::new(
            ItemId(id.into()),
            SourceRef::unknown(),
            format!("tekst {id}"),
        )
    }

    #[tokio::test]
    async fn appends_and_skips_ids_already_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let sink = JsonlSink::append_to(&path).unwrap();
        sink.send(vec![item("a"), item("b"), item("a")])
            .await
            .unwrap();
        drop(sink);
        // A crash mid-write leaves a torn line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":\"c\",\"te")
            .unwrap();
        let sink = JsonlSink::append_to(&path).unwrap();
        sink.send(vec![item("b"), item("c")]).await.unwrap();
        let ids: Vec<String> = read_jsonl::<Item, _>(BufReader::new(File::open(&path).unwrap()))
            .map(|r| r.unwrap().1.id.0)
            .collect();
        assert_eq!(ids, vec!["a", "b", "c"]);
    }
}
