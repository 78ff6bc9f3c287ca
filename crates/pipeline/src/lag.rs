//! Consumer lag on Kafka, watched: every interval, the bus's [`LagReader`] reads the group's
//! lag into the stage's `websense_consumer_lag` metric.

use crate::metrics::{Metrics, Stage};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use websense_bus::{KafkaConfig, LagReader, LagTopic};

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
    let which = match stage {
        Stage::Store => LagTopic::Scored,
        _ => LagTopic::Raw,
    };
    let reader = LagReader::new(config, which);
    tokio::spawn(async move {
        let reader = match reader {
            Ok(r) => Arc::new(r),
            Err(e) => {
                tracing::warn!(error = %e, "cannot create the consumer-lag client; lag stays unknown");
                return;
            }
        };
        loop {
            let r = reader.clone();
            let lag = match tokio::task::spawn_blocking(move || r.read()).await {
                Ok(Ok(lag)) => Some(lag),
                Ok(Err(e)) => {
                    tracing::debug!(topic = reader.topic(), error = %e, "cannot read consumer lag");
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
