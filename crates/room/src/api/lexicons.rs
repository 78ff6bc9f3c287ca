//! Lexicon versions, and the curator's draft evaluation.

use crate::accounts::{Caller, Role};
use crate::api::audit_read;
use crate::audit::action;
use crate::config::whole_days;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorCode};
use crate::evaluate::job::{Job, JobState, StartRefused};
use crate::evaluate::{self, DraftError, DraftRequest, EvaluateError, EvaluateOptions, RunControl};
use crate::lexicons::{self, LexiconSources};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use websense_store::TimeRange;

/// The lexicon directory's files, read on the blocking pool.
pub(crate) async fn read_sources(room: &Room) -> Result<LexiconSources, ApiError> {
    let dir = room.lexicon_dir.clone();
    tokio::task::spawn_blocking(move || LexiconSources::read(&dir))
        .await
        .map_err(|e| ApiError::internal("lexicon read task failed", e))?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))
}

/// The lexicon set in use now, and every version the room has seen in use.
pub(crate) async fn versions(State(room): State<Arc<Room>>) -> Result<Json<Value>, ApiError> {
    let sources = read_sources(&room).await?;
    let (set, problems) = tokio::task::spawn_blocking(move || sources.build())
        .await
        .map_err(|e| ApiError::internal("lexicon build task failed", e))?;
    let categories: Vec<Value> = set
        .categories
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "label": c.label,
                "threshold": c.threshold,
                "terms": set.terms().filter(|t| t.category == c.name).count(),
            })
        })
        .collect();
    let files: Vec<Value> = set
        .lexicons
        .iter()
        .map(|l| {
            json!({
                "name": l.name,
                "file": l.file.file_name().map(|n| n.to_string_lossy().into_owned()),
                "languages": l.languages,
                "terms": l.terms.len(),
            })
        })
        .collect();
    let errors = problems.iter().filter(|p| p.is_error()).count();
    let current = json!({
        "version": set.version,
        "categories": categories,
        "lexicons": files,
        "errors": errors,
        "warnings": problems.len() - errors,
    });
    let seen = room
        .db
        .run(move |c| {
            lexicons::record_version(c, &set, Utc::now())?;
            Ok(lexicons::seen_versions(c)?)
        })
        .await?;
    Ok(Json(json!({ "current": current, "versions": seen })))
}

const MAX_EXAMPLES: usize = 20;
/// The most example items (with their text) one evaluation answer carries, whatever the
/// number of changes times `examples`.
pub(crate) const MAX_EXAMPLE_ITEMS: usize = 100;

