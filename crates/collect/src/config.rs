//! Configuration: the `[collect]`, `[privacy]` and `[[sources]]` sections of websense's one
//! TOML file.
//!
//! Every struct denies unknown fields, so a typo is an error that names the field rather than
//! a setting silently ignored. The binary's full configuration embeds [`CollectConfig`],
//! [`PrivacyConfig`] and `Vec<`[`SourceConfig`]`>` as they are; [`Config`] is the part of that
//! file the collector reads on its own.
//!
//! The settings live in `settings.rs` (`[collect]`; `[privacy]` is
//! [`websense_model::PrivacyConfig`], shared with the Room), the sources and their checks
//! (logins refused, public http(s) URLs only) in `sources.rs`; durations are read by
//! [`websense_model::duration`], which also reads the old bare numbers of seconds for one
//! release.
//!
//! Sources are written flat (`kind = "mastodon"`, `instance = "..."`) and checked by
//! [`SourceConfig::validate`] into a typed [`Source`], so an error can say which source and
//! which field is wrong. Sources that need a login are refused: websense reads public sources
//! only.

mod html;
mod settings;
mod sources;

pub use html::{Css, HtmlSelectors, HtmlSelectorsConfig};
pub use settings::CollectConfig;
pub use sources::{
    JetstreamSpec, JsonFields, MastodonTimeline, Source, SourceConfig, SourceKindName, SourceSpec,
    DEFAULT_JETSTREAM_MAX_ITEMS, DEFAULT_JETSTREAM_ROUND_TIME, DEFAULT_JETSTREAM_URL,
    DEFAULT_MAX_THREADS,
};
/// The one duration parser (`"90s"`, `"15m"`, `"2h"`), kept here for existing callers.
pub use websense_model::parse_duration;
/// `[privacy]` is one section for every command; its type lives in `websense_model`.
pub use websense_model::PrivacyConfig;

use serde::Deserialize;
use sources::refuse_logins;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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
    /// The matcher's lexicon directory (`[matcher] lexicons`), set by whoever reads that
    /// section: `jetstream` sources with `keywords_from_lexicons` take their filter from it.
    #[serde(skip)]
    pub lexicons: Option<PathBuf>,
}

impl Config {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        websense_model::duration::take_deprecations();
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
        // Old spellings (a bare number of seconds) still read; say what to write instead.
        for notice in websense_model::duration::take_deprecations() {
            tracing::warn!(config = %path.display(), "{notice}");
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
        config
            .privacy
            .validate()
            .map_err(|message| ConfigError::Setting {
                section: "privacy",
                message,
            })?;
        config.sources()?;
        Ok(config)
    }

