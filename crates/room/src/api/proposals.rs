//! Telegram discovery in the Room: the channels that collected channels forward from or link
//! to, proposed to admins with their counts (`telegram_mentions.json`, written by the
//! collector beside its status file), and the admin's decision about each: add it (the
//! collector collects it from its next round on) or dismiss it, both written to
//! `telegram_channels.json` and audited. Nothing becomes a source without that click.

use crate::accounts::Caller;
use crate::api::admin::read_source_statuses;
use crate::api::{audit, optional_reason};
use crate::audit::action;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::Room;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use websense_model::telegram::{
    added_source_id, channel_key, is_channel_name, ChannelDecision, ChannelDecisions,
    ChannelMentions, Mentions, CHANNELS_FILE, MENTIONS_FILE,
};
use websense_model::SourceKind;

/// The most proposals one answer lists (the most mentioned first).
pub(crate) const MAX_PROPOSALS: usize = 500;

/// `GET /api/telegram/proposals`.
#[derive(Serialize)]
pub(crate) struct ProposalsAnswer {
    proposals: Vec<Proposal>,
    /// Proposals beyond [`MAX_PROPOSALS`], not listed.
    more: usize,
    added: Vec<Decided>,
    dismissed: Vec<Decided>,
}

/// A channel mentioned by collected channels and not collected itself.
#[derive(Serialize)]
pub(crate) struct Proposal {
    channel: String,
    /// Posts forwarded from it.
    forwards: u64,
    /// Posts linking to it.
    links: u64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    /// The collected sources that mentioned it, most first.
    mentioned_by: Vec<MentionedBy>,
}

#[derive(Serialize)]
pub(crate) struct MentionedBy {
    source: String,
    count: u64,
}

/// A channel an admin added or dismissed.
#[derive(Serialize)]
pub(crate) struct Decided {
    channel: String,
    /// Added channels: the source id the collector gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    by: String,
    at: DateTime<Utc>,
    reason: Option<String>,
}

/// The answer to adding or dismissing.
#[derive(Serialize)]
pub(crate) struct DecisionAnswer {
    channel: String,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionRequest {
    reason: Option<String>,
}

/// Where the collector keeps its state: beside the status file.
fn state_files(room: &Room) -> Result<(PathBuf, PathBuf), ApiError> {
    let Some(status) = &room.config.source_status_file else {
        return Err(ApiError::not_found(
            "source status is not configured (room.source_status_file)",
        ));
    };
    Ok((
        status.with_file_name(MENTIONS_FILE),
        status.with_file_name(CHANNELS_FILE),
    ))
}

/// The mentions and the decisions, read on a blocking thread; 503 when unreadable.
async fn read_files(room: &Room) -> Result<(Mentions, ChannelDecisions, PathBuf), ApiError> {
    let (mentions, channels) = state_files(room)?;
    tokio::task::spawn_blocking(move || {
        let m = Mentions::read(&mentions)?;
        let d = ChannelDecisions::read(&channels)?;
        Ok::<_, String>((m, d, channels))
    })
    .await
    .map_err(|e| ApiError::internal("proposals read task failed", e))?
    .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))
}

/// Keys of the channels the collector reports collecting (its Telegram sources' URLs end in
/// `/s/NAME`). A missing status file means none yet.
async fn collected(room: &Room) -> HashSet<String> {
    let Ok((_, sources)) = read_source_statuses(room).await else {
        return HashSet::new();
    };
    sources
        .iter()
        .filter(|s| s.kind == SourceKind::Telegram)
        .filter_map(|s| s.url.trim_end_matches('/').rsplit_once("/s/"))
        .map(|(_, name)| channel_key(name))
        .collect()
}

/// Whether `c` (under `key`) is proposed: a valid name, not collected, not decided.
fn proposed(
    key: &str,
    c: &ChannelMentions,
    decisions: &ChannelDecisions,
    collected: &HashSet<String>,
) -> bool {
    is_channel_name(&c.name)
        && channel_key(&c.name) == key
        && !collected.contains(key)
        && !decisions.added.contains_key(key)
        && !decisions.dismissed.contains_key(key)
}

pub(crate) async fn list(State(room): State<Arc<Room>>) -> Result<Json<ProposalsAnswer>, ApiError> {
    let (mentions, decisions, _) = read_files(&room).await?;
    let collected = collected(&room).await;
    let mut proposals: Vec<&ChannelMentions> = mentions
        .channels
        .iter()
        .filter(|(k, c)| proposed(k, c, &decisions, &collected))
        .map(|(_, c)| c)
        .collect();
    proposals.sort_by(|a, b| {
        b.total()
            .cmp(&a.total())
            .then(b.last_seen.cmp(&a.last_seen))
            .then_with(|| a.name.cmp(&b.name))
    });
    let more = proposals.len().saturating_sub(MAX_PROPOSALS);
    let proposals = proposals
        .into_iter()
        .take(MAX_PROPOSALS)
        .map(|c| {
            let mut by: Vec<MentionedBy> =
                c.by.iter()
                    .map(|(s, n)| MentionedBy {
                        source: s.clone(),
                        count: *n,
                    })
                    .collect();
            by.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.source.cmp(&b.source)));
            Proposal {
                channel: c.name.clone(),
                forwards: c.forwards,
                links: c.links,
                first_seen: c.first_seen,
                last_seen: c.last_seen,
                mentioned_by: by,
            }
        })
        .collect();
    let decided = |d: &ChannelDecision, source: Option<String>| Decided {
        channel: d.name.clone(),
        source,
        by: d.by.clone(),
        at: d.at,
        reason: d.reason.clone(),
    };
    Ok(Json(ProposalsAnswer {
        proposals,
        more,
        added: decisions
            .added
            .values()
            .map(|d| decided(d, Some(added_source_id(&d.name))))
            .collect(),
        dismissed: decisions
            .dismissed
            .values()
            .map(|d| decided(d, None))
            .collect(),
    }))
}

