//! Throughput of the bus: produce and consume small items, print items/s each way.
//!
//!     eval "$(scripts/services start)"
//!     cargo run --release -p websense-bus --example bus_bench -- [items] [batch] [senders]
//!
//! Kafka goes to `WEBSENSE_TEST_KAFKA` (fresh topics each run), with the production producer
//! settings (idempotent, acks=all, lz4). Each of `senders` tasks sends batches of `batch` items
//! through the raw sink and waits for every acknowledgement, as collectors do. One consumer
//! then reads everything back in batches of 1000 and acknowledges each. The embedded bus runs
//! the same load for comparison.

use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;
use std::sync::Arc;
use std::time::{Duration, Instant};
use websense_bus::{Bus, EmbeddedBus, EmbeddedConfig, KafkaBus, KafkaConfig};
use websense_model::{Item, ItemId, ItemSink, SourceId, SourceKind, SourceRef};

fn items(count: usize) -> Vec<Item> {
    let source = SourceRef {
        id: SourceId::new("bench"),
        kind: SourceKind::Feed,
        tags: vec![],
    };
    (0..count)
        .map(|n| {
            let mut item = Item::new(
                ItemId::derive(&source.id, &format!("https://example.org/{n}")),
                source.clone(),
                format!("Bericht {n}: de gemeenteraad vergadert vanavond over de begroting."),
            );
            item.url = Some(format!("https://example.org/{n}"));
            item
        })
        .collect()
}

/// Send `items` through `sink` from `senders` concurrent tasks; returns the elapsed time.
async fn produce(
    sink: Arc<dyn ItemSink>,
    items: Vec<Item>,
    batch: usize,
    senders: usize,
) -> Duration {
    let start = Instant::now();
    let mut chunks: Vec<Vec<Item>> = items.chunks(batch).map(<[Item]>::to_vec).collect();
    let per_task = chunks.len().div_ceil(senders);
    let mut tasks = Vec::new();
    while !chunks.is_empty() {
        let mine: Vec<Vec<Item>> = chunks.drain(..per_task.min(chunks.len())).collect();
        let sink = sink.clone();
        tasks.push(tokio::spawn(async move {
            for chunk in mine {
                sink.send(chunk).await.expect("send failed");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    start.elapsed()
}

/// Read `count` records; returns (time to the first batch, time from it to the last).
async fn consume(bus: &dyn Bus, count: usize) -> (Duration, Duration) {
    let start = Instant::now();
    let mut consumer = bus.raw_consumer().unwrap();
    let mut first = None;
    let mut got = 0;
    while got < count {
        let batch = consumer.next_batch().await.expect("consume failed");
        first.get_or_insert_with(Instant::now);
        got += batch.records.len();
        batch.ack.ack().unwrap();
    }
    let first = first.unwrap();
    let result = (first - start, first.elapsed());
    consumer.close().await.unwrap();
    result
}

fn rate(count: usize, elapsed: Duration) -> String {
    format!(
        "{:>9.0} items/s ({count} in {:.2} s)",
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    )
}

#[tokio::main]
async fn main() {
    let arg = |n: usize, default: usize| {
        std::env::args()
            .nth(n)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (count, batch, senders) = (arg(1, 200_000), arg(2, 1000), arg(3, 4));
    let load = items(count);
    let bytes: usize = load
        .iter()
        .map(|i| serde_json::to_vec(i).unwrap().len())
        .sum();
    println!(
        "{count} items of {} bytes JSON on average, batches of {batch}, {senders} senders, \
         {} cores",
        bytes / count,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let embedded = Arc::new(EmbeddedBus::new(&EmbeddedConfig::default()));
    let consumer = {
        let bus = embedded.clone();
        tokio::spawn(async move { consume(bus.as_ref(), count).await })
    };
    let produced = produce(embedded.raw_sink(), load.clone(), batch, senders).await;
    let (_, consumed) = consumer.await.unwrap();
    println!(
        "embedded  produce+consume together: {}",
        rate(count, produced.max(consumed))
    );

    let brokers = std::env::var("WEBSENSE_TEST_KAFKA")
        .expect("WEBSENSE_TEST_KAFKA: start the broker with scripts/services start");
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut config = KafkaConfig {
        brokers,
        raw_topic: format!("bench-{run}-raw"),
        scored_topic: format!("bench-{run}-scored"),
        dead_letter_topic: format!("bench-{run}-dead"),
        group_id: format!("bench-{run}"),
        batch_size: 1000,
        ..KafkaConfig::default()
    };
    // tansu: a quick group join (see shared/README).
    for (key, value) in [
        ("session.timeout.ms", "6000"),
        ("max.poll.interval.ms", "6000"),
    ] {
        config.consumer_settings.insert(key.into(), value.into());
    }
    let kafka = KafkaBus::connect(&config)
        .await
        .expect("connecting to Kafka");
    println!(
        "kafka     ({} partitions, compression {}, idempotent {})",
        config.partitions,
        config.compression.as_str(),
        config.idempotence
    );
    let produced = produce(kafka.raw_sink(), load, batch, senders).await;
    println!(
        "kafka     produce (acks=all):         {}",
        rate(count, produced)
    );
    let (join, consumed) = consume(&kafka, count).await;
    println!(
        "kafka     consume (after {:.1} s join): {}",
        join.as_secs_f64(),
        rate(count, consumed)
    );

    // The test broker keeps topics in memory: give it back.
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &config.brokers)
        .create()
        .unwrap();
    let topics = [
        &config.raw_topic,
        &config.scored_topic,
        &config.dead_letter_topic,
    ];
    let topics: Vec<&str> = topics.iter().map(|t| t.as_str()).collect();
    if let Err(e) = admin.delete_topics(&topics, &AdminOptions::new()).await {
        eprintln!("deleting the benchmark topics: {e}");
    }
}
