//! The collector: every enabled source, once or on its interval, into one sink.
//!
//! A round of a source is: harvest (fetch and parse, see the `sources` module), drop items
//! handed on before (by id), hand the rest to the sink, and only then save the cursor. A
//! failing source is logged and recorded in its status; it never stops the others. In
//! continuous mode a stop signal interrupts harvests and sleeps, but not a hand-over in
//! progress: that one finishes and saves its cursor first.
//!
//! Telegram channels an admin added in the Room ([`crate::discovery`]) join the sources when
//! the collector starts, and while it runs continuously within `ADDED_CHECK` (or the default
//! interval, when shorter); the mentions of other channels in the posts handed on are counted.

use crate::config::{CollectConfig, Config, Source, SourceSpec};
use crate::cursor::{Cursor, CursorStore, SeenIds};
use crate::discovery::{added_sources, Discovery};
use crate::http::Fetcher;
use crate::parse::ItemContext;
use crate::sources::{harvest, Harvest, RoundError};
use crate::status::{LastError, Progress, SourceStatus, StatusBoard};
use chrono::Utc;
use rand::Rng;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::{watch, Mutex, Semaphore};
use tokio::task::JoinSet;
use websense_model::{Backoff, HandleRecorder, Item, ItemSink, PseudonymKey, SourceId, SourceRef};

/// The collector could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// A source's failed round, as reported.
#[derive(Clone, Debug)]
pub struct SourceFailure {
    pub source: SourceId,
    pub url: String,
    pub message: String,
}

impl std::fmt::Display for SourceFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "source `{}` ({}): {}",
            self.source, self.url, self.message
        )
    }
}

/// What a collect did.
#[derive(Debug, Default)]
pub struct Summary {
    pub sources: usize,
    /// Sources whose last round succeeded (including "not modified").
    pub sources_ok: usize,
    /// Sources whose last round failed.
    pub sources_failed: usize,
    pub items: u64,
    pub duplicates: u64,
    /// The last failure of each failing source.
    pub failures: Vec<SourceFailure>,
}

struct SourceTask {
    source: Source,
    /// Loaded from the cursor store on the first round.
    state: Mutex<Option<SourceState>>,
}

impl SourceTask {
    fn new(source: Source) -> Arc<SourceTask> {
        Arc::new(SourceTask {
            source,
            state: Mutex::new(None),
        })
    }
}

struct SourceState {
    cursor: Cursor,
    seen: SeenIds,
}

enum RoundOutcome {
    Ok,
    Failed { error: RoundError },
    Stopped,
}

/// How often a continuous collector looks for Telegram channels added in the Room (at most).
const ADDED_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Collects every enabled source of a configuration.
pub struct Collector {
    /// The enabled sources, and the Telegram channels added in the Room since.
    tasks: std::sync::Mutex<Vec<Arc<SourceTask>>>,
    /// Every configured source, enabled or not: an added channel never doubles one.
    configured: Vec<Source>,
    collect: CollectConfig,
    discovery: Arc<Discovery>,
    /// Whether `run` looks for added channels: Telegram is collected or was added to.
    watch_added: bool,
    fetcher: Fetcher,
    sink: Arc<dyn ItemSink>,
    cursors: Arc<dyn CursorStore>,
    status: Arc<StatusBoard>,
    progress: Arc<Progress>,
    key: Arc<PseudonymKey>,
    keep_author_handles: bool,
    /// Told every author handle before the handle is dropped (the author vault), if any.
    handles: Option<Arc<dyn HandleRecorder>>,
    seen_capacity: usize,
    slots: Semaphore,
    /// Sources an admin switched off at run time (`STATE_DIR/switches.json`).
    switches_file: std::path::PathBuf,
}

impl Collector {
    /// Set up a collector for the enabled sources of `config`. Loads the pseudonym key, or
    /// generates one (and says so) when the key file does not exist yet.
    pub fn new(
        config: &Config,
        sink: Arc<dyn ItemSink>,
        cursors: Arc<dyn CursorStore>,
    ) -> Result<Arc<Collector>, SetupError> {
        Collector::setup(config, sink, cursors, None)
    }

