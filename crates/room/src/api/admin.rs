//! Source status and the audit log.

use crate::accounts::Caller;
use crate::api::signals::{attachment, Format};
use crate::api::{audit, limit, range};
use crate::audit::{self as log, action, AuditFilter};
use crate::error::{ApiError, ApiQuery};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// The collector's per-source status file (last fetch, last error per source), as written.
pub(crate) async fn source_status(State(room): State<Arc<Room>>) -> Result<Json<Value>, ApiError> {
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
    let sources: Vec<Value> = serde_json::from_slice(&bytes).map_err(|e| {
        unavailable(format!(
            "{} is not a list of source statuses: {e}",
            path.display()
        ))
    })?;
    let failing = sources
        .iter()
        .filter(|s| s["consecutive_failures"].as_u64().unwrap_or(0) > 0)
        .count();
    Ok(Json(json!({
        "file": path,
        "sources": sources,
        "failing": failing,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    from: Option<DateTime<Utc>>,
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
        offset: p.offset.unwrap_or(0),
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
    from: Option<DateTime<Utc>>,
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
