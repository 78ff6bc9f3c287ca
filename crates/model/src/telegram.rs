//! Telegram discovery, as two files in the collector's state directory beside
//! [`STATUS_FILE`](crate::STATUS_FILE):
//!
//! * [`MENTIONS_FILE`] ([`Mentions`]), written by the collector: the public channels that the
//!   collected channels forward posts from or link to (`t.me/NAME`), with counts, and never a
//!   channel the collector already collects;
//! * [`CHANNELS_FILE`] ([`ChannelDecisions`]), written by the Room when an admin adds a proposed
//!   channel or dismisses it: the collector collects every added channel, from its next round
//!   on, as the source [`added_source_id`].
//!
//! A proposal becomes a source only through an admin's decision: the collector never adds a
//! channel it found on its own (no snowballing). The formats live here so that neither the
//! collector nor the Room depends on the other for them.

use crate::state_file::{read_json, write_json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The collector's mentions file, in its state directory.
pub const MENTIONS_FILE: &str = "telegram_mentions.json";
/// The Room's decisions about proposed channels, in the collector's state directory.
pub const CHANNELS_FILE: &str = "telegram_channels.json";
/// The most channels the mentions file keeps; beyond, those seen least recently are dropped.
pub const MAX_MENTIONED_CHANNELS: usize = 2000;

/// First path segments of `t.me` links that are Telegram's own pages (invites, sticker sets,
/// proxies, sharing, logins), not channels, though some look like names.
const RESERVED: &[&str] = &[
    "joinchat",
    "addstickers",
    "addemoji",
    "addtheme",
    "addlist",
    "share",
    "proxy",
    "socks",
    "setlanguage",
    "login",
    "confirmphone",
    "contact",
    "boost",
    "invoice",
    "giftcode",
    "channel",
    "username",
    "privacy",
    "settings",
];

/// Whether `name` can be a public Telegram channel's username: 5 to 32 ASCII letters, digits
/// and underscores, starting with a letter, not ending with an underscore, without two
/// underscores in a row, not a bot (bot usernames end in `bot`) and not one of Telegram's own
/// `t.me` paths (`joinchat`, `addstickers`, `share`, ...).
pub fn is_channel_name(name: &str) -> bool {
    let b = name.as_bytes();
    let lower = name.to_ascii_lowercase();
    (5..=32).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !name.ends_with('_')
        && !name.contains("__")
        && !lower.ends_with("bot")
        && !RESERVED.contains(&lower.as_str())
}

/// The key a channel is known by in both files: usernames are case-insensitive.
pub fn channel_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The source id the collector gives an added channel.
pub fn added_source_id(name: &str) -> String {
    format!("telegram-{}", channel_key(name))
}

/// How one channel was mentioned, over all rounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelMentions {
    /// The name as last written (the key is its lower case).
    pub name: String,
    /// Posts forwarded from it.
    #[serde(default)]
    pub forwards: u64,
    /// Posts linking to it (`t.me/NAME`, `t.me/s/NAME`, `t.me/NAME/123`).
    #[serde(default)]
    pub links: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Mentions per collected source id.
    #[serde(default)]
    pub by: BTreeMap<String, u64>,
}

impl ChannelMentions {
    pub fn total(&self) -> u64 {
        self.forwards.saturating_add(self.links)
    }

    /// The source that mentioned it most (the first in id order among equals).
    pub fn top_source(&self) -> Option<&str> {
        self.by
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(id, _)| id.as_str())
    }
}

/// The collector's mentions file: channels by [`channel_key`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mentions {
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelMentions>,
}

impl Mentions {
    /// Read the file; a missing file means nothing was mentioned yet.
    pub fn read(path: &Path) -> Result<Mentions, String> {
        read_json(path, "mentions file")
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_json(path, self)
    }

