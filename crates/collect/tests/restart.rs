//! Kill a continuous collect part way, restart it, repeat: every fixture item comes out,
//! none twice. Two ways of dying: the task is dropped mid-flight, and the process is killed
//! with SIGKILL (the test binary runs itself as the collector process).

mod common;

use common::*;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use websense_collect::{Collector, Config, FileCursorStore, JsonlSink};
use websense_model::{ItemId, SourceId};

const ROLLING: usize = 40;
const WINDOW: usize = 15;

/// A feed that grows while it is being read: request n shows the newest items of the first
/// 3 + 2n, at most 15 of them, as a real feed drops old entries.
fn serve_rolling(server: &TestServer) {
    server.route("/rolling.xml", |_, n| {
        let newest = (3 + 2 * n).min(ROLLING);
        let mut xml = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Rollend</title>");
        for k in (newest.saturating_sub(WINDOW)..newest).rev() {
            xml += &format!(
                "<item><title>Bericht {k}</title><guid>roll-{k}</guid><description>Rollend bericht nummer {k}.</description></item>"
            );
        }
        xml += "</channel></rss>";
        Reply::ok(xml, "application/rss+xml")
    });
}

fn setup(server: &TestServer, state: &Path) -> (String, HashMap<String, usize>) {
    serve_all_kinds(server);
    serve_rolling(server);
    let (mut sources, counts) = all_kinds_sources(server, "interval = \"50ms\"");
    sources += &source(
        "rolling",
        "feed",
        &format!(
            "url = \"{}\"\ninterval = \"50ms\"",
            server.url("/rolling.xml")
        ),
    );
    let mut expected: HashMap<String, usize> = counts
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    expected.insert("rolling".into(), ROLLING);
    (config_text(state, "", &sources), expected)
}

/// Every expected item is there, and none twice.
fn complete(out: &Path, expected: &HashMap<String, usize>) -> bool {
    let items = read_items(out);
    let ids: HashSet<&ItemId> = items.iter().map(|i| &i.id).collect();
    assert_eq!(ids.len(), items.len(), "an item came out twice");
    expected
        .iter()
        .all(|(source, n)| items_of(&items, source).len() == *n)
}

fn check_final(out: &Path, expected: &HashMap<String, usize>) {
    let items = read_items(out);
    assert!(complete(out, expected), "incomplete: {:?}", {
        let mut c: Vec<(String, usize)> = expected
            .keys()
            .map(|k| (k.clone(), items_of(&items, k).len()))
            .collect();
        c.sort();
        c
    });
    let rolling: HashSet<ItemId> = items_of(&items, "rolling")
        .iter()
        .map(|i| i.id.clone())
        .collect();
    for k in 0..ROLLING {
        assert!(
            rolling.contains(&ItemId::derive(
                &SourceId::new("rolling"),
                &format!("roll-{k}")
            )),
            "roll-{k} missing"
        );
    }
    assert_eq!(items.len(), expected.values().sum::<usize>());
}

fn start(
    config: &str,
    out: &Path,
) -> (
    Arc<Collector>,
    watch::Sender<bool>,
    tokio::task::JoinHandle<websense_collect::Summary>,
) {
    let config = Config::from_toml(config).unwrap();
    let sink = Arc::new(JsonlSink::append_to(out).unwrap());
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
    let collector = Collector::new(&config, sink, cursors).unwrap();
    let (stop_tx, stop_rx) = watch::channel(false);
    let c = collector.clone();
    let handle = tokio::spawn(async move { c.run(stop_rx).await });
    (collector, stop_tx, handle)
}

/// Run until complete (or a deadline), then stop gracefully.
async fn finish(config: &str, out: &Path, expected: &HashMap<String, usize>) {
    let (_collector, stop, handle) = start(config, out);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !complete(out, expected) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("graceful stop")
        .unwrap();
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_task_restarts_without_loss_or_repeats() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (config, expected) = setup(&server, &dir.path().join("state"));
    let out = dir.path().join("items.jsonl");
    let mut rng = rand::rng();
    for _ in 0..8 {
        let (collector, _stop, handle) = start(&config, &out);
        let alive = Arc::downgrade(&collector);
        drop(collector);
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..250))).await;
        // Dropping the run drops every source task with it, wherever it was.
        handle.abort();
        let _ = handle.await;
        // An aborted task stops at its next await; wait until the last one has (a dead
        // process has no tasks left either), so two collectors never write at once.
        while alive.strong_count() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    assert!(
        !read_items(&out).is_empty(),
        "the dropped runs got work done"
    );
    finish(&config, &out, &expected).await;
    check_final(&out, &expected);
}

/// The collector process of `killed_process_restarts_without_loss_or_repeats`.
#[test]
#[ignore = "run by killed_process_restarts_without_loss_or_repeats as a child process"]
fn child_collector() {
    let (Ok(config), Ok(out)) = (
        std::env::var("WEBSENSE_TEST_CHILD_CONFIG"),
        std::env::var("WEBSENSE_TEST_CHILD_OUT"),
    ) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (_collector, _stop, handle) =
            start(&std::fs::read_to_string(config).unwrap(), Path::new(&out));
        let _ = handle.await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_process_restarts_without_loss_or_repeats() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (config, expected) = setup(&server, &dir.path().join("state"));
    let config_file = dir.path().join("collect.toml");
    std::fs::write(&config_file, &config).unwrap();
    let out = dir.path().join("items.jsonl");
    let mut kills = 0;
    for round in 0..6 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_collector",
                "--test-threads",
                "1",
            ])
            .env("WEBSENSE_TEST_CHILD_CONFIG", &config_file)
            .env("WEBSENSE_TEST_CHILD_OUT", &out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let wait = 150 + 120 * round;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no clean-up, no flush
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert_eq!(kills, 6, "the child ran until killed");
    assert!(
        !read_items(&out).is_empty(),
        "the children got work done before dying"
    );
    finish(&config, &out, &expected).await;
    check_final(&out, &expected);
}
