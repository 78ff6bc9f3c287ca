//! Shared by the pipeline tests: generated fixture feeds with their expected counts, a local
//! HTTP server for them, the `websense` binary as a child process, configurations for the
//! real services (which, with names and ports, come from `websense-testkit`).
#![allow(dead_code)] // each test binary uses its own part

pub mod distributed;

use chrono::{DateTime, Duration as TimeDelta, Utc};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef};
use websense_store::{
    BucketSize, CategoryPoint, Filter, Store, TimeRange, TotalsQuery, TrendQuery,
};
pub use websense_testkit::services::{free_port, wait_for_port};

// ---------------------------------------------------------------- fixtures

/// The test lexicon: two categories, four whole-word terms.
pub const CATEGORIES: &str = "[onrust]\nlabel = \"Onrust\"\nthreshold = 3.0\n\n\
                              [complot]\nlabel = \"Complot\"\nthreshold = 2.0\n";
/// (term, category, weight)
pub const TERMS: [(&str, &str, i64); 4] = [
    ("oproer", "onrust", 1),
    ("rellen", "onrust", 2),
    ("plandemie", "complot", 2),
    ("globalisten", "complot", 1),
];
pub const CATEGORY_NAMES: [&str; 2] = ["onrust", "complot"];

/// Write the test lexicon into `dir`, with `extra` lines appended to the `onrust` section.
pub fn write_lexicons(dir: &Path, extra: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("categories.toml"), CATEGORIES).unwrap();
    let mut lex = String::from("name: test\nlanguages: nl\n\n[onrust]\noproer | 1\nrellen | 2\n");
    lex.push_str(extra);
    lex.push_str("\n[complot]\nplandemie | 2\nglobalisten | 1\n");
    std::fs::write(dir.join("test.lex"), lex).unwrap();
}

/// One generated post.
#[derive(Clone, Debug)]
pub struct Post {
    pub guid: String,
    pub text: String,
    pub published: DateTime<Utc>,
    /// The test terms it contains (each once).
    pub terms: Vec<&'static str>,
}

/// The first instant of the fixtures' time line.
pub fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-10-05T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// Post `n` (global number) of the fixtures: which terms it carries follows from `n`, and
/// posts are 7 minutes apart from `start`.
pub fn post(n: usize, start: DateTime<Utc>) -> Post {
    let mut text = format!("Bericht {n} uit de wijk, geschreven door een bewoner.");
    let mut terms = Vec::new();
    for (i, (term, _, _)) in TERMS.iter().enumerate() {
        if matches!((n + i) % [3, 5, 7, 4][i], 0) {
            let _ = write!(text, " Iets over {term} hier.");
            terms.push(*term);
        }
    }
    Post {
        guid: format!("urn:websense-test:post-{n}"),
        text,
        published: start + TimeDelta::minutes(7 * n as i64),
        terms,
    }
}

/// Per category and hour bucket: (items with a hit, flagged items, hits, score in micros),
/// computed from the posts alone.
pub type Expected = BTreeMap<(String, DateTime<Utc>), (u64, u64, u64, i64)>;

pub fn expected(posts: &[Post]) -> Expected {
    let mut out = Expected::new();
    for post in posts {
        let hour = DateTime::from_timestamp(post.published.timestamp() / 3600 * 3600, 0).unwrap();
        for category in CATEGORY_NAMES {
            let mine: Vec<_> = TERMS
                .iter()
                .filter(|(t, c, _)| *c == category && post.terms.contains(t))
                .collect();
            if mine.is_empty() {
                continue;
            }
            let score: i64 = mine.iter().map(|(_, _, w)| w).sum();
            let threshold = if category == "onrust" { 3 } else { 2 };
            let e = out.entry((category.to_string(), hour)).or_default();
            e.0 += 1;
            e.1 += u64::from(score >= threshold);
            e.2 += mine.len() as u64;
            e.3 += score * 1_000_000;
        }
    }
    out
}

