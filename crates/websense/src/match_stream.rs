//! The `websense match` pipeline: JSON Lines in, scored JSON Lines out, on every core.
//!
//! Three kinds of thread, joined by bounded channels:
//!
//! 1. **one reader** reads the input in large blocks and cuts it into *chunks* of whole
//!    lines (at most [`StreamOptions::chunk_lines`] lines or [`CHUNK_BYTES`] bytes, one
//!    `Vec<u8>` per chunk, no allocation per line), numbered in input order;
//! 2. **N workers** ([`StreamOptions::threads`]) each take a whole chunk and do everything
//!    else for it: split it into lines, check UTF-8, parse each line (serde_json, from the
//!    chunk's bytes), normalise, match and score the chunk's items in groups of sixteen
//!    ([`Matcher::score_sequential_ref`]: hits that borrow their strings from the matcher), serialise the results into one output buffer and the
//!    rejected lines into one error buffer, and count a per-chunk [`StreamSummary`];
//! 3. **one ordered writer** (the calling thread) writes the chunks' buffers in input order
//!    (a chunk that finishes early waits in a small reorder map) and merges the summaries.
//!
//! Memory stays bounded: the reader takes a *slot* before it reads a chunk and the writer
//! gives it back once that chunk is written, so at most `2 × threads + 2` chunks (input and
//! output) are alive at once, however far one slow chunk holds the writer back.
//!
//! The output is byte for byte what the one-threaded loop of earlier versions wrote, in the
//! same order, whatever the number of threads or the chunk size: chunks are cut on line
//! boundaries and written in input order, and every line is parsed, scored and serialised
//! exactly as before. Rejected lines keep their line number (the chunk carries the number of
//! its first line).
//!
//! # Costs
//!
//! The reader and the writer only copy bytes; everything per item runs on the workers, so
//! nothing waits on the main thread between batches (the old loop read, parsed the JSON and
//! wrote the results there). A chunk is at most 1 MiB in; on the hit-dense profile its output
//! is about seven times that, so the bound is roughly 2 x 8 MB per worker thread.
//! A chunk's items are matched in groups of sixteen, as `score_batch` does.
//!
//! Measured on a 2-core machine that was busy with other builds (load average about 8, so
//! only CPU seconds compare well; best of 3), on `websense bench corpus --profile dense
//! --corpus-mb 20` (24 MB of JSON Lines, 67,323 items, ~1 hit per 20 bytes of text):
//! main's binary 4.48–4.70 CPU-s, this pipeline 3.61–3.67 CPU-s at `--threads 1` (about
//! 1.25x less CPU; 7.4 against 5.8–6.1 MB per CPU-second). Where the time went on one
//! thread (perf, before the word table of `context.rs`): context tagging of every hit 29 %,
//! the matcher's scan and resolution 23 %, copies and allocation (hits, items) about 15 %,
//! serialising 3–4 %; parsing JSON is inlined into the worker's loop, which took 3.5 % in
//! all. So the command path is
//! bound by the matcher's per-hit work on such text, not by JSON, and a SIMD JSON parser
//! could not pay. On the sparse profile (`--profile sparse`, 24 MB) both binaries use
//! 0.41–0.47 CPU-s.
//!
//! Since then the matcher tags context from one word table per run of nearby hits and
//! the workers write hits that borrow their strings from the matcher
//! ([`Matcher::score_sequential_ref`]). Counted in instructions (callgrind, one thread,
//! whole process) on 2.7 MB of the dense profile (6,793 items, 105,408 hits): the old
//! main 3.555G, this pipeline before those changes 3.172G, now 2.525G (1.41x less than the
//! old main; 1.375G of every run is compiling the 15,000-term lexicon, so the per-item
//! work is 2.181G against 1.150G, 1.90x). On 2.4 MB of the sparse profile: 0.886G and
//! 0.895G (0.634G of it the lexicon). Per dense hit about 2,700 instructions go to
//! serialising, 2,800 to normalising and the scan, 2,800 to context tagging. The outputs
//! are byte-identical to the old main's on both profiles. The default output is now
//! written by hand ([`crate::match_json`]: a cached JSON prefix per term, exactly serde's
//! bytes) and hits are counted per term by the term string's address: 2.525G -> 2.354G;
//! the context tagging's shared range lookups then 2.312G (1.54x less than the old main;
//! with places, the default since, 2.573G). `websense bench match` prints the command path
//! beside the in-memory
//! matcher; `scripts/bench-scaling` times the whole process at 1–16 threads.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use websense_matcher::Matcher;
use websense_model::{Item, ScoredItemRef};

