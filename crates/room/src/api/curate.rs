//! Curators' changes: the lexicon files as text, saving a draft as a new version, the
//! history of saved versions with their diffs, and rejecting emerging-term suggestions.

use crate::accounts::Caller;
use crate::api::lexicons::read_sources;
use crate::api::{audit, optional_reason, reason};
use crate::audit::action;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::evaluate::{self, DraftError, DraftRequest, ProblemView};
use crate::lexicons::{self, LexiconSources};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use websense_lexicon::CATEGORIES_FILE;

/// A lexicon directory's files by name (`categories.toml` and the `.lex` files).
type Snapshot = BTreeMap<String, String>;

fn snapshot(sources: &LexiconSources) -> Snapshot {
    let mut files: Snapshot = sources
        .files
        .iter()
        .filter_map(|(p, text)| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, text.clone()))
        })
        .collect();
    files.insert(CATEGORIES_FILE.to_string(), sources.categories.clone());
    files
}

/// `GET /api/lexicons/files`'s answer: every file's text, the terms they declare and the
/// problems they have, for the curator's editor.
#[derive(Serialize)]
pub(crate) struct LexiconFiles {
    terms: Vec<TermLine>,
    version: String,
    /// The text of `categories.toml`.
    categories: String,
    category_names: Vec<CategoryName>,
    files: Vec<FileText>,
    problems: Vec<ProblemView>,
}

#[derive(Serialize)]
struct TermLine {
    category: String,
    term: String,
    kind: websense_model::TermKind,
    weight: f64,
    exclusions: Vec<String>,
    file: Option<String>,
    line: usize,
}

#[derive(Serialize)]
struct CategoryName {
    name: String,
    label: String,
}

#[derive(Serialize)]
struct FileText {
    name: String,
    text: String,
    /// The lexicon's `name:`; none when the file does not load.
    lexicon: Option<String>,
    terms: usize,
}

/// `GET /api/lexicons/files`: the text of every file, so a curator can edit a draft.
pub(crate) async fn files(State(room): State<Arc<Room>>) -> Result<Json<LexiconFiles>, ApiError> {
    let sources = read_sources(&room).await?;
    let (set, problems) = tokio::task::spawn_blocking({
        let s = sources.clone();
        move || s.build()
    })
    .await
    .map_err(|e| ApiError::internal("lexicon build task failed", e))?;
    let files = sources
        .files
        .iter()
        .map(|(p, text)| {
            let lexicon = set.lexicons.iter().find(|l| l.file == *p);
            FileText {
                name: file_name(p).unwrap_or_default(),
                text: text.clone(),
                lexicon: lexicon.map(|l| l.name.clone()),
                terms: lexicon.map(|l| l.terms.len()).unwrap_or(0),
            }
        })
        .collect();
    let terms = set
        .terms()
        .map(|t| TermLine {
            category: t.category.clone(),
            term: t.text.clone(),
            kind: t.kind,
            weight: t.weight,
            exclusions: t.exclusions.clone(),
            file: file_name(&t.location.file),
            line: t.location.line,
        })
        .collect();
    Ok(Json(LexiconFiles {
        terms,
        version: set.version.clone(),
        categories: sources.categories,
        category_names: set
            .categories
            .iter()
            .map(|c| CategoryName {
                name: c.name.clone(),
                label: c.label.clone(),
            })
            .collect(),
        files,
        problems: problems.iter().map(ProblemView::of).collect(),
    }))
}

