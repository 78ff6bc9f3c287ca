//! The curator's draft evaluation: what a changed lexicon would add and drop, measured on the
//! stored items of the last days, before anything is saved.
//!
//! The draft is the current directory's files with some `.lex` files replaced, added or
//! removed (and optionally a new `categories.toml`). Both sets are compiled with
//! `websense-matcher`, and every stored item of the range whose text is still retained is
//! scored by both: the difference, per category (matched = at least one counted hit,
//! flagged = threshold reached) and per term (at least one hit), is counted with a few
//! example item ids. The comparison is fair even where items were stored under older
//! lexicon versions: those are matched with the current set now. Items whose raw text is
//! purged cannot be re-scored and are counted apart. Nothing is written, except the audit
//! row of the request.
//!
//! # Design
//!
//! The evaluation gives exactly the answer of scoring every item with both sets (the full
//! two-sided re-score, kept as [`evaluate_two_sided`]; `tests/evaluate_equality.rs` checks
//! the two agree on generated stores and drafts), at a fraction of the cost:
//!
//! * **The current side is stored.** An item stored under the current lexicon version
//!   carries the hits and scores the current matcher gives it (the version is a hash of the
//!   set's meaning), so they are used as they are; only items stored under another version
//!   are matched with the current set. (This assumes the pipeline matches with the default
//!   [`MatcherOptions`], as the evaluation does.)
//! * **Items the draft cannot change are not re-scored.** The matcher treats each term on
//!   its own, so a draft can change an item only through a current hit of a changed term or
//!   category, or a hit of a changed term in the draft; [`prefilter`] explains the rule and
//!   finds the second kind with the draft matcher restricted to its changed terms (the same
//!   disguise options, so nothing it would find is missed). Everything else keeps its
//!   current findings: counted, not re-scored. A draft that only removes terms or changes
//!   categories needs no text search at all.
//! * **Reading overlaps scoring.** Pages of [`PAGE_ITEMS`] come from the store's lean range
//!   read ([`websense_store::Store::range_texts`]: text, stored hits and scores, no other
//!   metadata; the embedded store reads a page's hits in one query), in (event time, id)
//!   order after a cursor; while rayon scores one page on every core, the next is read on
//!   the store's blocking thread. Memory stays two pages plus the counts. Every item stored
//!   when the evaluation started is read once, whatever is written meanwhile (items that
//!   arrive ahead of the cursor are read too).
//! * **A job with progress and cancel.** The total is a count on the store's event index
//!   before the first page; [`Progress`] counts items as pages finish and gives the estimate
//!   of the time left; a cancel is seen at the next page. The API runs it as a job
//!   ([`job`]).
//!
//! Storing the normal form of each text was considered and left out: measured below, the
//! evaluation is bound by reading the range, not by searching it (a draft that needs no text
//! search at all takes as long as one that searches every text).
//!
//! # Costs
//!
//! Measured on the 2-core development machine while other builds ran on it (load average
//! 3.5–4.7), embedded store:
//!
//! * `cargo run --release -p websense-room --example evaluate_bench` over `overview_bench`'s
//!   10M-item store, the last 30 days (3,406,030 posts), through the API from the start to
//!   the finished result: a new file with two terms 6.4 s (530,000 posts/s), a category's
//!   threshold lowered 6.3 s, a file removed 6.8 s; the full two-sided re-score of the
//!   same range in the same run 35.3 s (96,000 posts/s), after the range read's fix (see
//!   `websense-store`'s embedded range read: before it, each page re-read the range up to
//!   its cursor, and the two-sided re-score took 9.8 s for 3 days, 350,572 posts, growing
//!   with the square of the range).
//! * `cargo run --release -p websense-room --example room_bench -- 50 lexicons` (102,259
//!   generated posts of about 500 bytes, over three days; the draft's two words are common
//!   in them, so 35,709 posts, 35%, are re-scored): 1.25 s against 2.13 s for the two-sided
//!   re-score in one run, 2.31 s against 3.92 s in another on a busier machine (1.7x in
//!   both): with long texts, a third of them hit by the draft, more of the work is matching.
//!
pub mod job;
pub mod prefilter;
mod tally;
mod two_sided;

pub use job::{EvaluationJobs, Progress};
use prefilter::DraftChanges;
pub use two_sided::evaluate_two_sided;

use crate::lexicons::LexiconSources;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tally::Tally;
use websense_lexicon::{LexiconSet, Problem};
use websense_matcher::{Findings, Matcher, MatcherOptions};
use websense_model::{ItemId, TermKind};
use websense_store::{Filter, RangeQuery, RangeText, Store, StoreError, TimeRange};

/// One `.lex` file of a draft.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftFile {
    /// The file name in the lexicon directory (`nl-kern.lex`): replaces that file, or adds one.
    pub name: String,
    pub text: String,
}

