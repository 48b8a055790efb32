//! The four Kafka topics of the saga.

use serde::{Deserialize, Serialize};

/// A topic the saga reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Topic {
    #[serde(rename = "orders")]
    Orders,
    #[serde(rename = "payments")]
    Payments,
    #[serde(rename = "orders-dlq")]
    OrdersDlq,
    #[serde(rename = "payments-dlq")]
    PaymentsDlq,
}

impl Topic {
    pub const ALL: [Topic; 4] = [
        Topic::Orders,
        Topic::Payments,
        Topic::OrdersDlq,
        Topic::PaymentsDlq,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orders => "orders",
            Self::Payments => "payments",
            Self::OrdersDlq => "orders-dlq",
            Self::PaymentsDlq => "payments-dlq",
        }
    }

    /// The dead-letter topic for records rejected on this topic.
    pub fn dlq(self) -> Topic {
        match self {
            Self::Orders | Self::OrdersDlq => Self::OrdersDlq,
            Self::Payments | Self::PaymentsDlq => Self::PaymentsDlq,
        }
    }

    pub fn parse(name: &str) -> Option<Topic> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The consumer group that applies payment events (and dead-letters those it must not).
pub const STATUS_GROUP: &str = "order-status-worker";

/// The saga's consumer groups and the topic each reads; liveness requires each to have
/// committed everything on its topic.
pub const CONSUMER_GROUPS: [(&str, Topic); 3] = [
    ("payment-worker", Topic::Orders),
    ("order-status-worker", Topic::Payments),
    ("delivery-worker", Topic::Orders),
];
