//! A broker restart: the producer and the consumer reconnect by themselves.
//!
//! Runs its own broker on free ports, so that killing it disturbs no other test: tansu
//! (`WEBSENSE_TANSU`) storing in S3, served by moto's S3 server (`WEBSENSE_MOTO_SERVER`, from
//! PyPI's `moto[server]`), which outlives the broker's restart. Durable storage matters: a
//! broker that forgets its state (tansu's `memory://`) comes back with new topic ids and
//! without the producer ids it handed out, unlike any real deployment; librdkafka 2.12 then
//! crashes on a Fetch reply and an idempotent producer retries for ever.

mod common;

use common::items;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::time::timeout;
use websense_bus::{Bus, KafkaBus};
use websense_testkit::services::{
    create_s3_bucket, free_port, service, tansu_command, wait_for_port,
};

/// A child process, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The binaries this test runs; `None` (skip) only with `WEBSENSE_SKIP_SERVICES=1`: tansu
/// and moto's S3 server (`pip install 'moto[server]'`).
fn binaries() -> Option<(String, String)> {
    Some((service("WEBSENSE_TANSU")?, service("WEBSENSE_MOTO_SERVER")?))
}

/// An S3 server with one bucket.
fn start_s3(moto: &str) -> (Process, u16) {
    let port = free_port();
    let process = Command::new(moto)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Process(process);
    wait_for_port(port, "moto_server", Duration::from_secs(30));
    create_s3_bucket(port, "broker");
    (process, port)
}

fn start_broker(tansu: &str, port: u16, s3_port: u16) -> Process {
    let process = tansu_command(tansu, port, s3_port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_port(port, "tansu", Duration::from_secs(30));
    Process(process)
}

#[tokio::test]
async fn producer_and_consumer_reconnect_after_a_broker_restart() {
    let Some((tansu, moto)) = binaries() else {
        return;
    };
    let (_s3, s3_port) = start_s3(&moto);
    let port = free_port();
    let broker = start_broker(&tansu, port, s3_port);

    // The production defaults: idempotent producer, acks=all.
    let config = common::kafka_config(&format!("127.0.0.1:{port}"), "restart");
    let bus = KafkaBus::connect(&config).await.unwrap();
    let sink = bus.raw_sink();
    let mut consumer = bus.raw_consumer().unwrap();
    sink.send(items(0..10)).await.unwrap();
    let mut before = 0;
    while before < 10 {
        let batch = timeout(Duration::from_secs(30), consumer.next_batch())
            .await
            .unwrap()
            .unwrap();
        before += batch.records.len();
        batch.ack.ack().unwrap();
    }

    drop(broker); // killed
                  // A collector sends while the broker is down: the send waits instead of failing.
    let sending = tokio::spawn(async move { sink.send(items(10..20)).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !sending.is_finished(),
        "a send resolved while the broker was down"
    );
    let _broker = start_broker(&tansu, port, s3_port);

    timeout(Duration::from_secs(60), sending)
        .await
        .expect("the producer did not reconnect")
        .unwrap()
        .expect("the send failed instead of waiting for the broker");
    // Offsets acknowledged shortly before the kill may not have been committed yet: those
    // items may come again (at-least-once); the new ones must come.
    let new: BTreeSet<_> = items(10..20).into_iter().map(|i| i.id).collect();
    let all: BTreeSet<_> = items(0..20).into_iter().map(|i| i.id).collect();
    let mut got = BTreeSet::new();
    while !new.is_subset(&got) {
        let batch = timeout(Duration::from_secs(60), consumer.next_batch())
            .await
            .expect("the consumer did not reconnect")
            .unwrap();
        got.extend(batch.records.into_iter().map(|i| i.id));
        batch.ack.ack().unwrap();
    }
    assert!(got.is_subset(&all), "records that were never sent came");
    consumer.close().await.unwrap();
}
