//! The embedded bus: a sender's `send` resolves only after its items are acknowledged
//! downstream, and the queue never holds more than its capacity.

mod common;

use common::items;
use std::time::Duration;
use tokio::time::timeout;
use websense_bus::{Bus, BusConfig, BusError, EmbeddedBus, EmbeddedConfig};
use websense_model::{Hit, ScoredItem, TermKind};

const SHORT: Duration = Duration::from_millis(300);

fn bus(capacity: usize, batch_size: usize) -> EmbeddedBus {
    EmbeddedBus::new(&EmbeddedConfig {
        capacity,
        batch_size,
    })
}

#[tokio::test]
async fn send_resolves_only_after_the_batch_is_acknowledged() {
    let bus = bus(100, 100);
    let sink = bus.raw_sink();
    let mut consumer = bus.raw_consumer().unwrap();
    let sent = items(0..5);
    let expected = sent.clone();
    // A collector: sends, and only then saves its cursor.
    let collector = tokio::spawn(async move { sink.send(sent).await });

    let batch = consumer.next_batch().await.unwrap();
    assert_eq!(batch.records, expected);
    tokio::time::sleep(SHORT).await;
    assert!(
        !collector.is_finished(),
        "send resolved before the items were stored downstream"
    );

    batch.ack.ack().unwrap();
    let result = timeout(SHORT, collector)
        .await
        .expect("send did not resolve after ack");
    result.unwrap().unwrap();
}

#[tokio::test]
async fn a_batch_dropped_without_ack_fails_the_send() {
    let bus = bus(100, 100);
    let sink = bus.raw_sink();
    let mut consumer = bus.raw_consumer().unwrap();
    let collector = tokio::spawn(async move { sink.send(items(0..3)).await });
    let batch = consumer.next_batch().await.unwrap();
    drop(batch); // the downstream write failed
    let err = timeout(SHORT, collector)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(err.message.contains("dropped downstream"), "{err}");
    // The bus goes on: the collector sends again and this time it is stored.
    let sink = bus.raw_sink();
    let again = tokio::spawn(async move { sink.send(items(0..3)).await });
    let batch = consumer.next_batch().await.unwrap();
    assert_eq!(batch.records, items(0..3));
    batch.ack.ack().unwrap();
    again.await.unwrap().unwrap();
}

#[tokio::test]
async fn capacity_counts_queued_and_unacknowledged_items() {
    let bus = bus(10, 100);
    let mut consumer = bus.raw_consumer().unwrap();
    let first_sink = bus.raw_sink();
    let first = tokio::spawn(async move { first_sink.send(items(0..10)).await });
    let held = consumer.next_batch().await.unwrap();
    assert_eq!(held.records.len(), 10);

    // The queue is full with an unacknowledged batch: a second sender waits for room.
    let second_sink = bus.raw_sink();
    let second = tokio::spawn(async move { second_sink.send(items(10..11)).await });
    assert!(
        timeout(SHORT, consumer.next_batch()).await.is_err(),
        "an item was queued beyond the capacity"
    );
    assert!(!second.is_finished());

    held.ack.ack().unwrap();
    first.await.unwrap().unwrap();
    let batch = timeout(SHORT, consumer.next_batch())
        .await
        .expect("room was not freed")
        .unwrap();
    assert_eq!(batch.records, items(10..11));
    batch.ack.ack().unwrap();
    second.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_send_larger_than_the_capacity_goes_through_in_parts() {
    let bus = bus(4, 100);
    let sink = bus.raw_sink();
    let mut consumer = bus.raw_consumer().unwrap();
    let collector = tokio::spawn(async move { sink.send(items(0..10)).await });
    let mut got = Vec::new();
    while got.len() < 10 {
        let batch = consumer.next_batch().await.unwrap();
        assert!(
            batch.records.len() <= 4,
            "a batch of {} exceeds the capacity",
            batch.records.len()
        );
        assert!(!collector.is_finished());
        got.extend(batch.records);
        batch.ack.ack().unwrap();
    }
    assert_eq!(got, items(0..10));
    collector.await.unwrap().unwrap();
}

#[tokio::test]
async fn batches_combine_small_sends_up_to_the_batch_size() {
    let bus = bus(100, 5);
    let mut consumer = bus.raw_consumer().unwrap();
    let mut senders = Vec::new();
    for n in 0..4 {
        let sink = bus.raw_sink();
        senders.push(tokio::spawn(async move {
            sink.send(items(n * 2..n * 2 + 2)).await
        }));
        tokio::time::sleep(Duration::from_millis(20)).await; // keep the order of sends
    }
    let first = consumer.next_batch().await.unwrap();
    assert_eq!(
        first.records,
        items(0..4),
        "two sends of 2 fit a batch of 5, a third does not"
    );
    let second = consumer.next_batch().await.unwrap();
    assert_eq!(second.records, items(4..8));
    // Only the senders whose items were acknowledged resolve.
    second.ack.ack().unwrap();
    for sender in senders.drain(2..) {
        sender.await.unwrap().unwrap();
    }
    assert!(senders.iter().all(|s| !s.is_finished()));
    first.ack.ack().unwrap();
    for sender in senders {
        sender.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn consumers_share_a_queue_and_end_when_the_bus_is_gone() {
    let bus = bus(100, 3);
    let mut a = bus.raw_consumer().unwrap();
    let mut b = bus.raw_consumer().unwrap();
    let sink = bus.raw_sink();
    let collector = tokio::spawn(async move { sink.send(items(0..6)).await });
    let from_a = a.next_batch().await.unwrap();
    let from_b = b.next_batch().await.unwrap();
    let mut ids: Vec<_> = from_a
        .records
        .iter()
        .chain(&from_b.records)
        .map(|i| i.id.clone())
        .collect();
    ids.sort();
    let mut expected: Vec<_> = items(0..6).into_iter().map(|i| i.id).collect();
    expected.sort();
    assert_eq!(ids, expected, "each item goes to exactly one consumer");
    from_a.ack.ack().unwrap();
    from_b.ack.ack().unwrap();
    collector.await.unwrap().unwrap();

    drop(bus);
    assert!(matches!(a.next_batch().await, Err(BusError::Closed)));
}

#[tokio::test]
async fn scored_items_travel_their_own_queue() {
    let bus = websense_bus::open(&BusConfig::default()).await.unwrap();
    let scored = ScoredItem {
        item: common::item(7),
        lexicon_version: "test-1".into(),
        matches: vec![Hit {
            term: "gemeenteraad".into(),
            category: "politiek".into(),
            kind: TermKind::Word,
            weight: 1.0,
            field: websense_model::Field::Text,
            start: 23,
            end: 35,
            method: Default::default(),
            context: Vec::new(),
        }],
        scores: vec![],
        places: Vec::new(),
        municipalities: Vec::new(),
        announcements: Vec::new(),
    };
    let sink = bus.scored_sink();
    let sent = vec![scored.clone()];
    let sender = tokio::spawn(async move { sink.send_scored(sent).await });
    let mut consumer = bus.scored_consumer().unwrap();
    let batch = consumer.next_batch().await.unwrap();
    assert_eq!(batch.records, vec![scored]);
    batch.ack.ack().unwrap();
    sender.await.unwrap().unwrap();
    let mut raw = bus.raw_consumer().unwrap();
    assert!(
        timeout(SHORT, raw.next_batch()).await.is_err(),
        "the raw queue got a scored item"
    );
}
