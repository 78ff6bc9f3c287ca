//! Shared by the bus tests: Kafka configurations with fresh names, items. The broker from the
//! environment and the names come from `websense-testkit`.
#![allow(dead_code)] // each test binary uses its own part of this module

use websense_bus::KafkaConfig;
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef};
use websense_testkit::services::unique;

/// A Kafka configuration with fresh topics and group, tuned for a quick group join.
pub fn kafka_config(brokers: &str, name: &str) -> KafkaConfig {
    let base = unique(name);
    let mut config = KafkaConfig {
        brokers: brokers.to_string(),
        raw_topic: format!("{base}-raw"),
        scored_topic: format!("{base}-scored"),
        dead_letter_topic: format!("{base}-dead"),
        group_id: base,
        partitions: 3,
        batch_size: 10,
        batch_wait: std::time::Duration::from_millis(50),
        ..KafkaConfig::default()
    };
    // Without these a group join waits for the default rebalance timeout (see shared/README).
    for (key, value) in [
        ("session.timeout.ms", "6000"),
        ("max.poll.interval.ms", "6000"),
    ] {
        config.consumer_settings.insert(key.into(), value.into());
    }
    config
}

pub fn item(n: usize) -> Item {
    let source = SourceRef {
        id: SourceId::new("bus-test"),
        kind: SourceKind::File,
        tags: vec![],
    };
    let mut item = Item::new(
        ItemId::derive(&source.id, &format!("post-{n}")),
        source,
        format!("Bericht nummer {n} over de gemeenteraad"),
    );
    item.url = Some(format!("https://example.org/posts/{n}"));
    // Fixed, so that a record read back compares equal to the one sent.
    item.fetched_at = chrono::DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap();
    item
}

pub fn items(range: std::ops::Range<usize>) -> Vec<Item> {
    range.map(item).collect()
}
