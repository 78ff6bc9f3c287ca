//! The pipeline's own sections of websense's configuration file: `[matcher]`, `[pipeline]`,
//! `[metrics]` and `[demo]`. The binary composes them with the stage crates' sections.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use websense_model::legacy_duration;

/// `[matcher]`: the lexicons and how they are reloaded, and the attribution of items to
/// municipalities.
///
/// ```toml
/// [matcher]
/// lexicons = "lexicons"        # relative to the configuration file
/// reload_interval = "5s"       # SIGHUP reloads at once
/// places = true                # attribute items to municipalities (the shipped gazetteer)
/// gazetteer = "my-gazetteer"   # a curator's edited copy of gazetteer/ instead
/// region = ["Noord-Holland", "GM0479"]  # settles names shared by several municipalities
/// announcements = true         # find announced gatherings (call + time + place)
/// announce = "lexicons/announce"  # their lexicon (default: announce/ in lexicons, else shipped)
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatcherConfig {
    /// The lexicon directory: `categories.toml` and `*.lex` files.
    pub lexicons: PathBuf,
    /// How often the directory is checked for changes.
    #[serde(deserialize_with = "reload_interval")]
    pub reload_interval: Duration,
    /// Attribute every item to the municipalities it names.
    pub places: bool,
    /// A gazetteer directory (the six TSV files of `gazetteer/`, edited); the shipped data
    /// when absent.
    pub gazetteer: Option<PathBuf>,
    /// Where a name shared by several municipalities (`Bergen`) is resolved when a post
    /// does not settle it: CBS codes (`GM0479`) and province names.
    pub region: Vec<String>,
    /// Find announced gatherings in every item (`websense-announce`).
    pub announcements: bool,
    /// The announcement lexicon directory (`lexicons/announce/`, edited); by default
    /// `announce/` inside `lexicons` when it exists, else the shipped one. Read at start.
    pub announce: Option<PathBuf>,
}

impl Default for MatcherConfig {
    fn default() -> Self {
        MatcherConfig {
            lexicons: PathBuf::from("lexicons"),
            reload_interval: Duration::from_secs(5),
            places: true,
            gazetteer: None,
            region: Vec::new(),
            announcements: true,
            announce: None,
        }
    }
}

impl MatcherConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.reload_interval.is_zero() {
            return Err("[matcher] reload_interval must be longer than zero".into());
        }
        Ok(())
    }
}

/// `[pipeline]`: how the stage loops run.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Batches a scorer works on at once: one is scored (on every core) while the others are
    /// handed on.
    pub score_in_flight: usize,
    /// Batches a writer has in flight at once. ClickHouse groups concurrent writes into one
    /// insert, so throughput grows with this until `[store] batch_rows` is reached. On Kafka
    /// a consumer hands out at most `[bus] max_unacked_batches`, which caps this too.
    pub store_in_flight: usize,
    /// Longest pause between retries of a failed hand-over or write.
    #[serde(deserialize_with = "retry_max_delay")]
    pub retry_max_delay: Duration,
    /// How often consumer lag is read from Kafka (one metadata and one offset request).
    #[serde(deserialize_with = "lag_interval")]
    pub lag_interval: Duration,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            score_in_flight: 2,
            store_in_flight: 8,
            retry_max_delay: Duration::from_secs(10),
            lag_interval: Duration::from_secs(15),
        }
    }
}

impl PipelineConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.score_in_flight == 0 || self.store_in_flight == 0 {
            return Err("[pipeline] score_in_flight and store_in_flight must be at least 1".into());
        }
        if self.retry_max_delay.is_zero() || self.lag_interval.is_zero() {
            return Err(
                "[pipeline] retry_max_delay and lag_interval must be longer than zero".into(),
            );
        }
        Ok(())
    }
}

/// `[metrics]`: where `/metrics` is served. No section, no server.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub listen: SocketAddr,
}

/// `[demo]`: serve a directory of feed files over HTTP inside `websense run`, so that the
/// shipped demo configuration collects its sources with no network at all. Its sources point
/// at `http://<listen>/<file>`; `[collect] allow_private_hosts` must name the host.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    pub feeds_dir: PathBuf,
    pub listen: SocketAddr,
    /// Sample posts (JSON Lines) to generate `history` of history from
    /// ([`crate::demo_history`]).
    #[serde(default)]
    pub history_posts: Option<PathBuf>,
    /// How far back the generated history reaches, in whole days (`"28d"`; none: no history).
    #[serde(default, alias = "history_days", deserialize_with = "history")]
    pub history: Duration,
    /// Create the demo accounts `analist`, `curator`, `i2o` and `beheer` with this password
    /// in the Room, when they do not exist yet. Demo only: never set it on a real deployment.
    #[serde(default)]
    pub room_password: Option<String>,
}

/// `base.join(path)` for a relative path, without `dir/..` steps (so messages show
/// `data/websense.db`, not `config/../data/websense.db`).
pub fn resolve(base: &Path, path: &mut PathBuf) {
    if path.is_relative() {
        let mut clean = PathBuf::new();
        for part in base.join(&*path).components() {
            match part {
                Component::CurDir => {}
                Component::ParentDir
                    if matches!(clean.components().next_back(), Some(Component::Normal(_))) =>
                {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        if clean.as_os_str().is_empty() {
            clean.push(".");
        }
        *path = clean;
    }
}

// Durations are text (`"5s"`); a bare number is the old spelling, seconds, read for one
// release with a deprecation notice.
legacy_duration!(
    reload_interval,
    "matcher",
    "reload_interval",
    "reload_interval",
    Seconds
);
legacy_duration!(
    retry_max_delay,
    "pipeline",
    "retry_max_delay",
    "retry_max_delay",
    Seconds
);
legacy_duration!(
    lag_interval,
    "pipeline",
    "lag_interval",
    "lag_interval",
    Seconds
);
legacy_duration!(history, "demo", "history", "history_days", Days);

impl DemoConfig {
    /// [`DemoConfig::history`] in whole days, as the history is generated.
    pub fn history_days(&self) -> u32 {
        u32::try_from(self.history.as_secs() / 86_400).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_join_the_base_without_dot_dot_steps() {
        let cases = [
            ("config", "../data/ws.db", "data/ws.db"),
            ("config", "./lexicons", "config/lexicons"),
            ("/etc/websense", "../../x", "/x"),
            ("", "data", "data"),
            ("config", "..", "."),
            ("../up", "../x", "../x"),
            ("config", "/abs/path", "/abs/path"),
        ];
        for (base, path, want) in cases {
            let mut p = PathBuf::from(path);
            resolve(Path::new(base), &mut p);
            assert_eq!(p, PathBuf::from(want), "{base} + {path}");
        }
    }
}
