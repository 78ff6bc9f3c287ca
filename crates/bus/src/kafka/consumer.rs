//! A group consumer of one topic: a task (the pump) polls librdkafka, decodes, sends
//! undecodable messages to the dead-letter topic and hands out batches; acknowledgements
//! store offsets through [`Offsets`].

use super::client_config;
use super::offsets::{Offsets, Span};
use crate::{Ack, AckInner, Batch, BusConsumer, BusError, KafkaConfig};
use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use websense_model::BoxFuture;

/// Shared by the librdkafka client (rebalance callbacks), the pump and the acknowledgements.
pub(crate) struct Tracking {
    topic: String,
    offsets: Mutex<Offsets>,
}

impl Tracking {
    fn offsets(&self) -> MutexGuard<'_, Offsets> {
        // The offsets stay consistent even if a holder panicked: every change is one call.
        self.offsets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ClientContext for Tracking {}

impl ConsumerContext for Tracking {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(partitions) = rebalance {
            self.offsets()
                .revoke(partitions.elements().iter().map(|e| e.partition()));
        }
    }
}

type Client = StreamConsumer<Tracking>;

/// Subscribe a new consumer of `topic` in group `<group_id>.<role>` and start its pump.
pub(crate) fn open<T: DeserializeOwned + Send + Sync + 'static>(
    config: &KafkaConfig,
    topic: &str,
    role: &str,
    producer: FutureProducer,
) -> Result<Box<dyn BusConsumer<T>>, BusError> {
    let defaults = [
        ("group.id", format!("{}.{role}", config.group_id)),
        ("enable.auto.commit", "true".to_string()),
        ("enable.auto.offset.store", "false".to_string()),
        ("auto.offset.reset", "earliest".to_string()),
    ];
    let tracking = Tracking {
        topic: topic.to_string(),
        offsets: Mutex::default(),
    };
    let client: Client = client_config(config, &defaults, &config.consumer_settings)
        .create_with_context(tracking)?;
    client.subscribe(&[topic])?;
    let client = Arc::new(client);
    let tracking = client.context().clone();
    let unacked = config.max_unacked_batches.max(1);
    // One slot more than batches may be out, for a final error.
    let (batches, rx) = mpsc::channel(unacked + 1);
    let pump = Pump {
        client,
        tracking: tracking.clone(),
        producer,
        dead_letter_topic: config.dead_letter_topic.clone(),
        batch_size: config.batch_size.max(1),
        batch_wait: config.batch_wait,
        room: Arc::new(Semaphore::new(unacked)),
        batches,
        held: VecDeque::new(),
    };
    Ok(Box::new(KafkaConsumer {
        batches: rx,
        tracking,
        pump: tokio::spawn(pump.run()),
    }))
}

struct KafkaConsumer<T> {
    batches: mpsc::Receiver<Result<Batch<T>, BusError>>,
    tracking: Arc<Tracking>,
    pump: JoinHandle<()>,
}

impl<T: Send + 'static> BusConsumer<T> for KafkaConsumer<T> {
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Batch<T>, BusError>> {
        Box::pin(async move {
            if self.tracking.offsets().abandoned() {
                return Err(BusError::Abandoned);
            }
            let batch = self.batches.recv().await.ok_or(BusError::Closed)??;
            if self.tracking.offsets().abandoned() {
                return Err(BusError::Abandoned);
            }
            Ok(batch)
        })
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), BusError>> {
        let KafkaConsumer { batches, pump, .. } = *self;
        drop(batches);
        Box::pin(async move { pump.await.map_err(|_| BusError::Closed) })
    }
}

/// Marks a batch's spans done and stores the offsets that became safe.
pub(crate) struct KafkaAck {
    client: Weak<Client>,
    tracking: Arc<Tracking>,
    spans: Vec<Span>,
    _room: OwnedSemaphorePermit,
}

impl std::fmt::Debug for KafkaAck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaAck")
            .field("topic", &self.tracking.topic)
            .field("spans", &self.spans)
            .finish()
    }
}

impl KafkaAck {
    pub(crate) fn ack(mut self) -> Result<(), BusError> {
        let spans = std::mem::take(&mut self.spans);
        let client = self.client.upgrade().ok_or(BusError::Closed)?;
        store(&client, &self.tracking, &spans)
    }
}