/// Start a draft evaluation: the request is checked and both sets built now (a bad draft is
/// a 422 here), then the evaluation runs as a job and the answer is `202` with its id; its
/// progress and result are at `GET /api/lexicons/evaluate/{id}`.
pub(crate) async fn evaluate(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(request): ApiJson<DraftRequest>,
) -> Result<Response, ApiError> {
    // An evaluation reads and shows example posts of the whole store: not for an account that
    // reads its municipalities' posts only (`scope`).
    if crate::scope::is_scoped(&caller) {
        return Err(ApiError::forbidden(
            "a draft evaluation reads the posts of every municipality; your account is scoped \
             to some, so it cannot start one",
        )
        .coded(ErrorCode::new("scoped_evaluation")));
    }
    let days = request.days.unwrap_or(7);
    let max_days = whole_days(room.config.evaluate_max_range);
    if days == 0 || u64::from(days) > max_days {
        return Err(ApiError::unprocessable(format!(
            "`days` must be between 1 and {max_days}"
        )));
    }
    let examples = request.examples.unwrap_or(5);
    if examples > MAX_EXAMPLES {
        return Err(ApiError::unprocessable(format!(
            "`examples` must be at most {MAX_EXAMPLES}"
        )));
    }
    let sources = read_sources(&room).await?;
    let req = request.clone();
    let prepared = tokio::task::spawn_blocking(move || evaluate::prepare(&sources, &req))
        .await
        .map_err(|e| ApiError::internal("lexicon build task failed", e))?;
    let (current, draft, problems) = match prepared {
        Ok(p) => p,
        Err(DraftError::Invalid(m)) => return Err(ApiError::unprocessable(m)),
        Err(DraftError::Problems(problems)) => {
            let error = format!(
                "the draft has {} lexicon error(s); fix them first",
                problems.len()
            );
            let body = json!({ "error": error, "problems": problems });
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    let job = match room.evaluations.start(&caller.name) {
        Ok(job) => job,
        Err(StartRefused::AlreadyRunning(id)) => {
            let body = json!({
                "error": "an evaluation of yours is running: wait for it or cancel it first",
                "id": id,
            });
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
        Err(StartRefused::Full) => {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many evaluations are running; try again shortly",
            ))
        }
    };
    let now = Utc::now();
    let options = EvaluateOptions {
        range: TimeRange::new(now - Duration::days(i64::from(days)), now),
        max_items: room.config.evaluate_max_items,
        examples,
        max_example_items: MAX_EXAMPLE_ITEMS,
    };
    let pace = room.config.evaluate_test_pace_ms;
    let control = RunControl {
        progress: job.progress.clone(),
        // The test pace reads small pages, so that progress moves visibly.
        page_items: if pace > 0 { 10 } else { evaluate::PAGE_ITEMS },
        pace_per_page: std::time::Duration::from_millis(pace),
    };
    // The total is known before the answer: a count on the store's event index.
    match room
        .store
        .range_count(options.range, &websense_store::Filter::default())
        .await
    {
        Ok(total) => job.progress.set_total(total),
        Err(e) => {
            job.finish(JobState::Failed {
                message: e.to_string(),
                unprocessable: false,
            });
            return Err(ApiError::from(e));
        }
    }
    let view = job.view();
    let (task_room, task_job) = (room.clone(), job.clone());
    tokio::spawn(async move {
        let outcome = run_job(
            &task_room, &caller, &request, days, current, draft, problems, options, &control,
        )
        .await;
        task_job.finish(outcome);
    });
    let location = format!("/api/lexicons/evaluate/{}", view.id);
    Ok((
        StatusCode::ACCEPTED,
        [(axum::http::header::LOCATION, location)],
        Json(view),
    )
        .into_response())
}

/// Run an evaluation job to its end state; a finished one is audited before its result can
/// be read.
#[allow(clippy::too_many_arguments)]
async fn run_job(
    room: &Room,
    caller: &Caller,
    request: &DraftRequest,
    days: u32,
    current: websense_lexicon::LexiconSet,
    draft: websense_lexicon::LexiconSet,
    problems: Vec<evaluate::ProblemView>,
    options: EvaluateOptions,
    control: &RunControl,
) -> JobState {
    let failed = |message: String, unprocessable: bool| JobState::Failed {
        message,
        unprocessable,
    };
    let evaluation = match evaluate::evaluate_with(
        room.store.as_ref(),
        current,
        draft,
        problems,
        options,
        control,
    )
    .await
    {
        Ok(e) => e,
        Err(EvaluateError::Cancelled) => return JobState::Cancelled,
        Err(EvaluateError::Draft(m)) => return failed(m, true),
        Err(e) => {
            tracing::error!(error = %e, "draft evaluation failed");
            return failed(e.to_string(), false);
        }
    };
    // Every item whose text the answer carries is named in the row, written before the
    // answer can be read.
    let shown: Vec<String> = evaluation.examples.keys().map(|id| id.0.clone()).collect();
    let audited = audit_read(
        room,
        caller,
        action::EVALUATE_LEXICON,
        None,
        None,
        json!({
            "draft_version": evaluation.draft_version,
            "current_version": evaluation.current_version,
            "files": request.files.iter().map(|f| &f.name).collect::<Vec<_>>(),
            "removed": request.remove,
            "categories_replaced": request.categories.is_some(),
            "days": days,
            "items_scanned": evaluation.items_scanned,
        }),
        shown,
    )
    .await;
    match audited {
        Ok(()) => JobState::Finished(Arc::new(evaluation)),
        Err(e) => failed(
            format!("the audit row could not be written: {}", e.message),
            false,
        ),
    }
}

/// The job `id`, for its owner or an admin; anyone else gets the same 404 as for an unknown
/// id, so ids reveal nothing.
fn own_job(room: &Room, caller: &Caller, id: &str) -> Result<Arc<Job>, ApiError> {
    room.evaluations
        .get(id)
        .filter(|j| j.owner == caller.name || caller.roles.contains(&Role::Admin))
        .ok_or_else(|| ApiError::not_found("no such evaluation"))
}

/// A job's state, progress (`done` of `total` items, `eta_seconds`) and, once finished, its
/// result (for its curator only).
pub(crate) async fn evaluation_job(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let job = own_job(&room, &caller, &id)?;
    let mut view = job.view();
    if job.owner != caller.name {
        // An admin may follow and stop any job, but reads no item text: the result (with
        // its example posts) is its curator's alone.
        view.result = None;
    }
    Ok(Json(view).into_response())
}

/// Stop a running job (audited); a job that already ended is a 409.
pub(crate) async fn cancel_evaluation(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let job = own_job(&room, &caller, &id)?;
    if !matches!(job.state(), JobState::Running) {
        return Err(ApiError::conflict(format!(
            "the evaluation is {} already",
            job.state().name()
        )));
    }
    audit_read(
        &room,
        &caller,
        action::CANCEL_EVALUATION,
        Some(id.clone()),
        None,
        json!({ "done": job.progress.done(), "total": job.progress.total(), "owner": job.owner }),
        Vec::new(),
    )
    .await?;
    job.progress.cancel();
    job.finish(JobState::Cancelled);
    Ok(Json(job.view()).into_response())
}
