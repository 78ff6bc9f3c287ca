//! Configuration: the `[collect]`, `[privacy]` and `[[sources]]` sections of websense's one
//! TOML file.
//!
//! Every struct denies unknown fields, so a typo is an error that names the field rather than
//! a setting silently ignored. The binary's full configuration embeds [`CollectConfig`],
//! [`PrivacyConfig`] and `Vec<`[`SourceConfig`]`>` as they are; [`Config`] is the part of that
//! file the collector reads on its own.
//!
//! Sources are written flat (`kind = "mastodon"`, `instance = "..."`) and checked by
//! [`SourceConfig::validate`] into a typed [`Source`], so an error can say which source and
//! which field is wrong. Sources that need a login are refused: websense reads public sources
//! only.

use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;
use websense_model::{SourceId, SourceKind};

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config{}: {message}", path.as_deref().map(|p| format!(" {p}")).unwrap_or_default())]
    Parse {
        path: Option<String>,
        message: String,
    },
    #[error("source `{source_id}`: {message}")]
    Source { source_id: String, message: String },
    #[error("[{section}] {message}")]
    Setting {
        section: &'static str,
        message: String,
    },
}

/// The part of websense's configuration file the collector reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub collect: CollectConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// Directories holding data besides `state_dir` (the store's, the room database's, the
    /// author vault's), set by whoever knows them: the pseudonym key must not be in any.
    #[serde(skip)]
    pub data_dirs: Vec<PathBuf>,
}

impl Config {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let mut config = Config::from_toml(&text).map_err(|e| match e {
            ConfigError::Parse { message, .. } => ConfigError::Parse {
                path: Some(path.display().to_string()),
                message,
            },
            other => other,
        })?;
        // Relative paths in a config file mean "relative to that file", wherever it is run from.
        if let Some(dir) = path.parent() {
            config.resolve_paths(dir);
        }
        Ok(config)
    }

    /// Parse and check configuration text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let value: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: e.to_string(),
        })?;
        refuse_logins(&value)?;
        // Deserialise from the text, not the table, so errors carry line and column.
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: None,
            message: e.to_string(),
        })?;
        config.collect.validate()?;
        config.privacy.validate()?;
        config.sources()?;
        Ok(config)
    }

    /// The configured sources, checked (including the disabled ones).
    pub fn sources(&self) -> Result<Vec<Source>, ConfigError> {
        let mut ids = HashSet::new();
        let mut out = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            let source = s.validate(&self.collect)?;
            if !ids.insert(source.id.clone()) {
                return Err(ConfigError::Source {
                    source_id: s.id.clone(),
                    message: "the same id is used by another source".into(),
                });
            }
            out.push(source);
        }
        Ok(out)
    }

    fn resolve_paths(&mut self, base: &Path) {
        if self.collect.state_dir.is_relative() {
            self.collect.state_dir = base.join(&self.collect.state_dir);
        }
        if let Some(p) = &mut self.privacy.pseudonym_key_file {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
}

/// `[collect]`: how to fetch, politely.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectConfig {
    /// Sent with every request; say who you are and how to reach you.
    pub user_agent: String,
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// For a whole request: connecting, headers and body.
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// Requests in flight to one host at once.
    pub per_host_concurrency: usize,
    /// Requests per second to one host, on average.
    pub per_host_rate: f64,
    /// Requests to one host that may go out back to back before `per_host_rate` applies.
    pub per_host_burst: u32,
    /// Sources fetched at once, across all hosts.
    pub max_concurrent_sources: usize,
    /// A body (after decompression) longer than this is refused.
    pub max_body_bytes: u64,
    pub max_redirects: u32,
    /// Retries of one request after a 429, a 5xx, a timeout or a connection error.
    pub max_retries: u32,
    /// First backoff delay; it doubles with every retry (with jitter), up to `retry_max_delay`.
    #[serde(deserialize_with = "duration")]
    pub retry_base_delay: Duration,
    /// Longest wait inside one fetch, also for a server's `Retry-After`; a longer
    /// `Retry-After` ends the fetch and postpones the source's next one instead.
    #[serde(deserialize_with = "duration")]
    pub retry_max_delay: Duration,
    /// Allow fetching from loopback, private, link-local and CGNAT addresses. Off: a hostile
    /// feed cannot point websense at the internal network.
    pub allow_private_networks: bool,
    /// Host names (as written in URLs) that may resolve to private addresses even when
    /// `allow_private_networks` is off, e.g. an intranet mirror. Redirect targets are checked
    /// against this list too.
    pub allow_private_hosts: Vec<String>,
    /// Where cursors, status and the store identity they belong to live.
    pub state_dir: PathBuf,
    /// Interval for sources that set none.
    #[serde(deserialize_with = "duration")]
    pub default_interval: Duration,
    /// Item ids remembered per source to skip items already handed on.
    pub seen_ids_per_source: usize,
    /// Pages fetched per source and round, for paginated sources that set none.
    pub default_max_pages: u32,
}

