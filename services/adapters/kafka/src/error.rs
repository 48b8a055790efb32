//! Translation of rdkafka errors into the ports' `PortError`.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use saga_core::ports::PortError;

use crate::BACKEND;

/// Error codes that mean this member no longer owns what it tried to commit.
fn lost_membership(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::IllegalGeneration
            | RDKafkaErrorCode::UnknownMemberId
            | RDKafkaErrorCode::RebalanceInProgress
            | RDKafkaErrorCode::FencedInstanceId
            | RDKafkaErrorCode::StaleMemberEpoch
            | RDKafkaErrorCode::UnknownPartition
    )
}

pub(crate) fn port_error(error: KafkaError) -> PortError {
    match error.rdkafka_error_code() {
        Some(code) if lost_membership(code) => PortError::Rebalanced(error.to_string()),
        // The request itself is wrong: sending it again cannot help.
        Some(
            RDKafkaErrorCode::MessageSizeTooLarge
            | RDKafkaErrorCode::InvalidMessage
            | RDKafkaErrorCode::InvalidMessageSize
            | RDKafkaErrorCode::InvalidRecord
            | RDKafkaErrorCode::TopicAuthorizationFailed
            | RDKafkaErrorCode::ClusterAuthorizationFailed
            | RDKafkaErrorCode::InvalidTopic,
        ) => PortError::rejected(BACKEND, error),
        _ => PortError::unavailable(BACKEND, error),
    }
}
