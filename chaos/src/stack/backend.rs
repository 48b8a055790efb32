//! The three backends: each is a Toxiproxy proxy and a `scripts/stack` service of the same
//! name.

use serde::Serialize;

/// PostgreSQL, Kafka or Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Postgres,
    Kafka,
    Redis,
}

impl Backend {
    pub const ALL: [Backend; 3] = [Self::Postgres, Self::Kafka, Self::Redis];

    /// The proxy's name in `toxiproxy.json` and the service's in `scripts/stack`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Kafka => "kafka",
            Self::Redis => "redis",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
