//! What integration tests share: the real services from the environment, names no other
//! test (or earlier run) uses, free ports and waiting for a server to listen.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The value of the environment variable `var` that names a service (or a server binary)
/// a test needs. `None` means: skip the test, which only `WEBSENSE_SKIP_SERVICES=1` allows;
/// otherwise a missing service fails the test.
pub fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => return Some(value),
        _ => {}
    }
    if std::env::var("WEBSENSE_SKIP_SERVICES").as_deref() == Ok("1") {
        eprintln!("skipped: WEBSENSE_SKIP_SERVICES=1 and no {var}");
        return None;
    }
    panic!(
        "{var} is not set: run the tests through scripts/test (it starts a Kafka-protocol broker \
         and ClickHouse), or `eval \"$(scripts/services start)\"` first; WEBSENSE_SKIP_SERVICES=1 \
         skips these tests"
    );
}

/// The broker to test against (`WEBSENSE_TEST_KAFKA`); `None` means skip (see [`service`]).
pub fn kafka_brokers() -> Option<String> {
    service("WEBSENSE_TEST_KAFKA")
}

/// The ClickHouse HTTP URL to test against (`WEBSENSE_TEST_CLICKHOUSE`); `None` means skip.
pub fn clickhouse_url() -> Option<String> {
    service("WEBSENSE_TEST_CLICKHOUSE")
}

/// The broker and the ClickHouse HTTP URL to test against; `None` means skip.
pub fn services() -> Option<(String, String)> {
    Some((kafka_brokers()?, clickhouse_url()?))
}

/// A name no other test (or earlier run) uses, made of `what`, letters, digits and `_`: good
/// for topics, consumer groups and ClickHouse databases alike.
pub fn unique(what: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos();
    format!(
        "t_{what}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// Wait until something listens on 127.0.0.1:`port`; panic naming `what` after `timeout`.
pub fn wait_for_port(port: u16, what: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not come up on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differ_and_fit_databases() {
        let (a, b) = (unique("x"), unique("x"));
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }

    #[test]
    fn a_listening_port_is_found() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        wait_for_port(port, "the test listener", Duration::from_secs(5));
        assert_ne!(free_port(), 0);
    }
}