/// An RSS 2.0 feed of `posts`.
pub fn rss(title: &str, posts: &[Post]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>https://example.org/{title}</link>\
         <description>test feed</description>\n"
    );
    for p in posts {
        let _ = writeln!(
            out,
            "<item><guid>{}</guid><link>https://example.org/{}</link>\
             <pubDate>{}</pubDate><description>{}</description></item>",
            p.guid,
            p.guid.replace(':', "/"),
            p.published.to_rfc2822(),
            p.text
        );
    }
    out.push_str("</channel></rss>\n");
    out
}

/// `feeds` feeds of `per_feed` posts each, written to `dir` as `feed-<i>.xml`; returns
/// every post.
pub fn write_feeds(dir: &Path, feeds: usize, per_feed: usize, first: usize) -> Vec<Post> {
    std::fs::create_dir_all(dir).unwrap();
    let mut all = Vec::new();
    for f in 0..feeds {
        let posts: Vec<Post> = (0..per_feed)
            .map(|k| post(first + f * per_feed + k, epoch()))
            .collect();
        std::fs::write(
            dir.join(format!("feed-{f}.xml")),
            rss(&format!("feed-{f}"), &posts),
        )
        .unwrap();
        all.extend(posts);
    }
    all
}

/// The posts as raw items, as a collector would make them (for tests that produce directly).
pub fn items(posts: &[Post]) -> Vec<Item> {
    let source = SourceRef {
        id: SourceId::new("direct"),
        kind: SourceKind::Feed,
        tags: vec![],
    };
    posts
        .iter()
        .map(|p| {
            let mut item = Item::new(
                ItemId::derive(&source.id, &p.guid),
                source.clone(),
                p.text.clone(),
            );
            item.published_at = Some(p.published);
            item
        })
        .collect()
}

/// `[[sources]]` entries for `feeds` feeds on `server`.
pub fn sources_toml(server: SocketAddr, feeds: usize) -> String {
    let mut out = String::new();
    for f in 0..feeds {
        let _ = write!(
            out,
            "\n[[sources]]\nid = \"feed-{f}\"\nkind = \"feed\"\nurl = \"http://{server}/feed-{f}.xml\"\n"
        );
    }
    out
}

// ---------------------------------------------------------------- store checks

/// The whole fixture time line and then some.
pub fn fixture_range() -> TimeRange {
    TimeRange::new(epoch() - TimeDelta::days(1), epoch() + TimeDelta::days(400))
}

/// What the store says, in the shape of [`Expected`].
pub async fn stored_series(store: &dyn Store) -> Expected {
    let query = TrendQuery {
        bucket: BucketSize::Hour,
        range: fixture_range(),
        filter: Filter::default(),
    };
    let mut out = Expected::new();
    for category in CATEGORY_NAMES {
        let points: Vec<CategoryPoint> = store.category_trend(category, &query).await.unwrap();
        for p in points {
            out.insert(
                (category.to_string(), p.bucket_start),
                (p.items, p.flagged, p.hits, p.score_micros),
            );
        }
    }
    out
}

pub async fn stored_items(store: &dyn Store) -> u64 {
    store
        .totals(&TotalsQuery::default())
        .await
        .map(|t| t.items)
        .unwrap_or(0)
}

/// Assert that `store` holds exactly `posts`: the item count and every category's hourly
/// series.
pub async fn assert_exact(store: &dyn Store, posts: &[Post]) {
    assert_eq!(
        stored_items(store).await,
        posts.len() as u64,
        "items stored"
    );
    let want = expected(posts);
    let got = stored_series(store).await;
    assert!(!want.is_empty());
    if got != want {
        let mut diff = String::new();
        for (key, w) in &want {
            if got.get(key) != Some(w) {
                let _ = writeln!(diff, "{key:?}: want {w:?}, got {:?}", got.get(key));
            }
        }
        for key in got.keys().filter(|k| !want.contains_key(*k)) {
            let _ = writeln!(diff, "{key:?}: unexpected {:?}", got[key]);
        }
        panic!("trend series differ from the fixtures:\n{diff}");
    }
}

/// Poll until `check` holds, or panic with `what` after `timeout`.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// ---------------------------------------------------------------- the feed server

