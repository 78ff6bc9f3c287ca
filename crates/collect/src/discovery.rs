//! Telegram discovery, the collector's part: the channels that collected Telegram channels
//! forward from or link to are counted into `STATE_DIR/telegram_mentions.json`
//! ([`websense_model::telegram::Mentions`]) for the Room to propose; the channels an admin
//! added in the Room (`STATE_DIR/telegram_channels.json`) become sources ([`added_sources`]).
//!
//! Mentions are counted once per post, when the post is handed on for the first time (after
//! the sink took it), so a page fetched again counts nothing twice. A channel the collector
//! collects (configured or added) is never recorded and is dropped from the file. Nothing
//! here ever adds a source on its own: only the Room's file does, and only an admin writes it.

use crate::config::{CollectConfig, Source, SourceSpec};
use crate::parse::telegram::mentions::Mention;
use chrono::Utc;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use url::Url;
use websense_model::telegram::{
    added_source_id, channel_key, ChannelDecisions, ChannelMentions, Mentions, CHANNELS_FILE,
    MAX_MENTIONED_CHANNELS, MENTIONS_FILE,
};
use websense_model::{SourceId, SourceKind};

/// The tag every added channel's items carry.
pub const ADDED_TAG: &str = "bron:ontdekt";

/// The mentions counted so far, and the channels not to count.
pub struct Discovery {
    mentions_file: PathBuf,
    channels_file: PathBuf,
    state: Mutex<State>,
    /// One writer at a time, so an older snapshot never lands after a newer one.
    writing: tokio::sync::Mutex<()>,
}

struct State {
    mentions: Mentions,
    /// Keys of the channels collected: never proposed.
    collected: HashSet<String>,
    /// Changed since last written.
    changed: bool,
}

impl Discovery {
    /// Discovery in `state_dir`, for a collector of `sources`. An unreadable mentions file is
    /// logged and started afresh (the counts are advice, not data).
    pub fn new(state_dir: &Path, sources: &[Source]) -> Discovery {
        let mentions_file = state_dir.join(MENTIONS_FILE);
        let mentions = Mentions::read(&mentions_file).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "Telegram mentions unreadable; counting afresh");
            Mentions::default()
        });
        let discovery = Discovery {
            mentions_file,
            channels_file: state_dir.join(CHANNELS_FILE),
            state: Mutex::new(State {
                mentions,
                collected: HashSet::new(),
                changed: false,
            }),
            writing: tokio::sync::Mutex::new(()),
        };
        for s in sources {
            discovery.collecting(s);
        }
        discovery
    }

    /// `source` is collected: its channel is no longer counted or proposed.
    pub fn collecting(&self, source: &Source) {
        if let SourceSpec::Telegram { channel, .. } = &source.spec {
            let key = channel_key(channel);
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            st.changed |= st.mentions.channels.remove(&key).is_some();
            st.collected.insert(key);
        }
    }

    /// The Room's decisions (missing file: none). An unreadable file is logged and read as
    /// no decisions: the configured sources go on.
    pub fn decisions(&self) -> ChannelDecisions {
        ChannelDecisions::read(&self.channels_file).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "Telegram channels file unreadable; no channels added");
            ChannelDecisions::default()
        })
    }

    /// Count the mentions of `source`'s posts that were just handed on, and write the file.
    pub async fn record(&self, source: &SourceId, mentions: &[Mention]) {
        if mentions.is_empty() {
            return;
        }
        let now = Utc::now();
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let st = &mut *st;
            for m in mentions {
                let key = channel_key(&m.channel);
                if st.collected.contains(&key) {
                    continue;
                }
                let c = st
                    .mentions
                    .channels
                    .entry(key)
                    .or_insert_with(|| ChannelMentions {
                        name: m.channel.clone(),
                        forwards: 0,
                        links: 0,
                        first_seen: now,
                        last_seen: now,
                        by: BTreeMap::new(),
                    });
                c.name.clone_from(&m.channel);
                c.last_seen = now;
                if m.forward {
                    c.forwards = c.forwards.saturating_add(1);
                } else {
                    c.links = c.links.saturating_add(1);
                }
                let n = c.by.entry(source.to_string()).or_default();
                *n = n.saturating_add(1);
            }
            st.mentions.bound(MAX_MENTIONED_CHANNELS);
            st.changed = true;
        }
        self.persist().await;
    }

    /// Write the file when it changed (counts, or channels collected since it was written).
    pub async fn persist(&self) {
        let _one = self.writing.lock().await;
        let snapshot = {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if !std::mem::take(&mut st.changed) {
                return;
            }
            st.mentions.clone()
        };
        let path = self.mentions_file.clone();
        match tokio::task::spawn_blocking(move || snapshot.write(&path)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot write the Telegram mentions"),
            Err(e) => tracing::warn!(error = %e, "the Telegram mentions writer failed"),
        }
    }
}

/// The sources for the channels an admin added that `current` (every source the collector
/// has, configured or added) does not collect yet. Each takes the base URL, interval and pages
/// of the Telegram source that mentioned it most (`via`), else of the first Telegram source,
/// else `https://t.me` and the `[collect]` defaults; its items carry [`ADDED_TAG`].
pub fn added_sources(
    decisions: &ChannelDecisions,
    current: &[Source],
    collect: &CollectConfig,
) -> Vec<Source> {
    let collected: HashSet<String> = current
        .iter()
        .filter_map(|s| match &s.spec {
            SourceSpec::Telegram { channel, .. } => Some(channel_key(channel)),
            _ => None,
        })
        .collect();
    let ids: HashSet<&str> = current.iter().map(|s| s.id.as_str()).collect();
    let telegram = |s: &&Source| matches!(s.spec, SourceSpec::Telegram { .. });
    let mut out = Vec::new();
    for (key, decision) in &decisions.added {
        let id = added_source_id(&decision.name);
        if collected.contains(key) {
            continue;
        }
        if ids.contains(id.as_str()) {
            tracing::warn!(source = %id, "an added Telegram channel's source id is taken by a configured source; not collected");
            continue;
        }
        let template = current
            .iter()
            .filter(telegram)
            .find(|s| Some(s.id.as_str()) == decision.via.as_deref())
            .or_else(|| current.iter().find(telegram));
        let base = match template.map(|t| &t.spec) {
            Some(SourceSpec::Telegram { base, .. }) => base.clone(),
            _ => Url::parse("https://t.me").expect("constant URL parses"),
        };
        tracing::info!(source = %id, channel = %decision.name, added_by = %decision.by, "collecting a Telegram channel added in the Room");
        out.push(Source {
            id: SourceId::new(id),
            kind: SourceKind::Telegram,
            enabled: true,
            interval: template.map_or(collect.default_interval, |t| t.interval),
            tags: vec![ADDED_TAG.to_string()],
            max_pages: template.map_or(collect.default_max_pages, |t| t.max_pages),
            spec: SourceSpec::Telegram {
                base,
                channel: decision.name.clone(),
            },
        });
    }
    out
}
