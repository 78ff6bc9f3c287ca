//! The handlers, by subject. Authorization happened in the layer (`routes.rs`) already.

pub(crate) mod accounts;
pub(crate) mod admin;
pub(crate) mod curate;
pub(crate) mod events;
pub(crate) mod items;
pub(crate) mod lexicons;
pub(crate) mod municipalities;
pub(crate) mod openapi;
pub(crate) mod overview;
pub(crate) mod params;
pub(crate) mod proposals;
pub(crate) mod session;
pub(crate) mod signal_queue;
pub(crate) mod signals;
pub(crate) mod trends;

use crate::accounts::Caller;
use crate::audit::{self, NewEntry};
use crate::error::ApiError;
use crate::Room;
use chrono::Utc;

pub(crate) use params::{filter, limit, offset, optional_reason, range, reason, store_range};

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

/// Append an audit row for `caller` now that records the ids of the items whose text the
/// answer carries (kept compactly, shown as `detail.item_ids`).
pub(crate) async fn audit_read(
    room: &Room,
    caller: &Caller,
    action: &'static str,
    target: Option<String>,
    reason: Option<String>,
    detail: serde_json::Value,
    item_ids: Vec<String>,
) -> Result<(), ApiError> {
    let (actor, roles) = (caller.name.clone(), caller.roles_text());
    room.db
        .run(move |c| {
            audit::append_read(
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
                &item_ids,
            )
            .map(|_| ())
            .map_err(|e| ApiError::internal("cannot write the audit log", e))
        })
        .await
}
