//! The curator's draft evaluation: what a changed lexicon would add and drop, measured on the
//! stored items of the last days, before anything is saved.
//!
//! The draft is the current directory's files with some `.lex` files replaced, added or
//! removed (and optionally a new `categories.toml`). Both sets are compiled with
//! `websense-matcher`, and every stored item of the range whose text is still retained is
//! scored by both: the difference, per category (matched = at least one counted hit,
//! flagged = threshold reached) and per term (at least one hit), is counted with a few
//! example item ids. Both sides are scored now, so the comparison is fair even where items
//! were stored under older lexicon versions. Items whose raw text is purged cannot be
//! re-scored and are counted apart. Nothing is written, except the audit row of the request.
//!
//! Items are read with the store's range read ([`websense_store::RangeReader`]), a page at a
//! time in (event time, id) order, and scored on the blocking pool with rayon; memory stays
//! at one page (1000 items) plus the counts. The pages follow a cursor, not an offset: every
//! item stored when the evaluation started is scored once, whatever is written meanwhile
//! (items that arrive ahead of the cursor are scored too).

use crate::lexicons::LexiconSources;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use websense_lexicon::{LexiconSet, Problem};
use websense_matcher::{Findings, Matcher, MatcherOptions};
use websense_model::{ItemId, TermKind};
use websense_store::{Filter, RangeQuery, RangeReader, Store, StoreError, TimeRange};

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

