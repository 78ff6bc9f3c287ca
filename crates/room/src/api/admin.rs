//! Source status and the audit log.

use crate::accounts::Caller;
use crate::api::params::maybe_at;
use crate::api::signals::{attachment, Format};
use crate::api::{audit, limit, offset, optional_reason, range};
use crate::audit::{self as log, action, AuditFilter};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use websense_model::{SourceStatus, SwitchedOff, Switches};
use websense_store::SourceCount;

/// `GET /api/sources/status`: the collector's per-source status file, and the sources the
/// Room has switched off.
#[derive(Serialize)]
pub(crate) struct SourceStatusAnswer {
    /// The status file read.
    file: PathBuf,
    sources: Vec<SourceStatus>,
    /// Sources whose last fetch failed.
    failing: usize,
    disabled: Vec<DisabledSource>,
    /// Every source holding items in the store, with how many and its newest item's time:
    /// also those the collector does not report (imported history, sources no longer
    /// collected), which the status file cannot list.
    stored: Vec<SourceCount>,
}

/// A source switched off in the Room, by whom, when and why.
#[derive(Serialize)]
pub(crate) struct DisabledSource {
    id: String,
    by: String,
    at: DateTime<Utc>,
    reason: Option<String>,
}

/// `POST /api/sources/{id}/enabled`'s answer.
#[derive(Serialize)]
pub(crate) struct Switched {
    source: String,
    enabled: bool,
}

pub(crate) async fn source_status(
    State(room): State<Arc<Room>>,
) -> Result<Json<SourceStatusAnswer>, ApiError> {
    let (file, sources) = read_source_statuses(&room).await?;
    let switches = read_switches(&file).await?;
    let stored = room.store.source_counts().await?;
    let disabled = switches
        .disabled
        .into_iter()
        .map(|(id, off)| DisabledSource {
            id,
            by: off.by,
            at: off.at,
            reason: off.reason,
        })
        .collect();
    Ok(Json(SourceStatusAnswer {
        file,
        failing: failing(&sources),
        sources,
        disabled,
        stored,
    }))
}

fn switches_path(status_file: &std::path::Path) -> std::path::PathBuf {
    status_file.with_file_name(websense_model::SWITCHES_FILE)
}

async fn read_switches(status_file: &std::path::Path) -> Result<Switches, ApiError> {
    let path = switches_path(status_file);
    tokio::task::spawn_blocking(move || Switches::read(&path))
        .await
        .map_err(|e| ApiError::internal("switches read task failed", e))?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SwitchRequest {
    enabled: bool,
    reason: Option<String>,
}

/// `POST /api/sources/{id}/enabled`: switch a configured source off or on again. The
/// collector skips switched-off sources from its next round (`STATE_DIR/switches.json`).
pub(crate) async fn switch_source(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SwitchRequest>,
) -> Result<Json<Switched>, ApiError> {
    let Some(status_file) = room.config.source_status_file.clone() else {
        return Err(ApiError::not_found(
            "source status is not configured (room.source_status_file)",
        ));
    };
    // A source the collector has not reported (yet) can only be switched back on.
    let known = read_source_statuses(&room)
        .await
        .is_ok_and(|(_, list)| list.iter().any(|s| s.id.as_str() == id));
    let mut switches = read_switches(&status_file).await?;
    if !known && !switches.is_off(&id) {
        return Err(ApiError::not_found(format!(
            "no source {id:?} in the collector's status"
        )));
    }
    let why = optional_reason(body.reason.as_deref())?;
    if body.enabled {
        switches.disabled.remove(&id);
    } else {
        switches.disabled.insert(
            id.clone(),
            SwitchedOff {
                by: caller.name.clone(),
                at: Utc::now(),
                reason: why.clone(),
            },
        );
    }
    let path = switches_path(&status_file);
    tokio::task::spawn_blocking(move || switches.write(&path))
        .await
        .map_err(|e| ApiError::internal("switches write task failed", e))?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))?;
    audit(
        &room,
        &caller,
        action::SWITCH_SOURCE,
        Some(id.clone()),
        why,
        json!({ "enabled": body.enabled }),
    )
    .await?;
    Ok(Json(Switched {
        source: id,
        enabled: body.enabled,
    }))
}

