//! Toxics as Toxiproxy's API spells them: `{name, type, stream, toxicity, attributes}`.

use serde::Serialize;
use serde_json::{Value, json};

/// Which direction of a proxied connection a toxic acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    /// Client to server.
    Upstream,
    /// Server to client.
    Downstream,
}

/// The kinds of toxic the scenarios use, with their attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToxicKind {
    /// Delays every chunk of data by `latency_ms` ± `jitter_ms`.
    Latency { latency_ms: u32, jitter_ms: u32 },
    /// Stops all data and closes the connection after `timeout_ms` (0: never closes).
    Timeout { timeout_ms: u32 },
    /// Resets the connection (TCP RST) after `timeout_ms`.
    ResetPeer { timeout_ms: u32 },
    /// Limits throughput to `rate_kb` kilobytes per second.
    Bandwidth { rate_kb: u32 },
    /// Slices data into `average_size` ± `size_variation` byte pieces, `delay_us` apart.
    Slicer {
        average_size: u32,
        size_variation: u32,
        delay_us: u32,
    },
}

impl ToxicKind {
    /// Toxiproxy's `type` name.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Latency { .. } => "latency",
            Self::Timeout { .. } => "timeout",
            Self::ResetPeer { .. } => "reset_peer",
            Self::Bandwidth { .. } => "bandwidth",
            Self::Slicer { .. } => "slicer",
        }
    }

    fn attributes(self) -> Value {
        match self {
            Self::Latency {
                latency_ms,
                jitter_ms,
            } => json!({ "latency": latency_ms, "jitter": jitter_ms }),
            Self::Timeout { timeout_ms } | Self::ResetPeer { timeout_ms } => {
                json!({ "timeout": timeout_ms })
            }
            Self::Bandwidth { rate_kb } => json!({ "rate": rate_kb }),
            Self::Slicer {
                average_size,
                size_variation,
                delay_us,
            } => json!({
                "average_size": average_size,
                "size_variation": size_variation,
                "delay": delay_us,
            }),
        }
    }
}

impl std::fmt::Display for ToxicKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Latency {
                latency_ms,
                jitter_ms,
            } => write!(f, "latency {latency_ms}±{jitter_ms}ms"),
            Self::Timeout { timeout_ms } => write!(f, "timeout {timeout_ms}ms"),
            Self::ResetPeer { timeout_ms } => write!(f, "reset_peer after {timeout_ms}ms"),
            Self::Bandwidth { rate_kb } => write!(f, "bandwidth {rate_kb}KB/s"),
            Self::Slicer {
                average_size,
                size_variation,
                delay_us,
            } => write!(f, "slicer {average_size}±{size_variation}B/{delay_us}µs"),
        }
    }
}

/// One named toxic on one stream of a proxy.
#[derive(Debug, Clone, PartialEq)]
pub struct Toxic {
    pub name: String,
    pub kind: ToxicKind,
    pub stream: Stream,
    /// Probability (0–1) that a connection is affected.
    pub toxicity: f32,
}

impl Toxic {
    /// A toxic affecting every connection.
    pub fn new(name: impl Into<String>, kind: ToxicKind, stream: Stream) -> Self {
        Self {
            name: name.into(),
            kind,
            stream,
            toxicity: 1.0,
        }
    }

    /// The body of `POST /proxies/{proxy}/toxics`.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind.type_name(),
            "stream": self.stream,
            "toxicity": self.toxicity,
            "attributes": self.kind.attributes(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_toxiproxy_expects() {
        let kind = ToxicKind::Slicer {
            average_size: 64,
            size_variation: 32,
            delay_us: 500,
        };
        let body = Toxic::new("cut", kind, Stream::Upstream).to_json();
        assert_eq!(
            body,
            json!({"name": "cut", "type": "slicer", "stream": "upstream", "toxicity": 1.0,
                "attributes": {"average_size": 64, "size_variation": 32, "delay": 500}})
        );
        let reset = ToxicKind::ResetPeer { timeout_ms: 0 };
        assert_eq!(reset.attributes(), json!({"timeout": 0}));
        assert_eq!(reset.type_name(), "reset_peer");
    }
}