impl Drop for KafkaAck {
    fn drop(&mut self) {
        if !self.spans.is_empty() {
            self.tracking.offsets().abandon(&self.spans);
        }
    }
}

fn store(client: &Client, tracking: &Tracking, spans: &[Span]) -> Result<(), BusError> {
    // Under the lock, so that two acknowledgements cannot store a partition's offsets out of
    // order. Storing is local (the commit comes later), so the lock is held briefly.
    let mut offsets = tracking.offsets();
    let safe = offsets.ack(spans);
    if safe.is_empty() {
        return Ok(());
    }
    let mut list = TopicPartitionList::new();
    for (partition, next) in safe {
        list.add_partition_offset(&tracking.topic, partition, Offset::Offset(next))?;
    }
    client.store_offsets(&list)?;
    Ok(())
}

/// A message as read: where it came from and what it decoded to.
struct Received<T> {
    partition: i32,
    offset: i64,
    generation: u64,
    body: Result<T, Undecodable>,
}

struct Undecodable {
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    error: String,
}

/// What one batch covers: its records and its spans (dead-lettered messages included).
struct Assembly<T> {
    records: Vec<T>,
    spans: Vec<Span>,
    messages: usize,
}

impl<T> Assembly<T> {
    fn cover(&mut self, partition: i32, generation: u64, offset: i64) {
        self.messages += 1;
        match self
            .spans
            .iter_mut()
            .find(|s| s.partition == partition && s.generation == generation)
        {
            Some(span) => span.last = offset,
            None => self.spans.push(Span {
                partition,
                generation,
                first: offset,
                last: offset,
            }),
        }
    }
}

struct Pump<T> {
    client: Arc<Client>,
    tracking: Arc<Tracking>,
    producer: FutureProducer,
    dead_letter_topic: String,
    batch_size: usize,
    batch_wait: Duration,
    /// One permit per batch that may be out unacknowledged.
    room: Arc<Semaphore>,
    batches: mpsc::Sender<Result<Batch<T>, BusError>>,
    /// Messages that arrived while there was no room (before the pause took hold).
    held: VecDeque<Received<T>>,
}