    /// The configured sources, checked (including the disabled ones).
    pub fn sources(&self) -> Result<Vec<Source>, ConfigError> {
        let mut ids = HashSet::new();
        let mut out = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            let mut source = s.validate(&self.collect)?;
            if let SourceSpec::Jetstream(j) = &mut source.spec {
                j.lexicons.clone_from(&self.lexicons);
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use url::Url;
    use websense_model::duration::take_deprecations;

    fn err(text: &str) -> String {
        Config::from_toml(text).unwrap_err().to_string()
    }

    #[test]
    fn a_municipality_becomes_a_tag_and_a_bad_code_is_refused() {
        let source = |line: &str| {
            format!(
                "[[sources]]\nid = \"zaanstad\"\nkind = \"feed\"\nurl = \"https://example.org/rss\"\ntags = [\"x\"]\n{line}\n"
            )
        };
        let config = Config::from_toml(&source("municipality = \"GM0479\"")).unwrap();
        let sources = config.sources().unwrap();
        assert_eq!(sources[0].tags, ["x", "gemeente:GM0479"]);
        let e = err(&source("municipality = \"Zaanstad\""));
        assert!(e.contains("zaanstad") && e.contains("GM0479"), "{e}");
    }

    #[test]
    fn example_config_is_valid() {
        let text = include_str!("../../../config/sources.example.toml");
        let config = Config::from_toml(text).unwrap();
        let sources = config.sources().unwrap();
        assert!(sources.len() >= 6);
        for kind in [
            "feed", "mastodon", "reddit", "bluesky", "telegram", "json_api", "html",
        ] {
            assert!(
                sources.iter().any(|s| s.kind.as_str() == kind),
                "example lacks {kind}"
            );
        }
        assert!(
            config
                .sources
                .iter()
                .any(|s| s.kind == SourceKindName::Jetstream),
            "example lacks jetstream"
        );
        assert!(!config.collect.allow_private_networks);
        assert!(!config.privacy.keep_author_handles);
    }

    #[test]
    fn jetstream_sources_are_checked() {
        let src =
            |fields: &str| format!("[[sources]]\nid = \"j\"\nkind = \"jetstream\"\n{fields}\n");
        let config = Config::from_toml(&src("languages = [\"NL\"]")).unwrap();
        let SourceSpec::Jetstream(j) = &config.sources().unwrap()[0].spec else {
            panic!("a jetstream spec")
        };
        assert_eq!(j.url.as_str(), DEFAULT_JETSTREAM_URL);
        assert_eq!(j.languages, ["nl"]);
        assert_eq!(j.max_items_per_round, DEFAULT_JETSTREAM_MAX_ITEMS);
        assert_eq!(j.round_time, DEFAULT_JETSTREAM_ROUND_TIME);
        for (fields, message) in [
            ("", "needs a filter"),
            (
                "url = \"https://x.example/subscribe\"\nkeywords = [\"a\"]",
                "ws:// or wss://",
            ),
            (
                "url = \"wss://x.example/subscribe?cursor=1\"\nkeywords = [\"a\"]",
                "leave out the query",
            ),
            ("keywords = [\" \"]", "empty keyword"),
            ("languages = [\"nederlands!\"]", "not a language code"),
            ("keywords = [\"a\"]\nmax_items_per_round = 0", "at least 1"),
            (
                "keywords = [\"a\"]\nround_time = \"0s\"",
                "longer than zero",
            ),
            (
                "keywords = [\"a\"]\nquery = \"x\"",
                "`query` is not used by kind `jetstream`",
            ),
        ] {
            let e = err(&src(fields));
            assert!(e.contains(message), "{fields}: {e}");
        }
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("2")
            .unwrap_err()
            .to_string()
            .contains("no unit"));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }

    /// A bare number of seconds (the old spelling) still reads, with a notice saying what to
    /// write; text with a unit reads without one; a number in a string needs its unit.
    #[test]
    fn bare_seconds_read_with_a_deprecation_notice() {
        take_deprecations();
        let c = Config::from_toml(
            "[collect]\nconnect_timeout = 10\nretry_max_delay = \"2m\"\n\
             [[sources]]\nid = \"a\"\nkind = \"feed\"\nurl = \"https://e.org/f\"\ninterval = 600\n",
        )
        .unwrap();
        assert_eq!(c.collect.connect_timeout, Duration::from_secs(10));
        assert_eq!(c.collect.retry_max_delay, Duration::from_secs(120));
        assert_eq!(c.sources[0].interval, Some(Duration::from_secs(600)));
        let notices = take_deprecations();
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(
            notices[0].contains("[collect] `connect_timeout = 10` (a number of seconds)")
                && notices[0].contains("connect_timeout = \"10s\""),
            "{notices:?}"
        );
        assert!(notices[1].contains("interval = \"10m\""), "{notices:?}");
        let e = err("[collect]\nrequest_timeout = \"30\"\n");
        assert!(e.contains("`30`") && e.contains("no unit"), "{e}");
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
    fn html_selectors_are_checked_and_named() {
        let html = |selectors: &str, extra: &str| {
            format!(
                "[[sources]]\nid = \"forum\"\nkind = \"html\"\nurl = \"https://f.example/c\"\n{extra}\n\
                 [sources.selectors]\n{selectors}\n"
            )
        };
        let ok = Config::from_toml(&html(
            "post = \"article.post\"\ntext = \".body\"\nthread_link = \"a.topic\"",
            "max_threads = 5",
        ))
        .unwrap();
        let source = &ok.sources().unwrap()[0];
        assert_eq!(source.kind.as_str(), "html");
        let SourceSpec::Html {
            selectors,
            max_threads,
            ..
        } = &source.spec
        else {
            panic!("not html: {:?}", source.spec)
        };
        assert_eq!(
            (selectors.post.css.as_str(), *max_threads),
            ("article.post", 5)
        );
        let e = err(&html("post = \"article.post\"\ntext = \"div[\"", ""));
        assert!(
            e.contains("source `forum`") && e.contains("`selectors.text`") && e.contains("`div[`"),
            "{e}"
        );
        let e = err(&html("post = \"article..post\"\ntext = \"p\"", ""));
        assert!(e.contains("`selectors.post`"), "{e}");
        let e = err(&html(
            "post = \"a\"\ntext = \"p\"\ntime_attr = \"datetime\"",
            "",
        ));
        assert!(
            e.contains("`selectors.time_attr` needs `selectors.time`"),
            "{e}"
        );
        let e = err(&html("post = \"a\"\ntext = \"p\"", "max_threads = 3"));
        assert!(
            e.contains("`max_threads` needs `selectors.thread_link`"),
            "{e}"
        );
        let e = err(&html("post = \"a\"", ""));
        assert!(e.contains("text"), "{e}");
        let e = err(&html("post = \"a\"\ntext = \"p\"\npostt = \"x\"", ""));
        assert!(e.contains("postt"), "{e}");
        let e =
            err("[[sources]]\nid = \"forum\"\nkind = \"html\"\nurl = \"https://f.example/c\"\n");
        assert!(e.contains("needs `selectors`"), "{e}");
        let e = err("[[sources]]\nid = \"f\"\nkind = \"feed\"\nurl = \"https://f.example/c\"\nmax_threads = 2\n");
        assert!(
            e.contains("`max_threads` is not used by kind `feed`"),
            "{e}"
        );
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
