//! `saga-bench cleanup`: deletes the topics of one benchmark run, named by its prefix.

use std::process::ExitCode;

use clap::Args;
use saga_kafka::KafkaConfig;

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Kafka, reached directly.
    #[arg(long, env = "KAFKA_BOOTSTRAP_SERVERS")]
    kafka: String,
    /// The run's `KAFKA_TOPIC_PREFIX`; must be non-empty, so the saga's own topics stay.
    #[arg(long)]
    prefix: String,
}

pub async fn run(args: CleanupArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(!args.prefix.is_empty(), "--prefix must not be empty");
    let config = KafkaConfig::new(args.kafka);
    saga_kafka::delete_topics_with_prefix(&config, &args.prefix, |_| true).await;
    Ok(ExitCode::SUCCESS)
}
