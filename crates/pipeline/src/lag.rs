//! Consumer lag on Kafka: per topic, the messages past the group's committed offsets.
//!
//! Read by a separate client that never joins the group (it only asks for the group's
//! committed offsets and each partition's high watermark), so watching the lag cannot
//! trigger a rebalance. Cost per reading: one metadata request, one offset fetch and one
//! watermark request per partition.

use crate::metrics::{Metrics, Stage};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use websense_bus::KafkaConfig;

const TIMEOUT: Duration = Duration::from_secs(5);

/// Read the lag of `stage`'s consumer group every `interval` into its `websense_consumer_lag`,
/// until `stop` turns true. The score stage reads the raw topic, the store stage the scored
/// topic.
pub fn watch_lag(
    config: &KafkaConfig,
    stage: Stage,
    metrics: Arc<Metrics>,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let (role, topic) = match stage {
        Stage::Store => ("scored", config.scored_topic.clone()),
        _ => ("raw", config.raw_topic.clone()),
    };
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.brokers)
        .set("client.id", "websense-lag")
        .set("group.id", format!("{}.{role}", config.group_id))
        .set("enable.auto.commit", "false");
    for (key, value) in config.settings.iter().chain(&config.consumer_settings) {
        client.set(key, value);
    }
    tokio::spawn(async move {
        let consumer: Arc<BaseConsumer> = match client.create() {
            Ok(c) => Arc::new(c),
            Err(e) => {
                tracing::warn!(error = %e, "cannot create the consumer-lag client; lag stays unknown");
                return;
            }
        };
        loop {
            let (c, t) = (consumer.clone(), topic.clone());
            let lag = tokio::task::spawn_blocking(move || measure(&c, &t)).await;
            let lag = match lag {
                Ok(Ok(lag)) => Some(lag),
                Ok(Err(e)) => {
                    tracing::debug!(%topic, error = %e, "cannot read consumer lag");
                    None
                }
                Err(_) => None,
            };
            metrics.stage(stage).set_lag(lag);
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    })
}

fn measure(consumer: &BaseConsumer, topic: &str) -> Result<i64, rdkafka::error::KafkaError> {
    let metadata = consumer.fetch_metadata(Some(topic), TIMEOUT)?;
    let mut partitions = TopicPartitionList::new();
    for t in metadata.topics().iter().filter(|t| t.name() == topic) {
        for p in t.partitions() {
            partitions.add_partition(topic, p.id());
        }
    }
    let committed = consumer.committed_offsets(partitions, TIMEOUT)?;
    let mut lag = 0;
    for entry in committed.elements() {
        let (low, high) = consumer.fetch_watermarks(topic, entry.partition(), TIMEOUT)?;
        let done = match entry.offset() {
            Offset::Offset(o) => o.max(low),
            _ => low,
        };
        lag += (high - done).max(0);
    }
    Ok(lag)
}