impl Default for CollectConfig {
    fn default() -> Self {
        CollectConfig {
            user_agent: format!(
                "websense/{} (public-source collector; set collect.user_agent to your contact)",
                env!("CARGO_PKG_VERSION")
            ),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            per_host_concurrency: 2,
            per_host_rate: 1.0,
            per_host_burst: 4,
            max_concurrent_sources: 32,
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 3,
            retry_base_delay: Duration::from_secs(1),
            retry_max_delay: Duration::from_secs(60),
            allow_private_networks: false,
            allow_private_hosts: Vec::new(),
            state_dir: PathBuf::from("state"),
            default_interval: Duration::from_secs(15 * 60),
            seen_ids_per_source: 5000,
            default_max_pages: 5,
        }
    }
}

impl CollectConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |message: &str| {
            Err(ConfigError::Setting {
                section: "collect",
                message: message.into(),
            })
        };
        if self.user_agent.trim().is_empty() {
            return bad("user_agent must not be empty");
        }
        if reqwest::header::HeaderValue::from_str(&self.user_agent).is_err() {
            return bad("user_agent contains characters not allowed in an HTTP header");
        }
        if !(self.per_host_rate > 0.0 && self.per_host_rate.is_finite()) {
            return bad("per_host_rate must be a positive number of requests per second");
        }
        if self.per_host_concurrency == 0 || self.max_concurrent_sources == 0 {
            return bad("per_host_concurrency and max_concurrent_sources must be at least 1");
        }
        if self.per_host_burst == 0 {
            return bad("per_host_burst must be at least 1");
        }
        if self.max_body_bytes == 0 {
            return bad("max_body_bytes must be at least 1");
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return bad("timeouts must be longer than zero");
        }
        if self.default_interval.is_zero() {
            return bad("default_interval must be longer than zero");
        }
        if self.default_max_pages == 0 {
            return bad("default_max_pages must be at least 1");
        }
        Ok(())
    }
}

/// `[privacy]`: what is kept of authors and for how long. One section for every command: the
/// collector reads the pseudonym key and whether handles are kept, the Room (`websense serve`)
/// how long raw text stays and whether authors can be resolved. The defaults are the lawful
/// ones: no handles kept, raw text purged after 30 days, no author vault.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// The secret behind author pseudonyms, kept away from the data. Default:
    /// `$XDG_CONFIG_HOME/websense/pseudonym.key` (else `~/.config/websense/pseudonym.key`),
    /// generated on first run. See [`crate::key`].
    pub pseudonym_key_file: Option<PathBuf>,
    /// Accept a key inside a data directory (with a warning); refused otherwise.
    pub allow_key_in_data_dir: bool,
    /// Keep raw author handles next to pseudonyms. Off by default; switch on only with a
    /// lawful basis for it.
    pub keep_author_handles: bool,
    /// The Room's: title, text, author, url, links and raw metadata of items are purged this
    /// many days after the item's event time; matches, scores and trend counts stay.
    pub raw_text_retention_days: u32,
    /// The Room's: the author resolution vault (a separate file, never the main database).
    /// None: no author can ever be resolved.
    pub author_vault: Option<PathBuf>,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            pseudonym_key_file: None,
            allow_key_in_data_dir: false,
            keep_author_handles: false,
            raw_text_retention_days: 30,
            author_vault: None,
        }
    }
}

