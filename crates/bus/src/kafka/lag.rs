//! Consumer lag on Kafka: per topic, the messages past a consumer group's committed offsets.
//!
//! Read by a separate client that never joins the group (it only asks for the group's
//! committed offsets and each partition's high watermark), so watching the lag cannot
//! trigger a rebalance. Cost per reading: one metadata request, one offset fetch and one
//! watermark request per partition, each bounded by [`LAG_REQUEST_TIMEOUT`].

use super::client_config;
use crate::{BusError, KafkaConfig};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long one request of a lag reading may take before the reading fails.
pub const LAG_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Which of the two topics (and so which consumer group) a [`LagReader`] watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LagTopic {
    /// The raw topic, read by the matcher's group `<group_id>.raw`.
    Raw,
    /// The scored topic, read by the store's group `<group_id>.scored`.
    Scored,
}

/// Reads one consumer group's lag on one topic. Its methods block: call them from a
/// blocking thread.
pub struct LagReader {
    consumer: BaseConsumer,
    topic: String,
}

impl LagReader {
    pub fn new(config: &KafkaConfig, which: LagTopic) -> Result<LagReader, BusError> {
        let (role, topic) = match which {
            LagTopic::Raw => ("raw", &config.raw_topic),
            LagTopic::Scored => ("scored", &config.scored_topic),
        };
        let defaults = [
            ("client.id", "websense-lag".to_string()),
            ("group.id", format!("{}.{role}", config.group_id)),
            ("enable.auto.commit", "false".to_string()),
        ];
        let consumer = client_config(config, &defaults, &config.consumer_settings).create()?;
        Ok(LagReader {
            consumer,
            topic: topic.clone(),
        })
    }

    /// The topic this reader watches.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The messages of the topic not yet committed by the group, over all partitions.
    pub fn read(&self) -> Result<i64, BusError> {
        let topic = self.topic.as_str();
        let metadata = self
            .consumer
            .fetch_metadata(Some(topic), LAG_REQUEST_TIMEOUT)?;
        let mut partitions = TopicPartitionList::new();
        for t in metadata.topics().iter().filter(|t| t.name() == topic) {
            for p in t.partitions() {
                partitions.add_partition(topic, p.id());
            }
        }
        let committed = self
            .consumer
            .committed_offsets(partitions, LAG_REQUEST_TIMEOUT)?;
        let mut lag = 0;
        for entry in committed.elements() {
            let (low, high) =
                self.consumer
                    .fetch_watermarks(topic, entry.partition(), LAG_REQUEST_TIMEOUT)?;
            let done = match entry.offset() {
                Offset::Offset(o) => o.max(low),
                _ => low,
            };
            lag += (high - done).max(0);
        }
        Ok(lag)
    }
}

/// Delete the configuration's three topics (raw, scored, dead letters). For benchmarks and
/// tests that made their own topics; a topic that does not exist is not an error.
pub async fn delete_topics(config: &KafkaConfig) -> Result<(), BusError> {
    use rdkafka::admin::{AdminClient, AdminOptions};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> =
        client_config(config, &[], &BTreeMap::new()).create()?;
    let topics = [
        config.raw_topic.as_str(),
        config.scored_topic.as_str(),
        config.dead_letter_topic.as_str(),
    ];
    admin.delete_topics(&topics, &AdminOptions::new()).await?;
    Ok(())
}
