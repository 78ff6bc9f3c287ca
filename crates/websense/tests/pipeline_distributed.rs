//! The distributed path as separate processes, against a real Kafka-protocol broker and a
//! real ClickHouse: `websense collect` (fixture feeds -> Kafka), `websense score` (raw ->
//! scored) and `websense store` (scored -> ClickHouse), checked by trend-series queries whose
//! counts must equal those computed from the fixtures. Every test injects a fault mid-stream:
//! the scorer and the writer killed (SIGKILL) and restarted; ClickHouse stopped for 30 s; the
//! broker stopped and started again.

mod pipeline_common;

use pipeline_common::distributed::*;
use pipeline_common::*;
use std::net::SocketAddr;
use std::time::Duration;
use websense_bus::Bus;
use websense_testkit::services::{services, unique};

/// The fault-injection tests run one at a time. Each starts its own processes, and some start
/// their own broker or ClickHouse. Run side by side on a 2-core machine, the broker-restart
/// test lost 24 of 1,200 items in two of four loaded runs (tansu had exited cleanly 5 s
/// after SIGTERM). Run alone, it has not lost any. That loss is open: see the notes of
/// issue 14.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn scrape(addr: SocketAddr) -> String {
    http_get(addr, "/metrics").unwrap_or_default()
}

