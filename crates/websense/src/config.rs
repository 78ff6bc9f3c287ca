//! websense's one configuration file: a TOML file of sections, each owned by the crate that
//! reads it.
//!
//! | section                                | owner, struct                                   | default            |
//! |----------------------------------------|-------------------------------------------------|--------------------|
//! | `[collect]`, `[privacy]`, `[[sources]]` | `websense_collect` (`CollectConfig`, ...)       | no sources         |
//! | `[bus]`                                | `websense_bus::BusConfig`                       | embedded           |
//! | `[store]`                              | `websense_store::StoreConfig`                   | embedded SQLite    |
//! | `[matcher]`                            | `websense_pipeline::MatcherConfig`              | `lexicons`         |
//! | `[pipeline]`                           | `websense_pipeline::PipelineConfig`             | (tuning)           |
//! | `[metrics]`                            | `websense_pipeline::MetricsConfig`              | no `/metrics`      |
//! | `[demo]`                               | `websense_pipeline::DemoConfig`                 | none               |
//! | `[room]`                               | `websense_room::RoomConfig`                     | 127.0.0.1:8080     |
//! | `[trends]`                             | `websense_trends::TrendsConfig`                 | (tuning)           |
//! | `[region]`                             | `websense_room::region::RegionConfig`           | the whole country  |
//!
//! `[region]` also stands in for `[matcher] region` and `[trends] municipalities` where those
//! are not set: the matcher settles shared names towards it, the spike scan watches it.
//!
//! `[privacy]` is one section for the collector (pseudonym key, handles) and the Room (raw
//! text retention, author vault); every command reads the same file.
//!
//! Every section and the file itself deny unknown fields: a typo is an error naming the key
//! and its line, never a setting silently ignored. Relative paths mean "relative to the
//! configuration file", wherever websense is started from. A new section is one more field
//! here, with the owning crate's struct.

use serde::Deserialize;
use std::path::Path;
use websense_bus::BusConfig;
use websense_collect::config::ConfigError as CollectError;
use websense_collect::{CollectConfig, PrivacyConfig, SourceConfig};
use websense_model::duration::take_deprecations;
use websense_pipeline::config::resolve;
use websense_pipeline::{DemoConfig, MatcherConfig, MetricsConfig, PipelineConfig, Settings};
use websense_room::config::TrendsConfig;
use websense_room::region::RegionConfig;
use websense_room::{RoomConfig, ServeConfig};
use websense_store::StoreConfig;

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub collect: CollectConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub bus: BusConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub matcher: MatcherConfig,
    #[serde(default)]
    pub pipeline: PipelineConfig,
    #[serde(default)]
    pub metrics: Option<MetricsConfig>,
    #[serde(default)]
    pub demo: Option<DemoConfig>,
    #[serde(default)]
    pub room: RoomConfig,
    #[serde(default)]
    pub trends: TrendsConfig,
    /// The municipalities the Room shows by default (and the matcher's region, when
    /// `[matcher] region` is not set).
    #[serde(default)]
    pub region: RegionConfig,
    /// Settings written the old way (`token_ttl_minutes = 480`, a bare number of seconds),
    /// read for one more release: each says what to write instead. [`Config::load`] logs them.
    #[serde(skip)]
    pub deprecations: Vec<String>,
}