/// Compile both sets and compare them on the stored items of the range.
pub async fn evaluate(
    store: &dyn Store,
    current: LexiconSet,
    draft: LexiconSet,
    problems: Vec<ProblemView>,
    options: EvaluateOptions,
) -> Result<Evaluation, EvaluateError> {
    let terms_added = missing(&term_refs(&draft), &term_refs(&current));
    let terms_removed = missing(&term_refs(&current), &term_refs(&draft));
    let (current_version, draft_version) = (current.version.clone(), draft.version.clone());
    let matchers = tokio::task::spawn_blocking(move || {
        let c = Matcher::new(&current, MatcherOptions::default())
            .map_err(|e| EvaluateError::Internal(format!("current lexicons: {e}")))?;
        let d = Matcher::new(&draft, MatcherOptions::default())
            .map_err(|e| EvaluateError::Draft(format!("the draft does not compile: {e}")))?;
        Ok::<_, EvaluateError>(Arc::new((c, d)))
    })
    .await
    .map_err(|e| EvaluateError::Internal(e.to_string()))??;

    const PAGE: usize = 1000;
    let mut tally = Tally::new(options.examples, options.max_example_items);
    let mut truncated = false;
    let (from, to) = (options.range.from, options.range.to);
    let mut reader = RangeReader::new(
        store,
        RangeQuery::new(options.range, Filter::default(), PAGE),
    );
    while let Some(page) = reader.next_page().await? {
        let mut texts = Vec::with_capacity(page.len());
        for s in page {
            let t = s.item.event_time();
            // The store selects by the stored event time, clamped to 1970–2099.
            if t < from || t >= to {
                continue;
            }
            if s.text_purged {
                tally.purged += 1;
                continue;
            }
            if tally.scanned as usize + texts.len() >= options.max_items {
                truncated = true;
                break;
            }
            texts.push((s.item.id, s.item.title, s.item.text, t, s.item.source.id));
        }
        let m = matchers.clone();
        let scored = tokio::task::spawn_blocking(move || {
            texts
                .into_par_iter()
                .map(|(id, title, text, t, source)| {
                    let c = m.0.find(title.as_deref(), &text);
                    let d = m.1.find(title.as_deref(), &text);
                    (id, c, d, (title, text, t, source))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| EvaluateError::Internal(e.to_string()))?;
        for (id, c, d, (title, text, t, source)) in scored {
            if tally.add(&id, &c, &d) {
                tally.example_items.insert(
                    id,
                    ExampleItem {
                        title,
                        text,
                        event_time: t,
                        source: source.as_str().to_string(),
                        current_hits: c.matches,
                        draft_hits: d.matches,
                    },
                );
            }
        }
        if truncated {
            break;
        }
    }
    let (scanned, purged, examples_capped) = (tally.scanned, tally.purged, tally.capped);
    let examples = std::mem::take(&mut tally.example_items);
    let (categories, terms) = tally.changes();
    Ok(Evaluation {
        current_version,
        draft_version,
        problems,
        range: options.range,
        items_scanned: scanned,
        items_purged: purged,
        truncated,
        categories,
        terms,
        terms_added,
        terms_removed,
        examples,
        examples_capped,
    })
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
}

struct Tally {
    examples: usize,
    max_example_items: usize,
    capped: bool,
    scanned: u64,
    purged: u64,
    categories: BTreeMap<String, CategoryChange>,
    terms: BTreeMap<(String, String), TermChange>,
    example_items: BTreeMap<ItemId, ExampleItem>,
}

impl Tally {
    fn new(examples: usize, max_example_items: usize) -> Tally {
        Tally {
            examples,
            max_example_items,
            capped: false,
            scanned: 0,
            purged: 0,
            categories: BTreeMap::new(),
            terms: BTreeMap::new(),
            example_items: BTreeMap::new(),
        }
    }

    /// Count one item; true when it is an example of some change.
    fn add(&mut self, id: &ItemId, current: &Findings, draft: &Findings) -> bool {
        self.scanned += 1;
        let mut example = false;
        // Once the answer holds the most example texts it may, items are only counted.
        let per_change = if self.example_items.len() < self.max_example_items {
            self.examples
        } else {
            0
        };
        let full = per_change < self.examples;
        let state = |f: &Findings| -> BTreeMap<String, (bool, bool)> {
            f.scores
                .iter()
                .map(|s| (s.category.clone(), (s.hits >= 1, s.flagged)))
                .collect()
        };
        let (c, d) = (state(current), state(draft));
        let names: BTreeSet<&String> = c.keys().chain(d.keys()).collect();
        for name in names {
            let (cm, cf) = c.get(name).copied().unwrap_or_default();
            let (dm, df) = d.get(name).copied().unwrap_or_default();
            if (cm, cf) == (dm, df) {
                continue;
            }
            let entry = self
                .categories
                .entry(name.clone())
                .or_insert_with(|| CategoryChange {
                    category: name.clone(),
                    ..Default::default()
                });
            let n = per_change;
            self.capped |= full;
            example |= match (cm, dm) {
                (false, true) => entry.newly_matched.add(id, n),
                (true, false) => entry.no_longer_matched.add(id, n),
                _ => false,
            };
            example |= match (cf, df) {
                (false, true) => entry.newly_flagged.add(id, n),
                (true, false) => entry.no_longer_flagged.add(id, n),
                _ => false,
            };
        }
        let hit_terms = |f: &Findings| -> BTreeSet<(String, String)> {
            f.matches
                .iter()
                .map(|h| (h.category.clone(), h.term.clone()))
                .collect()
        };
        let (ct, dt) = (hit_terms(current), hit_terms(draft));
        for key in ct.symmetric_difference(&dt) {
            let entry = self.terms.entry(key.clone()).or_insert_with(|| TermChange {
                category: key.0.clone(),
                term: key.1.clone(),
                ..Default::default()
            });
            self.capped |= full;
            example |= if dt.contains(key) {
                entry.newly_matched.add(id, per_change)
            } else {
                entry.no_longer_matched.add(id, per_change)
            };
        }
        example
    }

    fn changes(self) -> (Vec<CategoryChange>, Vec<TermChange>) {
        let categories = self
            .categories
            .into_values()
            .filter(|c| {
                !(c.newly_matched.is_empty()
                    && c.no_longer_matched.is_empty()
                    && c.newly_flagged.is_empty()
                    && c.no_longer_flagged.is_empty())
            })
            .collect();
        (categories, self.terms.into_values().collect())
    }
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