use crate::match_json::{AddressMap, JsonWriter};
use crate::match_output::OutputShape;

/// A chunk ends after this many bytes of input even when it holds fewer lines than asked.
pub const CHUNK_BYTES: usize = 1 << 20;

/// How [`run_stream`] runs.
#[derive(Clone, Debug)]
pub struct StreamOptions {
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Lines per chunk (at most; [`CHUNK_BYTES`] also ends a chunk).
    pub chunk_lines: usize,
    /// Write only items with at least one hit.
    pub only_hits: bool,
    /// What is written of each scored item.
    pub shape: OutputShape,
    /// Where rejected lines go: `None` lists them as `NAME:LINE: error` lines on stderr.
    pub errors_as_json: bool,
    /// The input's name in stderr messages (`-` for stdin).
    pub input_name: String,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            threads: 0,
            chunk_lines: 4096,
            only_hits: false,
            shape: OutputShape::default(),
            errors_as_json: false,
            input_name: "-".to_string(),
        }
    }
}

impl StreamOptions {
    /// Worker threads actually started.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// What a run read and found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StreamSummary {
    /// Non-blank lines read.
    pub read: u64,
    pub rejected: u64,
    pub with_hits: u64,
    /// Hits reported.
    pub hits: u64,
    /// Bytes of the non-blank lines read (with their line ends).
    pub bytes: u64,
    /// Bytes written to the output.
    pub written: u64,
    pub flagged: BTreeMap<String, u64>,
    pub terms: BTreeMap<String, u64>,
    /// Items attributed to at least one municipality.
    pub with_places: u64,
    /// Items per municipality code.
    pub municipalities: BTreeMap<String, u64>,
    /// Announcements found (`announcements` of every item).
    pub announcements: u64,
}

impl StreamSummary {
    fn merge(&mut self, other: StreamSummary) {
        self.read += other.read;
        self.rejected += other.rejected;
        self.with_hits += other.with_hits;
        self.hits += other.hits;
        self.bytes += other.bytes;
        self.written += other.written;
        for (k, v) in other.flagged {
            *self.flagged.entry(k).or_default() += v;
        }
        for (k, v) in other.terms {
            *self.terms.entry(k).or_default() += v;
        }
        self.with_places += other.with_places;
        self.announcements += other.announcements;
        for (k, v) in other.municipalities {
            *self.municipalities.entry(k).or_default() += v;
        }
    }
}

/// A piece of the input: whole lines, the first of them line number `first_line`.
struct Chunk {
    index: u64,
    first_line: u64,
    data: Vec<u8>,
}

/// What a worker made of a chunk.
struct Done<'m> {
    index: u64,
    output: Vec<u8>,
    errors: Vec<u8>,
    summary: StreamSummary,
    /// Hits per term in the chunk, the terms borrowed from the matcher.
    terms: Vec<(&'m str, u64)>,
}

#[derive(serde::Serialize)]
struct Rejected<'a> {
    line: u64,
    error: String,
    raw: &'a str,
}

