//! The handlers, by subject. Authorization happened in the layer (`routes.rs`) already.

pub(crate) mod admin;
pub(crate) mod curate;
pub(crate) mod events;
pub(crate) mod items;
pub(crate) mod lexicons;
pub(crate) mod openapi;
pub(crate) mod overview;
pub(crate) mod session;
pub(crate) mod signals;
pub(crate) mod trends;

use crate::accounts::Caller;
use crate::audit::{self, NewEntry};
use crate::error::ApiError;
use crate::Room;
use chrono::{DateTime, Utc};
use websense_store::{Filter, TimeRange};

/// Append an audit row for `caller` now.
pub(crate) async fn audit(
    room: &Room,
    caller: &Caller,
    action: &'static str,
    target: Option<String>,
    reason: Option<String>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let (actor, roles) = (caller.name.clone(), caller.roles_text());
    room.db
        .run(move |c| {
            audit::append(
                c,
                Utc::now(),
                &NewEntry {
                    actor: &actor,
                    roles: &roles,
                    action,
                    target: target.as_deref(),
                    reason: reason.as_deref(),
                    detail,
                },
            )
            .map(|_| ())
            .map_err(|e| ApiError::internal("cannot write the audit log", e))
        })
        .await
}

/// `from` and `to` query parameters: a range `[from, to)` with `from` before `to`.
pub(crate) fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeRange, ApiError> {
    if from >= to {
        return Err(ApiError::bad_request(format!(
            "`from` ({}) must be before `to` ({})",
            from.to_rfc3339(),
            to.to_rfc3339()
        )));
    }
    Ok(TimeRange::new(from, to))
}

/// The store filter from the `source`, `tag` and `language` query parameters.
pub(crate) fn filter(
    source: &Option<String>,
    tag: &Option<String>,
    language: &Option<String>,
) -> Filter {
    Filter {
        source: source.clone(),
        tag: tag.clone(),
        language: language.clone(),
    }
}

/// A page size: `default` when absent, at most `max`, at least 1.
pub(crate) fn limit(asked: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    match asked {
        None => Ok(default),
        Some(0) => Err(ApiError::bad_request("`limit` must be at least 1")),
        Some(n) if n > max => Err(ApiError::bad_request(format!(
            "`limit` must be at most {max}"
        ))),
        Some(n) => Ok(n),
    }
}

/// A required reason: trimmed, not empty, at most 2000 characters.
pub(crate) fn reason(text: Option<&str>, what: &str) -> Result<String, ApiError> {
    let r = text.map(str::trim).unwrap_or("");
    if r.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "`reason` is required to {what}"
        )));
    }
    if r.chars().count() > 2000 {
        return Err(ApiError::unprocessable(
            "`reason` is longer than 2000 characters",
        ));
    }
    Ok(r.to_string())
}
