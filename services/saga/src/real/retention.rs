//! Start-up checks that retention cannot outrun redelivery: a deduplication record (a
//! processed event, a payment decision) must outlive every copy of its event that Kafka can
//! still deliver — the topic's retention plus the maximum consumer lag the operator promises
//! (`SAGA_MAX_CONSUMER_LAG_SECONDS`, default one day). A component whose windows are shorter
//! refuses to start, naming the variable.

use std::time::Duration;

use anyhow::{Context, bail};
use saga_core::Topic;
use saga_kafka::KafkaConfig;

/// The longest a consumer may fall behind, unless configured.
pub const DEFAULT_MAX_CONSUMER_LAG: Duration = Duration::from_secs(24 * 3600);

/// How long an event of `topic` can still be delivered: its retention plus the maximum lag;
/// `None` when the topic keeps records forever (then no finite window is safe).
///
/// # Errors
/// When Kafka cannot say, or `SAGA_MAX_CONSUMER_LAG_SECONDS` is malformed.
pub async fn redelivery_window(topic: Topic) -> anyhow::Result<Option<Duration>> {
    let config = KafkaConfig::from_env().context("configuring Kafka")?;
    let lag =
        saga_runtime::env::seconds("SAGA_MAX_CONSUMER_LAG_SECONDS", DEFAULT_MAX_CONSUMER_LAG)?;
    let retention = saga_kafka::topic_retention(&config, topic).await?;
    Ok(retention.map(|r| r + lag))
}

/// Refuses a decision TTL shorter than the redelivery window of `orders`.
///
/// # Errors
/// Naming `REDIS_DECISION_TTL_SECONDS` and the bound.
pub async fn check_decision_ttl(ttl: Duration) -> anyhow::Result<()> {
    if ttl.is_zero() {
        return Ok(()); // kept forever
    }
    match redelivery_window(Topic::Orders).await? {
        None => bail!(
            "REDIS_DECISION_TTL_SECONDS={}: the orders topic keeps records forever, so a \
             decision must too (set 0)",
            ttl.as_secs()
        ),
        Some(window) if ttl < window => bail!(
            "REDIS_DECISION_TTL_SECONDS={}: an ORDER_CREATED can be redelivered for {} s \
             (orders topic retention plus SAGA_MAX_CONSUMER_LAG_SECONDS); keep decisions at \
             least that long",
            ttl.as_secs(),
            window.as_secs()
        ),
        Some(_) => Ok(()),
    }
}