impl PrivacyConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.raw_text_retention_days == 0 {
            return Err(ConfigError::Setting {
                section: "privacy",
                message: "raw_text_retention_days must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// Which collector reads a source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKindName {
    Feed,
    Mastodon,
    Reddit,
    Bluesky,
    Telegram,
    JsonApi,
}

/// One `[[sources]]` entry as written. Fields that a kind does not use are refused.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Stable id: letters, digits, `.`, `_` and `-`. Item ids derive from it, so renaming a
    /// source makes all its items new.
    pub id: String,
    pub kind: SourceKindName,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, deserialize_with = "optional_duration")]
    pub interval: Option<Duration>,
    /// Carried on every item (`"gemeente:utrecht"`, `"thema:stikstof"`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `feed`, `json_api`: the URL to fetch.
    pub url: Option<String>,
    /// `mastodon`: the instance, e.g. `https://mastodon.social`.
    pub instance: Option<String>,
    /// `mastodon`: `public` (federated), `local`, or `hashtag` (with `hashtag`).
    pub timeline: Option<String>,
    pub hashtag: Option<String>,
    /// `reddit`: the subreddit name without `r/`.
    pub subreddit: Option<String>,
    /// `bluesky`: the search query.
    pub query: Option<String>,
    /// `bluesky`: only posts in this language (e.g. `nl`).
    pub lang: Option<String>,
    /// `telegram`: a public channel's name (as in `t.me/s/NAME`).
    pub channel: Option<String>,
    /// `reddit`, `bluesky`, `telegram`: the service's base URL, for mirrors (and tests).
    pub base_url: Option<String>,
    /// `json_api`: dot path to the array of items (`data.posts`); empty means the body is the array.
    pub items_path: Option<String>,
    /// `json_api`: dot path to the next page's URL, if the API pages.
    pub next_path: Option<String>,
    /// `json_api`: where the fields of an item are.
    pub fields: Option<JsonFields>,
    /// Paginated sources: at most this many pages per round.
    pub max_pages: Option<u32>,
}

/// `json_api` field mapping: dot paths inside one item object.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JsonFields {
    pub id: String,
    pub text: String,
    pub title: Option<String>,
    pub author: Option<String>,
    /// RFC 3339, RFC 2822, or Unix seconds/milliseconds.
    pub time: Option<String>,
    pub url: Option<String>,
}

/// Mastodon's public timelines (the home timeline needs a login and is refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MastodonTimeline {
    Public,
    Local,
    Hashtag(String),
}

/// What a source is, checked.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    Feed {
        url: Url,
    },
    Mastodon {
        instance: Url,
        timeline: MastodonTimeline,
    },
    Reddit {
        base: Url,
        subreddit: String,
    },
    Bluesky {
        base: Url,
        query: String,
        lang: Option<String>,
    },
    Telegram {
        base: Url,
        channel: String,
    },
    JsonApi {
        url: Url,
        items_path: String,
        next_path: Option<String>,
        fields: JsonFields,
    },
}

/// A checked source, ready to collect.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub id: SourceId,
    pub kind: SourceKind,
    pub enabled: bool,
    pub interval: Duration,
    pub tags: Vec<String>,
    pub max_pages: u32,
    pub spec: SourceSpec,
}

impl Source {
    /// The URL a round starts from, for logs and status.
    pub fn start_url(&self) -> String {
        match &self.spec {
            SourceSpec::Feed { url } | SourceSpec::JsonApi { url, .. } => url.to_string(),
            SourceSpec::Mastodon { instance, .. } => instance.to_string(),
            SourceSpec::Reddit { base, subreddit } => format!("{base}r/{subreddit}"),
            SourceSpec::Bluesky { base, query, .. } => format!("{base} q={query}"),
            SourceSpec::Telegram { base, channel } => format!("{base}s/{channel}"),
        }
    }
}

