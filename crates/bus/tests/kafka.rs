//! The Kafka bus against a real broker (`WEBSENSE_TEST_KAFKA`; see tests/common).

mod common;

use common::{item, items, kafka_config};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tokio::time::timeout;
use websense_bus::{Batch, Bus, BusConfig, BusConsumer, KafkaBus, KafkaConfig};
use websense_model::{Item, ItemId, ScoredItem};
use websense_testkit::services::{kafka_brokers, unique};

/// Long enough for a consumer group join on tansu (about 3 s) with room to spare.
const WAIT: Duration = Duration::from_secs(30);

async fn next<T>(consumer: &mut Box<dyn BusConsumer<T>>) -> Batch<T> {
    timeout(WAIT, consumer.next_batch())
        .await
        .expect("no batch in time")
        .expect("consumer error")
}

/// Read and acknowledge until `want` records came, then go on until the topic has been quiet
/// for `quiet`, so that unexpected extra records are seen too.
async fn read_all(
    consumer: &mut Box<dyn BusConsumer<Item>>,
    want: usize,
    quiet: Duration,
) -> Vec<Item> {
    let mut got = Vec::new();
    while got.len() < want {
        let batch = next(consumer).await;
        got.extend(batch.records);
        batch.ack.ack().unwrap();
    }
    while let Ok(batch) = timeout(quiet, consumer.next_batch()).await {
        let batch = batch.unwrap();
        got.extend(batch.records);
        batch.ack.ack().unwrap();
    }
    got
}

fn ids(items: &[Item]) -> BTreeSet<ItemId> {
    items.iter().map(|i| i.id.clone()).collect()
}

/// Every message of `topic` as (key, value, headers), read without a group.
fn read_topic(brokers: &str, topic: &str, partitions: i32) -> Vec<(Message_, i32, i64)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", unique("reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&list).unwrap();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let m = message.unwrap();
            let headers = m
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| {
                            let value = String::from_utf8_lossy(h.value.unwrap_or_default());
                            (h.key.to_string(), value.into_owned())
                        })
                        .collect()
                })
                .unwrap_or_default();
            let message = Message_ {
                key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                value: m.payload().map(<[u8]>::to_vec),
                headers,
            };
            out.push((message, m.partition(), m.offset()));
        }
    }
    out
}

#[derive(Debug)]
struct Message_ {
    key: Option<String>,
    value: Option<Vec<u8>>,
    headers: HashMap<String, String>,
}

#[tokio::test]
async fn round_trip_keeps_items_and_keys_them_by_id() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = kafka_config(&brokers, "round-trip");
    let bus = websense_bus::open(&BusConfig::Kafka(config.clone()))
        .await
        .unwrap();
    let mut raw = bus.raw_consumer().unwrap();
    let mut scored_consumer = bus.scored_consumer().unwrap();

    let sent = items(0..25);
    bus.raw_sink().send(sent.clone()).await.unwrap();
    let scored: Vec<ScoredItem> = items(100..103)
        .into_iter()
        .map(|item| ScoredItem {
            item,
            lexicon_version: "v1".into(),
            matches: vec![],
            scores: vec![],
            places: Vec::new(),
            municipalities: Vec::new(),
            announcements: Vec::new(),
        })
        .collect();
    bus.scored_sink().send_scored(scored.clone()).await.unwrap();

    let mut got = read_all(&mut raw, 25, Duration::from_millis(500)).await;
    got.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected = sent.clone();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, expected);

    let batch = next(&mut scored_consumer).await;
    assert_eq!(
        batch.records, scored,
        "3 messages fit one batch; one key keeps one partition"
    );
    batch.ack.ack().unwrap();

    // On the wire: keyed by item id, the value is the item's JSON; one id, one partition.
    let messages = read_topic(&brokers, &config.raw_topic, config.partitions);
    assert_eq!(messages.len(), 25);
    for (message, _, _) in &messages {
        let item: Item = serde_json::from_slice(message.value.as_ref().unwrap()).unwrap();
        assert_eq!(message.key.as_deref(), Some(item.id.as_str()));
    }
    bus.raw_sink().send(vec![item(3)]).await.unwrap();
    let again = read_topic(&brokers, &config.raw_topic, config.partitions);
    let partitions_of_3: BTreeSet<i32> = again
        .iter()
        .filter(|(m, _, _)| m.key.as_deref() == Some(item(3).id.as_str()))
        .map(|(_, p, _)| *p)
        .collect();
    assert_eq!(
        partitions_of_3.len(),
        1,
        "the same id went to several partitions"
    );
    raw.close().await.unwrap();
    scored_consumer.close().await.unwrap();
}