/// Score the JSON Lines of `input` with `matcher` and write them to `output` (and rejected
/// lines to `errors`, or as text to stderr when it is `None`), on
/// [`StreamOptions::threads`] workers; see the module doc.
pub fn run_stream(
    matcher: &Matcher,
    input: impl Read + Send,
    output: &mut dyn Write,
    errors: Option<&mut dyn Write>,
    options: &StreamOptions,
) -> Result<StreamSummary> {
    let threads = options.worker_threads();
    let slots = 2 * threads + 2;
    let chunk_lines = options.chunk_lines.max(1);
    let (slot_tx, slot_rx) = sync_channel::<()>(slots);
    for _ in 0..slots {
        slot_tx.send(()).expect("the receiver is alive");
    }
    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(threads);
    // Shared by the workers, and dropped with the last of them: a reader waiting to hand
    // over a chunk then stops instead of waiting for ever.
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let (done_tx, done_rx) = sync_channel::<Result<Done<'_>>>(slots);
    // Buffers go round instead of being freed: a chunk's buffers are megabytes, and fresh
    // ones cost the kernel a page fault and a cleared page per 4 KiB (once measured at a
    // sixth of the run's time).
    let spare_inputs = Spares::new(slots);
    let spare_outputs = Spares::new(slots);

    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("match-reader".into())
            .spawn_scoped(scope, {
                let spare_inputs = &spare_inputs;
                move || read_chunks(input, chunk_lines, &slot_rx, &chunk_tx, spare_inputs)
            })
            .context("cannot start the reader thread")?;
        let mut workers = Vec::with_capacity(threads);
        for k in 0..threads {
            let done_tx = done_tx.clone();
            let chunk_rx = Arc::clone(&chunk_rx);
            let spares = (&spare_inputs, &spare_outputs);
            let worker = std::thread::Builder::new()
                .name(format!("match-worker-{k}"))
                .spawn_scoped(scope, move || {
                    let mut json = JsonWriter::default();
                    loop {
                        let next = chunk_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok(chunk)) = next else { break };
                        let done = score_chunk(matcher, chunk, options, &mut json, spares);
                        if done_tx.send(done).is_err() {
                            break;
                        }
                    }
                })
                .context("cannot start a worker thread")?;
            workers.push(worker);
        }
        drop(done_tx);
        drop(chunk_rx);

        let written = write_in_order(&done_rx, &slot_tx, output, errors, &spare_outputs);
        // On a write error, dropping the receivers stops the workers and then the reader.
        drop(done_rx);
        drop(slot_tx);
        for worker in workers {
            if worker.join().is_err() {
                anyhow::bail!("a worker thread panicked");
            }
        }
        let read = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked"))?;
        let summary = written?;
        read?;
        Ok(summary)
    })
}

/// The reader: chunks of whole lines, each after taking a slot.
fn read_chunks(
    input: impl Read,
    chunk_lines: usize,
    slots: &Receiver<()>,
    chunks: &SyncSender<Chunk>,
    spare_inputs: &Spares,
) -> Result<()> {
    let mut input = BufReader::with_capacity(1 << 20, input);
    let mut line_no = 0u64;
    let mut index = 0u64;
    loop {
        if slots.recv().is_err() {
            return Ok(()); // the writer stopped
        }
        let first_line = line_no + 1;
        let mut data = spare_inputs.take(CHUNK_BYTES + (CHUNK_BYTES >> 3));
        let mut lines = 0;
        while lines < chunk_lines && data.len() < CHUNK_BYTES {
            let n = input
                .read_until(b'\n', &mut data)
                .with_context(|| format!("cannot read input at line {}", line_no + 1))?;
            if n == 0 {
                break;
            }
            lines += 1;
            line_no += 1;
        }
        if lines == 0 {
            return Ok(());
        }
        let chunk = Chunk {
            index,
            first_line,
            data,
        };
        index += 1;
        if chunks.send(chunk).is_err() {
            return Ok(()); // the workers stopped
        }
    }
}

/// The writer: chunks in input order, summaries merged, a slot given back per chunk.
fn write_in_order(
    done: &Receiver<Result<Done<'_>>>,
    slots: &SyncSender<()>,
    output: &mut dyn Write,
    mut errors: Option<&mut dyn Write>,
    spare_outputs: &Spares,
) -> Result<StreamSummary> {
    let mut summary = StreamSummary::default();
    let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    for result in done {
        let chunk = result?;
        waiting.insert(chunk.index, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            output
                .write_all(&chunk.output)
                .context("cannot write output")?;
            if !chunk.errors.is_empty() {
                match errors.as_deref_mut() {
                    Some(w) => w
                        .write_all(&chunk.errors)
                        .context("cannot write errors file")?,
                    None => std::io::stderr().write_all(&chunk.errors)?,
                }
            }
            spare_outputs.give(chunk.output);
            summary.merge(chunk.summary);
            for (term, n) in chunk.terms {
                match summary.terms.get_mut(term) {
                    Some(count) => *count += n,
                    None => {
                        summary.terms.insert(term.to_string(), n);
                    }
                }
            }
            next += 1;
            // The reader may be gone (end of input): a slot nobody takes is fine.
            let _ = slots.try_send(());
        }
    }
    output.flush().context("cannot write output")?;
    if let Some(w) = errors {
        w.flush().context("cannot write errors file")?;
    }
    Ok(summary)
}