impl SourceConfig {
    /// Check this entry and build its [`Source`].
    pub fn validate(&self, collect: &CollectConfig) -> Result<Source, ConfigError> {
        let fail = |message: String| ConfigError::Source {
            source_id: self.id.clone(),
            message,
        };
        if self.id.is_empty()
            || self.id.len() > 100
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            || self.id.starts_with('.')
        {
            return Err(fail(
                "id must be 1-100 letters, digits, `.`, `_` or `-` (not starting with `.`)".into(),
            ));
        }
        if self.interval.is_some_and(|d| d.is_zero()) {
            return Err(fail("interval must be longer than zero".into()));
        }
        if self.max_pages == Some(0) {
            return Err(fail("max_pages must be at least 1".into()));
        }
        let used: &[&str] = match self.kind {
            SourceKindName::Feed => &["url"],
            SourceKindName::Mastodon => &["instance", "timeline", "hashtag", "max_pages"],
            SourceKindName::Reddit => &["subreddit", "base_url", "max_pages"],
            SourceKindName::Bluesky => &["query", "lang", "base_url", "max_pages"],
            SourceKindName::Telegram => &["channel", "base_url", "max_pages"],
            SourceKindName::JsonApi => &["url", "items_path", "next_path", "fields", "max_pages"],
        };
        for (name, present) in self.kind_specific_fields() {
            if present && !used.contains(&name) {
                return Err(fail(format!(
                    "`{name}` is not used by kind `{}`",
                    self.kind_name()
                )));
            }
        }
        let required = |v: &Option<String>, name: &str| -> Result<String, ConfigError> {
            match v.as_deref().map(str::trim) {
                Some(s) if !s.is_empty() => Ok(s.to_string()),
                _ => Err(fail(format!("kind `{}` needs `{name}`", self.kind_name()))),
            }
        };
        let url_of =
            |s: &str, name: &str| parse_public_url(s).map_err(|m| fail(format!("`{name}`: {m}")));
        let base_or =
            |default: &str| url_of(self.base_url.as_deref().unwrap_or(default), "base_url");
        let spec = match self.kind {
            SourceKindName::Feed => SourceSpec::Feed {
                url: url_of(&required(&self.url, "url")?, "url")?,
            },
            SourceKindName::Mastodon => {
                let instance = url_of(&required(&self.instance, "instance")?, "instance")?;
                let timeline = match self.timeline.as_deref().unwrap_or("public") {
                    "public" => MastodonTimeline::Public,
                    "local" => MastodonTimeline::Local,
                    "hashtag" => {
                        let tag = required(&self.hashtag, "hashtag")?;
                        let tag = tag.trim_start_matches('#').to_string();
                        if !tag.chars().all(|c| c.is_alphanumeric() || c == '_') {
                            return Err(fail(format!(
                                "hashtag `{tag}` has characters a hashtag cannot have"
                            )));
                        }
                        MastodonTimeline::Hashtag(tag)
                    }
                    t @ ("home" | "list" | "direct" | "notifications" | "bookmarks"
                    | "favourites") => {
                        return Err(fail(format!(
                            "timeline `{t}` needs a login; websense collects public sources only"
                        )))
                    }
                    t => {
                        return Err(fail(format!(
                            "unknown timeline `{t}`: use public, local or hashtag"
                        )))
                    }
                };
                if self.hashtag.is_some() && !matches!(timeline, MastodonTimeline::Hashtag(_)) {
                    return Err(fail("`hashtag` needs timeline = \"hashtag\"".into()));
                }
                SourceSpec::Mastodon { instance, timeline }
            }
            SourceKindName::Reddit => {
                let subreddit = required(&self.subreddit, "subreddit")?;
                let subreddit = subreddit.trim_start_matches("r/").to_string();
                if !subreddit
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(fail(format!(
                        "subreddit `{subreddit}` is not a subreddit name"
                    )));
                }
                SourceSpec::Reddit {
                    base: base_or("https://www.reddit.com")?,
                    subreddit,
                }
            }
            SourceKindName::Bluesky => SourceSpec::Bluesky {
                base: base_or("https://public.api.bsky.app")?,
                query: required(&self.query, "query")?,
                lang: self.lang.clone().filter(|l| !l.trim().is_empty()),
            },
            SourceKindName::Telegram => {
                let channel = required(&self.channel, "channel")?;
                let channel = channel.trim_start_matches('@').to_string();
                if !channel
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    return Err(fail(format!(
                        "channel `{channel}` is not a public channel name"
                    )));
                }
                SourceSpec::Telegram {
                    base: base_or("https://t.me")?,
                    channel,
                }
            }
            SourceKindName::JsonApi => SourceSpec::JsonApi {
                url: url_of(&required(&self.url, "url")?, "url")?,
                items_path: self.items_path.clone().unwrap_or_default(),
                next_path: self.next_path.clone().filter(|p| !p.is_empty()),
                fields: match &self.fields {
                    Some(f) if !f.id.is_empty() && !f.text.is_empty() => f.clone(),
                    _ => {
                        return Err(fail(
                            "kind `json_api` needs `fields` with at least `id` and `text`".into(),
                        ))
                    }
                },
            },
        };
        Ok(Source {
            id: SourceId::new(self.id.clone()),
            kind: self.kind_model(),
            enabled: self.enabled,
            interval: self.interval.unwrap_or(collect.default_interval),
            tags: self.tags.clone(),
            max_pages: self.max_pages.unwrap_or(collect.default_max_pages),
            spec,
        })
    }

    fn kind_specific_fields(&self) -> [(&'static str, bool); 12] {
        [
            ("url", self.url.is_some()),
            ("instance", self.instance.is_some()),
            ("timeline", self.timeline.is_some()),
            ("hashtag", self.hashtag.is_some()),
            ("subreddit", self.subreddit.is_some()),
            ("query", self.query.is_some()),
            ("lang", self.lang.is_some()),
            ("channel", self.channel.is_some()),
            ("base_url", self.base_url.is_some()),
            ("items_path", self.items_path.is_some()),
            ("next_path", self.next_path.is_some()),
            ("fields", self.fields.is_some()),
        ]
    }

    fn kind_model(&self) -> SourceKind {
        match self.kind {
            SourceKindName::Feed => SourceKind::Feed,
            SourceKindName::Mastodon => SourceKind::Mastodon,
            SourceKindName::Reddit => SourceKind::Reddit,
            SourceKindName::Bluesky => SourceKind::Bluesky,
            SourceKindName::Telegram => SourceKind::Telegram,
            SourceKindName::JsonApi => SourceKind::JsonApi,
        }
    }

    fn kind_name(&self) -> &'static str {
        self.kind_model().as_str()
    }
}

