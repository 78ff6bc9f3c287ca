//! The failed-login throttle: it slows guessing down and locks nobody out.
//!
//! Every login attempt is charged, before its password is checked, to two keys: the name
//! it tries *at* the client's address, and the address alone. Charging first, under one
//! lock, is what makes the throttle hold under parallel guesses: the hundredth of a
//! hundred simultaneous tries sees the ninety-nine before it. A key that has been charged
//! `free` times must wait 1 s before the next try, then twice as long after every further
//! one, up to `max_delay` (answered 429 with `Retry-After`). A login that succeeds
//! clears its name's key and takes its charge back from the address. A key is forgotten
//! `forget_after` after its last try.
//!
//! Keying by address is why nobody can keep an account's owner out: failures from another
//! address slow that address, not the owner's. The price is that someone guessing from
//! many addresses gets `free_failures` tries per address; the bounded password checker
//! (`password_checks`) caps the rate over all of them.
//!
//! The throttle also decides which failed logins go into the audit log, so that a flood of
//! them cannot flood it: for a known account, the 1st, 2nd, 4th, 8th, ... failure of its
//! name at an address within the key's lifetime, with the count so far; for names that are
//! no account, the same per address, under no name at all (a mistyped password in the
//! name field must not end up in the log). Rows per key grow with the logarithm of the
//! failures, and the failures per key are throttled besides.

use crate::config::LoginConfig;
use crate::error::ApiError;
use crate::Room;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Keys kept at most (about 20 MB); beyond it, keys with no wait pending make room (at most
/// once a second, so a flood at the bound costs no scan per try), and when none do, new keys
/// are refused (answered 503) until some are forgotten.
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    NameAt(String, IpAddr),
    Address(IpAddr),
}

#[derive(Debug)]
struct Entry {
    /// Tries charged (a succeeded or cancelled try gives its charge back).
    charged: u32,
    /// Failed tries, and for an address those that named no account.
    failed: u32,
    unknown_failed: u32,
    first: DateTime<Utc>,
    last: Instant,
    next_allowed: Instant,
}

/// The throttle shared by all logins of one room.
pub(crate) struct LoginThrottle {
    config: LoginConfig,
    max_keys: usize,
    state: Mutex<State>,
}

struct State {
    keys: HashMap<Key, Entry>,
    /// When idle keys were last forgotten, and when keys were last evicted to make room.
    last_sweep: Instant,
    last_eviction: Option<Instant>,
}

/// Why a try is not made now.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Too many failures for this name at this address, or from this address: wait.
    Slowed(Duration),
    /// Too many keys held: the room is under a flood from very many addresses.
    Full,
}

/// A charged try; tell the throttle how it went. Dropped without an answer (the client
/// hung up), the charge stays, as a failure would.
pub(crate) struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    name: Key,
    address: Key,
}

/// A failed login that goes into the audit log: the count of failures at this key since
/// `since`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FailureReport {
    pub failures: u32,
    pub since: DateTime<Utc>,
}

impl LoginThrottle {
    pub(crate) fn new(config: &LoginConfig) -> LoginThrottle {
        LoginThrottle {
            config: config.clone(),
            max_keys: MAX_KEYS,
            state: Mutex::new(State {
                keys: HashMap::new(),
                last_sweep: Instant::now(),
                last_eviction: None,
            }),
        }
    }

    /// Charge a try of `name` from `address`, or say how long to wait.
    pub(crate) fn attempt(&self, name: &str, address: IpAddr) -> Result<Attempt<'_>, Refused> {
        self.attempt_at(name, address, Instant::now())
    }

    fn attempt_at(
        &self,
        name: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<Attempt<'_>, Refused> {
        let (name_key, address_key) = (
            Key::NameAt(name.to_string(), address),
            Key::Address(address),
        );
        let mut state = lock(&self.state);
        self.sweep(&mut state, now);
        let keys = &mut state.keys;
        let wait = [&name_key, &address_key]
            .iter()
            .filter_map(|k| keys.get(*k))
            .map(|e| e.next_allowed.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(Refused::Slowed(wait));
        }
        let new_keys = [&name_key, &address_key]
            .iter()
            .filter(|k| !keys.contains_key(**k))
            .count();
        if keys.len() + new_keys > self.max_keys {
            let evicted_lately = state
                .last_eviction
                .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1));
            if !evicted_lately {
                state.last_eviction = Some(now);
                state.keys.retain(|_, e| e.next_allowed > now);
            }
            if state.keys.len() + new_keys > self.max_keys {
                tracing::warn!(
                    "login throttle full ({} keys): refusing logins from new names and addresses",
                    self.max_keys
                );
                return Err(Refused::Full);
            }
        }
        let keys = &mut state.keys;
        for (key, free) in [
            (&name_key, self.config.free_failures),
            (&address_key, self.config.address_free_failures),
        ] {
            let entry = keys.entry(key.clone()).or_insert_with(|| Entry {
                charged: 0,
                failed: 0,
                unknown_failed: 0,
                first: Utc::now(),
                last: now,
                next_allowed: now,
            });
            entry.charged += 1;
            entry.last = now;
            entry.next_allowed = now + self.delay(entry.charged, free);
        }
        Ok(Attempt {
            throttle: self,
            name: name_key,
            address: address_key,
        })
    }

    /// The wait after `charged` tries: none for the first `free` - 1, then 1 s, doubling,
    /// up to the maximum.
    fn delay(&self, charged: u32, free: u32) -> Duration {
        if charged < free {
            return Duration::ZERO;
        }
        let doublings = (charged - free).min(30);
        Duration::from_secs(1u64 << doublings).min(self.config.max_delay)
    }

    /// Forget keys idle longer than `forget_after` (at most once a second).
    fn sweep(&self, state: &mut State, now: Instant) {
        if now.saturating_duration_since(state.last_sweep) < Duration::from_secs(1) {
            return;
        }
        state.last_sweep = now;
        let forget = self.config.forget_after;
        state
            .keys
            .retain(|_, e| now.saturating_duration_since(e.last) < forget);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        lock(&self.state).keys.len()
    }
}

