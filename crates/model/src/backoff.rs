//! The one retry policy: exponential backoff with full jitter, a cap, an optional limit on
//! attempts, and respect for a server's `Retry-After`.
//!
//! Every retry loop in websense (fetching, harvesting, webhook delivery, ClickHouse flushes,
//! the pipeline's bus and store calls) describes *when* to try again with a [`Backoff`] and
//! keeps only *what* to retry to itself.
//!
//! The wait before retry number `retry` (counted from 0: the wait after the first failure is
//! retry 0) is drawn uniformly from `[0, min(cap, base * 2^retry)]` ("full jitter", as in the
//! AWS architecture note *Exponential Backoff And Jitter*). Full jitter spreads the retries of
//! many clients that failed together over the whole window, rather than letting them arrive in
//! lockstep; the *expected* wait still doubles each time until it reaches `cap / 2`.
//!
//! A server that answers with `Retry-After` gets at least that pause
//! ([`Backoff::delay_after`]), but never more than [`Backoff::retry_after_cap`]: a hostile or
//! confused server cannot park a loop for a day.
//!
//! ```
//! use std::time::Duration;
//! use websense_model::Backoff;
//!
//! let policy = Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
//!     .with_max_attempts(4);
//! // At most 100 ms after the first failure, at most 400 ms after the third.
//! assert!(policy.delay(0) <= Duration::from_millis(100));
//! assert_eq!(policy.ceiling(2), Duration::from_millis(400));
//! // Four attempts in all: three retries, then give up.
//! assert!(policy.may_retry(3));
//! assert!(!policy.may_retry(4));
//! // A `Retry-After: 2` is honoured (up to the Retry-After cap, the policy's cap by default).
//! assert!(policy.delay_after(0, Some(Duration::from_secs(2))) >= Duration::from_secs(2));
//! ```
//!
//! The randomness comes from a small keyed generator ([`crate::rng::mix`], SplitMix64 over a
//! process-wide counter, keyed once per process from the standard library's random hasher
//! keys), so this crate needs no `rand`: jitter only has to differ between draws and between
//! processes, not be unpredictable.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// A retry policy: exponential backoff from `base`, doubling up to `cap`, with full jitter.
///
/// A value is cheap to copy and holds no state; a loop counts its own failures and asks
/// [`Backoff::may_retry`] and [`Backoff::delay`] (or [`Backoff::delay_after`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The largest wait after the first failure.
    pub base: Duration,
    /// The largest wait ever drawn from the exponential window.
    pub cap: Duration,
    /// How many attempts in all (the first one included) before giving up; `None` retries
    /// for ever.
    pub max_attempts: Option<u32>,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub retry_after_cap: Duration,
    /// The shortest wait drawn (zero by default: full jitter); see [`Backoff::with_min_delay`].
    pub min_delay: Duration,
    /// How much of the window is random ([`Jitter::Full`] by default).
    pub jitter: Jitter,
}

/// How much of the backoff window is random.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Jitter {
    /// Uniform in `[0, ceiling]`: spreads retries best; the default.
    #[default]
    Full,
    /// Uniform in `[ceiling / 2, ceiling]` ("equal jitter"): for a loop that promises to wait
    /// at least half its window, such as the polite fetcher towards other people's servers.
    Equal,
}

