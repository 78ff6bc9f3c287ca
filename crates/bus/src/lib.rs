//! The bus between websense's stages: Kafka through `rdkafka`, or an embedded in-process bus.
//!
//! This crate owns how items travel between stages: collectors hand raw [`Item`]s to the bus
//! through [`ItemSink`], the matcher reads them as a [`BusConsumer`] and hands
//! [`ScoredItem`]s back through [`ScoredSink`], the store reads those. It must not touch what
//! the stages do with items (fetching, matching, storing): it moves JSON values and offsets.
//!
//! # The guarantee
//!
//! Delivery is at-least-once, in both implementations:
//!
//! * a sink's `send` resolves `Ok` only once the whole batch is safe: on Kafka, acknowledged
//!   by all in-sync replicas (`acks=all`); on the embedded bus, stored by the downstream stage.
//!   Only then may a collector save its cursor.
//! * a consumer hands out a [`Batch`]; its offsets are recorded only when the caller calls
//!   [`Ack::ack`] after its own downstream write succeeded. A consumer that dies first (crash,
//!   kill, rebalance) leaves the batch to be read again by the group.
//!
//! Repeats are expected; downstream de-duplicates by [`websense_model::ItemId`].
//!
//! A batch dropped without [`Ack::ack`] is never counted as done: on the embedded bus the
//! sender's `send` fails (its cursor stays and it sends again); on Kafka the consumer stops
//! ([`BusError::Abandoned`]) and a new consumer of the group reads the batch again.
//!
//! # Kafka
//!
//! Two topics (raw and scored, names from [`KafkaConfig`]), JSON values keyed by item id, so
//! one item always lands in the same partition. The producer is idempotent with `acks=all`,
//! compression (lz4 by default) and batching (`linger.ms`). Consumers belong to a group
//! (`<group_id>.raw` / `<group_id>.scored`); they store an offset only when every earlier
//! message of that partition is acknowledged, so acknowledging out of order never skips a
//! message. A message that does not decode goes to the dead-letter topic with its error and
//! origin in headers (`websense.error`, `websense.topic`, `websense.partition`,
//! `websense.offset`) and counts as done, so it never blocks its partition. A consumer hands
//! out at most `max_unacked_batches` unacknowledged batches; then it pauses its partitions
//! (librdkafka stops fetching) and keeps polling, so the group does not evict it while
//! downstream is slow. Offsets are committed by librdkafka's auto-commit (every 5 s by
//! default) and when a consumer closes; a crash repeats at most the last interval.
//! Consumer lag is read by a [`LagReader`], a client that never joins the group (so watching
//! the lag cannot trigger a rebalance). Reconnecting after a broker outage is librdkafka's work; sends wait for it
//! (`message.timeout.ms`, 5 minutes by default) and then fail, leaving cursors in place.
//!
//! A new group starts at the earliest offset (`auto.offset.reset=earliest`), so nothing
//! produced before the first consumer joined is skipped. Every librdkafka setting can be
//! overridden from the configuration (`settings`, `producer_settings`, `consumer_settings`).
//!
//! Only plain Kafka protocol features are used (no transactions), so Apache Kafka, Redpanda and
//! tansu all serve it. The tests run against tansu with the production settings (idempotent
//! producer, lz4) plus `session.timeout.ms = max.poll.interval.ms = 6000` for quick group
//! joins; zstd needs rdkafka's `zstd` feature, which this build leaves out.
//!
//! # Embedded
//!
//! Per topic one bounded in-process queue: `capacity` items, counting both queued items and
//! items handed out but not yet acknowledged. `send` queues its items in parts of at most
//! `min(capacity, batch_size)`, waiting for room for each, then waits for the consumer's
//! acknowledgement of every part. Several consumers share a queue and
//! split its batches between them, like members of one consumer group. Nothing survives the
//! process; a collector's cursor only moves past items that were stored, so nothing is lost
//! either.
//!
//! # Costs
//!
//! One JSON encoding per item and message. The Kafka consumer keeps, per partition, one small
//! record per unacknowledged batch; memory is bounded by `max_unacked_batches * batch_size`
//! decoded items plus librdkafka's fetch queue (`queued.max.messages.kbytes`, settable).

mod config;
mod embedded;
mod kafka;

pub use config::{BusConfig, Compression, EmbeddedConfig, KafkaConfig};
pub use embedded::EmbeddedBus;
pub use kafka::{delete_topics, KafkaBus, LagReader, LagTopic, LAG_REQUEST_TIMEOUT};

use std::sync::Arc;
use websense_model::{BoxFuture, Item, ItemSink, ScoredItem, ScoredSink};

/// What can go wrong on the bus (sinks report [`websense_model::SinkError`] instead).
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("kafka: creating topic {topic}: {message}")]
    CreateTopic { topic: String, message: String },
    /// A batch of this consumer was dropped without an acknowledgement; its messages come
    /// again to a new consumer of the group. Open one.
    #[error("a batch was dropped without acknowledgement; open a new consumer to read it again")]
    Abandoned,
    /// The bus is gone (the embedded bus was dropped, or the consumer was closed).
    #[error("the bus is closed")]
    Closed,
}

/// A bus: sinks for both topics and consumers of both.
pub trait Bus: Send + Sync {
    /// Where collectors send raw items.
    fn raw_sink(&self) -> Arc<dyn ItemSink>;
    /// Where the matcher sends scored items.
    fn scored_sink(&self) -> Arc<dyn ScoredSink>;
    /// A new consumer of raw items (for the matcher). Needs a tokio runtime.
    fn raw_consumer(&self) -> Result<Box<dyn BusConsumer<Item>>, BusError>;
    /// A new consumer of scored items (for the store). Needs a tokio runtime.
    fn scored_consumer(&self) -> Result<Box<dyn BusConsumer<ScoredItem>>, BusError>;
}

/// Open the configured bus: for Kafka, connect and create missing topics.
pub async fn open(config: &BusConfig) -> Result<Arc<dyn Bus>, BusError> {
    Ok(match config {
        BusConfig::Embedded(embedded) => Arc::new(EmbeddedBus::new(embedded)),
        BusConfig::Kafka(kafka) => Arc::new(KafkaBus::connect(kafka).await?),
    })
}

/// Reads batches from one topic.
pub trait BusConsumer<T>: Send {
    /// The next batch: at least one record, at most the configured batch size. Waits while
    /// nothing is there, and while too many batches are unacknowledged.
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Batch<T>, BusError>>;

    /// Stop reading, record the acknowledged offsets and leave the group. Dropping the
    /// consumer does the same in the background; `close` waits for it.
    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), BusError>>;
}

/// Records from the bus and the handle that marks them done.
#[derive(Debug)]
pub struct Batch<T> {
    pub records: Vec<T>,
    /// Call [`Ack::ack`] once `records` are safely written downstream.
    pub ack: Ack,
}

/// Marks a batch as done. Dropping it without [`Ack::ack`] leaves the batch to be read again
/// (see the crate docs).
#[must_use = "a batch that is not acknowledged is read again"]
#[derive(Debug)]
pub struct Ack(AckInner);

#[derive(Debug)]
enum AckInner {
    Embedded(embedded::EmbeddedAck),
    Kafka(kafka::KafkaAck),
}

impl Ack {
    /// The batch was written downstream: record it as done. On Kafka this stores the offsets
    /// for the next commit; an error means they were not stored and the batch comes again.
    pub fn ack(self) -> Result<(), BusError> {
        match self.0 {
            AckInner::Embedded(ack) => {
                ack.ack();
                Ok(())
            }
            AckInner::Kafka(ack) => ack.ack(),
        }
    }
}