impl Attempt<'_> {
    /// The password was right: the name's key is cleared, the address gets its charge back.
    pub(crate) fn succeeded(self) {
        let mut state = lock(&self.throttle.state);
        let keys = &mut state.keys;
        keys.remove(&self.name);
        if let Some(e) = keys.get_mut(&self.address) {
            e.charged = e.charged.saturating_sub(1);
        }
    }

    /// The try was not made after all (the server was busy or failed): both charges back.
    pub(crate) fn cancelled(self) {
        let mut state = lock(&self.throttle.state);
        let keys = &mut state.keys;
        for key in [&self.name, &self.address] {
            if let Some(e) = keys.get_mut(key) {
                e.charged = e.charged.saturating_sub(1);
            }
        }
    }

    /// The login failed; `known` says whether the name is an account. Returns the report to
    /// put in the audit log, when this failure is one to report.
    pub(crate) fn failed(self, known: bool) -> Option<FailureReport> {
        let mut state = lock(&self.throttle.state);
        let keys = &mut state.keys;
        let entry = keys.get_mut(if known { &self.name } else { &self.address })?;
        let count = if known {
            entry.failed += 1;
            entry.failed
        } else {
            entry.unknown_failed += 1;
            entry.unknown_failed
        };
        count.is_power_of_two().then_some(FailureReport {
            failures: count,
            since: entry.first,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The client's address as the throttle keys it: the connection's peer, or, when the peer
/// is a trusted proxy, the last address in `X-Forwarded-For` that is not one. IPv6
/// addresses count by their /64 (one subscriber's network), IPv4-mapped ones as IPv4.
/// Without connection information (the router called directly, as in tests), the
/// unspecified address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub IpAddr);

impl FromRequestParts<Arc<Room>> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, room: &Arc<Room>) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Ok(ClientAddress(client_address(
            peer,
            &forwarded,
            &room.config.login.trusted_proxies,
        )))
    }
}

