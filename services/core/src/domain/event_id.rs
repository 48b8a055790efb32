//! Event identifiers (UUIDs). Payment events derive theirs from the source event so a
//! redelivered source produces the very same payment event.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for ids derived from another event (UUID v5).
const DERIVED_NAMESPACE: Uuid = Uuid::from_u128(0x6f72_6465_722d_7361_6761_2d64_6572_6976);

/// A unique event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(Uuid);

impl EventId {
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// A random (version 4) id built from 128 bits supplied by an entropy source.
    pub fn from_random_bits(bits: u128) -> Self {
        Self(uuid::Builder::from_random_bytes(bits.to_le_bytes()).into_uuid())
    }

    /// The id of the event that `purpose` derives from this one: stable, so repeating the
    /// derivation (after a redelivery) yields the same id.
    pub fn derive(self, purpose: &str) -> Self {
        let mut name = self.0.as_bytes().to_vec();
        name.extend_from_slice(purpose.as_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }

    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl std::str::FromStr for EventId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_stable_and_purpose_specific() {
        let source = EventId::from_random_bits(42);
        assert_eq!(source.derive("payment"), source.derive("payment"));
        assert_ne!(source.derive("payment"), source.derive("delivery"));
        assert_ne!(source.derive("payment"), source);
    }

    #[test]
    fn random_bits_make_version_four_uuids() {
        assert_eq!(
            EventId::from_random_bits(u128::MAX)
                .as_uuid()
                .get_version_num(),
            4
        );
    }
}