    /// As [`Collector::new`], and every author handle of an item about to be handed on is
    /// first given to `handles` with its pseudonym (the author vault,
    /// `privacy.author_vault`). The items themselves still carry a handle only with
    /// `privacy.keep_author_handles`.
    pub fn recording_handles(
        config: &Config,
        sink: Arc<dyn ItemSink>,
        cursors: Arc<dyn CursorStore>,
        handles: Arc<dyn HandleRecorder>,
    ) -> Result<Arc<Collector>, SetupError> {
        Collector::setup(config, sink, cursors, Some(handles))
    }

    fn setup(
        config: &Config,
        sink: Arc<dyn ItemSink>,
        cursors: Arc<dyn CursorStore>,
        handles: Option<Arc<dyn HandleRecorder>>,
    ) -> Result<Arc<Collector>, SetupError> {
        let sources = config.sources().map_err(|e| SetupError(e.to_string()))?;
        let state_dir = &config.collect.state_dir;
        std::fs::create_dir_all(state_dir).map_err(|e| {
            SetupError(format!(
                "cannot create state_dir {}: {e}",
                state_dir.display()
            ))
        })?;
        let key = crate::key::load_or_create_key(&crate::key::key_file(config)?)?;
        let fetcher = Fetcher::new(&config.collect).map_err(SetupError)?;
        let discovery = Discovery::new(state_dir, &sources);
        let decisions = discovery.decisions();
        let mut enabled: Vec<Source> = sources.iter().filter(|s| s.enabled).cloned().collect();
        enabled.extend(added_sources(&decisions, &sources, &config.collect));
        for s in &enabled {
            discovery.collecting(s);
        }
        let watch_added = !decisions.added.is_empty()
            || enabled
                .iter()
                .any(|s| matches!(s.spec, SourceSpec::Telegram { .. }));
        let status = StatusBoard::new(
            enabled
                .iter()
                .map(|s| SourceStatus::new(s.id.clone(), s.kind, s.start_url()))
                .collect(),
            Some(state_dir.join(websense_model::STATUS_FILE)),
        );
        Ok(Arc::new(Collector {
            tasks: std::sync::Mutex::new(enabled.into_iter().map(SourceTask::new).collect()),
            configured: sources,
            collect: config.collect.clone(),
            discovery: Arc::new(discovery),
            watch_added,
            fetcher,
            sink,
            cursors,
            status: Arc::new(status),
            progress: Arc::new(Progress::default()),
            key: Arc::new(key),
            keep_author_handles: config.privacy.keep_author_handles,
            handles,
            seen_capacity: config.collect.seen_ids_per_source,
            slots: Semaphore::new(config.collect.max_concurrent_sources),
            switches_file: state_dir.join(crate::switches::SWITCHES_FILE),
        }))
    }