/// Serves the files of a directory on 127.0.0.1 (`.html` as web pages, `.txt` as text, the
/// rest as feeds), each response after `delay`, on its own thread and runtime (so a test
/// blocking its own runtime cannot stall it). Counts requests.
pub struct FeedServer {
    pub addr: SocketAddr,
    pub served: Arc<AtomicUsize>,
    delay_ms: Arc<AtomicU64>,
}

impl FeedServer {
    pub fn start(dir: &Path, delay: Duration) -> FeedServer {
        use axum::extract::{Path as UrlPath, State};
        let served = Arc::new(AtomicUsize::new(0));
        let delay_ms = Arc::new(AtomicU64::new(delay.as_millis() as u64));
        let state = (dir.to_path_buf(), served.clone(), delay_ms.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                    .await
                    .unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new()
                    .route(
                        "/{file}",
                        axum::routing::get(
                            |State((dir, served, delay)): State<(
                                PathBuf,
                                Arc<AtomicUsize>,
                                Arc<AtomicU64>,
                            )>,
                             UrlPath(file): UrlPath<String>| async move {
                                tokio::time::sleep(Duration::from_millis(
                                    delay.load(Ordering::Relaxed),
                                ))
                                .await;
                                let body = std::fs::read(dir.join(&file)).unwrap_or_default();
                                served.fetch_add(1, Ordering::SeqCst);
                                ([("content-type", content_type(&file))], body)
                            },
                        ),
                    )
                    .with_state(state);
                axum::serve(listener, app).await.unwrap();
            });
        });
        FeedServer {
            addr: rx.recv().unwrap(),
            served,
            delay_ms,
        }
    }

    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }

    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }
}

/// The Content-Type the feed server sends for a file: web pages and robots.txt as what they
/// are, everything else as a feed.
fn content_type(file: &str) -> &'static str {
    if file.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if file.ends_with(".txt") {
        "text/plain"
    } else {
        "application/rss+xml"
    }
}

// ---------------------------------------------------------------- processes

/// A child process with its output in files, killed (SIGKILL) when dropped.
pub struct Proc {
    pub name: String,
    child: Child,
    out: PathBuf,
    err: PathBuf,
}

static SPAWNED: AtomicU32 = AtomicU32::new(0);

impl Proc {
    /// Run the `websense` binary with `args` in `dir`.
    pub fn websense(name: &str, dir: &Path, args: &[&str]) -> Proc {
        Proc::spawn(
            name,
            dir,
            Command::new(env!("CARGO_BIN_EXE_websense")).args(args),
        )
    }

    pub fn spawn(name: &str, dir: &Path, command: &mut Command) -> Proc {
        let n = SPAWNED.fetch_add(1, Ordering::Relaxed);
        let out = dir.join(format!("{name}.{n}.out"));
        let err = dir.join(format!("{name}.{n}.err"));
        let child = command
            .current_dir(dir)
            // The pseudonym key's default place (the user's config directory), in the test's.
            .env("XDG_CONFIG_HOME", dir.join("config-home"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            name: name.to_string(),
            child,
            out,
            err,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {} failed", self.name);
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Wait for the process to exit; panic with its output after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                self.kill9();
                panic!(
                    "{} did not exit within {timeout:?}\n{}",
                    self.name,
                    self.output()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resident memory in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// Both outputs, for failure messages.
    pub fn output(&self) -> String {
        let err = std::fs::read_to_string(&self.err).unwrap_or_default();
        let tail: String = err
            .chars()
            .rev()
            .take(6000)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!(
            "--- {} stdout\n{}--- {} stderr (tail)\n{tail}",
            self.name,
            self.stdout(),
            self.name
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// GET a URL on 127.0.0.1 with a plain HTTP/1.0 request (no chunked replies to decode).
pub fn http_get(addr: SocketAddr, path: &str) -> Option<String> {
    use std::io::Write;
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    let (_, body) = reply.split_once("\r\n\r\n")?;
    Some(body.to_string())
}

/// The value of one series in a Prometheus text exposition.
pub fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}