impl<T: DeserializeOwned + Send + Sync + 'static> Pump<T> {
    /// Pump until the consumer is dropped or closed, then close the client off the async
    /// threads (closing commits the stored offsets and leaves the group; it blocks).
    async fn run(mut self) {
        if let Err(e) = self.pump().await {
            let _ = self.batches.try_send(Err(e));
        }
        let Pump { client, .. } = self;
        let _ = tokio::task::spawn_blocking(move || drop(client)).await;
    }

    async fn pump(&mut self) -> Result<(), BusError> {
        loop {
            let Some(room) = self.room().await? else {
                return Ok(());
            };
            let Some(assembly) = self.assemble().await? else {
                return Ok(());
            };
            let spans = self.tracking.offsets().track(assembly.spans);
            if assembly.records.is_empty() {
                // Only dead letters: done already. Should storing fail (a rebalance), they are
                // read and dead-lettered again, which is harmless.
                if let Err(e) = store(&self.client, &self.tracking, &spans) {
                    tracing::warn!(topic = %self.tracking.topic, error = %e, "storing offsets");
                }
                continue;
            }
            let ack = KafkaAck {
                client: Arc::downgrade(&self.client),
                tracking: self.tracking.clone(),
                spans,
                _room: room,
            };
            let batch = Batch {
                records: assembly.records,
                ack: Ack(AckInner::Kafka(ack)),
            };
            // Never full: every batch in the channel holds one of `room`'s permits.
            if self.batches.try_send(Ok(batch)).is_err() {
                return Ok(());
            }
        }
    }

    /// Room for one more batch. While there is none, the assigned partitions are paused and
    /// the client keeps being polled, so it serves rebalances and stays in its group.
    /// `None` once the consumer is gone.
    async fn room(&mut self) -> Result<Option<OwnedSemaphorePermit>, BusError> {
        if let Ok(permit) = self.room.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        let client = self.client.clone();
        self.set_paused(true);
        let permit = loop {
            tokio::select! {
                permit = self.room.clone().acquire_owned() => {
                    break permit.expect("the semaphore is never closed");
                }
                message = client.recv() => {
                    if let Some(received) = self.receive(message)? {
                        self.held.push_back(received);
                        // A partition assigned since the pause is not paused yet.
                        self.set_paused(true);
                    }
                }
                _ = self.batches.closed() => return Ok(None),
            }
        };
        self.set_paused(false);
        Ok(Some(permit))
    }

    fn set_paused(&self, paused: bool) {
        let Ok(assignment) = self.client.assignment() else {
            return;
        };
        if assignment.count() == 0 {
            return;
        }
        let result = if paused {
            self.client.pause(&assignment)
        } else {
            self.client.resume(&assignment)
        };
        if let Err(e) = result {
            tracing::warn!(topic = %self.tracking.topic, error = %e, paused, "pause/resume failed");
        }
    }

    /// Up to `batch_size` messages, waiting at most `batch_wait` after the first. `None` once
    /// the consumer is gone.
    async fn assemble(&mut self) -> Result<Option<Assembly<T>>, BusError> {
        let client = self.client.clone();
        let mut assembly = Assembly {
            records: Vec::new(),
            spans: Vec::new(),
            messages: 0,
        };
        let mut deadline: Option<Instant> = None;
        while assembly.messages < self.batch_size {
            let received = match self.held.pop_front() {
                Some(received) => received,
                None => {
                    let full = async {
                        match deadline {
                            Some(deadline) => tokio::time::sleep_until(deadline).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        message = client.recv() => match self.receive(message)? {
                            Some(received) => received,
                            None => continue,
                        },
                        _ = full => break,
                        _ = self.batches.closed() => return Ok(None),
                    }
                }
            };
            deadline.get_or_insert_with(|| Instant::now() + self.batch_wait);
            match received.body {
                Ok(record) => assembly.records.push(record),
                Err(undecodable) => {
                    if !self
                        .dead_letter(received.partition, received.offset, undecodable)
                        .await
                    {
                        return Ok(None);
                    }
                }
            }
            assembly.cover(received.partition, received.generation, received.offset);
        }
        Ok(Some(assembly))
    }

    /// Decode a message; `None` for a passing error (logged; librdkafka retries by itself).
    fn receive(
        &self,
        message: Result<BorrowedMessage<'_>, KafkaError>,
    ) -> Result<Option<Received<T>>, BusError> {
        let message = match message {
            Ok(message) => message,
            Err(e @ KafkaError::MessageConsumptionFatal(_)) => return Err(e.into()),
            Err(e) => {
                tracing::warn!(topic = %self.tracking.topic, error = %e, "consumer error");
                return Ok(None);
            }
        };
        let decoded = match message.payload() {
            Some(payload) => serde_json::from_slice(payload).map_err(|e| e.to_string()),
            None => Err("the message has no value".to_string()),
        };
        Ok(Some(Received {
            partition: message.partition(),
            offset: message.offset(),
            generation: self.tracking.offsets().generation(message.partition()),
            body: decoded.map_err(|error| Undecodable {
                key: message.key().map(<[u8]>::to_vec),
                payload: message.payload().map(<[u8]>::to_vec),
                error,
            }),
        }))
    }

    /// Write an undecodable message to the dead-letter topic, retrying until it is there
    /// (it must not be lost, and only then counts as done). `false` if the consumer went
    /// away meanwhile.
    async fn dead_letter(&self, partition: i32, offset: i64, message: Undecodable) -> bool {
        let topic = &self.tracking.topic;
        tracing::warn!(%topic, partition, offset, error = %message.error,
            dead_letter_topic = %self.dead_letter_topic, "undecodable message");
        let (partition, offset) = (partition.to_string(), offset.to_string());
        loop {
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "websense.error",
                    value: Some(message.error.as_str()),
                })
                .insert(Header {
                    key: "websense.topic",
                    value: Some(topic.as_str()),
                })
                .insert(Header {
                    key: "websense.partition",
                    value: Some(partition.as_str()),
                })
                .insert(Header {
                    key: "websense.offset",
                    value: Some(offset.as_str()),
                });
            let mut record =
                FutureRecord::<[u8], [u8]>::to(&self.dead_letter_topic).headers(headers);
            if let Some(key) = &message.key {
                record = record.key(key);
            }
            if let Some(payload) = &message.payload {
                record = record.payload(payload);
            }
            tokio::select! {
                result = self.producer.send(record, Duration::from_secs(5)) => match result {
                    Ok(_) => return true,
                    Err((e, _)) => tracing::warn!(%topic, error = %e,
                        "writing to the dead-letter topic failed; retrying"),
                },
                _ = self.batches.closed() => return false,
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