    /// Number of enabled sources (with the Telegram channels added in the Room).
    pub fn source_count(&self) -> usize {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn tasks(&self) -> Vec<Arc<SourceTask>> {
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The Telegram channels added in the Room since the collector started (or last looked),
    /// as new tasks, with their status entries.
    fn pick_up_added(&self) -> Vec<Arc<SourceTask>> {
        let decisions = self.discovery.decisions();
        if decisions.added.is_empty() {
            return Vec::new();
        }
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        let mut current = self.configured.clone();
        current.extend(tasks.iter().map(|t| t.source.clone()));
        let new: Vec<Arc<SourceTask>> = added_sources(&decisions, &current, &self.collect)
            .into_iter()
            .map(SourceTask::new)
            .collect();
        for task in &new {
            let s = &task.source;
            self.discovery.collecting(s);
            self.status
                .add(SourceStatus::new(s.id.clone(), s.kind, s.start_url()));
        }
        tasks.extend(new.iter().cloned());
        new
    }

    pub fn status(&self) -> Arc<StatusBoard> {
        self.status.clone()
    }

    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// One round of every enabled source, all at once within the concurrency limits.
    /// Dropping the returned future stops every source task with it.
    pub async fn run_once(self: &Arc<Self>) -> Summary {
        self.pick_up_added();
        let mut set = JoinSet::new();
        for task in self.tasks() {
            let me = self.clone();
            set.spawn(async move { me.round(&task, None).await });
        }
        self.join_all(set).await
    }

    /// Every enabled source on its own interval, until `stop` turns true. Dropping the
    /// returned future stops every source task with it (as a crash would); sending `true`
    /// stops them gracefully.
    pub async fn run(self: &Arc<Self>, stop: watch::Receiver<bool>) -> Summary {
        let mut set = JoinSet::new();
        let spawn = |set: &mut JoinSet<()>, task: Arc<SourceTask>| {
            let (me, stop) = (self.clone(), stop.clone());
            set.spawn(async move { me.source_loop(task, stop).await });
        };
        for task in self.tasks() {
            spawn(&mut set, task);
        }
        if self.watch_added {
            let mut stop = stop.clone();
            let mut ticks = tokio::time::interval(ADDED_CHECK.min(self.collect.default_interval));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        for task in self.pick_up_added() {
                            spawn(&mut set, task);
                        }
                    }
                    Some(Err(e)) = set.join_next(), if !set.is_empty() => {
                        tracing::error!(error = %e, "a source task failed");
                    }
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        }
        self.join_all(set).await
    }

    async fn join_all<T: 'static>(&self, mut set: JoinSet<T>) -> Summary {
        while let Some(result) = set.join_next().await {
            if let Err(e) = result {
                tracing::error!(error = %e, "a source task failed");
            }
        }
        self.status.persist(true).await;
        self.discovery.persist().await;
        self.summary()
    }

    async fn source_loop(&self, task: Arc<SourceTask>, mut stop: watch::Receiver<bool>) {
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                return;
            }
            let pause = match self.round(&task, Some(stop.clone())).await {
                RoundOutcome::Stopped => return,
                RoundOutcome::Ok => {
                    failures = 0;
                    task.source.interval
                }
                RoundOutcome::Failed { error } => {
                    failures = failures.saturating_add(1);
                    // A failing source is asked less often: its interval doubling up to 8
                    // times its interval (the top of the backoff window, not a draw from it:
                    // a failing source is never asked sooner than a healthy one), and never
                    // before its server's Retry-After.
                    failing_backoff(task.source.interval)
                        .ceiling(failures - 1)
                        .max(error.retry_after.unwrap_or_default())
                }
            };
            // A little jitter keeps sources with equal intervals from moving in lockstep.
            let pause = pause.mul_f64(rand::rng().random_range(0.9..1.1));
            self.status.update(&task.source.id, |s| {
                s.next_fetch = chrono::Duration::from_std(pause)
                    .ok()
                    .map(|d| Utc::now() + d)
            });
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// One round of one source. With `stop`, the harvest is abandoned when it fires; a
    /// hand-over that has begun always completes.
    async fn round(&self, task: &SourceTask, stop: Option<watch::Receiver<bool>>) -> RoundOutcome {
        let Ok(_slot) = self.slots.acquire().await else {
            return RoundOutcome::Stopped;
        };
        let source = &task.source;
        if self.switched_off(source) {
            return RoundOutcome::Ok;
        }
        let mut state = task.state.lock().await;
        if state.is_none() {
            match self.cursors.load(source.id.clone()).await {
                Ok(cursor) => {
                    let mut cursor = cursor.unwrap_or_default();
                    let seen = SeenIds::new(self.seen_capacity, std::mem::take(&mut cursor.seen));
                    *state = Some(SourceState { cursor, seen });
                }
                Err(e) => {
                    let error = RoundError {
                        url: source.start_url(),
                        message: e.to_string(),
                        retry_after: None,
                    };
                    return self.record_failure(source, error).await;
                }
            }
        }
        let st = state.as_mut().expect("state loaded above");
        let ctx = ItemContext {
            source: SourceRef {
                id: source.id.clone(),
                kind: source.kind,
                tags: source.tags.clone(),
            },
            key: self.key.clone(),
            // The recorder needs the handle; `record_handles` drops it again afterwards.
            keep_author_handles: self.keep_author_handles || self.handles.is_some(),
            fetched_at: Utc::now(),
        };
        let harvested = {
            let work = harvest(source, &self.fetcher, &st.cursor, &st.seen, &ctx);
            match stop {
                None => work.await,
                Some(mut stop) => tokio::select! {
                    r = work => r,
                    _ = stop.wait_for(|s| *s) => return RoundOutcome::Stopped,
                },
            }
        };
        match harvested {
            Ok(h) => self.deliver(source, st, h).await,
            Err(error) => self.record_failure(source, error).await,
        }
    }

