//! Retention that cannot outrun redelivery: a deduplication record (a processed event, a
//! payment decision) must outlive every copy of its event that can still be delivered, the
//! window [`saga_core::redelivery`] computes from the topic's `retention.ms` and `segment.ms`,
//! the broker's `offsets.retention.minutes`, the promised consumer lag
//! (`SAGA_MAX_CONSUMER_LAG_SECONDS`, default one day) and the republish age
//! (`SAGA_REPUBLISH_MAX_AGE_SECONDS`, default one day). A component whose retention is shorter
//! refuses to start, naming the variable and printing the window's breakdown.

use std::time::Duration;

use anyhow::{Context, bail};
use saga_core::Topic;
use saga_core::redelivery::{self, Window, WindowInputs};
use saga_kafka::KafkaConfig;

/// The longest a consumer may fall behind, unless configured.
pub const DEFAULT_MAX_CONSUMER_LAG: Duration = Duration::from_secs(24 * 3600);

pub use saga_core::redelivery::DEFAULT_REPUBLISH_MAX_AGE;

/// The redelivery window of `topic`, read from Kafka and the environment.
///
/// # Errors
/// When Kafka cannot say, or a variable is malformed.
pub async fn redelivery_window(topic: Topic) -> anyhow::Result<Window> {
    let config = KafkaConfig::from_env().context("configuring Kafka")?;
    let lag =
        saga_runtime::env::seconds("SAGA_MAX_CONSUMER_LAG_SECONDS", DEFAULT_MAX_CONSUMER_LAG)?;
    let republish =
        saga_runtime::env::seconds("SAGA_REPUBLISH_MAX_AGE_SECONDS", DEFAULT_REPUBLISH_MAX_AGE)?;
    let storage = saga_kafka::topic_storage(&config, topic).await?;
    // Shown beside the window, never a term of it (saga_core::redelivery): a component whose
    // Kafka user may not describe the broker still starts.
    let offsets_retention = saga_kafka::offsets_retention(&config).await.ok();
    Ok(redelivery::window(&WindowInputs {
        retention: storage.retention,
        segment: storage.segment,
        offsets_retention,
        lag,
        republish,
    }))
}

/// Refuses a decision TTL shorter than the redelivery window of `orders`.
///
/// # Errors
/// Naming `REDIS_DECISION_TTL_SECONDS` and the window's breakdown.
pub async fn check_decision_ttl(ttl: Duration) -> anyhow::Result<()> {
    let window = redelivery_window(Topic::Orders).await?;
    decision_ttl_covers(ttl, &window)
}

fn decision_ttl_covers(ttl: Duration, window: &Window) -> anyhow::Result<()> {
    if window.covered_by(ttl) {
        return Ok(());
    }
    bail!(
        "REDIS_DECISION_TTL_SECONDS={}: an ORDER_CREATED can be delivered again for {window} \
         after its decision; keep decisions at least that long (0 keeps them forever)",
        ttl.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_decision_ttl_is_refused_naming_the_variable_and_the_terms() {
        let day = Duration::from_secs(24 * 3600);
        let window = redelivery::window(&WindowInputs {
            retention: Some(day * 7),
            segment: day * 7,
            offsets_retention: Some(day * 7),
            lag: day,
            republish: day,
        });
        let error = decision_ttl_covers(day * 8, &window)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("REDIS_DECISION_TTL_SECONDS=691200"),
            "{error}"
        );
        assert!(error.contains("segment.ms 604800 s"), "{error}");
        assert!(decision_ttl_covers(day * 16, &window).is_ok());
        assert!(decision_ttl_covers(Duration::ZERO, &window).is_ok());
    }
}
