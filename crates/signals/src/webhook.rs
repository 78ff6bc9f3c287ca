//! Pushing confirmed signals to the case table's own system.
//!
//! Confirming a signal queues it (in the decision's transaction) with its JSON fixed. The
//! [`Deliverer`] POSTs every due delivery with an `Idempotency-Key` header holding the signal
//! id, and records each attempt. A 2xx answer delivers it. A connection error, a timeout,
//! `408`, `425`, `429` or a `5xx` is retried after an exponential backoff (the shared
//! [`Backoff`]: `base_delay` after the first failure, then a wait drawn between `base_delay`
//! and a ceiling that doubles up to `max_delay`, or the receiver's `Retry-After` when longer,
//! up to `max_delay`) until `max_attempts`; any other answer (a `4xx`: the receiver refuses
//! this request as such) gives up at once. Given-up deliveries stay in the database as
//! `failed`, with every attempt, for people to look at.
//!
//! Exactly once, from the receiver's view: every attempt of a signal carries the same key
//! and the same bytes, so a receiver that remembers keys it has processed processes each
//! signal once, also when websense retries after a lost answer or a crash between the answer
//! and recording it. With a `secret`, each request also carries
//! `X-Websense-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
//!
//! One deliverer per room database: two would both send a due delivery (the receiver's
//! de-duplication would still hold, but the attempt log would be confused).

use crate::db::{self, Attempt, AttemptOutcome, DueDelivery, SharedConnection, SignalError};
use crate::signal::web_link;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use websense_model::{legacy_duration, parse_retry_after, Backoff};

/// `[room.webhook]`: where confirmed signals go.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The receiver's URL (http or https).
    pub url: String,
    /// Signs each body with HMAC-SHA256 when set.
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// The wait after the first failed attempt (`"2s"`), and the shortest wait after any; the
    /// longest possible wait doubles after every further one (the wait is drawn at random
    /// between the two, so deliveries that failed together do not retry together).
    #[serde(
        default = "default_base_delay",
        alias = "base_delay_ms",
        deserialize_with = "base_delay",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub base_delay: Duration,
    /// The longest wait between attempts (`"30m"`).
    #[serde(
        default = "default_max_delay",
        alias = "max_delay_ms",
        deserialize_with = "max_delay",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub max_delay: Duration,
    /// For one request, connecting included (`"10s"`).
    #[serde(
        default = "default_timeout",
        alias = "timeout_ms",
        deserialize_with = "timeout",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "<secret>"))
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("timeout", &self.timeout)
            .finish()
    }
}

fn default_max_attempts() -> u32 {
    10
}
fn default_base_delay() -> Duration {
    Duration::from_secs(2)
}
fn default_max_delay() -> Duration {
    Duration::from_secs(30 * 60)
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}

// Durations are text (`"2s"`); the old `*_ms` keys are read for one release, in
// milliseconds, with a deprecation notice.
legacy_duration!(
    base_delay,
    "room.webhook",
    "base_delay",
    "base_delay_ms",
    Millis
);
legacy_duration!(
    max_delay,
    "room.webhook",
    "max_delay",
    "max_delay_ms",
    Millis
);
legacy_duration!(timeout, "room.webhook", "timeout", "timeout_ms", Millis);

impl WebhookConfig {
    pub fn new(url: impl Into<String>) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            secret: None,
            max_attempts: default_max_attempts(),
            base_delay: default_base_delay(),
            max_delay: default_max_delay(),
            timeout: default_timeout(),
        }
    }

    /// Check the settings; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| format!("webhook.url {:?}: {e}", self.url))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("webhook.url {:?}: not http or https", self.url));
        }
        if self.max_attempts == 0 {
            return Err("webhook.max_attempts must be at least 1".into());
        }
        if self.timeout.is_zero() {
            return Err("webhook.timeout must be longer than zero".into());
        }
        Ok(())
    }

    /// The retry policy: from `base_delay` (also the shortest wait) doubling up to
    /// `max_delay`, jittered, `max_attempts` attempts in all.
    pub fn policy(&self) -> Backoff {
        Backoff::new(self.base_delay, self.max_delay)
            .with_min_delay(self.base_delay)
            .with_max_attempts(self.max_attempts)
    }

    /// The wait after `attempts` failed attempts (from 1): drawn at random between
    /// `base_delay` and `base_delay * 2^(attempts - 1)`, at most `max_delay`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        self.policy().delay(attempts.saturating_sub(1))
    }
}

/// The signature header's value for `body`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What one pass over the due deliveries did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryRound {
    pub attempted: usize,
    pub delivered: usize,
    pub retrying: usize,
    pub given_up: usize,
}

/// The webhook worker.
pub struct Deliverer {
    conn: SharedConnection,
    client: reqwest::Client,
    config: WebhookConfig,
    wake: Arc<Notify>,
}

/// Deliveries handled per pass; more wait for the next pass (which follows at once).
const BATCH: usize = 50;
/// The longest sleep between passes when nothing is due: a safety net, since confirming
/// wakes the worker.
const IDLE_POLL: Duration = Duration::from_secs(30);