    /// Keep at most `max` channels: those seen most recently.
    pub fn bound(&mut self, max: usize) {
        if self.channels.len() <= max {
            return;
        }
        let mut by_age: Vec<(DateTime<Utc>, String)> = self
            .channels
            .iter()
            .map(|(k, c)| (c.last_seen, k.clone()))
            .collect();
        by_age.sort();
        let excess = self.channels.len() - max;
        for (_, key) in by_age.into_iter().take(excess) {
            self.channels.remove(&key);
        }
    }
}

/// An admin's decision about a proposed channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDecision {
    /// The channel's name as proposed.
    pub name: String,
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Added channels: the collected source that mentioned it most, whose settings (base URL,
    /// interval, pages) the new source takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// The Room's decisions file: channels by [`channel_key`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDecisions {
    /// Collected from the collector's next round on.
    #[serde(default)]
    pub added: BTreeMap<String, ChannelDecision>,
    /// No longer proposed.
    #[serde(default)]
    pub dismissed: BTreeMap<String, ChannelDecision>,
}

impl ChannelDecisions {
    /// Read the file; a missing file means no decisions yet. Entries whose name is not a
    /// channel name (a file edited by hand) are dropped.
    pub fn read(path: &Path) -> Result<ChannelDecisions, String> {
        let mut d: ChannelDecisions = read_json(path, "channels file")?;
        let valid = |k: &String, v: &mut ChannelDecision| {
            is_channel_name(&v.name) && *k == channel_key(&v.name)
        };
        d.added.retain(valid);
        d.dismissed.retain(valid);
        Ok(d)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        write_json(path, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_follow_telegrams_username_rules() {
        for ok in ["durov", "NOS_nieuws", "kanaal123", &"a".repeat(32)] {
            assert!(is_channel_name(ok), "{ok}");
        }
        for bad in [
            "",
            "abcd",
            &"a".repeat(33),
            "1kanaal",
            "_kanaal",
            "kanaal_",
            "kan__aal",
            "kan-aal",
            "kanaal.nl",
            "kanäal",
            "joinchat",
            "AddStickers",
            "share",
            "+AbCdEf",
            "NieuwsBot",
            "nieuws_bot",
        ] {
            assert!(!is_channel_name(bad), "{bad}");
        }
        assert_eq!(added_source_id("NOS_Nieuws"), "telegram-nos_nieuws");
    }

    #[test]
    fn files_read_back_and_bad_entries_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(CHANNELS_FILE);
        assert_eq!(
            ChannelDecisions::read(&path).unwrap(),
            ChannelDecisions::default()
        );
        let decision = |name: &str| ChannelDecision {
            name: name.into(),
            by: "beheer".into(),
            at: Utc::now(),
            reason: None,
            via: Some("tg".into()),
        };
        let mut d = ChannelDecisions::default();
        d.added.insert("goedkanaal".into(), decision("GoedKanaal"));
        d.added.insert("x".into(), decision("x"));
        d.dismissed.insert("ander".into(), decision("anderkanaal"));
        d.write(&path).unwrap();
        let back = ChannelDecisions::read(&path).unwrap();
        assert_eq!(back.added.keys().collect::<Vec<_>>(), ["goedkanaal"]);
        assert!(back.dismissed.is_empty(), "key and name disagree");
        std::fs::write(&path, b"[").unwrap();
        assert!(ChannelDecisions::read(&path)
            .unwrap_err()
            .contains(CHANNELS_FILE));
    }

    #[test]
    fn mentions_keep_the_most_recently_seen() {
        let t0 = Utc::now();
        let mut m = Mentions::default();
        for i in 0..5i64 {
            m.channels.insert(
                format!("kanaal{i}"),
                ChannelMentions {
                    name: format!("kanaal{i}"),
                    forwards: 1,
                    links: 0,
                    first_seen: t0,
                    last_seen: t0 + chrono::Duration::seconds(i),
                    by: BTreeMap::from([("b".into(), 2), ("a".into(), 2), ("c".into(), 1)]),
                },
            );
        }
        assert_eq!(m.channels["kanaal0"].top_source(), Some("a"));
        m.bound(2);
        assert_eq!(
            m.channels.keys().collect::<Vec<_>>(),
            ["kanaal3", "kanaal4"]
        );
    }
}
