//! Password checks under a bound: at most `[room.login] concurrency` Argon2id checks at
//! once, each in a memory buffer reserved when the room opens and reused for every check,
//! and a bounded queue of logins waiting for one, each waiting at most `queue_wait`.
//! Beyond that a login is answered at once with "busy, retry after".
//!
//! Why buffers of our own: `argon2`'s verifier allocates its working memory (19 MiB at the
//! default cost) for every check and frees it after. Hundreds of checks at once on the
//! blocking pool held gigabytes, and glibc's per-thread arenas kept most of it after the
//! burst. Here memory for logins is `concurrency` buffers, allocated once.

use crate::accounts;
use crate::config::{LoginConfig, PasswordHashCost};
use argon2::Block;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// The bounded password checker the login handler goes through.
pub(crate) struct PasswordChecks {
    permits: Arc<Semaphore>,
    /// One buffer per permit: a holder of a permit always finds one.
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Logins checking or waiting to check.
    admitted: Arc<AtomicUsize>,
    /// `concurrency + queue`.
    limit: usize,
    wait: Duration,
}

/// The checker is full: the queue is full, or the wait in it ran out.
#[derive(Debug)]
pub(crate) struct Busy;

impl PasswordChecks {
    /// Reserve `config.concurrency` buffers for hashes of `cost` (the cost new hashes and
    /// the decoy get; a stored hash that needs more grows the buffer it is checked in).
    pub(crate) fn new(config: &LoginConfig, cost: PasswordHashCost) -> PasswordChecks {
        let buffers = (0..config.concurrency)
            .map(|_| accounts::hash_memory(cost))
            .collect();
        PasswordChecks {
            permits: Arc::new(Semaphore::new(config.concurrency)),
            buffers: Arc::new(Mutex::new(buffers)),
            admitted: Arc::new(AtomicUsize::new(0)),
            limit: config.concurrency + config.queue,
            wait: config.queue_wait,
        }
    }

    /// A place among the logins being checked or waiting to be, or [`Busy`] at once. A
    /// login takes its place before it does any other work (reading the account included),
    /// so a flood beyond the bound costs nothing but the answer.
    pub(crate) fn admit(&self) -> Result<Place<'_>, Busy> {
        Admitted::enter(&self.admitted, self.limit)
            .map(|admitted| Place {
                checks: self,
                admitted,
            })
            .ok_or(Busy)
    }

    /// [`Self::admit`] and [`Place::verify`] in one.
    #[cfg(test)]
    async fn verify(&self, password: String, phc: String) -> Result<bool, Busy> {
        self.admit()?.verify(password, phc).await
    }
}

/// An admitted login.
pub(crate) struct Place<'a> {
    checks: &'a PasswordChecks,
    admitted: Admitted,
}

impl Place<'_> {
    /// Whether `password` matches `phc`, checked on the blocking pool once a permit is free
    /// (or [`Busy`] when none is within `queue_wait`). The check finishes even when the
    /// caller stops waiting for it (the permit and the place go with the check), so a client
    /// that hangs up frees nothing early.
    pub(crate) async fn verify(self, password: String, phc: String) -> Result<bool, Busy> {
        let checks = self.checks;
        let permit = tokio::time::timeout(checks.wait, checks.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (buffers, admitted) = (checks.buffers.clone(), self.admitted);
        tokio::task::spawn_blocking(move || {
            let (_admitted, _permit) = (admitted, permit);
            let mut memory = lock(&buffers).pop().unwrap_or_default();
            let verified = accounts::verify_password_in(&password, &phc, &mut memory);
            lock(&buffers).push(memory);
            verified
        })
        .await
        .map_err(|_| Busy)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A place among the admitted logins, given back when dropped.
struct Admitted(Arc<AtomicUsize>);

impl Admitted {
    fn enter(count: &Arc<AtomicUsize>, limit: usize) -> Option<Admitted> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Admitted(count.clone()))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordHashCost = PasswordHashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn beyond_the_checks_and_the_queue_logins_are_told_to_come_back() {
        let config = LoginConfig {
            concurrency: 1,
            queue: 2,
            queue_wait: Duration::from_secs(30),
            ..LoginConfig::default()
        };
        let checks = Arc::new(PasswordChecks::new(&config, CHEAP));
        let phc = accounts::hash_password("a password here", CHEAP).unwrap();
        // The one check is taken: three logins get a place (one to check, two to wait)...
        let held = checks.permits.clone().acquire_owned().await.unwrap();
        let tries: Vec<_> = (0..10)
            .map(|_| {
                let (checks, phc) = (checks.clone(), phc.clone());
                tokio::spawn(async move { checks.verify("a password here".into(), phc).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(300)).await;
        // ... and the others are told at once.
        let told: Vec<bool> = tries.iter().map(|t| t.is_finished()).collect();
        assert_eq!(told.iter().filter(|t| **t).count(), 7, "{told:?}");
        drop(held);
        let mut answers = Vec::new();
        for t in tries {
            answers.push(t.await.unwrap());
        }
        let checked = answers.iter().filter(|a| matches!(a, Ok(true))).count();
        assert_eq!(checked, 3, "{answers:?}");
    }

    #[tokio::test]
    async fn a_buffer_grows_for_a_costlier_hash_and_is_kept() {
        let checks = PasswordChecks::new(&LoginConfig::default(), CHEAP);
        let costlier = PasswordHashCost {
            memory_kib: 1024,
            ..CHEAP
        };
        let phc = accounts::hash_password("a password here", costlier).unwrap();
        assert!(checks
            .verify("a password here".into(), phc.clone())
            .await
            .unwrap());
        assert!(!checks.verify("another password".into(), phc).await.unwrap());
        let sizes: Vec<usize> = lock(&checks.buffers).iter().map(|b| b.len()).collect();
        assert!(sizes.contains(&1024) && sizes.contains(&64), "{sizes:?}");
    }

    #[tokio::test]
    async fn a_wait_in_the_queue_ends() {
        let config = LoginConfig {
            concurrency: 1,
            queue: 5,
            queue_wait: Duration::from_secs(1),
            ..LoginConfig::default()
        };
        let checks = PasswordChecks::new(&config, CHEAP);
        let _held = checks.permits.clone().acquire_owned().await.unwrap();
        let phc = accounts::hash_password("a password here", CHEAP).unwrap();
        let started = std::time::Instant::now();
        assert!(checks.verify("a password here".into(), phc).await.is_err());
        assert!(started.elapsed() >= Duration::from_secs(1));
    }
}
