//! Polite, guarded HTTP fetching.
//!
//! One [`Fetcher`] serves all sources. Per host it allows `per_host_concurrency` requests in
//! flight and `per_host_rate` requests per second on average (a GCRA token bucket with
//! `per_host_burst`); a host's gate is forgotten once idle (no request in flight, bucket full). It sends conditional requests (`If-None-Match`, `If-Modified-Since`),
//! retries 429, 5xx, timeouts and connection errors with exponential backoff and equal
//! jitter (the shared [`Backoff`], honouring `Retry-After`), caps bodies while they stream in (after decompression, so a
//! gzip bomb is cut off too), and follows redirects itself, a bounded number of times.
//!
//! SSRF guard: every hop's host is checked. IP literals are checked before the request; names
//! are checked by the DNS resolver the HTTP client connects through, which drops loopback,
//! private, link-local, CGNAT and other non-public addresses from the answer. Checking in the
//! resolver means the address checked is the address connected to (no DNS-rebinding gap).
//! Proxies from the environment are ignored for the same reason: a proxy would resolve names
//! where websense cannot check them.

mod guard;

use crate::config::CollectConfig;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{self, HeaderMap};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;
use url::Url;
use websense_model::{Backoff, Jitter};

/// Cache validators of a resource, sent back to get `304 Not Modified`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// A successful response.
#[derive(Debug)]
pub struct Response {
    /// Where the body came from, after redirects.
    pub url: Url,
    pub content_type: Option<String>,
    /// The `Link` header (Mastodon pages with it).
    pub link: Option<String>,
    pub validators: Validators,
    pub body: Vec<u8>,
}

/// The outcome of a fetch that did not fail.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per request, moved once: boxing would buy nothing
pub enum Fetched {
    /// `304`: nothing changed since the validators were issued.
    NotModified,
    Fresh(Response),
}

/// What went wrong, in a form the status board and the retry logic both read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchErrorKind {
    /// The SSRF guard refused the address.
    Refused,
    /// The server answered with this status.
    Status(u16),
    Timeout,
    /// DNS, connection, TLS or transfer error.
    Network,
    TooLarge,
    Redirect,
}

#[derive(Clone, Debug)]
pub struct FetchError {
    /// The URL of the request that failed (after redirects, the hop that failed).
    pub url: String,
    pub kind: FetchErrorKind,
    pub message: String,
    /// How long the server asked us to wait, when it said so.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.message)
    }
}

impl StdError for FetchError {}

impl FetchError {
    fn new(url: &Url, kind: FetchErrorKind, message: impl Into<String>) -> FetchError {
        FetchError {
            url: url.to_string(),
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    /// Worth trying again soon: the server or the network may recover.
    pub fn is_transient(&self) -> bool {
        match self.kind {
            FetchErrorKind::Status(s) => {
                s == 429 || s == 408 || (500..600).contains(&s) && s != 501
            }
            FetchErrorKind::Timeout | FetchErrorKind::Network => true,
            FetchErrorKind::Refused | FetchErrorKind::TooLarge | FetchErrorKind::Redirect => false,
        }
    }
}

pub use guard::{is_public, NetworkPolicy};

/// The resolver the HTTP client connects through: the system's, minus refused addresses.
struct GuardedResolver {
    policy: Arc<NetworkPolicy>,
}

#[derive(Debug)]
struct AddressRefused(String);

impl fmt::Display for AddressRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for AddressRefused {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            match policy.public_only(&host, addrs) {
                Ok(public) => Ok(Box::new(public.into_iter()) as Addrs),
                Err(refused) => Err(Box::new(AddressRefused(refused)) as _),
            }
        })
    }
}

/// Per-host limits: a concurrency semaphore and a GCRA rate limiter.
struct HostGate {
    permits: Semaphore,
    interval: Duration,
    burst: u32,
    /// Theoretical arrival time of the next request.
    tat: Mutex<Instant>,
}

