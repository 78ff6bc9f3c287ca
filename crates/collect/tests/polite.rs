//! Fetching behaviour: conditional GET, retries, backoff, redirects, the SSRF guard,
//! timeouts, size caps, compression, per-host limits.

mod common;

use common::*;
use std::io::Write;
use std::time::{Duration, Instant};

fn rss20() -> Vec<u8> {
    fixture("rss20.xml")
}

/// One feed source at `url`; returns the summary and the items written.
async fn one_feed(
    url: &str,
    extra_collect: &str,
) -> (websense_collect::Summary, Vec<websense_model::Item>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        extra_collect,
        &source("f", "feed", &format!("url = \"{url}\"")),
    );
    let summary = collect_once(&config, &out).await;
    (summary, read_items(&out))
}

fn failure(summary: &websense_collect::Summary) -> String {
    assert_eq!(
        summary.failures.len(),
        1,
        "expected one failure: {:?}",
        summary.failures
    );
    summary.failures[0].to_string()
}

#[tokio::test]
async fn not_modified_304_yields_nothing_and_no_error() {
    let server = TestServer::start().await;
    server.fixture("/feed", "rss20.xml", "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let config = config_text(
        &dir.path().join("state"),
        "",
        &source("f", "feed", &format!("url = \"{}\"", server.url("/feed"))),
    );
    assert_eq!(collect_once(&config, &out).await.items, 3);
    let again = collect_once(&config, &out).await;
    assert_eq!(
        (again.items, again.sources_ok, again.sources_failed),
        (0, 1, 0)
    );
    let hits = server.hits("/feed");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].header("if-none-match"), None);
    assert!(hits[1].header("if-none-match").is_some());
    assert_eq!(
        hits[1].header("if-modified-since"),
        Some("Tue, 12 Mar 2024 10:00:00 GMT")
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = TestServer::start().await;
    server.route("/feed", |_, n| match n {
        0 => Reply::status(429).header("retry-after", "1"),
        _ => Reply::ok(rss20(), "application/rss+xml"),
    });
    let started = Instant::now();
    let (summary, items) = one_feed(&server.url("/feed"), "").await;
    assert_eq!((summary.sources_failed, items.len()), (0, 3));
    let hits = server.hits("/feed");
    assert_eq!(hits.len(), 2);
    let waited = hits[1].at - hits[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn retry_after_longer_than_allowed_fails_the_round_and_says_so() {
    let server = TestServer::start().await;
    server.fixed("/feed", Reply::status(429).header("retry-after", "3600"));
    let (summary, _) = one_feed(&server.url("/feed"), "").await;
    let f = failure(&summary);
    assert!(f.contains("429") && f.contains("Retry-After 3600s"), "{f}");
    assert_eq!(server.hits("/feed").len(), 1, "no retry inside the round");
}

#[tokio::test]
async fn server_errors_then_recovery_with_backoff() {
    let server = TestServer::start().await;
    server.route("/feed", |_, n| {
        if n < 2 {
            Reply::status(500 + n as u16 * 3)
        } else {
            Reply::ok(rss20(), "text/xml")
        }
    });
    let (summary, items) = one_feed(&server.url("/feed"), "retry_base_delay = \"100ms\"").await;
    assert_eq!((summary.sources_failed, items.len()), (0, 3));
    let hits = server.hits("/feed");
    assert_eq!(hits.len(), 3);
    // Equal jitter: at least half the base delay, doubling.
    assert!(hits[1].at - hits[0].at >= Duration::from_millis(50));
    assert!(hits[2].at - hits[1].at >= Duration::from_millis(100));
}

#[tokio::test]
async fn persistent_errors_give_up_after_max_retries() {
    let server = TestServer::start().await;
    server.fixed("/feed", Reply::status(503));
    let (summary, _) = one_feed(&server.url("/feed"), "max_retries = 2").await;
    assert!(failure(&summary).contains("HTTP 503"));
    assert_eq!(server.hits("/feed").len(), 3);
    // A 404 is not retried.
    let (summary, _) = one_feed(&server.url("/missing"), "max_retries = 2").await;
    let f = failure(&summary);
    assert!(
        f.contains("404") && f.contains("source `f`") && f.contains("/missing"),
        "{f}"
    );
    assert_eq!(server.hits("/missing").len(), 1);
}

#[tokio::test]
async fn redirects_are_followed_a_bounded_number_of_times() {
    let server = TestServer::start().await;
    server.fixed("/feed", Reply::ok(rss20(), "application/rss+xml"));
    server.fixed("/moved", Reply::redirect(301, "/tmp"));
    server.fixed("/tmp", Reply::redirect(302, &server.url("/feed")));
    let (summary, items) = one_feed(&server.url("/moved"), "").await;
    assert_eq!((summary.sources_failed, items.len()), (0, 3));

    server.fixed("/loop-a", Reply::redirect(302, "/loop-b"));
    server.fixed("/loop-b", Reply::redirect(307, "/loop-a"));
    let (summary, _) = one_feed(&server.url("/loop-a"), "").await;
    assert!(
        failure(&summary).contains("redirect loop"),
        "{:?}",
        summary.failures
    );

    server.route("/chain", |hit, _| {
        let n: u32 = hit.query.parse().unwrap_or(0);
        Reply::redirect(302, &format!("/chain?{}", n + 1))
    });
    let (summary, _) = one_feed(&server.url("/chain"), "max_redirects = 3").await;
    assert!(failure(&summary).contains("more than 3 redirects"));
    assert_eq!(server.hits("/chain").len(), 4);
}

#[tokio::test]
async fn redirect_into_loopback_is_refused() {
    let server = TestServer::start().await;
    server.fixed("/feed", Reply::ok(rss20(), "application/rss+xml"));
    server.fixed("/evil", Reply::redirect(302, &server.url("/feed")));
    // `localhost` is allowed (as an intranet mirror would be); the feed then redirects to a
    // loopback address, which is not.
    let strict = "allow_private_networks = false\nallow_private_hosts = [\"localhost\"]";
    let (summary, items) = one_feed(&server.localhost_url("/evil"), strict).await;
    let f = failure(&summary);
    assert!(f.contains("refused") && f.contains("127.0.0.1"), "{f}");
    assert!(items.is_empty());
    assert_eq!(server.hits("/evil").len(), 1);
    assert!(
        server.hits("/feed").is_empty(),
        "the refused address was never contacted"
    );

    // The same chain with private networks allowed works: the refusal above is the guard's.
    let (summary, items) = one_feed(&server.localhost_url("/evil"), "").await;
    assert_eq!((summary.sources_failed, items.len()), (0, 3));
}

#[tokio::test]
async fn names_resolving_to_private_addresses_are_refused() {
    let server = TestServer::start().await;
    server.fixed("/feed", Reply::ok(rss20(), "application/rss+xml"));
    let strict = "allow_private_networks = false";
    // A host name (checked by the resolver) and an IP literal (checked before the request).
    for url in [server.localhost_url("/feed"), server.url("/feed")] {
        let (summary, _) = one_feed(&url, strict).await;
        let f = failure(&summary);
        assert!(f.contains("refused"), "{f}");
    }
    assert!(server.hits("/feed").is_empty());
}

#[tokio::test]
async fn slow_servers_time_out_and_others_go_on() {
    let server = TestServer::start().await;
    server.fixed(
        "/slow",
        Reply::ok(rss20(), "application/rss+xml").delay(Duration::from_secs(5)),
    );
    server.fixed("/fast", Reply::ok(rss20(), "application/rss+xml"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let sources = source(
        "slow",
        "feed",
        &format!("url = \"{}\"", server.url("/slow")),
    ) + &source(
        "fast",
        "feed",
        &format!("url = \"{}\"", server.url("/fast")),
    );
    let config = config_text(
        &dir.path().join("state"),
        "request_timeout = \"300ms\"\nmax_retries = 1",
        &sources,
    );
    let started = Instant::now();
    let summary = collect_once(&config, &out).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let f = failure(&summary);
    assert!(
        f.contains("source `slow`") && f.contains("timed out"),
        "{f}"
    );
    assert_eq!(items_of(&read_items(&out), "fast").len(), 3);
}

#[tokio::test]
async fn oversized_bodies_and_gzip_bombs_are_cut_off() {
    let server = TestServer::start().await;
    let mut big = b"<rss version=\"2.0\"><channel>".to_vec();
    big.resize(300_000, b' ');
    server.fixed("/big", Reply::ok(big, "application/rss+xml"));
    let (summary, _) = one_feed(&server.url("/big"), "max_body_bytes = 100000").await;
    assert!(failure(&summary).contains("larger than max_body_bytes"));

    // 50 MB of spaces compress to about 50 KB; the cap counts decompressed bytes.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..50 {
        gz.write_all(&spaces).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 200_000);
    server.fixed(
        "/bomb",
        Reply::ok(bomb, "application/rss+xml").header("content-encoding", "gzip"),
    );
    let (summary, _) = one_feed(&server.url("/bomb"), "max_body_bytes = 1000000").await;
    assert!(failure(&summary).contains("larger than max_body_bytes"));
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded() {
    let server = TestServer::start().await;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&rss20()).unwrap();
    server.fixed(
        "/gz",
        Reply::ok(gz.finish().unwrap(), "application/rss+xml").header("content-encoding", "gzip"),
    );
    let mut br = Vec::new();
    brotli::BrotliCompress(&mut rss20().as_slice(), &mut br, &Default::default()).unwrap();
    server.fixed(
        "/br",
        Reply::ok(br, "application/rss+xml").header("content-encoding", "br"),
    );
    for path in ["/gz", "/br"] {
        let (summary, items) = one_feed(&server.url(path), "").await;
        assert_eq!((summary.sources_failed, items.len()), (0, 3), "{path}");
        let accept = server.hits(path)[0]
            .header("accept-encoding")
            .unwrap_or_default()
            .to_string();
        assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
    }
}

#[tokio::test]
async fn tls_errors_are_reported_per_source() {
    let server = TestServer::start().await;
    // The test server speaks plain HTTP, so a TLS handshake with it fails.
    let url = format!("https://127.0.0.1:{}/feed", server.addr.port());
    let (summary, _) = one_feed(&url, "max_retries = 0").await;
    let f = failure(&summary);
    assert!(
        f.contains("source `f`") && f.contains("https://127.0.0.1"),
        "{f}"
    );
    assert!(f.contains("TLS error"), "{f}");
}

#[tokio::test]
async fn per_host_rate_and_concurrency_limits_hold() {
    let server = TestServer::start().await;
    server.fixed(
        "/feed",
        Reply::ok(rss20(), "application/rss+xml").delay(Duration::from_millis(100)),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let sources: String = (0..8)
        .map(|i| {
            source(
                &format!("f{i}"),
                "feed",
                &format!("url = \"{}\"", server.url("/feed")),
            )
        })
        .collect();
    let limits = "per_host_rate = 20.0\nper_host_burst = 1\nper_host_concurrency = 2";
    let config = config_text(&dir.path().join("state"), limits, &sources);
    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0);
    assert!(
        server.max_in_flight() <= 2,
        "max in flight {}",
        server.max_in_flight()
    );
    let mut times: Vec<Instant> = server.hits("/feed").iter().map(|h| h.at).collect();
    times.sort();
    for pair in times.windows(2) {
        // 20 per second with no burst: at least 50 ms apart (a little slack for timers).
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(45),
            "{:?}",
            pair[1] - pair[0]
        );
    }
}