async fn stop_cleanly(process: &mut Proc) {
    process.signal("TERM");
    let status = process.wait_exit(Duration::from_secs(60)).await;
    assert!(
        status.success(),
        "{} did not stop cleanly on SIGTERM\n{}",
        process.name,
        process.output()
    );
    assert!(
        process.output().contains("stopped cleanly"),
        "{}",
        process.output()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scorer_and_writer_killed_mid_stream_lose_nothing_and_count_nothing_twice() {
    let Some((brokers, clickhouse_url)) = services() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let name = unique("kills");
    let (feeds, per_feed) = (30, 50);
    let posts = write_feeds(&dir.join("feeds"), feeds, per_feed, 0);
    write_lexicons(&dir.join("lexicons"), "");
    // One feed a second: the stream into Kafka lasts about thirty seconds, long enough for
    // both kills and restarts to land inside it even on a loaded machine.
    let server = FeedServer::start(&dir.join("feeds"), Duration::from_millis(50));
    let (score_metrics, store_metrics) = write_distributed_configs(
        dir,
        &distributed_toml(&brokers, &clickhouse_url, &name),
        &sources_toml(server.addr, feeds),
        1.0,
    );
    let query = clickhouse(&clickhouse_url, &name).await;

    let mut score = Proc::websense("score", dir, &["score", "--config", "score.toml"]);
    let mut store = Proc::websense("store", dir, &["store", "--config", "store.toml"]);
    let mut collect = Proc::websense(
        "collect",
        dir,
        &["collect", "--config", "collect.toml", "--once"],
    );

    wait_until(
        Duration::from_secs(90),
        "the first items in ClickHouse",
        || async { stored_items(&query).await > 0 },
    )
    .await;
    score.kill9();
    let at_score_kill = stored_items(&query).await;
    score = Proc::websense("score", dir, &["score", "--config", "score.toml"]);

    wait_until(
        Duration::from_secs(90),
        "items stored after the scorer's restart",
        || async { stored_items(&query).await > at_score_kill },
    )
    .await;
    store.kill9();
    let at_store_kill = stored_items(&query).await;
    store = Proc::websense("store", dir, &["store", "--config", "store.toml"]);
    eprintln!(
        "scorer killed at {at_score_kill}, writer killed at {at_store_kill} of {} stored",
        posts.len()
    );
    assert!(
        at_store_kill < posts.len() as u64,
        "the writer was killed after everything was stored: not mid-stream"
    );

    let status = collect.wait_exit(Duration::from_secs(120)).await;
    assert!(status.success(), "collect failed\n{}", collect.output());
    assert!(
        collect
            .output()
            .contains(&format!("{} items onto Kafka", posts.len())),
        "{}",
        collect.output()
    );
    wait_until(
        Duration::from_secs(120),
        "every post in ClickHouse",
        || async { stored_items(&query).await >= posts.len() as u64 },
    )
    .await;
    assert_exact(&query, &posts).await;

    // The lag readers see both groups caught up; the counters add up.
    wait_until(
        Duration::from_secs(60),
        "consumer lag 0 on both stages",
        || async {
            metric(
                &scrape(score_metrics),
                "websense_consumer_lag{stage=\"score\"}",
            ) == Some(0.0)
                && metric(
                    &scrape(store_metrics),
                    "websense_consumer_lag{stage=\"store\"}",
                ) == Some(0.0)
        },
    )
    .await;
    let text = scrape(store_metrics);
    assert!(
        metric(&text, "websense_batch_items_count{stage=\"store\"}").unwrap() >= 1.0,
        "{text}"
    );

    stop_cleanly(&mut score).await;
    stop_cleanly(&mut store).await;
    // Nothing came late and counted twice.
    assert_exact(&query, &posts).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_down_for_30s_loses_nothing_and_the_writer_stays_bounded() {
    let Some((brokers, _)) = services() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let t0 = std::time::Instant::now();
    let mut clickhouse_server = OwnClickhouse::start(dir);
    eprintln!("{:?} own ClickHouse up", t0.elapsed());
    let name = unique("chdown");
    write_lexicons(&dir.join("lexicons"), "");
    // Larger batches than the other tests: the outage's items must go through quickly after.
    let common = distributed_toml(&brokers, &clickhouse_server.url(), &name)
        .replace("batch_size = 100", "batch_size = 500");
    let (_, store_metrics) = write_distributed_configs(dir, &common, "", 1.0);
    let query = clickhouse(&clickhouse_server.url(), &name).await;
    let mut score = Proc::websense("score", dir, &["score", "--config", "score.toml"]);
    let mut store = Proc::websense("store", dir, &["store", "--config", "store.toml"]);

    // The test produces raw items itself: many, fast, while ClickHouse is down.
    let bus = websense_bus::KafkaBus::connect(&kafka_config(&brokers, &name))
        .await
        .unwrap();
    let sink = bus.raw_sink();
    let before: Vec<Post> = (0..2_000).map(|n| post(n, epoch())).collect();
    let during: Vec<Post> = (2_000..22_000).map(|n| post(n, epoch())).collect();
    sink.send(items(&before)).await.unwrap();
    wait_until(
        Duration::from_secs(90),
        "the first items in ClickHouse",
        || async { stored_items(&query).await > 0 },
    )
    .await;
    eprintln!("{:?} first items stored", t0.elapsed());

    clickhouse_server.stop().await;
    eprintln!("{:?} ClickHouse stopped", t0.elapsed());
    let rss_at_stop = store.rss_kib().unwrap();
    let stopped = std::time::Instant::now();
    for chunk in during.chunks(5_000) {
        sink.send(items(chunk)).await.unwrap();
    }
    // Down for 30 s, and until the outage's items wait in Kafka (a loaded machine scores
    // them more slowly), at most two minutes.
    let mut max_rss = rss_at_stop;
    let waiting = || {
        metric(
            &scrape(store_metrics),
            "websense_consumer_lag{stage=\"store\"}",
        )
        .unwrap_or(-1.0)
    };
    while stopped.elapsed() < Duration::from_secs(30)
        || (waiting() < 15_000.0 && stopped.elapsed() < Duration::from_secs(120))
    {
        assert!(
            store.running(),
            "the writer died while ClickHouse was down\n{}",
            store.output()
        );
        max_rss = max_rss.max(store.rss_kib().unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let text = scrape(store_metrics);
    let errors = metric(&text, "websense_errors_total{stage=\"store\"}").unwrap_or(0.0);
    assert!(
        errors >= 1.0,
        "the writer saw no failed write while ClickHouse was down\n{text}"
    );
    // The outage's items were there to be read, and the writer left them in Kafka.
    let lag = metric(&text, "websense_consumer_lag{stage=\"store\"}").unwrap_or(-1.0);
    assert!(
        lag >= 15_000.0,
        "the outage's items should wait in Kafka: store lag {lag}\n{text}"
    );
    clickhouse_server.restart();
    eprintln!("{:?} ClickHouse up again", t0.elapsed());

    let mut all = before;
    all.extend(during);
    wait_until(
        Duration::from_secs(240),
        "every post in ClickHouse after its restart",
        || async { stored_items(&query).await >= all.len() as u64 },
    )
    .await;
    eprintln!("{:?} everything stored", t0.elapsed());
    assert_exact(&query, &all).await;
    // The outage's 20,000 items decoded would take over 20 MB; the writer holds at most
    // max_unacked_batches (4) batches of 500 and librdkafka's 4 MB queue.
    let growth_mib = (max_rss.saturating_sub(rss_at_stop)) as f64 / 1024.0;
    eprintln!(
        "writer RSS {:.1} MiB at the stop, at most {:.1} MiB during the outage (+{growth_mib:.1} MiB); \
         {errors} failed writes; {lag} items waiting in Kafka",
        rss_at_stop as f64 / 1024.0,
        max_rss as f64 / 1024.0
    );
    assert!(
        growth_mib < 12.0,
        "the writer grew by {growth_mib:.1} MiB while ClickHouse was down"
    );

    stop_cleanly(&mut score).await;
    stop_cleanly(&mut store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_restart_mid_stream_is_survived_without_loss_or_double_counts() {
    let Some((_, clickhouse_url)) = services() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut broker = OwnBroker::start(dir);
    let name = unique("brokerdown");
    let (feeds, per_feed) = (30, 40);
    let posts = write_feeds(&dir.join("feeds"), feeds, per_feed, 0);
    write_lexicons(&dir.join("lexicons"), "");
    let server = FeedServer::start(&dir.join("feeds"), Duration::from_millis(50));
    write_distributed_configs(
        dir,
        &distributed_toml(&broker.brokers(), &clickhouse_url, &name),
        &sources_toml(server.addr, feeds),
        2.0,
    );
    let query = clickhouse(&clickhouse_url, &name).await;
    let mut score = Proc::websense("score", dir, &["score", "--config", "score.toml"]);
    let mut store = Proc::websense("store", dir, &["store", "--config", "store.toml"]);
    let mut collect = Proc::websense(
        "collect",
        dir,
        &["collect", "--config", "collect.toml", "--once"],
    );

    wait_until(
        Duration::from_secs(90),
        "the first items in ClickHouse",
        || async { stored_items(&query).await > 0 },
    )
    .await;
    // An operator's restart: SIGTERM, down for three seconds, started again. (A SIGKILL of
    // tansu can lose messages it had acknowledged, before they reached its S3 storage; that
    // is the broker's durability, which a replicated Kafka cluster provides.)
    broker.stop().await;
    let at_restart = stored_items(&query).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    broker.restart();
    eprintln!(
        "broker restarted with {at_restart} of {} stored",
        posts.len()
    );
    assert!(
        at_restart < posts.len() as u64,
        "the broker went down after everything was stored"
    );

    let status = collect.wait_exit(Duration::from_secs(180)).await;
    assert!(status.success(), "collect failed\n{}", collect.output());
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while stored_items(&query).await < posts.len() as u64 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {} stored after the broker's restart\n{}\n{}",
            stored_items(&query).await,
            posts.len(),
            score.output(),
            store.output()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_exact(&query, &posts).await;
    stop_cleanly(&mut score).await;
    stop_cleanly(&mut store).await;
    assert_exact(&query, &posts).await;
}
