//! What integration tests share: the real services from the environment, names no other
//! test (or earlier run) uses, free ports, waiting for a server to listen, and a broker of a
//! test's own (tansu storing in an S3 bucket of moto's server, so that it survives a restart).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::Command;
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

/// Create the S3 bucket `bucket` on the S3 server (moto's) listening on 127.0.0.1:`port`;
/// panics unless it answers 200.
pub fn create_s3_bucket(port: u16, bucket: &str) {
    let mut http = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("the S3 server");
    write!(
        http,
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("a request to the S3 server");
    let mut reply = String::new();
    http.read_to_string(&mut reply)
        .expect("a reply from the S3 server");
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "creating the bucket: {reply}"
    );
}

/// The command that runs the tansu binary `tansu` as a broker on 127.0.0.1:`port`, storing
/// in the bucket `broker` of the S3 server on 127.0.0.1:`s3_port` (see [`create_s3_bucket`]).
pub fn tansu_command(tansu: &str, port: u16, s3_port: u16) -> Command {
    let url = format!("tcp://127.0.0.1:{port}");
    let mut command = Command::new(tansu);
    command
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args(["--storage-engine", "s3://broker/"])
        .env("AWS_ENDPOINT", format!("http://127.0.0.1:{s3_port}"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    command
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