impl HostGate {
    /// Whether forgetting this gate loses nothing: nobody holds it (`strong` is the count of
    /// handles, the map's included) and its bucket is full again, so a new gate made on the
    /// next request behaves exactly like it.
    fn idle(self: &Arc<HostGate>, now: Instant) -> bool {
        Arc::strong_count(self) == 1 && self.tat.try_lock().is_ok_and(|tat| *tat <= now)
    }

    async fn enter(&self) -> SemaphorePermit<'_> {
        let permit = self
            .permits
            .acquire()
            .await
            .expect("host semaphores are never closed");
        let wait = {
            let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let start = (*tat).max(now);
            let allowance = self.interval * (self.burst - 1);
            let wait = start
                .checked_sub(allowance)
                .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
            *tat = start + self.interval;
            wait
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        permit
    }
}

/// Fetches URLs for all sources, within the limits of [`CollectConfig`].
pub struct Fetcher {
    client: reqwest::Client,
    /// Also guards the connections that do not go through [`Fetcher::get`] (websockets).
    pub(crate) policy: Arc<NetworkPolicy>,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    per_host_concurrency: usize,
    interval: Duration,
    burst: u32,
    max_body: u64,
    max_redirects: u32,
    /// Retries inside one fetch: `retry_base_delay` doubling up to `retry_max_delay`, equal
    /// jitter, `max_retries` retries, `Retry-After` up to `retry_max_delay`.
    retry: Backoff,
    robots: crate::robots::RobotsCache, // per site, for the sources that crawl web pages
    pub(crate) user_agent: String,
    pub(crate) connect_timeout: Duration,
}

impl Fetcher {
    pub fn new(config: &CollectConfig) -> Result<Fetcher, String> {
        let policy = Arc::new(NetworkPolicy {
            allow_private_networks: config.allow_private_networks,
            allow_private_hosts: config
                .allow_private_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        });
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_max_idle_per_host(config.per_host_concurrency)
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", chain(&e)))?;
        Ok(Fetcher {
            client,
            policy,
            hosts: Mutex::new(HashMap::new()),
            per_host_concurrency: config.per_host_concurrency,
            interval: Duration::from_secs_f64(1.0 / config.per_host_rate),
            burst: config.per_host_burst,
            max_body: config.max_body_bytes,
            max_redirects: config.max_redirects,
            retry: Backoff::new(config.retry_base_delay, config.retry_max_delay)
                .with_jitter(Jitter::Equal)
                .with_max_attempts(config.max_retries.saturating_add(1)),
            robots: crate::robots::RobotsCache::new(&config.user_agent),
            user_agent: config.user_agent.clone(),
            connect_timeout: config.connect_timeout,
        })
    }

    /// Whether robots.txt lets websense fetch `url` (fetched here when not known; [`crate::robots`]).
    pub async fn robots_verdict(&self, url: &Url) -> crate::robots::Verdict {
        self.robots.verdict(self, url).await
    }

