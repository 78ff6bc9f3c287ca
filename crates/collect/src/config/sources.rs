//! `[[sources]]`: what to collect, written flat and checked into a typed [`Source`]; keys that
//! mean a login are refused, and URLs must be public http(s) ones.

use super::html::{HtmlSelectors, HtmlSelectorsConfig};
use super::{CollectConfig, ConfigError};
use serde::Deserialize;
use std::time::Duration;
use url::Url;
use websense_model::{legacy_duration, SourceId, SourceKind};

legacy_duration!(option interval, "sources", "interval", "interval", Seconds);

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
    Html,
    /// Bluesky followed live through a Jetstream websocket.
    Jetstream,
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
    #[serde(default, deserialize_with = "interval")]
    pub interval: Option<Duration>,
    /// Carried on every item (`"regio:zaanstreek"`, `"thema:stikstof"`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The municipality every item of this source is about (a town's own news feed): its
    /// CBS code, `GM0479`. Carried on the items as the tag `gemeente:GM0479`, which the
    /// matcher counts as an attribution of each.
    #[serde(default)]
    pub municipality: Option<String>,
    /// `feed`, `json_api`: the URL to fetch; `html`: the listing page; `jetstream`: the
    /// websocket endpoint (default [`DEFAULT_JETSTREAM_URL`]).
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
    /// `html`: CSS selectors saying where posts, texts, authors, times and links are.
    pub selectors: Option<HtmlSelectorsConfig>,
    /// `html` with `selectors.thread_link`: at most this many threads read per round.
    pub max_threads: Option<u32>,
    /// Paginated sources: at most this many pages per round (`html`: listing pages per round,
    /// and pages per thread).
    pub max_pages: Option<u32>,
    /// `jetstream`: keep only posts declaring one of these languages (`nl`; posts declaring
    /// none are kept for the keyword filter and language detection to decide).
    pub languages: Option<Vec<String>>,
    /// `jetstream`: keep only posts whose normalised text contains one of these.
    pub keywords: Option<Vec<String>>,
    /// `jetstream`: keep only posts that contain a term of the matcher's lexicons
    /// (`[matcher] lexicons`, read every round).
    pub keywords_from_lexicons: Option<bool>,
    /// `jetstream`: a round ends after this many kept posts.
    pub max_items_per_round: Option<u32>,
    /// `jetstream`: a round ends after this long (`"30s"`), so `--once` ends.
    #[serde(default, with = "websense_model::duration::option_text")]
    pub round_time: Option<Duration>,
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
    Html {
        /// The listing page.
        url: Url,
        selectors: HtmlSelectors,
        /// Threads read per round (with `selectors.thread_link`).
        max_threads: u32,
    },
    Jetstream(JetstreamSpec),
}

/// A `jetstream` source, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct JetstreamSpec {
    /// The `subscribe` endpoint (ws or wss), without query.
    pub url: Url,
    /// Lower-case primary language tags; empty keeps every language.
    pub languages: Vec<String>,
    pub keywords: Vec<String>,
    pub keywords_from_lexicons: bool,
    /// The matcher's lexicon directory, filled in by whoever knows it ([`super::Config::lexicons`]).
    pub lexicons: Option<std::path::PathBuf>,
    pub max_items_per_round: u32,
    pub round_time: Duration,
}

/// Bluesky's public Jetstream endpoint, the default `url` of a `jetstream` source.
pub const DEFAULT_JETSTREAM_URL: &str = "wss://jetstream2.us-east.bsky.network/subscribe";
/// Kept posts per `jetstream` round unless `max_items_per_round` says otherwise.
pub const DEFAULT_JETSTREAM_MAX_ITEMS: u32 = 1000;
/// How long a `jetstream` round listens unless `round_time` says otherwise.
pub const DEFAULT_JETSTREAM_ROUND_TIME: Duration = Duration::from_secs(60);

/// Threads an `html` source reads per round unless `max_threads` says otherwise.
pub const DEFAULT_MAX_THREADS: u32 = 20;

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
            SourceSpec::Feed { url }
            | SourceSpec::JsonApi { url, .. }
            | SourceSpec::Html { url, .. } => url.to_string(),
            SourceSpec::Mastodon { instance, .. } => instance.to_string(),
            SourceSpec::Reddit { base, subreddit } => format!("{base}r/{subreddit}"),
            SourceSpec::Bluesky { base, query, .. } => format!("{base} q={query}"),
            SourceSpec::Telegram { base, channel } => format!("{base}s/{channel}"),
            SourceSpec::Jetstream(j) => j.url.to_string(),
        }
    }
}

