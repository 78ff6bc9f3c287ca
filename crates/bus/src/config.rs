use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use websense_model::legacy_duration;

// Durations are text (`"5ms"`); the old `*_ms` keys are read for one release, in
// milliseconds, with a deprecation notice.
legacy_duration!(linger, "bus", "linger", "linger_ms", Millis);
legacy_duration!(batch_wait, "bus", "batch_wait", "batch_wait_ms", Millis);

/// Which bus to run, as the `[bus]` table of the configuration file.
///
/// ```toml
/// [bus]
/// kind = "kafka"
/// brokers = "kafka-1:9092,kafka-2:9092"
/// ```
///
/// Without a `[bus]` table websense runs the embedded bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // read once at start-up; boxing would only burden its users
pub enum BusConfig {
    /// In-process: one process runs every stage.
    Embedded(EmbeddedConfig),
    /// Kafka (or any broker speaking the plain Kafka protocol): stages may run apart.
    Kafka(KafkaConfig),
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig::Embedded(EmbeddedConfig::default())
    }
}

/// Settings of the embedded bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbeddedConfig {
    /// Items a queue holds, queued and handed out but not yet acknowledged together.
    /// A sender waits when the queue is full.
    pub capacity: usize,
    /// Most items a consumer gets in one batch.
    pub batch_size: usize,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        EmbeddedConfig {
            capacity: 10_000,
            batch_size: 500,
        }
    }
}

/// Settings of the Kafka bus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KafkaConfig {
    /// `bootstrap.servers`: comma-separated `host:port` list.
    pub brokers: String,
    /// Topic of raw items (collectors -> matcher).
    pub raw_topic: String,
    /// Topic of scored items (matcher -> store).
    pub scored_topic: String,
    /// Where messages that do not decode go, with the error in their headers.
    pub dead_letter_topic: String,
    /// Consumer groups are `<group_id>.raw` (reads the raw topic) and `<group_id>.scored`.
    pub group_id: String,
    /// Producer compression. `zstd` needs librdkafka built with zstd (rdkafka's `zstd` feature),
    /// which this build does not include; creating the producer then fails with a clear error.
    pub compression: Compression,
    /// Idempotent producer (no duplicates or reordering from the producer's own retries).
    pub idempotence: bool,
    /// How long the producer waits to fill a batch (librdkafka's `linger.ms`; `"5ms"`).
    #[serde(
        alias = "linger_ms",
        deserialize_with = "linger",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub linger: Duration,
    /// Create missing topics on connect.
    pub create_topics: bool,
    /// Partitions of topics created on connect.
    pub partitions: i32,
    /// Replication factor of topics created on connect (use 3 on a production cluster).
    pub replication_factor: i32,
    /// Most messages in one consumer batch.
    pub batch_size: usize,
    /// How long a consumer waits to fill a batch once it has its first message (`"100ms"`).
    #[serde(
        alias = "batch_wait_ms",
        deserialize_with = "batch_wait",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub batch_wait: Duration,
    /// Batches a consumer hands out before it waits for acknowledgements. While it waits its
    /// partitions are paused, so a slow downstream bounds memory instead of growing it.
    pub max_unacked_batches: usize,
    /// librdkafka settings for every client (producer, consumers, admin).
    pub settings: BTreeMap<String, String>,
    /// librdkafka settings for the producer only.
    pub producer_settings: BTreeMap<String, String>,
    /// librdkafka settings for consumers only.
    pub consumer_settings: BTreeMap<String, String>,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            brokers: "localhost:9092".into(),
            raw_topic: "websense.items.raw".into(),
            scored_topic: "websense.items.scored".into(),
            dead_letter_topic: "websense.dead-letter".into(),
            group_id: "websense".into(),
            compression: Compression::Lz4,
            idempotence: true,
            linger: Duration::from_millis(5),
            create_topics: true,
            partitions: 6,
            replication_factor: 1,
            batch_size: 500,
            batch_wait: Duration::from_millis(100),
            max_unacked_batches: 4,
            settings: BTreeMap::new(),
            producer_settings: BTreeMap::new(),
            consumer_settings: BTreeMap::new(),
        }
    }
}

/// Producer compression codec (`compression.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::duration::take_deprecations;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        bus: BusConfig,
    }

    #[test]
    fn no_bus_table_means_embedded() {
        let file: File = toml::from_str("").unwrap();
        assert_eq!(file.bus, BusConfig::Embedded(EmbeddedConfig::default()));
    }

    #[test]
    fn kafka_table_fills_defaults() {
        let file: File = toml::from_str(
            "[bus]\nkind = \"kafka\"\nbrokers = \"k1:9092\"\ncompression = \"gzip\"\n\
             [bus.consumer_settings]\n\"session.timeout.ms\" = \"6000\"\n",
        )
        .unwrap();
        let BusConfig::Kafka(kafka) = file.bus else {
            panic!("not kafka: {:?}", file.bus)
        };
        assert_eq!(kafka.brokers, "k1:9092");
        assert_eq!(kafka.compression, Compression::Gzip);
        assert_eq!(kafka.raw_topic, KafkaConfig::default().raw_topic);
        assert_eq!(kafka.consumer_settings["session.timeout.ms"], "6000");
    }

    #[test]
    fn misspelt_keys_are_errors() {
        let err = toml::from_str::<File>("[bus]\nkind = \"kafka\"\nbroker = \"k1:9092\"\n")
            .err()
            .expect("a misspelt key must not be ignored");
        assert!(err.to_string().contains("broker"), "{err}");
        assert!(toml::from_str::<File>("[bus]\nkind = \"carrier-pigeon\"\n").is_err());
    }

    /// `linger` and `batch_wait` read as text; the old `*_ms` keys in milliseconds with a
    /// notice; both spellings at once are an error.
    #[test]
    fn durations_read_new_and_old_keys() {
        type Get = fn(&KafkaConfig) -> Duration;
        let cases: [(&str, &str, Get, Duration); 2] = [
            (
                "linger_ms = 20",
                "linger = \"20ms\"",
                |k| k.linger,
                Duration::from_millis(20),
            ),
            (
                "batch_wait_ms = 1000",
                "batch_wait = \"1s\"",
                |k| k.batch_wait,
                Duration::from_secs(1),
            ),
        ];
        let kafka = |line: &str| -> Result<KafkaConfig, String> {
            match toml::from_str::<File>(&format!("[bus]\nkind = \"kafka\"\n{line}\n")) {
                Ok(File {
                    bus: BusConfig::Kafka(k),
                }) => Ok(k),
                Ok(_) => Err("not kafka".into()),
                Err(e) => Err(e.to_string()),
            }
        };
        for (old, new, get, want) in cases {
            take_deprecations();
            assert_eq!(get(&kafka(new).unwrap()), want, "{new}");
            assert!(take_deprecations().is_empty(), "{new}");
            assert_eq!(get(&kafka(old).unwrap()), want, "{old}");
            let notices = take_deprecations();
            assert!(
                notices.len() == 1
                    && notices[0].contains(&format!("[bus] `{old}`"))
                    && notices[0].contains(&format!("write `{new}`")),
                "{notices:?}"
            );
            let e = kafka(&format!("{new}\n{old}")).unwrap_err();
            assert!(e.contains("duplicate field"), "{e}");
        }
        let d = KafkaConfig::default();
        assert_eq!(
            (d.linger, d.batch_wait),
            (Duration::from_millis(5), Duration::from_millis(100))
        );
    }
}
