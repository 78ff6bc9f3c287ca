//! The in-process bus: a bounded queue per topic, and a sender that waits for the
//! consumer's acknowledgement.

use crate::{Ack, AckInner, Batch, Bus, BusConsumer, BusError, EmbeddedConfig};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex, OwnedSemaphorePermit, Semaphore};
use websense_model::{BoxFuture, Item, ItemSink, ScoredItem, ScoredSink, SinkError};

const SINK: &str = "embedded bus";

/// The embedded bus: see the crate docs.
pub struct EmbeddedBus {
    raw: Topic<Item>,
    scored: Topic<ScoredItem>,
}

impl EmbeddedBus {
    pub fn new(config: &EmbeddedConfig) -> EmbeddedBus {
        EmbeddedBus {
            raw: Topic::new(config),
            scored: Topic::new(config),
        }
    }
}

impl Bus for EmbeddedBus {
    fn raw_sink(&self) -> Arc<dyn ItemSink> {
        self.raw.senders.clone()
    }
    fn scored_sink(&self) -> Arc<dyn ScoredSink> {
        self.scored.senders.clone()
    }
    fn raw_consumer(&self) -> Result<Box<dyn BusConsumer<Item>>, BusError> {
        Ok(Box::new(EmbeddedConsumer(self.raw.receivers.clone())))
    }
    fn scored_consumer(&self) -> Result<Box<dyn BusConsumer<ScoredItem>>, BusError> {
        Ok(Box::new(EmbeddedConsumer(self.scored.receivers.clone())))
    }
}

/// One queue. Once the bus and every sink of a topic are dropped, its consumers get
/// [`BusError::Closed`] after the last queued batch.
struct Topic<T> {
    senders: Arc<Senders<T>>,
    receivers: Arc<Receivers<T>>,
}

impl<T> Topic<T> {
    fn new(config: &EmbeddedConfig) -> Topic<T> {
        let capacity = config.capacity.clamp(1, Semaphore::MAX_PERMITS);
        let batch_size = config.batch_size.max(1);
        let (tx, rx) = mpsc::unbounded_channel();
        Topic {
            senders: Arc::new(Senders {
                room: Arc::new(Semaphore::new(capacity)),
                part: capacity.min(batch_size),
                tx,
            }),
            receivers: Arc::new(Receivers {
                batch_size,
                queue: Mutex::new(Queue { rx, held: None }),
            }),
        }
    }
}

/// Part of one `send`, queued with the room it takes and the channel that reports it stored.
struct Envelope<T> {
    records: Vec<T>,
    stored: oneshot::Sender<()>,
    room: OwnedSemaphorePermit,
}

struct Senders<T> {
    /// One permit per item of capacity; an envelope holds its permits until acknowledged.
    room: Arc<Semaphore>,
    /// Largest part of a `send` queued as one envelope: it must fit both the queue and a batch.
    part: usize,
    tx: mpsc::UnboundedSender<Envelope<T>>,
}

impl<T> Senders<T> {
    /// Queue `records` in parts that fit, then wait until every part is acknowledged.
    async fn send(&self, mut records: Vec<T>) -> Result<(), SinkError> {
        let mut waiting = Vec::new();
        while !records.is_empty() {
            let rest = records.split_off(records.len().min(self.part));
            let part = std::mem::replace(&mut records, rest);
            let room = self
                .room
                .clone()
                .acquire_many_owned(part.len() as u32)
                .await
                .map_err(|_| SinkError::new(SINK, "closed"))?;
            let (stored, done) = oneshot::channel();
            self.tx
                .send(Envelope {
                    records: part,
                    stored,
                    room,
                })
                .map_err(|_| SinkError::new(SINK, "closed"))?;
            waiting.push(done);
        }
        for done in waiting {
            done.await.map_err(|_| {
                SinkError::new(SINK, "a batch was dropped downstream before it was stored")
            })?;
        }
        Ok(())
    }
}

struct Receivers<T> {
    batch_size: usize,
    /// Shared by all consumers of the queue.
    queue: Mutex<Queue<T>>,
}

struct Queue<T> {
    rx: mpsc::UnboundedReceiver<Envelope<T>>,
    /// An envelope that did not fit into the previous batch.
    held: Option<Envelope<T>>,
}

impl<T> Receivers<T> {
    /// The next batch: waits for one envelope, then takes what else is queued, up to the
    /// batch size.
    async fn next_batch(&self) -> Result<Batch<T>, BusError> {
        let mut queue = self.queue.lock().await;
        let first = match queue.held.take() {
            Some(envelope) => envelope,
            None => queue.rx.recv().await.ok_or(BusError::Closed)?,
        };
        let mut records = first.records;
        let mut ack = EmbeddedAck {
            stored: vec![first.stored],
            room: vec![first.room],
        };
        while let Ok(next) = queue.rx.try_recv() {
            if records.len() + next.records.len() > self.batch_size {
                queue.held = Some(next);
                break;
            }
            records.extend(next.records);
            ack.stored.push(next.stored);
            ack.room.push(next.room);
        }
        Ok(Batch {
            records,
            ack: Ack(AckInner::Embedded(ack)),
        })
    }
}

impl ItemSink for Senders<Item> {
    fn send(&self, items: Vec<Item>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(Senders::send(self, items))
    }
}

impl ScoredSink for Senders<ScoredItem> {
    fn send_scored(&self, items: Vec<ScoredItem>) -> BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(Senders::send(self, items))
    }
}

/// Tells the senders of a batch that it is stored, and frees its room.
#[derive(Debug)]
pub(crate) struct EmbeddedAck {
    stored: Vec<oneshot::Sender<()>>,
    room: Vec<OwnedSemaphorePermit>,
}

impl EmbeddedAck {
    pub(crate) fn ack(self) {
        for stored in self.stored {
            // A sender that stopped waiting (its task was cancelled) needs no answer.
            let _ = stored.send(());
        }
        drop(self.room);
    }
}

struct EmbeddedConsumer<T>(Arc<Receivers<T>>);

impl<T: Send + 'static> BusConsumer<T> for EmbeddedConsumer<T> {
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Batch<T>, BusError>> {
        Box::pin(self.0.next_batch())
    }

    fn close(self: Box<Self>) -> BoxFuture<'static, Result<(), BusError>> {
        Box::pin(async { Ok(()) })
    }
}