#[tokio::test]
async fn unacknowledged_messages_come_again_and_acknowledged_ones_do_not() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = kafka_config(&brokers, "at-least-once");
    let bus = KafkaBus::connect(&config).await.unwrap();
    let sent = items(0..30);
    bus.raw_sink().send(sent.clone()).await.unwrap();

    // A consumer takes a batch and stops before its downstream write succeeds.
    let mut first = bus.raw_consumer().unwrap();
    let unacked = next(&mut first).await;
    assert!(!unacked.records.is_empty());
    first.close().await.unwrap();
    drop(unacked);

    // The group reads everything again, the unacknowledged batch included.
    let mut second = bus.raw_consumer().unwrap();
    let got = read_all(&mut second, 30, Duration::from_millis(500)).await;
    assert_eq!(ids(&got), ids(&sent));
    second.close().await.unwrap();

    // Everything was acknowledged: a restarted consumer gets only what is new.
    bus.raw_sink().send(items(30..35)).await.unwrap();
    let mut third = bus.raw_consumer().unwrap();
    let got = read_all(&mut third, 5, Duration::from_millis(1500)).await;
    assert_eq!(
        ids(&got),
        ids(&items(30..35)),
        "acknowledged messages came again"
    );
    third.close().await.unwrap();
}

#[tokio::test]
async fn acknowledging_out_of_order_never_skips_a_message() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = KafkaConfig {
        partitions: 1,
        batch_size: 5,
        ..kafka_config(&brokers, "order")
    };
    let bus = KafkaBus::connect(&config).await.unwrap();
    bus.raw_sink().send(items(0..10)).await.unwrap();

    let mut consumer = bus.raw_consumer().unwrap();
    let earlier = next(&mut consumer).await;
    let later = next(&mut consumer).await;
    assert_eq!(earlier.records.len() + later.records.len(), 10);
    later.ack.ack().unwrap(); // the earlier batch's write has not succeeded (yet)
    consumer.close().await.unwrap();
    drop(earlier);

    let mut again = bus.raw_consumer().unwrap();
    let got = read_all(&mut again, 10, Duration::from_millis(500)).await;
    assert_eq!(
        got,
        items(0..10),
        "the unacknowledged earlier batch was skipped"
    );
    again.close().await.unwrap();
}

#[tokio::test]
async fn a_batch_dropped_without_ack_stops_the_consumer() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = KafkaConfig {
        partitions: 1,
        batch_size: 5,
        ..kafka_config(&brokers, "drop")
    };
    let bus = KafkaBus::connect(&config).await.unwrap();
    bus.raw_sink().send(items(0..10)).await.unwrap();
    let mut consumer = bus.raw_consumer().unwrap();
    drop(next(&mut consumer).await);
    let err = consumer
        .next_batch()
        .await
        .expect_err("the consumer went on past a lost batch");
    assert!(matches!(err, websense_bus::BusError::Abandoned), "{err}");
}

#[tokio::test]
async fn undecodable_messages_go_to_the_dead_letter_topic_without_blocking() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = KafkaConfig {
        partitions: 1,
        ..kafka_config(&brokers, "dead-letter")
    };
    let bus = KafkaBus::connect(&config).await.unwrap();
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .create()
        .unwrap();
    let good = items(0..3);
    let json = |i: usize| serde_json::to_vec(&good[i]).unwrap();
    let values: Vec<(&str, Vec<u8>)> = vec![
        ("a", json(0)),
        ("b", b"this is not json".to_vec()),
        ("c", json(1)),
        ("d", br#"{"id":"no-text"}"#.to_vec()),
        ("e", json(2)),
    ];
    for (key, value) in &values {
        let record = FutureRecord::to(&config.raw_topic).key(*key).payload(value);
        producer.send(record, Duration::from_secs(5)).await.unwrap();
    }

    let mut consumer = bus.raw_consumer().unwrap();
    let got = read_all(&mut consumer, 3, Duration::from_millis(500)).await;
    assert_eq!(
        got, good,
        "the good messages after the bad ones must come through, in order"
    );
    consumer.close().await.unwrap();

    let dead = read_topic(&brokers, &config.dead_letter_topic, config.partitions);
    assert_eq!(dead.len(), 2, "{dead:?}");
    for ((message, _, _), (key, offset, error_part)) in dead
        .iter()
        .zip([("b", "1", "expected"), ("d", "3", "missing field `text`")])
    {
        assert_eq!(message.key.as_deref(), Some(key));
        let original = &values.iter().find(|(k, _)| *k == key).unwrap().1;
        assert_eq!(message.value.as_ref(), Some(original));
        assert_eq!(message.headers["websense.topic"], config.raw_topic);
        assert_eq!(message.headers["websense.partition"], "0");
        assert_eq!(message.headers["websense.offset"], offset);
        let error = &message.headers["websense.error"];
        assert!(error.contains(error_part), "{error}");
    }

    // The dead letters count as done: a restarted consumer starts after them.
    bus.raw_sink().send(items(3..4)).await.unwrap();
    let mut again = bus.raw_consumer().unwrap();
    let got = read_all(&mut again, 1, Duration::from_millis(1500)).await;
    assert_eq!(got, items(3..4));
    again.close().await.unwrap();
}