impl Backoff {
    /// A policy from `base` doubling up to `cap`, retrying for ever, honouring `Retry-After`
    /// up to `cap`.
    pub const fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            max_attempts: None,
            retry_after_cap: cap,
            min_delay: Duration::ZERO,
            jitter: Jitter::Full,
        }
    }

    /// The same policy with `jitter` instead of full jitter.
    pub const fn with_jitter(mut self, jitter: Jitter) -> Backoff {
        self.jitter = jitter;
        self
    }

    /// The same policy, never waiting less than `min` (nor more than the window's ceiling):
    /// the wait is then uniform in `[min(min, ceiling), ceiling]`. For a loop that promises a
    /// shortest pause (the webhook's `base_delay`, say); with `min == base` the first retry
    /// waits exactly `base` and later ones are jittered between `base` and their ceiling.
    pub const fn with_min_delay(mut self, min: Duration) -> Backoff {
        self.min_delay = min;
        self
    }

    /// The same policy, giving up after `attempts` attempts in all (the first one included).
    pub const fn with_max_attempts(mut self, attempts: u32) -> Backoff {
        self.max_attempts = Some(attempts);
        self
    }

    /// The same policy, honouring a `Retry-After` of at most `cap`.
    pub const fn with_retry_after_cap(mut self, cap: Duration) -> Backoff {
        self.retry_after_cap = cap;
        self
    }

    /// Whether another attempt may follow after `failures` failed attempts.
    pub fn may_retry(&self, failures: u32) -> bool {
        self.max_attempts.is_none_or(|max| failures < max)
    }

    /// The top of the window for retry number `retry` (from 0): `min(cap, base * 2^retry)`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u128 << retry.min(64);
        let nanos = self
            .base
            .as_nanos()
            .saturating_mul(factor)
            .min(self.cap.as_nanos());
        // Beyond u64 nanoseconds (584 years) only a cap that large can be the minimum.
        u64::try_from(nanos)
            .map(Duration::from_nanos)
            .unwrap_or(self.cap)
    }

    /// The wait before retry number `retry` (from 0): uniform in `[0, ceiling(retry)]` (from
    /// the [`Backoff::min_delay`] when one is set, from half the ceiling with
    /// [`Jitter::Equal`]).
    pub fn delay(&self, retry: u32) -> Duration {
        self.jittered(retry, unit())
    }

    /// The wait before retry number `retry` when the server asked for `retry_after`: the
    /// jittered [`Backoff::delay`], but at least `retry_after` cut to
    /// [`Backoff::retry_after_cap`].
    pub fn delay_after(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let delay = self.delay(retry);
        match retry_after {
            Some(asked) => delay.max(asked.min(self.retry_after_cap)),
            None => delay,
        }
    }

    /// The wait before retry number `retry` for a given draw `unit` in `[0, 1]`
    /// (`0` the shortest wait, `1` the ceiling); what [`Backoff::delay`] does with a random one.
    pub fn jittered(&self, retry: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(retry);
        let floor = match self.jitter {
            Jitter::Full => self.min_delay,
            Jitter::Equal => self.min_delay.max(ceiling / 2),
        }
        .min(ceiling);
        floor + (ceiling - floor).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A `Retry-After` header's value, as delay-seconds (`"120"`) or as an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, counted from `now`; a date in the past is no wait);
/// `None` when it is neither.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A draw in `[0, 1)`.
fn unit() -> f64 {
    static KEY: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let key = *KEY.get_or_init(|| RandomState::new().hash_one(0x5eed_u64));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    (crate::rng::mix(key ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64
        / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> Backoff {
        Backoff::new(100 * MS, 5000 * MS)
    }

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let p = policy();
        let ceilings: Vec<_> = (0..8).map(|r| p.ceiling(r)).collect();
        assert_eq!(
            ceilings,
            [100, 200, 400, 800, 1600, 3200, 5000, 5000].map(|ms| ms * MS)
        );
        // No overflow, however many retries.
        assert_eq!(p.ceiling(1000), 5000 * MS);
        assert_eq!(
            Backoff::new(Duration::MAX, Duration::MAX).ceiling(u32::MAX),
            Duration::MAX
        );
    }

    #[test]
    fn delays_stay_in_the_window_and_are_jittered() {
        let p = policy();
        for retry in 0..10 {
            let draws: Vec<Duration> = (0..500).map(|_| p.delay(retry)).collect();
            assert!(draws.iter().all(|d| *d <= p.ceiling(retry)), "{draws:?}");
            let distinct: HashSet<_> = draws.iter().collect();
            assert!(
                distinct.len() > 400,
                "retry {retry}: {} distinct",
                distinct.len()
            );
            // Full jitter: the draws cover the window, low and high.
            assert!(draws.iter().any(|d| *d < p.ceiling(retry) / 4));
            assert!(draws.iter().any(|d| *d > p.ceiling(retry) * 3 / 4));
        }
    }

    #[test]
    fn mean_delay_grows_exponentially_until_the_cap() {
        let p = policy();
        let mean = |retry: u32| {
            let total: Duration = (0..4000).map(|_| p.delay(retry)).sum();
            total / 4000
        };
        let means: Vec<Duration> = (0..8).map(mean).collect();
        for (retry, m) in means.iter().enumerate() {
            let half = p.ceiling(retry as u32) / 2;
            // Within 10% of half the ceiling.
            assert!(
                m.abs_diff(half) < half / 10,
                "retry {retry}: mean {m:?}, expected about {half:?}"
            );
        }
        assert!(means[3] > means[2] && means[5] > means[4]);
    }

    #[test]
    fn jittered_spans_zero_to_the_ceiling() {
        let p = policy();
        assert_eq!(p.jittered(3, 0.0), Duration::ZERO);
        assert_eq!(p.jittered(3, 1.0), 800 * MS);
        assert_eq!(p.jittered(3, 0.5), 400 * MS);
        assert_eq!(p.jittered(3, 7.0), 800 * MS);
    }

    #[test]
    fn a_min_delay_raises_the_floor_of_the_window() {
        let p = policy().with_min_delay(100 * MS);
        assert_eq!(p.jittered(0, 0.0), 100 * MS);
        assert_eq!(p.jittered(0, 1.0), 100 * MS);
        assert_eq!(p.jittered(3, 0.0), 100 * MS);
        assert_eq!(p.jittered(3, 1.0), 800 * MS);
        assert_eq!(p.jittered(3, 0.5), 450 * MS);
        for _ in 0..200 {
            assert_eq!(p.delay(0), 100 * MS);
            let d = p.delay(4);
            assert!((100 * MS..=1600 * MS).contains(&d), "{d:?}");
        }
        // Never above the ceiling, whatever the floor.
        let high = policy().with_min_delay(Duration::from_secs(60));
        assert_eq!(high.delay(2), 400 * MS);
        let distinct: HashSet<_> = (0..100).map(|_| p.delay(5)).collect();
        assert!(distinct.len() > 80);
    }

    #[test]
    fn equal_jitter_waits_at_least_half_the_window() {
        let p = policy().with_jitter(Jitter::Equal);
        assert_eq!(p.jittered(3, 0.0), 400 * MS);
        assert_eq!(p.jittered(3, 1.0), 800 * MS);
        for retry in 0..8 {
            let draws: Vec<Duration> = (0..300).map(|_| p.delay(retry)).collect();
            let ceiling = p.ceiling(retry);
            assert!(draws.iter().all(|d| (ceiling / 2..=ceiling).contains(d)));
            assert!(draws.iter().collect::<HashSet<_>>().len() > 250);
        }
    }

    #[test]
    fn max_attempts_stop() {
        let p = policy().with_max_attempts(3);
        assert!(p.may_retry(0));
        assert!(p.may_retry(2));
        assert!(!p.may_retry(3));
        assert!(!p.may_retry(10));
        assert!(policy().may_retry(u32::MAX));
        // A loop driven by the policy tries exactly three times.
        let mut tries = 0;
        let mut failures = 0;
        loop {
            tries += 1;
            failures += 1;
            if !p.may_retry(failures) {
                break;
            }
        }
        assert_eq!(tries, 3);
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = policy();
        for _ in 0..100 {
            // Longer than the backoff window: exactly what was asked.
            assert_eq!(
                p.delay_after(0, Some(2 * Duration::from_secs(1))),
                2000 * MS
            );
            // Never below what was asked.
            assert!(p.delay_after(6, Some(1000 * MS)) >= 1000 * MS);
            // Cut to the cap (the policy's cap by default).
            assert_eq!(p.delay_after(0, Some(Duration::from_secs(3600))), 5000 * MS);
            assert!(p.delay_after(2, None) <= 400 * MS);
        }
        let p = p.with_retry_after_cap(Duration::from_secs(60));
        assert_eq!(
            p.delay_after(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.delay_after(0, Some(Duration::from_secs(30))),
            Duration::from_secs(30)
        );
        // A zero Retry-After leaves the jittered backoff.
        assert!(p.delay_after(1, Some(Duration::ZERO)) <= 200 * MS);
    }

    #[test]
    fn retry_after_values_are_seconds_or_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn draws_are_uniform_enough() {
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            buckets[(unit() * 10.0) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|b| (800..1200).contains(b)),
            "{buckets:?}"
        );
    }
}