fn client_address(peer: Option<IpAddr>, forwarded: &str, trusted: &[IpAddr]) -> IpAddr {
    let trusted_peer = |a: &IpAddr| trusted.iter().any(|t| canonical(*t) == canonical(*a));
    let mut client = peer.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if trusted_peer(&client) {
        for hop in forwarded.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(a) if trusted_peer(&a) => continue,
                Ok(a) => {
                    client = a;
                    break;
                }
                // A hop we cannot read: the proxy's own peer is the last we can vouch for.
                Err(_) => break,
            }
        }
    }
    let client = canonical(client);
    match client {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(&LoginConfig {
            free_failures: 3,
            address_free_failures: 5,
            max_delay: Duration::from_secs(8),
            forget_after: Duration::from_secs(60),
            ..LoginConfig::default()
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn tries_are_charged_before_they_are_made_and_the_wait_doubles_to_a_cap() {
        let t = throttle();
        let now = Instant::now();
        let a = ip("10.0.0.1");
        // Three tries at once, none waits for another's outcome: the fourth must wait.
        let tries: Vec<_> = (0..3)
            .map(|_| t.attempt_at("ana", a, now).unwrap())
            .collect();
        assert_eq!(
            t.attempt_at("ana", a, now).err(),
            Some(Refused::Slowed(Duration::from_secs(1)))
        );
        for tried in tries {
            tried.failed(true);
        }
        let mut at = now + Duration::from_secs(1);
        for wait in [2, 4, 8, 8] {
            t.attempt_at("ana", a, at).unwrap().failed(true);
            assert_eq!(
                t.attempt_at("ana", a, at).err(),
                Some(Refused::Slowed(Duration::from_secs(wait)))
            );
            at += Duration::from_secs(wait);
        }
    }

    #[test]
    fn another_address_is_not_slowed_and_a_success_clears_the_name() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..3 {
            t.attempt_at("ana", ip("10.0.0.2"), now)
                .unwrap()
                .failed(true);
        }
        assert!(t.attempt_at("ana", ip("10.0.0.2"), now).is_err());
        // The owner, elsewhere, is not slowed, and fails twice before getting it right.
        for _ in 0..2 {
            t.attempt_at("ana", ip("10.0.0.1"), now)
                .unwrap()
                .failed(true);
        }
        t.attempt_at("ana", ip("10.0.0.1"), now)
            .unwrap()
            .succeeded();
        for _ in 0..2 {
            t.attempt_at("ana", ip("10.0.0.1"), now)
                .unwrap()
                .failed(true);
        }
    }

    #[test]
    fn many_names_from_one_address_are_slowed_by_the_address() {
        let t = throttle();
        let now = Instant::now();
        for n in 0..5 {
            t.attempt_at(&format!("guess{n}"), ip("10.0.0.3"), now)
                .unwrap()
                .failed(false);
        }
        assert!(matches!(
            t.attempt_at("guess5", ip("10.0.0.3"), now),
            Err(Refused::Slowed(_))
        ));
        assert!(t.attempt_at("guess5", ip("10.0.0.4"), now).is_ok());
    }

    #[test]
    fn failures_are_reported_at_powers_of_two_per_name_or_per_address_for_unknown_names() {
        let t = LoginThrottle::new(&LoginConfig {
            free_failures: 1000,
            address_free_failures: 1000,
            ..LoginConfig::default()
        });
        let now = Instant::now();
        let reported = |name: &str, known: bool| {
            (0..100)
                .filter_map(|_| {
                    t.attempt_at(name, ip("10.0.0.5"), now)
                        .unwrap()
                        .failed(known)
                })
                .map(|r| r.failures)
                .collect::<Vec<_>>()
        };
        assert_eq!(reported("ana", true), vec![1, 2, 4, 8, 16, 32, 64]);
        let unknown: Vec<u32> = (0..100)
            .filter_map(|n| {
                t.attempt_at(&format!("x{n}"), ip("10.0.0.5"), now)
                    .unwrap()
                    .failed(false)
            })
            .map(|r| r.failures)
            .collect();
        assert_eq!(unknown, vec![1, 2, 4, 8, 16, 32, 64]);
    }

    #[test]
    fn idle_keys_are_forgotten_and_cancelled_tries_give_their_charge_back() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..2 {
            t.attempt_at("ana", ip("10.0.0.6"), now)
                .unwrap()
                .cancelled();
        }
        for _ in 0..3 {
            t.attempt_at("ana", ip("10.0.0.6"), now)
                .unwrap()
                .failed(true);
        }
        assert_eq!(t.len(), 2);
        assert!(t
            .attempt_at("bob", ip("10.0.0.7"), now + Duration::from_secs(61))
            .is_ok());
        assert_eq!(t.len(), 2, "ana's keys are forgotten, bob's are new");
    }

    #[test]
    fn at_the_bound_keys_without_a_wait_make_room_at_most_once_a_second() {
        let mut t = LoginThrottle::new(&LoginConfig {
            free_failures: 3,
            address_free_failures: 3,
            ..LoginConfig::default()
        });
        t.max_keys = 6;
        let now = Instant::now();
        let at = |ms: u64| now + Duration::from_millis(ms);
        // Two keys a try: three addresses fill it; only the first's have no wait pending.
        t.attempt_at("ana", ip("10.0.2.1"), now)
            .unwrap()
            .failed(true);
        for a in ["10.0.2.2", "10.0.2.3"] {
            for _ in 0..3 {
                t.attempt_at("ana", ip(a), now).unwrap().failed(true);
            }
        }
        assert_eq!(t.len(), 6);
        t.attempt_at("ana", ip("10.0.2.4"), now)
            .unwrap()
            .failed(true);
        assert_eq!(t.len(), 6, "10.0.2.1's keys made room");
        // Within the second, no more room is made: new keys are refused, known ones slowed.
        assert_eq!(
            t.attempt_at("bob", ip("10.0.2.5"), at(500)).err(),
            Some(Refused::Full)
        );
        assert!(matches!(
            t.attempt_at("ana", ip("10.0.2.2"), at(600)),
            Err(Refused::Slowed(_))
        ));
        // A second later the waits are over and room is made again.
        assert!(t.attempt_at("bob", ip("10.0.2.5"), at(1200)).is_ok());
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let proxy = ip("10.1.1.1");
        let peer = Some(proxy);
        assert_eq!(client_address(peer, "203.0.113.9", &[]), proxy);
        assert_eq!(
            client_address(peer, "198.51.100.1, 203.0.113.9", &[proxy]),
            ip("203.0.113.9"),
            "the right-most address the proxy saw, not what the client wrote"
        );
        assert_eq!(
            client_address(peer, "203.0.113.9, 10.1.1.1", &[proxy]),
            ip("203.0.113.9")
        );
        assert_eq!(client_address(peer, "nonsense", &[proxy]), proxy);
        assert_eq!(
            client_address(Some(ip("2001:db8:1:2:3:4:5:6")), "", &[]),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            client_address(Some(ip("::ffff:192.0.2.7")), "", &[]),
            ip("192.0.2.7")
        );
        assert_eq!(client_address(None, "", &[]), ip("0.0.0.0"));
    }
}
