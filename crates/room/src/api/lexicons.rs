//! Lexicon versions, and the curator's draft evaluation.

use crate::accounts::Caller;
use crate::api::audit_read;
use crate::audit::action;
use crate::config::whole_days;
use crate::error::{ApiError, ApiJson};
use crate::evaluate::{self, DraftError, DraftRequest, EvaluateError, EvaluateOptions};
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

pub(crate) async fn evaluate(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiJson(request): ApiJson<DraftRequest>,
) -> Result<Response, ApiError> {
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
    let now = Utc::now();
    let options = EvaluateOptions {
        range: TimeRange::new(now - Duration::days(i64::from(days)), now),
        max_items: room.config.evaluate_max_items,
        examples,
        max_example_items: MAX_EXAMPLE_ITEMS,
    };
    let evaluation = evaluate::evaluate(room.store.as_ref(), current, draft, problems, options)
        .await
        .map_err(|e| match e {
            EvaluateError::Draft(m) => ApiError::unprocessable(m),
            EvaluateError::Store(e) => ApiError::from(e),
            e @ EvaluateError::Internal(_) => ApiError::internal("evaluation failed", e),
        })?;
    // Every item whose text the answer carries is named in the row, written before it leaves.
    let shown: Vec<String> = evaluation.examples.keys().map(|id| id.0.clone()).collect();
    audit_read(
        &room,
        &caller,
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
    .await?;
    Ok(Json(evaluation).into_response())
}
