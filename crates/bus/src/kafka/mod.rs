//! The Kafka bus: an idempotent producer behind the sinks, group consumers with tracked
//! offsets, a dead-letter topic.

mod consumer;
mod lag;
mod offsets;

pub(crate) use consumer::KafkaAck;
pub use lag::{delete_topics, LagReader, LagTopic, LAG_REQUEST_TIMEOUT};

use crate::{Bus, BusConsumer, BusError, KafkaConfig};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use websense_model::{BoxFuture, Item, ItemSink, ScoredItem, ScoredSink, SinkError};

/// The Kafka bus: see the crate docs.
pub struct KafkaBus {
    config: KafkaConfig,
    producer: FutureProducer,
}

impl KafkaBus {
    /// Create missing topics (if configured) and the producer. Fails if the brokers cannot be
    /// reached for topic creation; the producer itself connects lazily and reconnects by
    /// itself.
    pub async fn connect(config: &KafkaConfig) -> Result<KafkaBus, BusError> {
        if config.create_topics {
            create_topics(config).await?;
        }
        let defaults = [
            ("acks", "all".to_string()),
            ("enable.idempotence", config.idempotence.to_string()),
            ("compression.type", config.compression.as_str().to_string()),
            ("linger.ms", millis_text(config.linger)),
        ];
        let producer = client_config(config, &defaults, &config.producer_settings).create()?;
        Ok(KafkaBus {
            config: config.clone(),
            producer,
        })
    }

    fn sink(&self, topic: &str) -> Arc<TopicSink> {
        Arc::new(TopicSink {
            producer: self.producer.clone(),
            topic: topic.to_string(),
        })
    }
}

impl Bus for KafkaBus {
    fn raw_sink(&self) -> Arc<dyn ItemSink> {
        self.sink(&self.config.raw_topic)
    }
    fn scored_sink(&self) -> Arc<dyn ScoredSink> {
        self.sink(&self.config.scored_topic)
    }
    fn raw_consumer(&self) -> Result<Box<dyn BusConsumer<Item>>, BusError> {
        consumer::open(
            &self.config,
            &self.config.raw_topic,
            "raw",
            self.producer.clone(),
        )
    }
    fn scored_consumer(&self) -> Result<Box<dyn BusConsumer<ScoredItem>>, BusError> {
        consumer::open(
            &self.config,
            &self.config.scored_topic,
            "scored",
            self.producer.clone(),
        )
    }
}

/// A client's settings: `bootstrap.servers`, then websense's `defaults`, then the
/// configuration's `settings` and the client kind's `specific` settings, which win.
fn client_config(
    config: &KafkaConfig,
    defaults: &[(&str, String)],
    specific: &BTreeMap<String, String>,
) -> ClientConfig {
    let mut client = ClientConfig::new();
    client
        .set("bootstrap.servers", &config.brokers)
        .set("client.id", "websense");
    for (key, value) in defaults.iter().map(|(k, v)| (*k, v.as_str())).chain(
        config
            .settings
            .iter()
            .chain(specific)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    ) {
        client.set(key, value);
    }
    client
}

async fn create_topics(config: &KafkaConfig) -> Result<(), BusError> {
    let admin: AdminClient<DefaultClientContext> =
        client_config(config, &[], &BTreeMap::new()).create()?;
    let topics: Vec<NewTopic<'_>> = [
        &config.raw_topic,
        &config.scored_topic,
        &config.dead_letter_topic,
    ]
    .into_iter()
    .map(|topic| {
        NewTopic::new(
            topic,
            config.partitions,
            TopicReplication::Fixed(config.replication_factor),
        )
    })
    .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    for result in admin.create_topics(&topics, &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(BusError::CreateTopic {
                    topic,
                    message: code.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A topic behind a sink: JSON values keyed by item id.
struct TopicSink {
    producer: FutureProducer,
    topic: String,
}

impl TopicSink {
    fn error(&self, message: impl std::fmt::Display) -> SinkError {
        SinkError::new(format!("kafka:{}", self.topic), message)
    }

    /// Send every record, then wait until each is acknowledged (`acks=all`). When
    /// librdkafka's queue is full, wait for the oldest outstanding delivery first.
    async fn send_all<T: Serialize>(
        &self,
        records: &[T],
        key: impl Fn(&T) -> &str,
    ) -> Result<(), SinkError> {
        let mut deliveries = VecDeque::with_capacity(records.len());
        for record in records {
            let payload = serde_json::to_vec(record)
                .map_err(|e| self.error(format_args!("encoding item {}: {e}", key(record))))?;
            let mut message = FutureRecord::to(&self.topic)
                .key(key(record))
                .payload(&payload);
            loop {
                match self.producer.send_result(message) {
                    Ok(delivery) => {
                        deliveries.push_back(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        message = back;
                        match deliveries.pop_front() {
                            Some(oldest) => self.delivered(oldest.await)?,
                            None => tokio::time::sleep(Duration::from_millis(10)).await,
                        }
                    }
                    Err((e, _)) => return Err(self.error(e)),
                }
            }
        }
        for delivery in deliveries {
            self.delivered(delivery.await)?;
        }
        Ok(())
    }

    fn delivered(
        &self,
        result: Result<rdkafka::producer::future_producer::OwnedDeliveryResult, impl Sized>,
    ) -> Result<(), SinkError> {
        match result {
            Ok(Ok(_)) => Ok(()),
            Ok(Err((e, _))) => Err(self.error(e)),
            Err(_) => Err(self.error("the producer was dropped before delivery")),
        }
    }
}

impl ItemSink for TopicSink {
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move { self.send_all(&items, |item| item.id.as_str()).await })
    }
}

impl ScoredSink for TopicSink {
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async move {
            self.send_all(&items, |scored| scored.item.id.as_str())
                .await
        })
    }
}

/// A duration as librdkafka's `*.ms` settings take it: whole milliseconds, or with a
/// fraction (`"0.5"`) when finer.
fn millis_text(d: std::time::Duration) -> String {
    let micros = d.as_micros();
    match micros % 1000 {
        0 => (micros / 1000).to_string(),
        rest => format!("{}.{rest:03}", micros / 1000),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn linger_is_written_in_milliseconds() {
        assert_eq!(super::millis_text(Duration::from_millis(5)), "5");
        assert_eq!(super::millis_text(Duration::from_secs(2)), "2000");
        assert_eq!(super::millis_text(Duration::from_micros(500)), "0.500");
        assert_eq!(super::millis_text(Duration::ZERO), "0");
    }
}
