//! A draft evaluation as a job: started by one request, followed by others (progress, result)
//! and cancellable, so a curator sees how far a long evaluation is and can stop it.
//!
//! Jobs live in memory ([`EvaluationJobs`]): an evaluation's result is only of use to the
//! curator waiting for it, and a restart losing one costs a re-run. They are bounded: one
//! running job per account (a second start answers `409` with the running one's id), and a
//! finished, failed or cancelled job is kept [`KEEP_FINISHED`] for its result to be read,
//! then dropped; [`MAX_JOBS`] jobs at most in all.

use super::Evaluation;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a finished job's result can be read.
pub const KEEP_FINISHED: Duration = Duration::from_secs(15 * 60);
/// The most jobs kept at once (running and finished); the oldest finished go first.
pub const MAX_JOBS: usize = 256;

/// [`Progress::done_at_cancel`] of a job not cancelled (no job reads that many items).
const NOT_CANCELLED: u64 = u64::MAX;

/// How far an evaluation is, shared between the evaluation and whoever watches it; and the
/// watcher's wish to stop it.
#[derive(Debug)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    rescored: AtomicU64,
    /// `done` when the job was cancelled ([`NOT_CANCELLED`] before): what the watcher is
    /// shown from then on, so a page that was in flight cannot move a stopped job's count.
    done_at_cancel: AtomicU64,
    started: Instant,
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Progress {
    pub fn new() -> Progress {
        Progress {
            done: AtomicU64::new(0),
            total: AtomicU64::new(0),
            rescored: AtomicU64::new(0),
            done_at_cancel: AtomicU64::new(NOT_CANCELLED),
            started: Instant::now(),
        }
    }

    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn advance(&self, items: u64) {
        self.done.fetch_add(items, Ordering::Relaxed);
    }

    /// Items read so far (scored, skipped as unchangeable, or purged).
    pub fn done(&self) -> u64 {
        match self.done_at_cancel.load(Ordering::SeqCst) {
            NOT_CANCELLED => self.done.load(Ordering::SeqCst),
            frozen => frozen,
        }
    }

    /// Items the draft matcher re-scored (the rest could not change).
    pub fn rescored(&self) -> u64 {
        self.rescored.load(Ordering::Relaxed)
    }

    pub(crate) fn add_rescored(&self, items: u64) {
        self.rescored.fetch_add(items, Ordering::Relaxed);
    }

    /// Items of the range, counted before the read.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Ask the evaluation to stop; it does at its next page.
    pub fn cancel(&self) {
        let done = self.done.load(Ordering::SeqCst);
        let _first_cancel_only = self.done_at_cancel.compare_exchange(
            NOT_CANCELLED,
            done,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    pub fn is_cancelled(&self) -> bool {
        self.done_at_cancel.load(Ordering::SeqCst) != NOT_CANCELLED
    }

    /// Seconds left at the pace so far; `None` until a first page is done.
    pub fn eta_seconds(&self) -> Option<f64> {
        let (done, total) = (self.done(), self.total());
        if done == 0 {
            return None;
        }
        let per_item = self.started.elapsed().as_secs_f64() / done as f64;
        Some(per_item * total.saturating_sub(done) as f64)
    }
}

/// Where a job is.
#[derive(Clone, Debug)]
pub enum JobState {
    Running,
    Finished(Arc<Evaluation>),
    /// A draft that does not compile (`unprocessable`) or a store or internal failure.
    Failed {
        message: String,
        unprocessable: bool,
    },
    Cancelled,
}

impl JobState {
    pub fn name(&self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Finished(_) => "finished",
            JobState::Failed { .. } => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
}

/// One evaluation job.
#[derive(Debug)]
pub struct Job {
    pub id: String,
    /// The account that started it: only it (or an admin) reads or cancels it.
    pub owner: String,
    pub progress: Arc<Progress>,
    state: Mutex<(JobState, Option<Instant>)>,
}

impl Job {
    pub fn state(&self) -> JobState {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    /// Set the final state (once: a job cancelled while finishing stays cancelled).
    pub fn finish(&self, state: JobState) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(s.0, JobState::Running) {
            *s = (state, Some(Instant::now()));
        }
    }

    fn finished_at(&self) -> Option<Instant> {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1
    }

    /// What `GET /api/lexicons/evaluate/{id}` answers.
    pub fn view(&self) -> JobView {
        let state = self.state();
        let (done, total) = (self.progress.done(), self.progress.total());
        let (result, error) = match &state {
            JobState::Finished(e) => (Some(e.clone()), None),
            JobState::Failed { message, .. } => (None, Some(message.clone())),
            _ => (None, None),
        };
        JobView {
            id: self.id.clone(),
            state: state.name(),
            done,
            total,
            eta_seconds: match state {
                JobState::Running => self.progress.eta_seconds().map(|s| s.ceil() as u64),
                _ => None,
            },
            result,
            error,
        }
    }
}

/// A job as the API shows it.
#[derive(Debug, Serialize)]
pub struct JobView {
    pub id: String,
    /// `running`, `finished`, `failed` or `cancelled`.
    pub state: &'static str,
    pub done: u64,
    pub total: u64,
    /// Seconds left at the pace so far, while running (null before a first page is done).
    pub eta_seconds: Option<u64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "shared_result"
    )]
    pub result: Option<Arc<Evaluation>>,
    /// Why a failed job failed.
    pub error: Option<String>,
}

fn shared_result<S: serde::Serializer>(
    result: &Option<Arc<Evaluation>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    result.as_deref().serialize(serializer)
}

/// Why a job could not start.
#[derive(Debug, PartialEq, Eq)]
pub enum StartRefused {
    /// The account has this job running.
    AlreadyRunning(String),
    /// [`MAX_JOBS`] jobs are running.
    Full,
}

/// 128 random bits in hex: not guessable, so a job id alone reveals nothing (ownership is
/// checked anyway).
fn job_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The room's evaluation jobs.
#[derive(Debug, Default)]
pub struct EvaluationJobs {
    jobs: Mutex<HashMap<String, Arc<Job>>>,
}

impl EvaluationJobs {
    /// Register a running job of `owner`, unless one of theirs runs.
    pub fn start(&self, owner: &str) -> Result<Arc<Job>, StartRefused> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        jobs.retain(|_, j| j.finished_at().is_none_or(|t| now - t < KEEP_FINISHED));
        if let Some(running) = jobs
            .values()
            .find(|j| j.owner == owner && j.finished_at().is_none())
        {
            return Err(StartRefused::AlreadyRunning(running.id.clone()));
        }
        while jobs.len() >= MAX_JOBS {
            let oldest = jobs
                .values()
                .filter_map(|j| j.finished_at().map(|t| (t, j.id.clone())))
                .min();
            match oldest {
                Some((_, id)) => jobs.remove(&id),
                None => return Err(StartRefused::Full),
            };
        }
        let job = Arc::new(Job {
            id: job_id(),
            owner: owner.to_string(),
            progress: Arc::new(Progress::new()),
            state: Mutex::new((JobState::Running, None)),
        });
        jobs.insert(job.id.clone(), job.clone());
        Ok(job)
    }

    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.get(id)
            .filter(|j| j.finished_at().is_none_or(|t| t.elapsed() < KEEP_FINISHED))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_running_job_per_account() {
        let jobs = EvaluationJobs::default();
        let a = jobs.start("ann").unwrap();
        assert_eq!(
            jobs.start("ann").unwrap_err(),
            StartRefused::AlreadyRunning(a.id.clone())
        );
        let b = jobs.start("bob").unwrap();
        assert_ne!(a.id, b.id);
        a.finish(JobState::Cancelled);
        let again = jobs.start("ann").unwrap();
        assert_eq!(jobs.get(&a.id).unwrap().state().name(), "cancelled");
        assert_eq!(jobs.get(&again.id).unwrap().state().name(), "running");
        // A cancelled job stays cancelled when the evaluation ends after all.
        a.finish(JobState::Failed {
            message: "late".into(),
            unprocessable: false,
        });
        assert_eq!(a.state().name(), "cancelled");
    }

    #[test]
    fn progress_estimates_the_rest_at_the_pace_so_far() {
        let p = Progress::new();
        assert_eq!(p.eta_seconds(), None);
        p.set_total(100);
        std::thread::sleep(Duration::from_millis(20));
        p.advance(50);
        let eta = p.eta_seconds().unwrap();
        assert!((0.015..1.0).contains(&eta), "{eta}");
        p.cancel();
        assert!(p.is_cancelled());
    }

    #[test]
    fn a_cancelled_jobs_count_stays_where_it_stopped() {
        let p = Progress::new();
        p.advance(10);
        p.cancel();
        // a page in flight when the job was cancelled still ends
        p.advance(10);
        assert_eq!(p.done(), 10);
        p.cancel();
        assert_eq!(p.done(), 10);
    }
}