impl Deliverer {
    pub fn new(conn: SharedConnection, config: WebhookConfig) -> Result<Deliverer, String> {
        config.validate()?;
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!(
                "websense/",
                env!("CARGO_PKG_VERSION"),
                " (signal webhook)"
            ))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Deliverer {
            conn,
            client,
            config,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Notify this after queueing a delivery, so it goes out now rather than at the next poll.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, SignalError> + Send + 'static,
    ) -> Result<T, SignalError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c)
        })
        .await
        .map_err(|e| SignalError::Corrupt {
            id: String::new(),
            message: format!("database task failed: {e}"),
        })?
    }

    /// Attempt every delivery due now, once each.
    pub async fn deliver_due(&self) -> Result<DeliveryRound, SignalError> {
        let due = self
            .with_db(|c| db::due_deliveries(c, Utc::now(), BATCH))
            .await?;
        let mut round = DeliveryRound::default();
        for d in due {
            let (attempt, outcome) = self.attempt(&d).await;
            round.attempted += 1;
            match outcome {
                AttemptOutcome::Delivered => round.delivered += 1,
                AttemptOutcome::RetryAt(_) => round.retrying += 1,
                AttemptOutcome::GiveUp => round.given_up += 1,
            }
            match outcome {
                AttemptOutcome::Delivered => {
                    tracing::info!(signal = %d.signal_id, attempt = attempt.attempt, "signal delivered")
                }
                _ => tracing::warn!(signal = %d.signal_id, attempt = attempt.attempt,
                    status = ?attempt.status, error = ?attempt.error, "signal delivery failed"),
            }
            let id = d.signal_id.clone();
            self.with_db(move |c| db::record_attempt(c, &id, &attempt, outcome))
                .await?;
        }
        Ok(round)
    }

    async fn attempt(&self, d: &DueDelivery) -> (Attempt, AttemptOutcome) {
        let number = d.attempts + 1;
        let at = Utc::now();
        let started = Instant::now();
        let payload = outbound_payload(&d.payload);
        let mut request = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", d.signal_id.as_str())
            .body(payload.clone());
        if let Some(secret) = &self.config.secret {
            request = request.header(
                "x-websense-signature",
                signature(secret, payload.as_bytes()),
            );
        }
        let result = request.send().await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let (status, error, retry, retry_after) = match result {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    (Some(status.as_u16()), None, false, None)
                } else {
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, Utc::now()));
                    let body = response.text().await.unwrap_or_default();
                    let body: String = body.chars().take(300).collect();
                    let retry =
                        status.is_server_error() || matches!(status.as_u16(), 408 | 425 | 429);
                    (
                        Some(status.as_u16()),
                        Some(format!("HTTP {status}: {body}")),
                        retry,
                        retry_after,
                    )
                }
            }
            Err(e) => (None, Some(format!("{e}")), true, None),
        };
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else if retry && self.config.policy().may_retry(number) {
            // A receiver's Retry-After (429, 503) is honoured, up to `max_delay`.
            let wait = self
                .config
                .policy()
                .delay_after(number.saturating_sub(1), retry_after);
            AttemptOutcome::RetryAt(
                Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
            )
        } else {
            AttemptOutcome::GiveUp
        };
        (
            Attempt {
                attempt: number,
                at,
                status,
                error,
                duration_ms,
            },
            outcome,
        )
    }

    /// Deliver until `shutdown` completes: a pass whenever woken or a delivery falls due.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            // After a failed pass (the database is unwell), wait before trying again.
            let floor = match self.deliver_due().await {
                Ok(_) => Duration::ZERO,
                Err(e) => {
                    tracing::error!(error = %e, "webhook delivery pass failed");
                    Duration::from_secs(1)
                }
            };
            let next = self.with_db(|c| db::next_due(c)).await.ok().flatten();
            let wait = match next {
                Some(t) => (t - Utc::now()).to_std().unwrap_or_default().min(IDLE_POLL),
                None => IDLE_POLL,
            }
            .max(floor);
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}
/// The payload as it is sent. Payloads are fixed when queued (links checked since); one
/// queued before that with a link that is not http(s) leaves without it, the same way on
/// every retry.
pub(crate) fn outbound_payload(payload: &str) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(payload) else {
        return payload.to_string();
    };
    let bad = value
        .pointer("/explanation/link")
        .and_then(|l| l.as_str())
        .is_some_and(|l| web_link(l).is_none());
    if !bad {
        return payload.to_string();
    }
    if let Some(explanation) = value.get_mut("explanation").and_then(|e| e.as_object_mut()) {
        explanation.remove("link");
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::{outbound_payload, WebhookConfig};
    use std::time::Duration;

    #[test]
    fn backoff_waits_base_delay_first_then_jitters_up_to_max_delay() {
        let config = WebhookConfig::new("http://127.0.0.1/hook");
        let (base, max) = (config.base_delay, config.max_delay);
        for _ in 0..100 {
            assert_eq!(config.backoff(1), base);
            let third = config.backoff(3);
            assert!((base..=base * 4).contains(&third), "{third:?}");
            let late = config.backoff(40);
            assert!((base..=max).contains(&late), "{late:?}");
        }
        let draws: std::collections::HashSet<Duration> =
            (0..100).map(|_| config.backoff(8)).collect();
        assert!(draws.len() > 50, "jittered: {} distinct", draws.len());
        let policy = config.policy();
        assert!(policy.may_retry(config.max_attempts - 1));
        assert!(!policy.may_retry(config.max_attempts));
    }

    #[test]
    fn queued_payloads_leave_without_links_that_are_not_http() {
        let kept = r#"{"id":"sig_1","explanation":{"link":"https://example.org/p/1","event_time":"2026-01-01T00:00:00Z"}}"#;
        assert_eq!(outbound_payload(kept), kept, "unchanged to the byte");
        for bad in ["javascript:alert(1)", " DATA:text/html,x", "vbscript:x"] {
            let payload =
                serde_json::json!({"id": "sig_1", "explanation": {"link": bad}}).to_string();
            let sent: serde_json::Value =
                serde_json::from_str(&outbound_payload(&payload)).unwrap();
            assert_eq!(sent["explanation"].get("link"), None, "{bad}");
            assert_eq!(sent["id"], "sig_1");
        }
    }
}