fn file_name(path: &std::path::Path) -> Option<String> {
    path.file_name().map(|n| n.to_string_lossy().into_owned())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SaveRequest {
    #[serde(default)]
    files: Vec<evaluate::DraftFile>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    categories: Option<String>,
    reason: Option<String>,
    /// The version the curator started from: refuse the save if someone saved meanwhile.
    base_version: Option<String>,
}

/// `POST /api/lexicons/save`'s answer.
#[derive(Serialize)]
pub(crate) struct Saved {
    saved: SavedVersion,
}

/// `GET /api/lexicons/history`'s answer: saved versions, newest first.
#[derive(Serialize)]
pub(crate) struct History {
    versions: Vec<SavedVersion>,
}

/// `GET /api/lexicons/history/{version}/diff`'s answer.
#[derive(Serialize)]
pub(crate) struct VersionDiff {
    saved: SavedVersion,
    /// Only the files the save changed.
    files: Vec<FileDiff>,
}

#[derive(Serialize)]
pub(crate) struct FileDiff {
    name: String,
    /// `added`, `removed` or `changed`.
    status: &'static str,
    /// A unified diff against the version before, two lines of context.
    diff: String,
}

/// `POST /api/terms/emerging/reject`'s answer.
#[derive(Serialize)]
pub(crate) struct Rejected {
    rejected: String,
}

/// A saved version.
#[derive(Clone, Debug, Serialize)]
pub struct SavedVersion {
    pub version: String,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    pub reason: String,
    pub previous_version: Option<String>,
}

/// `POST /api/lexicons/save`: check the draft (no errors anywhere), write its files into the
/// lexicon directory (each through a temporary file and a rename), keep a snapshot for the
/// history, and audit. Running matchers pick the new version up on their next reload.
pub(crate) async fn save(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(body): ApiJson<SaveRequest>,
) -> Result<Response, ApiError> {
    let why = reason(body.reason.as_deref(), "save a lexicon version")?;
    let request = DraftRequest {
        files: body.files,
        remove: body.remove,
        categories: body.categories,
        days: None,
        examples: None,
    };
    let current = read_sources(&room).await?;
    let req = request.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let (draft, _) = evaluate::draft_sources(&current, &req)?;
        let (current_set, _) = current.build();
        let (draft_set, problems) = draft.build();
        let errors: Vec<ProblemView> = problems
            .iter()
            .filter(|p| p.is_error())
            .map(ProblemView::of)
            .collect();
        if !errors.is_empty() {
            return Err(DraftError::Problems(errors));
        }
        Ok((current, current_set, draft, draft_set))
    })
    .await
    .map_err(|e| ApiError::internal("lexicon build task failed", e))?;
    let (current, current_set, draft, draft_set) = match checked {
        Ok(c) => c,
        Err(DraftError::Invalid(m)) => return Err(ApiError::unprocessable(m)),
        Err(DraftError::Problems(problems)) => {
            let error = format!(
                "the draft has {} lexicon error(s); fix them before saving",
                problems.len()
            );
            let body = json!({ "error": error, "problems": problems });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    if let Some(base) = &body.base_version {
        if *base != current_set.version {
            return Err(ApiError::conflict(format!(
                "the lexicons changed since you started ({base} -> {}); reload them and apply your change again",
                current_set.version
            )));
        }
    }
    if draft_set.version == current_set.version {
        return Err(ApiError::unprocessable(
            "the draft is the version in use already; nothing to save",
        ));
    }
    let (before, after) = (snapshot(&current), snapshot(&draft));
    let dir = room.lexicon_dir.clone();
    let written = after.clone();
    let removed: Vec<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    let to_write = changed.clone();
    tokio::task::spawn_blocking(move || write_files(&dir, &written, &to_write, &removed))
        .await
        .map_err(|e| ApiError::internal("lexicon write task failed", e))?
        .map_err(|e| ApiError::internal("cannot write the lexicon directory", e))?;
    let now = Utc::now();
    let saved = SavedVersion {
        version: draft_set.version.clone(),
        saved_at: now,
        saved_by: caller.name.clone(),
        reason: why.clone(),
        previous_version: Some(current_set.version.clone()),
    };
    let record = saved.clone();
    let previous_version = current_set.version.clone();
    room.db
        .run(move |c| {
            let tx = c.transaction()?;
            if !has_snapshot(&tx, &previous_version)? {
                insert_save(
                    &tx,
                    &SavedVersion {
                        version: previous_version.clone(),
                        saved_at: now,
                        saved_by: "system".into(),
                        reason: "the version in use before the first save from the Room".into(),
                        previous_version: None,
                    },
                    &before,
                )?;
            }
            insert_save(&tx, &record, &after)?;
            lexicons::record_version(&tx, &draft_set, now)?;
            tx.commit()?;
            Ok(())
        })
        .await?;
    audit(
        &room,
        &caller,
        action::SAVE_LEXICON,
        Some(saved.version.clone()),
        Some(why),
        json!({ "previous_version": saved.previous_version, "files_changed": changed }),
    )
    .await?;
    Ok(Json(Saved { saved }).into_response())
}

fn write_files(
    dir: &Path,
    files: &Snapshot,
    names: &[String],
    removed: &[String],
) -> std::io::Result<()> {
    for name in names {
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.saving"));
        std::fs::write(&tmp, &files[name])?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &path)?;
    }
    for name in removed {
        std::fs::remove_file(dir.join(name))?;
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn has_snapshot(c: &Connection, version: &str) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT 1 FROM lexicon_saves WHERE version = ?1",
        [version],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
}

fn insert_save(c: &Connection, s: &SavedVersion, files: &Snapshot) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO lexicon_saves (version, saved_ms, saved_by, reason, previous_version, files)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (version) DO NOTHING",
        params![
            s.version,
            s.saved_at.timestamp_millis(),
            s.saved_by,
            s.reason,
            s.previous_version,
            serde_json::to_string(files).unwrap_or_default()
        ],
    )?;
    Ok(())
}