impl SourceConfig {
    /// Check this entry and build its [`Source`].
    /// `tags`, and the municipality's tag when one is configured.
    fn tags_with_municipality(&self) -> Result<Vec<String>, String> {
        let mut tags = self.tags.clone();
        if let Some(code) = &self.municipality {
            if !websense_model::place::is_municipality_code(code) {
                return Err(format!(
                    "`municipality = {code:?}` is not a CBS municipality code such as \"GM0479\" \
                     (see gazetteer/municipalities.tsv)"
                ));
            }
            let tag = format!("{}{code}", websense_model::place::MUNICIPALITY_TAG_PREFIX);
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(tags)
    }

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
        if self.max_threads == Some(0) {
            return Err(fail("max_threads must be at least 1".into()));
        }
        let used: &[&str] = match self.kind {
            SourceKindName::Feed => &["url"],
            SourceKindName::Mastodon => &["instance", "timeline", "hashtag", "max_pages"],
            SourceKindName::Reddit => &["subreddit", "base_url", "max_pages"],
            SourceKindName::Bluesky => &["query", "lang", "base_url", "max_pages"],
            SourceKindName::Telegram => &["channel", "base_url", "max_pages"],
            SourceKindName::JsonApi => &["url", "items_path", "next_path", "fields", "max_pages"],
            SourceKindName::Html => &["url", "selectors", "max_threads", "max_pages"],
            SourceKindName::Jetstream => &[
                "url",
                "languages",
                "keywords",
                "keywords_from_lexicons",
                "max_items_per_round",
                "round_time",
            ],
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
            SourceKindName::Html => {
                let Some(selectors) = &self.selectors else {
                    return Err(fail(
                        "kind `html` needs `selectors` with at least `post` and `text`".into(),
                    ));
                };
                let selectors = selectors.check().map_err(fail)?;
                if self.max_threads.is_some() && selectors.thread_link.is_none() {
                    return Err(fail(
                        "`max_threads` needs `selectors.thread_link` (threads to follow)".into(),
                    ));
                }
                SourceSpec::Html {
                    url: url_of(&required(&self.url, "url")?, "url")?,
                    selectors,
                    max_threads: self.max_threads.unwrap_or(DEFAULT_MAX_THREADS),
                }
            }
            SourceKindName::Jetstream => SourceSpec::Jetstream(self.jetstream().map_err(fail)?),
        };
        Ok(Source {
            id: SourceId::new(self.id.clone()),
            kind: self.kind_model(),
            enabled: self.enabled,
            interval: self.interval.unwrap_or(collect.default_interval),
            tags: self.tags_with_municipality().map_err(fail)?,
            max_pages: self.max_pages.unwrap_or(collect.default_max_pages),
            spec,
        })
    }

    /// Check a `jetstream` entry.
    fn jetstream(&self) -> Result<JetstreamSpec, String> {
        let url = parse_ws_url(self.url.as_deref().unwrap_or(DEFAULT_JETSTREAM_URL))
            .map_err(|m| format!("`url`: {m}"))?;
        let mut languages = Vec::new();
        for l in self.languages.iter().flatten() {
            let tag = l.trim().to_ascii_lowercase();
            if tag.is_empty() || tag.len() > 8 || !tag.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(format!(
                    "`languages`: `{l}` is not a language code (two or three letters, e.g. `nl`)"
                ));
            }
            languages.push(tag);
        }
        let keywords: Vec<String> = self
            .keywords
            .iter()
            .flatten()
            .map(|k| k.trim().to_string())
            .collect();
        if keywords.iter().any(String::is_empty) {
            return Err("`keywords`: an empty keyword would keep every post".into());
        }
        let keywords_from_lexicons = self.keywords_from_lexicons.unwrap_or(false);
        if languages.is_empty() && keywords.is_empty() && !keywords_from_lexicons {
            return Err(
                "kind `jetstream` needs a filter: `keywords_from_lexicons = true`, `keywords` or \
                 `languages` (the unfiltered firehose is hundreds of posts a second)"
                    .into(),
            );
        }
        if self.max_items_per_round == Some(0) {
            return Err("`max_items_per_round` must be at least 1".into());
        }
        if self.round_time.is_some_and(|d| d.is_zero()) {
            return Err("`round_time` must be longer than zero".into());
        }
        Ok(JetstreamSpec {
            url,
            languages,
            keywords,
            keywords_from_lexicons,
            lexicons: None,
            max_items_per_round: self
                .max_items_per_round
                .unwrap_or(DEFAULT_JETSTREAM_MAX_ITEMS),
            round_time: self.round_time.unwrap_or(DEFAULT_JETSTREAM_ROUND_TIME),
        })
    }

    fn kind_specific_fields(&self) -> [(&'static str, bool); 19] {
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
            ("selectors", self.selectors.is_some()),
            ("max_threads", self.max_threads.is_some()),
            ("languages", self.languages.is_some()),
            ("keywords", self.keywords.is_some()),
            (
                "keywords_from_lexicons",
                self.keywords_from_lexicons.is_some(),
            ),
            ("max_items_per_round", self.max_items_per_round.is_some()),
            ("round_time", self.round_time.is_some()),
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
            SourceKindName::Html => SourceKind::Html,
            // The platform the items come from: the same Bluesky posts as the search source's,
            // the same author pseudonyms; only the way of collecting differs.
            SourceKindName::Jetstream => SourceKind::Bluesky,
        }
    }

    /// The kind as written in the configuration.
    fn kind_name(&self) -> &'static str {
        match self.kind {
            SourceKindName::Jetstream => "jetstream",
            _ => self.kind_model().as_str(),
        }
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

pub(super) fn refuse_logins(config: &toml::Table) -> Result<(), ConfigError> {
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

/// Parse a websocket URL: ws(s) only, without credentials or a query (websense adds its own).
fn parse_ws_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s.trim()).map_err(|e| format!("`{s}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(format!(
            "`{s}`: a Jetstream endpoint is a ws:// or wss:// URL"
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!(
            "`{s}` carries a login; websense collects public sources only"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{s}` has no host"));
    }
    if url.query().is_some() {
        return Err(format!(
            "`{s}`: leave out the query; websense asks for posts and its cursor itself"
        ));
    }
    Ok(url)
}

fn yes() -> bool {
    true
}