/// The status file's path and its entries: 404 when not configured, 503 when missing or
/// not a list.
pub(crate) async fn read_source_statuses(
    room: &Room,
) -> Result<(PathBuf, Vec<SourceStatus>), ApiError> {
    let Some(path) = room.config.source_status_file.clone() else {
        return Err(ApiError::not_found(
            "source status is not configured (room.source_status_file)",
        ));
    };
    let unavailable = |m: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m);
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(unavailable(format!(
                "the collector has not written {} yet",
                path.display()
            )))
        }
        Err(e) => return Err(unavailable(format!("cannot read {}: {e}", path.display()))),
    };
    let sources: Vec<SourceStatus> = serde_json::from_slice(&bytes).map_err(|e| {
        unavailable(format!(
            "{} is not a list of source statuses: {e}",
            path.display()
        ))
    })?;
    Ok((path, sources))
}

/// Sources whose last fetch failed.
pub(crate) fn failing(sources: &[SourceStatus]) -> usize {
    sources.iter().filter(|s| s.is_failing()).count()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    #[serde(default, deserialize_with = "maybe_at")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "maybe_at")]
    to: Option<DateTime<Utc>>,
    limit: Option<usize>,
    offset: Option<usize>,
}

fn audit_filter(p: AuditParams, limit: usize) -> Result<AuditFilter, ApiError> {
    if let (Some(f), Some(t)) = (p.from, p.to) {
        range(f, t)?;
    }
    Ok(AuditFilter {
        actor: p.actor,
        action: p.action,
        from: p.from,
        to: p.to,
        limit,
        offset: offset(p.offset)?,
    })
}

pub(crate) async fn audit_log(
    State(room): State<Arc<Room>>,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<Value>, ApiError> {
    let n = limit(p.limit, 100, 1000)?;
    let filter = audit_filter(p, n)?;
    let f = filter.clone();
    let entries = room.db.run(move |c| Ok(log::query(c, &f)?)).await?;
    let next_offset = (entries.len() == filter.limit).then_some(filter.offset + filter.limit);
    Ok(Json(
        json!({ "entries": entries, "next_offset": next_offset }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditExportParams {
    #[serde(default)]
    format: Format,
    actor: Option<String>,
    action: Option<String>,
    #[serde(default, deserialize_with = "maybe_at")]
    from: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "maybe_at")]
    to: Option<DateTime<Utc>>,
}

const MAX_EXPORT: usize = 1_000_000;

/// The audit log as a file. The export is itself recorded first, so it lists itself.
pub(crate) async fn audit_export(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiQuery(p): ApiQuery<AuditExportParams>,
) -> Result<Response, ApiError> {
    let format = p.format;
    let filter = audit_filter(
        AuditParams {
            actor: p.actor,
            action: p.action,
            from: p.from,
            to: p.to,
            limit: None,
            offset: None,
        },
        MAX_EXPORT,
    )?;
    audit(
        &room,
        &caller,
        action::EXPORT_AUDIT,
        None,
        None,
        json!({ "format": format!("{format:?}").to_lowercase(), "filter": filter }),
    )
    .await?;
    let f = filter.clone();
    let entries = room.db.run(move |c| Ok(log::query(c, &f)?)).await?;
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    Ok(match format {
        Format::Json => attachment(
            serde_json::to_string_pretty(&entries).unwrap_or_else(|_| "[]".into()),
            "application/json",
            &format!("audit-{stamp}.json"),
        ),
        Format::Csv => attachment(
            log::entries_csv(&entries),
            "text/csv; charset=utf-8",
            &format!("audit-{stamp}.csv"),
        ),
    })
}