/// A worker's whole job for one chunk.
fn score_chunk<'m>(
    matcher: &'m Matcher,
    chunk: Chunk,
    options: &StreamOptions,
    json: &mut JsonWriter<'m>,
    (spare_inputs, spare_outputs): (&Spares, &Spares),
) -> Result<Done<'m>> {
    let mut summary = StreamSummary::default();
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let lines = chunk.data.split_inclusive(|&b| b == b'\n');
    for (line, raw) in (chunk.first_line..).zip(lines) {
        let parsed = match std::str::from_utf8(raw) {
            Ok(text) => {
                if text.trim().is_empty() {
                    continue;
                }
                serde_json::from_str::<Item>(text).map_err(|e| (e, None))
            }
            Err(_) => {
                // Kept (lossily) so that it is rejected by the JSON parser with its number,
                // never dropped: the same message as a whole-file reader gives.
                let lossy = format!("\u{FFFD}{}", String::from_utf8_lossy(raw));
                serde_json::from_str::<Item>(&lossy).map_err(|e| (e, Some(lossy)))
            }
        };
        summary.read += 1;
        summary.bytes += raw.len() as u64;
        match parsed {
            Ok(item) => items.push(item),
            Err((error, lossy)) => {
                summary.rejected += 1;
                let error = format!("invalid item: {error}");
                let raw = match &lossy {
                    Some(l) => l.as_str(),
                    None => std::str::from_utf8(raw).expect("checked above"),
                };
                if options.errors_as_json {
                    serde_json::to_writer(
                        &mut errors,
                        &Rejected {
                            line,
                            error,
                            raw: raw.trim_end(),
                        },
                    )?;
                    errors.push(b'\n');
                } else {
                    writeln!(errors, "{}:{line}: {error}", options.input_name)?;
                }
            }
        }
    }
    let mut output = spare_outputs.take(chunk.data.len() * 2);
    spare_inputs.give(chunk.data);
    let mut terms = TermCounts::default();
    let by_hand = options.shape == OutputShape::default();
    for scored in matcher.score_sequential_ref(items) {
        count(&mut summary, &mut terms, &scored);
        if options.only_hits && scored.matches.is_empty() {
            continue;
        }
        if by_hand {
            json.write(&mut output, &scored)?;
        } else {
            options.shape.write(&mut output, &scored)?;
        }
        output.push(b'\n');
    }
    summary.written = output.len() as u64;
    Ok(Done {
        index: chunk.index,
        output,
        errors,
        summary,
        terms: terms.into_values().collect(),
    })
}

/// Hits per term, keyed by the address of the term string the matcher lends (one term,
/// one address for the run): no string hashed or compared per hit.
type TermCounts<'m> = AddressMap<(usize, usize), (&'m str, u64)>;

/// Emptied buffers waiting to be used again (at most as many as fit; the rest are freed).
struct Spares {
    give: SyncSender<Vec<u8>>,
    take: Mutex<Receiver<Vec<u8>>>,
}

impl Spares {
    fn new(capacity: usize) -> Spares {
        let (give, take) = sync_channel(capacity);
        Spares {
            give,
            take: Mutex::new(take),
        }
    }

    /// A spare buffer, or a new one of `capacity` bytes.
    fn take(&self, capacity: usize) -> Vec<u8> {
        let spare = self.take.lock().ok().and_then(|rx| rx.try_recv().ok());
        spare.unwrap_or_else(|| Vec::with_capacity(capacity))
    }

    fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        let _ = self.give.try_send(buffer);
    }
}

fn count<'m>(summary: &mut StreamSummary, terms: &mut TermCounts<'m>, scored: &ScoredItemRef<'m>) {
    if !scored.matches.is_empty() {
        summary.with_hits += 1;
    }
    summary.hits += scored.matches.len() as u64;
    for category in scored.flagged() {
        match summary.flagged.get_mut(category) {
            Some(n) => *n += 1,
            None => {
                summary.flagged.insert(category.to_string(), 1);
            }
        }
    }
    if !scored.municipalities.is_empty() {
        summary.with_places += 1;
    }
    summary.announcements += scored.announcements.len() as u64;
    for code in &scored.municipalities {
        match summary.municipalities.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                summary.municipalities.insert(code.clone(), 1);
            }
        }
    }
    for hit in &scored.matches {
        let key = (hit.term.as_ptr() as usize, hit.term.len());
        terms.entry(key).or_insert((hit.term, 0)).1 += 1;
    }
}