/// The channel named in the path, checked against Telegram's username rules (400).
fn channel_param(channel: &str) -> Result<String, ApiError> {
    if is_channel_name(channel) {
        Ok(channel_key(channel))
    } else {
        // Not echoed: whatever it is, it is not a name.
        Err(ApiError::bad_request(
            "not a public Telegram channel name (5-32 letters, digits and underscores, starting \
             with a letter; no bots, invite links or Telegram's own pages)",
        ))
    }
}

async fn save(decisions: ChannelDecisions, path: &Path) -> Result<(), ApiError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || decisions.write(&path))
        .await
        .map_err(|e| ApiError::internal("channels write task failed", e))?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e))
}

/// `POST /api/telegram/proposals/{channel}/add`: collect a proposed (or dismissed) channel
/// from the collector's next round on. Audited (`add_source`).
pub(crate) async fn add(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(channel): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<DecisionAnswer>, ApiError> {
    let key = channel_param(&channel)?;
    let why = optional_reason(body.reason.as_deref())?;
    let _one = room.channel_decisions.lock().await;
    let (mentions, mut decisions, path) = read_files(&room).await?;
    if decisions.added.contains_key(&key) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("{channel} is already added"),
        ));
    }
    if collected(&room).await.contains(&key) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("{channel} is already collected"),
        ));
    }
    let mentioned = mentions.channels.get(&key);
    let Some(name) = mentioned
        .map(|c| c.name.clone())
        .or_else(|| decisions.dismissed.get(&key).map(|d| d.name.clone()))
        .filter(|n| is_channel_name(n))
    else {
        return Err(ApiError::not_found(format!(
            "{channel} is not proposed: only channels that collected channels mention can be added"
        )));
    };
    let via = mentioned.and_then(|c| c.top_source()).map(str::to_string);
    let source = added_source_id(&name);
    decisions.dismissed.remove(&key);
    decisions.added.insert(
        key,
        ChannelDecision {
            name: name.clone(),
            by: caller.name.clone(),
            at: Utc::now(),
            reason: why.clone(),
            via: via.clone(),
        },
    );
    save(decisions, &path).await?;
    audit(
        &room,
        &caller,
        action::ADD_SOURCE,
        Some(source.clone()),
        why,
        json!({
            "channel": name,
            "forwards": mentioned.map_or(0, |c| c.forwards),
            "links": mentioned.map_or(0, |c| c.links),
            "via": via,
        }),
    )
    .await?;
    Ok(Json(DecisionAnswer {
        channel: name,
        decision: "added",
        source: Some(source),
    }))
}

/// `POST /api/telegram/proposals/{channel}/dismiss`: stop proposing a channel. Audited
/// (`dismiss_proposal`).
pub(crate) async fn dismiss(
    State(room): State<Arc<Room>>,
    caller: Caller,
    ApiPath(channel): ApiPath<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<DecisionAnswer>, ApiError> {
    let key = channel_param(&channel)?;
    let why = optional_reason(body.reason.as_deref())?;
    let _one = room.channel_decisions.lock().await;
    let (mentions, mut decisions, path) = read_files(&room).await?;
    if decisions.added.contains_key(&key) || decisions.dismissed.contains_key(&key) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("{channel} was decided on already"),
        ));
    }
    let Some(mentioned) = mentions
        .channels
        .get(&key)
        .filter(|c| is_channel_name(&c.name))
    else {
        return Err(ApiError::not_found(format!("{channel} is not proposed")));
    };
    let name = mentioned.name.clone();
    let detail = json!({
        "channel": name,
        "forwards": mentioned.forwards,
        "links": mentioned.links,
    });
    decisions.dismissed.insert(
        key,
        ChannelDecision {
            name: name.clone(),
            by: caller.name.clone(),
            at: Utc::now(),
            reason: why.clone(),
            via: None,
        },
    );
    save(decisions, &path).await?;
    audit(
        &room,
        &caller,
        action::DISMISS_PROPOSAL,
        Some(format!("telegram:{name}")),
        why,
        detail,
    )
    .await?;
    Ok(Json(DecisionAnswer {
        channel: name,
        decision: "dismissed",
        source: None,
    }))
}