/// `POST /api/lexicons/evaluate`'s body.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    #[serde(default)]
    pub files: Vec<DraftFile>,
    /// File names to leave out of the draft.
    #[serde(default)]
    pub remove: Vec<String>,
    /// A replacement `categories.toml`.
    #[serde(default)]
    pub categories: Option<String>,
    /// How many days back to evaluate (default 7).
    #[serde(default)]
    pub days: Option<u32>,
    /// Example item ids per change (default 5, at most 20).
    #[serde(default)]
    pub examples: Option<usize>,
}

/// Why a draft cannot be evaluated: the caller's mistake (a 422).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DraftError {
    #[error("{0}")]
    Invalid(String),
    #[error("the draft has {} lexicon error(s); fix them first", .0.len())]
    Problems(Vec<ProblemView>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemView {
    pub severity: String,
    /// The file name within the lexicon directory.
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl ProblemView {
    pub(crate) fn of(p: &Problem) -> ProblemView {
        ProblemView {
            severity: p.severity.as_str().to_string(),
            file: p
                .location
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            line: p.location.line,
            message: p.message.clone(),
        }
    }
}

fn valid_file_name(name: &str) -> bool {
    name.len() <= 128
        && name.len() > 4
        && name.ends_with(".lex")
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
}

/// The draft's sources: the current ones with the request's changes.
pub fn draft_sources(
    current: &LexiconSources,
    request: &DraftRequest,
) -> Result<(LexiconSources, Vec<PathBuf>), DraftError> {
    if request.files.is_empty() && request.remove.is_empty() && request.categories.is_none() {
        return Err(DraftError::Invalid(
            "the draft changes nothing: give `files`, `remove` or `categories`".into(),
        ));
    }
    let mut draft = current.clone();
    let mut changed = Vec::new();
    for name in &request.remove {
        if !valid_file_name(name) {
            return Err(DraftError::Invalid(format!(
                "`remove`: {name:?} is not a .lex file name"
            )));
        }
        let path = current.dir.join(name);
        let before = draft.files.len();
        draft.files.retain(|(p, _)| p != &path);
        if draft.files.len() == before {
            return Err(DraftError::Invalid(format!(
                "`remove`: there is no {name} in the lexicon directory"
            )));
        }
    }
    let mut seen = HashSet::new();
    for file in &request.files {
        if !valid_file_name(&file.name) {
            return Err(DraftError::Invalid(format!(
                "`files`: {:?} is not a .lex file name (a plain name ending in .lex)",
                file.name
            )));
        }
        if !seen.insert(file.name.as_str()) || request.remove.contains(&file.name) {
            return Err(DraftError::Invalid(format!(
                "`files`: {} is given twice, or also removed",
                file.name
            )));
        }
        let path = current.dir.join(&file.name);
        match draft.files.iter_mut().find(|(p, _)| p == &path) {
            Some(existing) => existing.1 = file.text.clone(),
            None => draft.files.push((path.clone(), file.text.clone())),
        }
        changed.push(path);
    }
    draft.files.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(categories) = &request.categories {
        draft.categories = categories.clone();
        changed.push(current.categories_path());
    }
    Ok((draft, changed))
}

/// A count with a few examples.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub count: u64,
    pub examples: Vec<ItemId>,
}

impl Change {
    /// Count `id`; true when it became an example.
    fn add(&mut self, id: &ItemId, max_examples: usize) -> bool {
        self.count += 1;
        if self.examples.len() < max_examples && !self.examples.contains(id) {
            self.examples.push(id.clone());
            return true;
        }
        false
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryChange {
    pub category: String,
    pub newly_matched: Change,
    pub no_longer_matched: Change,
    pub newly_flagged: Change,
    pub no_longer_flagged: Change,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermChange {
    pub category: String,
    pub term: String,
    pub newly_matched: Change,
    pub no_longer_matched: Change,
}

/// A term as a set defines it.
#[derive(Clone, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct TermRef {
    pub category: String,
    pub term: String,
    pub kind: TermKind,
    pub weight: f64,
}

/// What the draft would change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub current_version: String,
    pub draft_version: String,
    /// Warnings (and errors outside the draft's own files), as `websense lexicon check`
    /// would print them.
    pub problems: Vec<ProblemView>,
    pub range: TimeRange,
    /// Items scored by both sets.
    pub items_scanned: u64,
    /// Items of the range whose raw text is purged, so they could not be re-scored.
    pub items_purged: u64,
    /// The scan stopped at the item limit before the end of the range.
    pub truncated: bool,
    /// Items matched or flagged by one set and not the other, by category.
    pub categories: Vec<CategoryChange>,
    /// Items hit by a term under one set and not the other.
    pub terms: Vec<TermChange>,
    /// Terms (with kind and weight) in the draft and not in the current set, and the other way.
    pub terms_added: Vec<TermRef>,
    pub terms_removed: Vec<TermRef>,
    /// The example items' text with the hits of both sets, so the curator sees what the
    /// change catches or stops catching. Every id here is in the request's audit row.
    #[serde(default)]
    pub examples: BTreeMap<ItemId, ExampleItem>,
    /// Examples stopped at the most items one answer shows (`max_example_items`); the
    /// counts are complete.
    #[serde(default)]
    pub examples_capped: bool,
}

/// An example item of an evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExampleItem {
    pub title: Option<String>,
    pub text: String,
    pub event_time: DateTime<Utc>,
    pub source: String,
    pub current_hits: Vec<websense_model::Hit>,
    pub draft_hits: Vec<websense_model::Hit>,
}

fn term_refs(set: &LexiconSet) -> Vec<TermRef> {
    set.terms()
        .map(|t| TermRef {
            category: t.category.clone(),
            term: t.text.clone(),
            kind: t.kind,
            weight: t.weight,
        })
        .collect()
}

/// Terms in `a` and not in `b`.
fn missing(a: &[TermRef], b: &[TermRef]) -> Vec<TermRef> {
    let mut out: Vec<TermRef> = a.iter().filter(|t| !b.contains(t)).cloned().collect();
    out.sort_by(|x, y| (&x.category, &x.term).cmp(&(&y.category, &y.term)));
    out
}

/// The evaluation's settings.
#[derive(Clone, Debug)]
pub struct EvaluateOptions {
    pub range: TimeRange,
    pub max_items: usize,
    /// Examples per change ...
    pub examples: usize,
    /// ... and distinct example items (with their text) in the whole answer.
    pub max_example_items: usize,
}

/// How an evaluation runs, beside what it evaluates.
#[derive(Clone, Debug)]
pub struct RunControl {
    /// Done and total items, and the wish to stop.
    pub progress: Arc<Progress>,
    /// Items per page read from the store.
    pub page_items: usize,
    /// Test-only (`[room] evaluate_test_pace`): every page takes at least this long, so
    /// that a page test can watch the progress and cancel. Zero in production.
    pub pace_per_page: Duration,
}

impl Default for RunControl {
    fn default() -> Self {
        RunControl {
            progress: Arc::new(Progress::new()),
            page_items: PAGE_ITEMS,
            pace_per_page: Duration::ZERO,
        }
    }
}

/// Items per page: large enough that a page's three queries and one rayon fan-out cost
/// little per item, small enough that two pages in flight stay a few MB.
pub const PAGE_ITEMS: usize = 4096;

/// Compare the draft with the current set on the stored items of the range (see the module
/// doc).
pub async fn evaluate(
    store: &dyn Store,
    current: LexiconSet,
    draft: LexiconSet,
    problems: Vec<ProblemView>,
    options: EvaluateOptions,
) -> Result<Evaluation, EvaluateError> {
    evaluate_with(
        store,
        current,
        draft,
        problems,
        options,
        &RunControl::default(),
    )
    .await
}

/// The compiled sides of an evaluation, shared by the workers.
struct Sides {
    current_version: String,
    current: Matcher,
    draft: Matcher,
    changes: DraftChanges,
}

/// What scoring one item gave.
enum Outcome {
    /// The draft cannot change it (or did not).
    Unchanged,
    /// Re-scored with the draft: the item, its current and its draft findings.
    Rescored(Box<(RangeText, Findings, Findings)>),
}

impl Sides {
    fn score(&self, mut item: RangeText) -> Outcome {
        let current = if item.lexicon_version == self.current_version {
            // Stored by this very lexicon version: its stored hits are what the current
            // matcher finds.
            Findings {
                matches: std::mem::take(&mut item.matches),
                scores: std::mem::take(&mut item.scores),
            }
        } else {
            self.current.find(item.title.as_deref(), &item.text)
        };
        if !self
            .changes
            .could_change(&current, item.title.as_deref(), &item.text)
        {
            return Outcome::Unchanged;
        }
        let draft = self.draft.find(item.title.as_deref(), &item.text);
        Outcome::Rescored(Box::new((item, current, draft)))
    }
}

/// [`evaluate`], reporting progress to `control` and stopping when it is cancelled.
pub async fn evaluate_with(
    store: &dyn Store,
    current: LexiconSet,
    draft: LexiconSet,
    problems: Vec<ProblemView>,
    options: EvaluateOptions,
    control: &RunControl,
) -> Result<Evaluation, EvaluateError> {
    let terms_added = missing(&term_refs(&draft), &term_refs(&current));
    let terms_removed = missing(&term_refs(&current), &term_refs(&draft));
    let (current_version, draft_version) = (current.version.clone(), draft.version.clone());
    let version = current_version.clone();
    let sides = tokio::task::spawn_blocking(move || {
        let c = Matcher::new(&current, MatcherOptions::default())
            .map_err(|e| EvaluateError::Internal(format!("current lexicons: {e}")))?;
        let d = Matcher::new(&draft, MatcherOptions::default())
            .map_err(|e| EvaluateError::Draft(format!("the draft does not compile: {e}")))?;
        let changes = DraftChanges::new(&current, &draft, MatcherOptions::default())
            .map_err(|e| EvaluateError::Draft(format!("the draft does not compile: {e}")))?;
        Ok::<_, EvaluateError>(Arc::new(Sides {
            current_version: version,
            current: c,
            draft: d,
            changes,
        }))
    })
    .await
    .map_err(|e| EvaluateError::Internal(e.to_string()))??;

    let progress = &control.progress;
    if progress.total() == 0 {
        // Unless the caller counted already (the API does, to answer with the total).
        progress.set_total(store.range_count(options.range, &Filter::default()).await?);
    }
    let mut tally = Tally::new(options.examples, options.max_example_items);
    let mut truncated = false;
    let mut query = RangeQuery::new(options.range, Filter::default(), control.page_items);
    let mut page = Some(store.range_texts(&query).await?);
    // One page is scored on the rayon pool while the next is read: the store's read runs on
    // its own blocking thread, so reading and scoring overlap, and memory stays two pages.
    while let Some(current_page) = page.take().filter(|p| !p.items.is_empty()) {
        if progress.is_cancelled() {
            return Err(EvaluateError::Cancelled);
        }
        let started = std::time::Instant::now();
        let read = current_page.items.len() as u64;
        let mut items = Vec::with_capacity(current_page.items.len());
        for item in current_page.items {
            if item.text_purged {
                tally.purged += 1;
                continue;
            }
            if tally.scanned as usize + items.len() >= options.max_items {
                truncated = true;
                break;
            }
            items.push(item);
        }
        let next_query = match (&current_page.next, truncated) {
            (Some(after), false) => Some(RangeQuery {
                after: Some(after.clone()),
                ..query.clone()
            }),
            _ => None,
        };
        let workers = sides.clone();
        let scoring = tokio::task::spawn_blocking(move || {
            items
                .into_par_iter()
                .map(|item| workers.score(item))
                .collect::<Vec<_>>()
        });
        let reading = async {
            match &next_query {
                Some(q) => store.range_texts(q).await.map(Some),
                None => Ok(None),
            }
        };
        let (scored, next) = tokio::join!(scoring, reading);
        let scored = scored.map_err(|e| EvaluateError::Internal(e.to_string()))?;
        for outcome in scored {
            match outcome {
                Outcome::Unchanged => tally.scanned += 1,
                Outcome::Rescored(boxed) => {
                    progress.add_rescored(1);
                    let (item, c, d) = *boxed;
                    if tally.add(&item.id, &c, &d) {
                        tally.example_items.insert(
                            item.id,
                            ExampleItem {
                                title: item.title,
                                text: item.text,
                                event_time: DateTime::from_timestamp_millis(item.event_ms)
                                    .unwrap_or_default(),
                                source: item.source.as_str().to_string(),
                                current_hits: c.matches,
                                draft_hits: d.matches,
                            },
                        );
                    }
                }
            }
        }
        progress.advance(read);
        if let Some(rest) = control.pace_per_page.checked_sub(started.elapsed()) {
            tokio::time::sleep(rest).await;
        }
        page = next?;
        if let Some(q) = next_query {
            query = q;
        }
    }
    if progress.is_cancelled() {
        return Err(EvaluateError::Cancelled);
    }
    Ok(tally.finish(
        current_version,
        draft_version,
        problems,
        options.range,
        truncated,
        (terms_added, terms_removed),
    ))
}
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// The draft's fault (a 422).
    #[error("{0}")]
    Draft(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("evaluation failed: {0}")]
    Internal(String),
    /// Stopped by [`Progress::cancel`].
    #[error("the evaluation was cancelled")]
    Cancelled,
}

/// Check the request and build both sets from the directory and the draft.
pub fn prepare(
    current: &LexiconSources,
    request: &DraftRequest,
) -> Result<(LexiconSet, LexiconSet, Vec<ProblemView>), DraftError> {
    let (draft_sources, changed) = draft_sources(current, request)?;
    let (current_set, _) = current.build();
    let (draft_set, problems) = draft_sources.build();
    let (own_errors, rest): (Vec<&Problem>, Vec<&Problem>) = problems
        .iter()
        .partition(|p| p.is_error() && changed.contains(&p.location.file));
    if !own_errors.is_empty() {
        return Err(DraftError::Problems(
            own_errors.into_iter().map(ProblemView::of).collect(),
        ));
    }
    Ok((
        current_set,
        draft_set,
        rest.into_iter().map(ProblemView::of).collect(),
    ))
}