    /// Whether an admin switched `source` off. An unreadable switches file is logged and
    /// read as "all on": the configuration, which enables the source, still holds.
    fn switched_off(&self, source: &Source) -> bool {
        match crate::switches::Switches::read(&self.switches_file) {
            Ok(s) if s.is_off(source.id.as_str()) => {
                tracing::debug!(source = %source.id, "switched off in the Room; round skipped");
                true
            }
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(source = %source.id, error = %e, "switches file unreadable; collecting");
                false
            }
        }
    }

    /// Give every author handle to the recorder, then drop the handles the configuration does
    /// not keep. A recorder failure is logged; the item goes on (it is not lost, only its
    /// author cannot be resolved later).
    fn record_handles(&self, source: &SourceId, items: &mut [Item]) {
        let Some(recorder) = &self.handles else {
            return;
        };
        for item in items {
            let event_time = item.event_time();
            let Some(author) = &mut item.author else {
                continue;
            };
            if let Some(handle) = &author.handle {
                if let Err(e) = recorder.record(source, &author.pseudonym, handle, event_time) {
                    tracing::warn!(source = %source, item = %item.id, error = %e, "author handle not recorded in the vault");
                }
            }
            if !self.keep_author_handles {
                author.handle = None;
            }
        }
    }

    /// Hand new items on, then save the cursor.
    async fn deliver(
        &self,
        source: &Source,
        st: &mut SourceState,
        harvest: Harvest,
    ) -> RoundOutcome {
        for w in &harvest.warnings {
            tracing::warn!(source = %source.id, url = %source.start_url(), warning = %w, "odd input");
        }
        if let Some(guess) = &harvest.encoding_guess {
            tracing::info!(source = %source.id, encoding = %guess, "no charset declared; encoding guessed");
        }
        let mut batch_ids = HashSet::new();
        let mut fresh = Vec::new();
        let mut duplicates = 0usize;
        let mentions = harvest.mentions;
        for item in harvest.items {
            if st.seen.contains(&item.id) || !batch_ids.insert(item.id.clone()) {
                duplicates += 1;
            } else {
                fresh.push(item);
            }
        }
        self.record_handles(&source.id, &mut fresh);
        let ids: Vec<_> = fresh.iter().map(|i| i.id.clone()).collect();
        let count = fresh.len();
        if !fresh.is_empty() {
            if let Err(e) = self.sink.send(fresh).await {
                let error = RoundError {
                    url: e.sink.clone(),
                    message: format!("sink refused the items: {}", e.message),
                    retry_after: None,
                };
                return self.record_failure(source, error).await;
            }
        }
        // Counted once per post: only posts handed on for the first time.
        let fresh_ids: HashSet<&websense_model::ItemId> = ids.iter().collect();
        let mentions: Vec<_> = mentions
            .into_iter()
            .filter(|m| fresh_ids.contains(&m.item))
            .collect();
        self.discovery.record(&source.id, &mentions).await;
        let before = (
            st.cursor.validators.clone(),
            st.cursor.last_id.clone(),
            st.cursor.resume.clone(),
            st.cursor.threads.clone(),
        );
        for id in ids {
            st.seen.insert(id);
        }
        if let Some(v) = harvest.validators {
            st.cursor.validators = v;
        }
        // Never backwards: a round that only filled an older gap brings older ids.
        if let Some(newest) = harvest.last_id {
            let newer = st.cursor.last_id.as_deref().is_none_or(|old| {
                crate::sources::cmp_ids(&newest, old) == std::cmp::Ordering::Greater
            });
            if newer {
                st.cursor.last_id = Some(newest);
            }
        }
        st.cursor.resume = harvest.resume;
        if let Some(threads) = harvest.threads {
            st.cursor.threads = threads;
        }
        let after = (
            st.cursor.validators.clone(),
            st.cursor.last_id.clone(),
            st.cursor.resume.clone(),
            st.cursor.threads.clone(),
        );
        if count > 0 || before != after {
            let cursor = Cursor {
                seen: st.seen.to_vec(),
                ..st.cursor.clone()
            };
            if let Err(e) = self.cursors.save(source.id.clone(), cursor).await {
                // The items are out; without the cursor they will come again and be
                // de-duplicated downstream. Loud, but not a lost item.
                tracing::error!(source = %source.id, error = %e, "cannot save cursor");
            }
        }
        tracing::info!(source = %source.id, items = count, duplicates, not_modified = harvest.not_modified, "round done");
        self.progress.rounds_ok.fetch_add(1, Ordering::Relaxed);
        self.progress
            .items
            .fetch_add(count as u64, Ordering::Relaxed);
        self.progress
            .duplicates
            .fetch_add(duplicates as u64, Ordering::Relaxed);
        let now = Utc::now();
        self.status.update(&source.id, |s| {
            s.last_fetch = Some(now);
            s.last_success = Some(now);
            s.consecutive_failures = 0;
            s.items_total += count as u64;
            s.duplicates_total += duplicates as u64;
            s.warnings = harvest.warnings;
            s.last_round_items = count as u64;
            s.encoding_guess = harvest.encoding_guess;
        });
        self.status.persist(false).await;
        RoundOutcome::Ok
    }

    async fn record_failure(&self, source: &Source, error: RoundError) -> RoundOutcome {
        tracing::warn!(source = %source.id, url = %error.url, error = %error.message, "source failed");
        self.progress.rounds_failed.fetch_add(1, Ordering::Relaxed);
        let now = Utc::now();
        self.status.update(&source.id, |s| {
            s.last_fetch = Some(now);
            s.consecutive_failures += 1;
            s.last_error = Some(LastError {
                at: now,
                url: error.url.clone(),
                message: error.message.clone(),
            });
        });
        self.status.persist(false).await;
        RoundOutcome::Failed { error }
    }

    fn summary(&self) -> Summary {
        let (_, _, items, duplicates) = self.progress.load();
        let statuses = self.status.snapshot();
        let failing: Vec<&SourceStatus> = statuses.iter().filter(|s| s.is_failing()).collect();
        Summary {
            sources: statuses.len(),
            sources_ok: statuses
                .iter()
                .filter(|s| !s.is_failing() && s.last_fetch.is_some())
                .count(),
            sources_failed: failing.len(),
            items,
            duplicates,
            failures: failing
                .iter()
                .filter_map(|s| {
                    let e = s.last_error.as_ref()?;
                    Some(SourceFailure {
                        source: s.id.clone(),
                        url: e.url.clone(),
                        message: e.message.clone(),
                    })
                })
                .collect(),
        }
    }
}

/// When a failing source is asked again: its `interval` doubling with every failure in a row,
/// up to 8 times `interval` (the window's [`Backoff::ceiling`]; the scheduler adds its own
/// ±10% jitter and its server's `Retry-After`, however long).
fn failing_backoff(interval: std::time::Duration) -> Backoff {
    Backoff::new(interval, interval.saturating_mul(8))
}

#[cfg(test)]
mod tests {
    use super::failing_backoff;
    use std::time::Duration;

    #[test]
    fn a_failing_source_is_asked_up_to_eight_times_less_often() {
        let interval = Duration::from_secs(300);
        let waits: Vec<Duration> = (0..6)
            .map(|failures| failing_backoff(interval).ceiling(failures))
            .collect();
        assert_eq!(
            waits,
            [1, 2, 4, 8, 8, 8].map(|n| interval * n),
            "the same schedule as interval * 2^min(failures - 1, 3)"
        );
        assert_eq!(
            failing_backoff(Duration::MAX).ceiling(10),
            Duration::MAX,
            "no overflow"
        );
    }
}
