//! `[collect]`: how to fetch, politely.

use super::ConfigError;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use websense_model::legacy_duration;

// Durations are text (`"10s"`); a bare number is the old spelling, seconds, read for one
// release with a deprecation notice.
legacy_duration!(
    connect_timeout,
    "collect",
    "connect_timeout",
    "connect_timeout",
    Seconds
);
legacy_duration!(
    request_timeout,
    "collect",
    "request_timeout",
    "request_timeout",
    Seconds
);
legacy_duration!(
    retry_base_delay,
    "collect",
    "retry_base_delay",
    "retry_base_delay",
    Seconds
);
legacy_duration!(
    retry_max_delay,
    "collect",
    "retry_max_delay",
    "retry_max_delay",
    Seconds
);
legacy_duration!(
    default_interval,
    "collect",
    "default_interval",
    "default_interval",
    Seconds
);

/// `[collect]`: how to fetch, politely.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectConfig {
    /// Sent with every request; say who you are and how to reach you.
    pub user_agent: String,
    #[serde(deserialize_with = "connect_timeout")]
    pub connect_timeout: Duration,
    /// For a whole request: connecting, headers and body.
    #[serde(deserialize_with = "request_timeout")]
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
    #[serde(deserialize_with = "retry_base_delay")]
    pub retry_base_delay: Duration,
    /// Longest wait inside one fetch, also for a server's `Retry-After`; a longer
    /// `Retry-After` ends the fetch and postpones the source's next one instead.
    #[serde(deserialize_with = "retry_max_delay")]
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
    #[serde(deserialize_with = "default_interval")]
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
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