/// A configuration that cannot be used; the message names the file, and the section, key
/// and line where it can.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Read and check a configuration file; relative paths in it are resolved against its
    /// directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        let mut config = Config::from_toml(&text)
            .map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.resolve_paths(base);
        for notice in &config.deprecations {
            // On the log when there is one (every long-running command), else on stderr.
            if tracing::dispatcher::has_been_set() {
                tracing::warn!(config = %path.display(), "{notice}");
            } else {
                eprintln!("websense: warning: {}: {notice}", path.display());
            }
        }
        Ok(config)
    }

    /// Parse and check configuration text (paths stay as written).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        // Notices are collected per thread while the sections are read; drop stale ones.
        take_deprecations();
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        // The collect crate checks its own sections (settings, sources, refused logins).
        let collect_part: toml::Table = table
            .into_iter()
            .filter(|(key, _)| matches!(key.as_str(), "collect" | "privacy" | "sources"))
            .collect();
        let collect_text =
            toml::to_string(&collect_part).map_err(|e| ConfigError(e.to_string()))?;
        let collect_check = websense_collect::Config::from_toml(&collect_text);
        if let Err(e @ (CollectError::Source { .. } | CollectError::Setting { .. })) =
            &collect_check
        {
            return Err(ConfigError(e.to_string()));
        }
        // Parsed from the text itself, so that errors carry the line and column.
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        if let Err(e) = collect_check {
            return Err(ConfigError(e.to_string()));
        }
        config.matcher.validate().map_err(ConfigError)?;
        config
            .region
            .validate(&websense_gazetteer::Gazetteer::shipped())
            .map_err(ConfigError)?;
        config.pipeline.validate().map_err(ConfigError)?;
        config.store.validate().map_err(ConfigError)?;
        config
            .room
            .validate()
            .map_err(|e| ConfigError(e.to_string()))?;
        config.deprecations = take_deprecations();
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        resolve(base, &mut self.collect.state_dir);
        for path in [
            &mut self.privacy.pseudonym_key_file,
            &mut self.privacy.author_vault,
            &mut self.room.source_status_file,
            &mut self.room.audit_head_file,
        ]
        .into_iter()
        .flatten()
        {
            resolve(base, path);
        }
        resolve(base, &mut self.room.database);
        if let StoreConfig::Embedded(embedded) = &mut self.store {
            resolve(base, &mut embedded.path);
        }
        resolve(base, &mut self.matcher.lexicons);
        if let Some(gazetteer) = &mut self.matcher.gazetteer {
            resolve(base, gazetteer);
        }
        if let Some(announce) = &mut self.matcher.announce {
            resolve(base, announce);
        }
        if let Some(demo) = &mut self.demo {
            resolve(base, &mut demo.feeds_dir);
            if let Some(posts) = &mut demo.history_posts {
                resolve(base, posts);
            }
        }
    }

    /// The collector's part, with the directories that hold data (the embedded store's, the
    /// room database's, the author vault's): the pseudonym key must not be in any of them.
    pub fn collect_config(&self) -> websense_collect::Config {
        let mut data_files = vec![self.room.database.clone()];
        if let StoreConfig::Embedded(embedded) = &self.store {
            data_files.push(embedded.path.clone());
        }
        data_files.extend(self.privacy.author_vault.clone());
        websense_collect::Config {
            collect: self.collect.clone(),
            privacy: self.privacy.clone(),
            sources: self.sources.clone(),
            data_dirs: data_files
                .iter()
                .filter_map(|file| file.parent())
                .filter(|dir| !dir.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .collect(),
            lexicons: Some(self.matcher.lexicons.clone()),
        }
    }

    /// The Room's part (`websense serve`, `websense user`).
    pub fn serve_config(&self) -> ServeConfig {
        let mut room = self.room.clone();
        room.region = self.region.clone();
        // The spike scan watches the region's municipalities unless `[trends]` names its own.
        let mut trends = self.trends.clone();
        if trends.municipalities.is_empty() && self.region.is_set() {
            let gazetteer = websense_gazetteer::Gazetteer::shipped();
            if let Ok(region) = websense_room::region::Region::resolve(&self.region, &gazetteer) {
                trends.municipalities = region.codes();
            }
        }
        ServeConfig {
            room,
            privacy: self.privacy.clone(),
            store: self.store.clone(),
            lexicons: self.matcher.lexicons.clone(),
            trends,
        }
    }

    /// `[matcher]`, with `[region]` as its region when it names none of its own: names
    /// shared by several municipalities are then settled towards the Room's region.
    pub fn matcher_config(&self) -> MatcherConfig {
        let mut matcher = self.matcher.clone();
        if matcher.region.is_empty() {
            matcher.region = self.region.municipalities.clone();
            matcher.region.extend(self.region.province.clone());
        }
        matcher
    }

    /// The pipeline's part.
    pub fn pipeline_settings(&self) -> Settings {
        Settings {
            collect: self.collect_config(),
            bus: self.bus.clone(),
            store: self.store.clone(),
            matcher: self.matcher_config(),
            pipeline: self.pipeline.clone(),
            metrics: self.metrics.clone(),
            demo: self.demo.clone(),
            handle_recorder: None,
            reset_cursors: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn err(text: &str) -> String {
        Config::from_toml(text).unwrap_err().0
    }

    #[test]
    fn an_empty_file_is_the_embedded_default() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.bus, BusConfig::default());
        assert_eq!(config.store, StoreConfig::default());
        assert_eq!(config.matcher.lexicons, PathBuf::from("lexicons"));
        assert!(config.metrics.is_none() && config.demo.is_none());
    }

    #[test]
    fn typos_are_named_with_their_line_in_every_section() {
        let e = err("[matcher]\nlexicons = \"x\"\nreload_intervall = \"5s\"\n");
        assert!(
            e.contains("reload_intervall") && e.contains("line 3"),
            "{e}"
        );
        let e = err("[bus]\nkind = \"kafka\"\nbroker = \"k:9092\"\n");
        assert!(e.contains("broker"), "{e}");
        let e = err("[collect]\nuser_agnet = \"x\"\n");
        assert!(e.contains("user_agnet") && e.contains("line 2"), "{e}");
        let e = err("[stor]\nbackend = \"embedded\"\n");
        assert!(e.contains("stor"), "{e}");
        let e = err("[room]\nlisten = \"127.0.0.1:8080\"\ndatabse = \"x\"\n");
        assert!(e.contains("databse") && e.contains("line 3"), "{e}");
        let e = err("[privacy]\nraw_text_retention_day = 3\n");
        assert!(e.contains("raw_text_retention_day"), "{e}");
        let e = err("[privacy]\nraw_text_retention = \"0d\"\n");
        assert!(e.contains("raw_text_retention"), "{e}");
        let e = err("[room]\nlisten = \"localhost\"\n");
        assert!(e.contains("listen"), "{e}");
        let e = err("[matcher]\nreload_interval = \"0s\"\n");
        assert!(e.contains("reload_interval"), "{e}");
    }

    #[test]
    fn the_region_is_checked_against_the_gazetteer_and_reaches_the_room_and_matcher() {
        let e = err("[region]\nmunicipalities = [\"GM0479\", \"GM9999\"]\n");
        assert!(
            e.contains("[region] municipalities") && e.contains("GM9999"),
            "{e}"
        );
        let e = err("[region]\nprovince = \"Hollandia\"\n");
        assert!(e.contains("[region] province"), "{e}");
        let e = err("[region]\nprovinse = \"Zeeland\"\n");
        assert!(e.contains("provinse"), "{e}");
        let config = Config::from_toml(
            "[region]\nprovince = \"Noord-Holland\"\nmunicipalities = [\"GM0599\"]\n",
        )
        .unwrap();
        assert_eq!(config.serve_config().room.region, config.region);
        let watched = config.serve_config().trends.municipalities;
        assert!(watched.contains(&"GM0479".to_string()) && watched.contains(&"GM0599".to_string()));
        assert_eq!(
            watched.len(),
            45,
            "Noord-Holland's 44 and Rotterdam: {watched:?}"
        );
        assert_eq!(config.matcher_config().region, ["GM0599", "Noord-Holland"]);
        let own = Config::from_toml(
            "[matcher]\nregion = [\"Zeeland\"]\n[region]\nprovince = \"Noord-Holland\"\n",
        )
        .unwrap();
        assert_eq!(
            own.matcher_config().region,
            ["Zeeland"],
            "the matcher's own region wins"
        );
    }

    #[test]
    fn the_collect_crate_checks_its_sections() {
        let e = err("[[sources]]\nid = \"m\"\nkind = \"mastodon\"\ninstance = \"https://m.example\"\ntoken = \"abc\"\n");
        assert!(e.contains("login") && e.contains("source `m`"), "{e}");
        let e = err("[collect]\nper_host_rate = 0\n");
        assert!(e.contains("per_host_rate"), "{e}");
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("websense.toml");
        std::fs::write(
            &path,
            "[collect]\nstate_dir = \"state\"\n[store]\nbackend = \"embedded\"\npath = \"data/ws.db\"\n\
             [matcher]\nlexicons = \"/abs/lexicons\"\n[demo]\nfeeds_dir = \"feeds\"\nlisten = \"127.0.0.1:0\"\n\
             [privacy]\nauthor_vault = \"vault/authors.db\"\n[room]\ndatabase = \"data/room.db\"\n",
        )
        .unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.collect.state_dir, dir.path().join("state"));
        let StoreConfig::Embedded(store) = &config.store else {
            panic!("not embedded")
        };
        assert_eq!(store.path, dir.path().join("data/ws.db"));
        assert_eq!(config.matcher.lexicons, PathBuf::from("/abs/lexicons"));
        let serve = config.serve_config();
        assert_eq!(serve.room.database, dir.path().join("data/room.db"));
        assert_eq!(
            serve.privacy.author_vault,
            Some(dir.path().join("vault/authors.db"))
        );
        assert_eq!(serve.lexicons, PathBuf::from("/abs/lexicons"));
        assert_eq!(config.demo.unwrap().feeds_dir, dir.path().join("feeds"));
    }

    #[test]
    fn privacy_defaults_are_lawful() {
        let config = Config::from_toml("").unwrap();
        assert!(!config.privacy.keep_author_handles);
        assert!(config.privacy.author_vault.is_none());
        assert_eq!(
            config.privacy.raw_text_retention,
            std::time::Duration::from_secs(30 * 86_400)
        );
        assert_eq!(config.room.listen, "127.0.0.1:8080");
    }

    /// Old spellings of durations still read, in their old unit, each with one notice
    /// naming the key and value to write instead; the new spelling reads without one.
    #[test]
    fn old_duration_spellings_read_with_a_notice() {
        let cases: &[(&str, &str)] = &[
            (
                "[collect]\nconnect_timeout = 10\n",
                "[collect] `connect_timeout = 10` (a number of seconds) is deprecated and will \
                 stop working in the next release: write `connect_timeout = \"10s\"` instead",
            ),
            (
                "[matcher]\nreload_interval = 120\n",
                "write `reload_interval = \"2m\"` instead",
            ),
            (
                "[bus]\nkind = \"kafka\"\nlinger_ms = 5\n",
                "write `linger = \"5ms\"` instead",
            ),
            (
                "[store]\nbackend = \"clickhouse\"\nbatch_ms = 1000\n",
                "write `batch_wait = \"1s\"` instead",
            ),
            (
                "[store]\nbackend = \"embedded\"\nretention_days = 730\n",
                "write `retention = \"730d\"` instead",
            ),
            (
                "[demo]\nfeeds_dir = \"f\"\nlisten = \"127.0.0.1:1\"\nhistory_days = 28\n",
                "write `history = \"28d\"` instead",
            ),
            (
                "[trends.spikes]\nlong_window_hours = 24\n",
                "write `long_window = \"1d\"` instead",
            ),
            (
                "[privacy]\nraw_text_retention_days = 14\n",
                "write `raw_text_retention = \"14d\"` instead",
            ),
            (
                "[room]\ntoken_ttl_minutes = 720\n",
                "write `token_ttl = \"12h\"` instead",
            ),
            (
                "[room.login]\nforget_after_minutes = 15\n",
                "write `forget_after = \"15m\"` instead",
            ),
            (
                "[room.webhook]\nurl = \"https://h.example.nl\"\ntimeout_ms = 2500\n",
                "write `timeout = \"2500ms\"` instead",
            ),
        ];
        for (text, notice) in cases {
            let config = Config::from_toml(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                config.deprecations.len(),
                1,
                "{text}: {:?}",
                config.deprecations
            );
            assert!(
                config.deprecations[0].ends_with(notice),
                "{text}: {:?}",
                config.deprecations
            );
        }
        let config = Config::from_toml("[collect]\nconnect_timeout = \"10s\"\n").unwrap();
        assert!(config.deprecations.is_empty(), "{:?}", config.deprecations);
        // Both spellings at once: an error that names the key and shows its section.
        let e = err("[room]\ntoken_ttl = \"8h\"\ntoken_ttl_minutes = 480\n");
        assert!(
            e.contains("duplicate field `token_ttl`") && e.contains("[room]"),
            "{e}"
        );
    }

    #[test]
    fn shipped_configurations_are_valid() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for name in ["config/demo.toml", "config/distributed.toml"] {
            let config = Config::load(&root.join(name)).unwrap_or_else(|e| panic!("{e}"));
            config.collect_config().sources().unwrap();
            assert!(
                config.deprecations.is_empty(),
                "{name} uses old spellings: {:?}",
                config.deprecations
            );
        }
        let demo = Config::load(&root.join("config/demo.toml")).unwrap();
        assert_eq!(demo.bus, BusConfig::default(), "the demo runs embedded");
        assert!(demo.demo.unwrap().feeds_dir.join("reacties.json").is_file());
        let distributed = Config::load(&root.join("config/distributed.toml")).unwrap();
        assert!(matches!(distributed.bus, BusConfig::Kafka(_)));
        assert!(matches!(distributed.store, StoreConfig::Clickhouse(_)));
    }
}