#[tokio::test]
async fn a_slow_downstream_pauses_the_consumer_without_losing_its_place() {
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let config = KafkaConfig {
        batch_size: 5,
        max_unacked_batches: 2,
        ..kafka_config(&brokers, "slow")
    };
    let bus = KafkaBus::connect(&config).await.unwrap();
    let sent = items(0..40);
    bus.raw_sink().send(sent.clone()).await.unwrap();

    let mut consumer = bus.raw_consumer().unwrap();
    let a = next(&mut consumer).await;
    let b = next(&mut consumer).await;
    assert!(
        timeout(Duration::from_secs(1), consumer.next_batch())
            .await
            .is_err(),
        "a third batch was handed out while two were unacknowledged"
    );
    // Slower than max.poll.interval.ms (6 s in tests): a consumer that stopped polling would
    // be evicted from its group, its acknowledgements ignored and its batches read again.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let mut got = a.records.clone();
    got.extend(b.records.clone());
    a.ack.ack().unwrap();
    b.ack.ack().unwrap();
    got.extend(read_all(&mut consumer, 40 - got.len(), Duration::from_millis(1000)).await);
    assert_eq!(got.len(), 40, "records were read twice or lost");
    assert_eq!(ids(&got), ids(&sent));
    consumer.close().await.unwrap();
}

/// Not a test on its own: the consumer process that
/// `a_killed_consumer_s_unacknowledged_batch_comes_again` starts and kills.
#[tokio::test]
#[ignore = "helper process of a_killed_consumer_s_unacknowledged_batch_comes_again"]
async fn killed_consumer_process() {
    let config: KafkaConfig =
        serde_json::from_str(&std::env::var("WEBSENSE_BUS_TEST_CONFIG").unwrap()).unwrap();
    let bus = KafkaBus::connect(&config).await.unwrap();
    let mut consumer = bus.raw_consumer().unwrap();
    let first = next(&mut consumer).await;
    let first_ids: Vec<String> = first.records.iter().map(|i| i.id.to_string()).collect();
    first.ack.ack().unwrap();
    // Longer than auto.commit.interval.ms: the acknowledged offsets are committed.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    println!("ACKED {}", first_ids.join(","));
    let held = next(&mut consumer).await;
    let held_ids: Vec<String> = held.records.iter().map(|i| i.id.to_string()).collect();
    println!("HOLDING {}", held_ids.join(","));
    tokio::time::sleep(Duration::from_secs(120)).await;
}

#[tokio::test]
async fn a_killed_consumer_s_unacknowledged_batch_comes_again() {
    use tokio::io::AsyncBufReadExt;
    let Some(brokers) = kafka_brokers() else {
        return;
    };
    let mut config = KafkaConfig {
        batch_size: 5,
        ..kafka_config(&brokers, "killed")
    };
    config
        .consumer_settings
        .insert("auto.commit.interval.ms".into(), "200".into());
    let bus = KafkaBus::connect(&config).await.unwrap();
    let sent = items(0..40);
    bus.raw_sink().send(sent.clone()).await.unwrap();

    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "killed_consumer_process",
            "--nocapture",
        ])
        .env(
            "WEBSENSE_BUS_TEST_CONFIG",
            serde_json::to_string(&config).unwrap(),
        )
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acked = BTreeSet::new();
    let mut held = BTreeSet::new();
    while held.is_empty() {
        let line = timeout(WAIT, lines.next_line()).await.unwrap().unwrap();
        let line = line.expect("the consumer process ended early");
        let ids = |rest: &str| rest.split(',').map(|id| ItemId(id.to_string())).collect();
        if let Some(rest) = line.strip_prefix("ACKED ") {
            acked = ids(rest);
        } else if let Some(rest) = line.strip_prefix("HOLDING ") {
            held = ids(rest);
        }
    }
    child.kill().await.unwrap(); // SIGKILL, mid-batch: no close, no commit

    let mut restarted = bus.raw_consumer().unwrap();
    let got = read_all(
        &mut restarted,
        40 - acked.len(),
        Duration::from_millis(1500),
    )
    .await;
    let got = ids(&got);
    assert!(
        held.is_subset(&got),
        "the batch held by the killed consumer was lost"
    );
    assert!(
        acked.is_disjoint(&got),
        "acknowledged and committed messages came again"
    );
    assert_eq!(
        got.union(&acked).cloned().collect::<BTreeSet<_>>(),
        ids(&sent)
    );
    restarted.close().await.unwrap();
}