    /// GET `url`, conditionally when `validators` are given, retrying transient failures.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        accept: &str,
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 0u32;
        loop {
            let err = match self.get_once(url, validators, accept).await {
                Ok(f) => return Ok(f),
                Err(e) => e,
            };
            if !err.is_transient() || !self.retry.may_retry(attempt + 1) {
                return Err(err);
            }
            let delay = match err.retry_after {
                // A server that asks for a long pause gets it, from the scheduler, not here.
                Some(wait) if wait > self.retry.retry_after_cap => return Err(err),
                retry_after => self.retry.delay_after(attempt, retry_after),
            };
            tracing::debug!(url = %err.url, error = %err.message, attempt, delay_ms = delay.as_millis() as u64, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    fn gate(&self, url: &Url) -> Arc<HostGate> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        // Forget idle hosts, so the map holds only hosts in use, not every host ever seen.
        // Handles are only made here, under this lock, so an idle gate cannot be taken meanwhile.
        let now = Instant::now();
        hosts.retain(|_, gate| !gate.idle(now));
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(HostGate {
                    permits: Semaphore::new(self.per_host_concurrency),
                    interval: self.interval,
                    burst: self.burst,
                    tat: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    async fn get_once(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        accept: &str,
    ) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut hops: Vec<Url> = Vec::new();
        loop {
            self.policy
                .check_url(&current)
                .map_err(|m| FetchError::new(&current, FetchErrorKind::Refused, m))?;
            let gate = self.gate(&current);
            let _permit = gate.enter().await;
            let mut request = self
                .client
                .get(current.clone())
                .header(header::ACCEPT, accept);
            if let Some(v) = validators {
                if let Some(etag) = &v.etag {
                    request = request.header(header::IF_NONE_MATCH, etag);
                }
                if let Some(lm) = &v.last_modified {
                    request = request.header(header::IF_MODIFIED_SINCE, lm);
                }
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| request_error(&current, &e))?;
            let status = response.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                let next = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| current.join(l.trim()).ok())
                    .ok_or_else(|| {
                        FetchError::new(
                            &current,
                            FetchErrorKind::Redirect,
                            format!("HTTP {status} without a usable Location"),
                        )
                    })?;
                hops.push(current);
                if hops.contains(&next) {
                    let path: Vec<&str> = hops.iter().map(Url::as_str).collect();
                    return Err(FetchError::new(
                        &next,
                        FetchErrorKind::Redirect,
                        format!("redirect loop: {} -> {next}", path.join(" -> ")),
                    ));
                }
                if hops.len() > self.max_redirects as usize {
                    return Err(FetchError::new(
                        &next,
                        FetchErrorKind::Redirect,
                        format!("more than {} redirects (from {url})", self.max_redirects),
                    ));
                }
                tracing::debug!(from = %hops[hops.len() - 1], to = %next, "redirect");
                current = next;
                continue;
            }
            if status == reqwest::StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                let mut err = FetchError::new(
                    &current,
                    FetchErrorKind::Status(status.as_u16()),
                    format!("HTTP {status}"),
                );
                err.retry_after = retry_after(response.headers());
                if let Some(wait) = err.retry_after {
                    err.message = format!("HTTP {status}, Retry-After {}s", wait.as_secs());
                }
                return Err(err);
            }
            let headers = response.headers();
            let text = |name: header::HeaderName| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let content_type = text(header::CONTENT_TYPE);
            let link = text(header::LINK);
            let validators = Validators {
                etag: text(header::ETAG),
                last_modified: text(header::LAST_MODIFIED),
            };
            if response.content_length().is_some_and(|n| n > self.max_body) {
                return Err(self.too_large(&current));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| request_error(&current, &e))?
            {
                if body.len() as u64 + chunk.len() as u64 > self.max_body {
                    return Err(self.too_large(&current));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Fetched::Fresh(Response {
                url: current,
                content_type,
                link,
                validators,
                body,
            }));
        }
    }

    fn too_large(&self, url: &Url) -> FetchError {
        FetchError::new(
            url,
            FetchErrorKind::TooLarge,
            format!("body larger than max_body_bytes ({} bytes)", self.max_body),
        )
    }
}

fn request_error(url: &Url, e: &reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<AddressRefused>() {
            return FetchError::new(url, FetchErrorKind::Refused, refused.0.clone());
        }
        source = s.source();
    }
    let kind = if e.is_timeout() {
        FetchErrorKind::Timeout
    } else {
        FetchErrorKind::Network
    };
    let message = if e.is_timeout() {
        format!("timed out ({})", chain(e))
    } else if url.scheme() == "https" && e.is_connect() && has_invalid_data(e) {
        // rustls reports handshake and certificate failures as invalid data while connecting.
        format!("TLS error: {}", chain(e))
    } else {
        chain(e)
    };
    FetchError::new(url, kind, message)
}

fn has_invalid_data(e: &(dyn StdError + 'static)) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        // io::Error hides the error it wraps from `source()`; look inside it by hand.
        let mut io = s.downcast_ref::<std::io::Error>();
        while let Some(err) = io {
            if err.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            io = err
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>());
        }
        source = s.source();
    }
    false
}