fn saved_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedVersion> {
    Ok(SavedVersion {
        version: r.get(0)?,
        saved_at: DateTime::from_timestamp_millis(r.get(1)?).unwrap_or_default(),
        saved_by: r.get(2)?,
        reason: r.get(3)?,
        previous_version: r.get(4)?,
    })
}

/// `GET /api/lexicons/history`: saved versions, newest first.
pub(crate) async fn history(State(room): State<Arc<Room>>) -> Result<Json<History>, ApiError> {
    let saves = room
        .db
        .run(|c| {
            let mut stmt = c.prepare(
                "SELECT version, saved_ms, saved_by, reason, previous_version FROM lexicon_saves
                 ORDER BY saved_ms DESC, rowid DESC",
            )?;
            let rows = stmt.query_map([], saved_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await?;
    Ok(Json(History { versions: saves }))
}

fn load_snapshot(
    c: &Connection,
    version: &str,
) -> rusqlite::Result<Option<(SavedVersion, Snapshot)>> {
    c.query_row(
        "SELECT version, saved_ms, saved_by, reason, previous_version, files FROM lexicon_saves
         WHERE version = ?1",
        [version],
        |r| {
            let files: String = r.get(5)?;
            Ok((
                saved_row(r)?,
                serde_json::from_str(&files).unwrap_or_default(),
            ))
        },
    )
    .optional()
}

/// `GET /api/lexicons/history/{version}/diff`: what the save changed, per file, as a unified
/// diff against the version it replaced.
pub(crate) async fn diff(
    State(room): State<Arc<Room>>,
    ApiPath(version): ApiPath<String>,
) -> Result<Json<VersionDiff>, ApiError> {
    let v = version.clone();
    let found = room
        .db
        .run(move |c| {
            let Some((saved, after)) = load_snapshot(c, &v)? else {
                return Ok(None);
            };
            let before = match &saved.previous_version {
                Some(p) => load_snapshot(c, p)?.map(|(_, s)| s).unwrap_or_default(),
                None => Snapshot::new(),
            };
            Ok(Some((saved, before, after)))
        })
        .await?;
    let Some((saved, before, after)) = found else {
        return Err(ApiError::not_found(format!(
            "no saved lexicon version {version}"
        )));
    };
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let files: Vec<FileDiff> = names
        .into_iter()
        .filter_map(|name| {
            let (old, new) = (before.get(name), after.get(name));
            if old == new {
                return None;
            }
            let status = match (old, new) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            let (old, new) = (
                old.map_or("", String::as_str),
                new.map_or("", String::as_str),
            );
            let diff = similar::TextDiff::from_lines(old, new)
                .unified_diff()
                .context_radius(2)
                .header(name, name)
                .to_string();
            Some(FileDiff {
                name: name.clone(),
                status,
                diff,
            })
        })
        .collect();
    Ok(Json(VersionDiff { saved, files }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RejectRequest {
    term: String,
    reason: Option<String>,
}

/// `POST /api/terms/emerging/reject`: a suggestion the curators do not want to see again.
pub(crate) async fn reject_term(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(body): ApiJson<RejectRequest>,
) -> Result<Json<Rejected>, ApiError> {
    let term = body.term.trim().to_string();
    if term.is_empty() || term.chars().count() > 200 {
        return Err(ApiError::unprocessable(
            "`term` must be 1 to 200 characters",
        ));
    }
    let why = optional_reason(body.reason.as_deref())?;
    let (t, actor, r) = (term.clone(), caller.name.clone(), why.clone());
    room.db
        .run(move |c| {
            c.execute(
                "INSERT INTO rejected_terms (term, rejected_ms, rejected_by, reason) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (term) DO NOTHING",
                params![t, Utc::now().timestamp_millis(), actor, r],
            )?;
            Ok(())
        })
        .await?;
    audit(
        &room,
        &caller,
        action::REJECT_TERM,
        Some(term.clone()),
        why,
        json!({}),
    )
    .await?;
    Ok(Json(Rejected { rejected: term }))
}

/// Terms curators rejected.
pub(crate) fn rejected_terms(
    c: &Connection,
) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut stmt = c.prepare("SELECT term FROM rejected_terms")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}
