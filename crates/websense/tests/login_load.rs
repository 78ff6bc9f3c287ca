//! A login flood against a real `websense serve` with the default password-hash cost
//! (Argon2id, 19 MiB a check) and the default `[room.login]` bounds: 400 logins at once,
//! with random names, each from its own loopback address (so the per-address throttle does
//! not stop them first: this is the password checker's bound). The server's resident
//! memory, read from /proc, stays under 500 MB, the logins beyond the checker's bound are
//! answered 503 with `Retry-After`, and the memory is back within 20 % of where it started.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LOGINS: usize = 400;
const MAX_RSS_KIB: u64 = 500 * 1000;

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The resident memory of process `pid` (VmRSS), in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A login over its own connection from `from`; the status code and the response head.
async fn login(port: u16, from: std::net::Ipv4Addr, user: &str) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind((from, 0).into()).unwrap();
    let mut stream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
    let body = format!(r#"{{"user": "{user}", "password": "een verkeerd wachtwoord"}}"#);
    let request = format!(
        "POST /api/login HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(60),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("an answer within a minute")
    .unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let head = response
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .to_lowercase();
    (status, head)
}

#[test]
fn four_hundred_parallel_logins_with_random_names_keep_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let lexicons = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("websense.toml");
    std::fs::write(
        &config,
        format!(
            "[collect]\nstate_dir = \"state\"\n\
             [store]\nbackend = \"embedded\"\npath = \"data/websense.db\"\n\
             [matcher]\nlexicons = {lexicons:?}\n\
             [room]\nlisten = \"127.0.0.1:{port}\"\ndatabase = \"data/room.db\"\n\
             cookie_secure = false\nscan_interval = \"0s\"\n"
        ),
    )
    .unwrap();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_websense"))
            .args(["serve", "--config"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = server.0.id();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "websense serve exited"
        );
        assert!(Instant::now() < deadline, "websense serve did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Where it starts: up and listening (the memory for password checks is reserved before
    // it listens).
    std::thread::sleep(Duration::from_millis(500));
    let start = rss_kib(pid);
    let first = runtime.block_on(login(port, [127, 0, 0, 1].into(), "first"));
    assert_eq!(first.0, 401, "{}", first.1);

    // The peak, watched while the flood runs; past the bound the server is stopped, so a
    // server that does not hold its bound cannot take the machine down with it.
    let (done, peak) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let watcher = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let rss = rss_kib(pid);
                peak.fetch_max(rss, Ordering::Relaxed);
                if rss > MAX_RSS_KIB {
                    kill_now(pid);
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let started = Instant::now();
    let answers: Vec<(u16, String)> = runtime.block_on(async {
        let logins: Vec<_> = (0..LOGINS)
            .map(|n| {
                let from = std::net::Ipv4Addr::new(127, 1, (n / 200) as u8, (n % 200 + 1) as u8);
                // A random-looking name.
                let user = format!("x{:016x}", websense_model::rng::mix(n as u64));
                tokio::spawn(async move { login(port, from, &user).await })
            })
            .collect();
        let mut answers = Vec::new();
        for l in logins {
            answers.push(
                l.await
                    .unwrap_or((0, "no answer: the server was stopped".into())),
            );
        }
        answers
    });
    let flood_secs = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    let peak = peak.load(Ordering::Relaxed);
    assert!(
        peak <= MAX_RSS_KIB,
        "the server's RSS went from {start} KiB to {peak} KiB (over {MAX_RSS_KIB}): stopped"
    );

    let count = |status: u16| answers.iter().filter(|a| a.0 == status).count();
    let (checked, busy) = (count(401), count(503));
    assert_eq!(checked + busy, LOGINS, "{answers:?}");
    assert!(busy > 0 && checked > 0, "checked {checked}, busy {busy}");
    assert!(
        answers
            .iter()
            .filter(|a| a.0 == 503)
            .all(|a| a.1.contains("retry-after: 1")),
        "a busy answer says when to come back"
    );

    // And the memory comes back.
    let mut after = rss_kib(pid);
    let settle = Instant::now();
    while after as f64 > start as f64 * 1.2 && settle.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(250));
        after = rss_kib(pid);
    }
    eprintln!(
        "login flood: {LOGINS} logins in {flood_secs:.1} s, {checked} checked, {busy} answered 503; \
         server RSS {start} KiB listening, {peak} KiB at the peak, {after} KiB after"
    );
    assert!(
        after as f64 <= start as f64 * 1.2,
        "RSS {after} KiB after the flood, {start} KiB before"
    );
    let again = runtime.block_on(login(port, [127, 0, 0, 2].into(), "after"));
    assert_eq!(again.0, 401, "the server still checks logins: {}", again.1);
}

/// Stop the server at once (the watcher thread cannot hold the `Child`).
fn kill_now(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}