/// An error and its causes on one line, without reqwest's repetition of the URL.
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        let text = s.to_string();
        let text = match text.find(" for url (") {
            Some(at) => text[..at].to_string(),
            None => text,
        };
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?;
    websense_model::parse_retry_after(value, chrono::Utc::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "100.127.255.255",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should not be public");
        }
        for ip in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be public");
        }
    }

    #[test]
    fn literal_addresses_in_urls() {
        let strict = NetworkPolicy::default();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(strict.check_url(&u("http://127.0.0.1:8080/x")).is_err());
        assert!(strict.check_url(&u("http://2130706433/")).is_err()); // 127.0.0.1 as a number
        assert!(strict.check_url(&u("http://[::1]/")).is_err());
        assert!(strict
            .check_url(&u("http://169.254.169.254/latest/meta-data"))
            .is_err());
        assert!(strict.check_url(&u("ftp://example.org/")).is_err());
        assert!(strict.check_url(&u("https://example.org/")).is_ok());
        let listed = NetworkPolicy {
            allow_private_networks: false,
            allow_private_hosts: vec!["127.0.0.1".into()],
        };
        assert!(listed.check_url(&u("http://127.0.0.1/")).is_ok());
        assert!(listed.check_url(&u("http://10.0.0.1/")).is_err());
    }

    /// The websocket path: names and literals resolved and checked before connecting.
    #[tokio::test]
    async fn websocket_hosts_are_checked_before_connecting() {
        let strict = NetworkPolicy::default();
        let u = |s: &str| Url::parse(s).unwrap();
        for refused in [
            "ws://localhost:9/",
            "ws://127.0.0.1:9/",
            "wss://[::1]/",
            "ws://10.1.2.3/",
        ] {
            let e = strict.resolve_checked(&u(refused)).await.unwrap_err();
            assert!(e.starts_with("refused"), "{refused}: {e}");
        }
        let listed = NetworkPolicy {
            allow_private_networks: false,
            allow_private_hosts: vec!["localhost".into()],
        };
        let addrs = listed
            .resolve_checked(&u("ws://localhost:9/"))
            .await
            .unwrap();
        assert!(addrs.iter().all(|a| a.port() == 9 && a.ip().is_loopback()));
        let wss = listed
            .resolve_checked(&u("wss://localhost/"))
            .await
            .unwrap();
        assert!(wss.iter().all(|a| a.port() == 443), "wss's default port");
    }

    #[tokio::test]
    async fn idle_host_gates_are_evicted() {
        let config = CollectConfig {
            per_host_rate: 20.0,
            per_host_burst: 1,
            ..CollectConfig::default()
        };
        let fetcher = Fetcher::new(&config).unwrap();
        let u = |s: &str| Url::parse(s).unwrap();
        let hosts = |f: &Fetcher| {
            let mut keys: Vec<String> = f.hosts.lock().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        // a: entered (its next slot is 50 ms away), then let go.
        drop(fetcher.gate(&u("http://a.example/")).enter().await);
        // b: held.
        let b = fetcher.gate(&u("http://b.example/"));
        fetcher.gate(&u("http://c.example/"));
        // c was never entered: its bucket is full, nobody holds it; a still waits out its slot.
        assert_eq!(
            hosts(&fetcher),
            ["a.example:80", "b.example:80", "c.example:80"]
        );
        fetcher.gate(&u("http://d.example/"));
        assert_eq!(
            hosts(&fetcher),
            ["a.example:80", "b.example:80", "d.example:80"]
        );
        tokio::time::sleep(Duration::from_millis(60)).await;
        fetcher.gate(&u("http://e.example/"));
        assert_eq!(hosts(&fetcher), ["b.example:80", "e.example:80"]);
        // A gate in use stays, whatever its bucket.
        drop(b);
        fetcher.gate(&u("http://b.example/"));
        assert_eq!(hosts(&fetcher), ["b.example:80"]);
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