/// Keys that mean a source wants credentials. They get their own error instead of
/// "unknown field", because the answer is not "fix the spelling" but "not allowed".
const LOGIN_KEYS: &[&str] = &[
    "token",
    "access_token",
    "bearer",
    "api_key",
    "apikey",
    "password",
    "username",
    "user",
    "login",
    "auth",
    "authorization",
    "cookie",
    "cookies",
    "headers",
    "client_id",
    "client_secret",
    "session",
];

fn refuse_logins(config: &toml::Table) -> Result<(), ConfigError> {
    let Some(toml::Value::Array(sources)) = config.get("sources") else {
        return Ok(());
    };
    for source in sources {
        let Some(table) = source.as_table() else {
            continue;
        };
        for key in table.keys() {
            if LOGIN_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                let id = table
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?")
                    .to_string();
                return Err(ConfigError::Source {
                    source_id: id,
                    message: format!(
                        "`{key}` means a login; websense collects public sources only"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Parse a source URL: http(s) only, and without credentials in it.
fn parse_public_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{s}`: only http and https URLs can be fetched"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{s}` carries a login; websense collects public sources only"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{s}` has no host"));
    }
    Ok(url)
}

fn yes() -> bool {
    true
}

/// Parse `"90s"`, `"15m"`, `"1h"`, `"1d"`, `"250ms"`, or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 90s, 15m or 1h"))?;
    let seconds = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        other => {
            return Err(format!(
                "unknown duration unit `{other}` in `{s}` (use ms, s, m, h or d)"
            ))
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("`{s}` is out of range"))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DurationText {
    Seconds(u64),
    Text(String),
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match DurationText::deserialize(d)? {
        DurationText::Seconds(n) => Ok(Duration::from_secs(n)),
        DurationText::Text(s) => parse_duration(&s).map_err(serde::de::Error::custom),
    }
}

fn optional_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    duration(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::from_toml(text).unwrap_err().to_string()
    }

    #[test]
    fn example_config_is_valid() {
        let text = include_str!("../../../config/sources.example.toml");
        let config = Config::from_toml(text).unwrap();
        let sources = config.sources().unwrap();
        assert!(sources.len() >= 6);
        for kind in [
            "feed", "mastodon", "reddit", "bluesky", "telegram", "json_api",
        ] {
            assert!(
                sources.iter().any(|s| s.kind.as_str() == kind),
                "example lacks {kind}"
            );
        }
        assert!(!config.collect.allow_private_networks);
        assert!(!config.privacy.keep_author_handles);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    #[test]
    fn typos_and_misplaced_fields_are_named() {
        let e = err("[collect]\nuser_agnet = \"x\"\n");
        assert!(e.contains("user_agnet"), "{e}");
        let e = err("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://e.org/f\"\nintervall = \"5m\"\n");
        assert!(e.contains("intervall"), "{e}");
        let e = err("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://e.org/f\"\nsubreddit = \"x\"\n");
        assert!(e.contains("`subreddit` is not used by kind `feed`"), "{e}");
        let e = err("[[sources]]\nid = \"a\"\nkind = \"reddit\"\n");
        assert!(
            e.contains("source `a`") && e.contains("needs `subreddit`"),
            "{e}"
        );
        let e = err("[[sources]]\nid = \"a\"\nkind = \"rss\"\nurl = \"https://e.org\"\n");
        assert!(e.contains("rss"), "{e}");
    }

    #[test]
    fn logins_are_refused() {
        let e = err("[[sources]]\nid = \"m\"\nkind = \"mastodon\"\ninstance = \"https://m.example\"\ntoken = \"abc\"\n");
        assert!(e.contains("login") && e.contains("source `m`"), "{e}");
        let e = err("[[sources]]\nid = \"m\"\nkind = \"mastodon\"\ninstance = \"https://m.example\"\ntimeline = \"home\"\n");
        assert!(e.contains("needs a login"), "{e}");
        let e =
            err("[[sources]]\nid = \"f\"\nkind = \"feed\"\nurl = \"https://user:pw@e.org/feed\"\n");
        assert!(e.contains("login"), "{e}");
    }

    #[test]
    fn bad_ids_urls_and_duplicates_are_refused() {
        assert!(
            err("[[sources]]\nid = \"a b\"\nkind = \"feed\"\nurl = \"https://e.org\"\n")
                .contains("id must be")
        );
        assert!(
            err("[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"file:///etc/passwd\"\n")
                .contains("http")
        );
        let dup = "[[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://e.org\"\n";
        assert!(err(&format!("{dup}{dup}")).contains("same id"));
        assert!(err("[collect]\nper_host_rate = 0\n").contains("per_host_rate"));
    }

    #[test]
    fn defaults_fill_in() {
        let c = Config::from_toml(
            "[collect]\ndefault_interval = \"2m\"\n[[sources]]\nid = \"r\"\nkind = \"reddit\"\nsubreddit = \"r/thenetherlands\"\ntags = [\"land:nl\"]\n",
        )
        .unwrap();
        let s = &c.sources().unwrap()[0];
        assert_eq!(s.interval, Duration::from_secs(120));
        assert!(s.enabled);
        assert_eq!(
            s.spec,
            SourceSpec::Reddit {
                base: Url::parse("https://www.reddit.com").unwrap(),
                subreddit: "thenetherlands".into()
            }
        );
    }
}
