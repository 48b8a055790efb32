//! How long after its first handling an event can still be delivered again: the window every
//! deduplication record (a payment decision, a processed event) must outlive. Pure: the
//! inputs come from Kafka's topic and broker configs and the saga's own variables.
//!
//! The window is a sum, each term named so a refusal can print where it comes from:
//!
//! - `retention.ms` of the topic: how long a record is kept after its timestamp;
//! - `segment.ms` of the topic: Kafka deletes whole segments, and a segment is deleted only
//!   once its newest record has expired, so its oldest record can be read for up to one
//!   segment's span longer (`segment.bytes` may roll segments sooner but never later, so it
//!   cannot shorten this bound);
//! - the promised consumer lag (`SAGA_MAX_CONSUMER_LAG_SECONDS`): a record fetched just before
//!   its segment went can still be handled that much later;
//! - the republish age (`SAGA_REPUBLISH_MAX_AGE_SECONDS`): a reconciler re-drive or a
//!   dead-letter replay appends an old event id as a new record, which then lives a whole
//!   storage life of its own; both refuse events older than this.
//!
//! The group offsets' expiry (`offsets.retention.minutes`) adds no term to a finite window:
//! an empty group whose offsets expired restarts from the earliest offset and replays every
//! record still stored, which is what the first two terms already bound. It is why the lag
//! alone is never a bound. A topic that keeps records forever has no finite window.

use std::fmt;
use std::time::Duration;

/// The oldest event a re-drive or a dead-letter replay may publish again unless
/// `SAGA_REPUBLISH_MAX_AGE_SECONDS` says otherwise.
pub const DEFAULT_REPUBLISH_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// What the window is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowInputs {
    /// The topic's `retention.ms`; `None` when it keeps records forever.
    pub retention: Option<Duration>,
    /// The topic's `segment.ms`.
    pub segment: Duration,
    /// The broker's `offsets.retention.minutes`, when the component may describe the broker
    /// (printed beside the window, never a term of it).
    pub offsets_retention: Option<Duration>,
    /// `SAGA_MAX_CONSUMER_LAG_SECONDS`.
    pub lag: Duration,
    /// `SAGA_REPUBLISH_MAX_AGE_SECONDS`.
    pub republish: Duration,
}

/// One named term of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub name: &'static str,
    pub value: Duration,
}

/// The redelivery window, with its breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    Bounded {
        terms: Vec<Term>,
        offsets_retention: Option<Duration>,
    },
    /// The topic keeps records forever: no finite retention of dedup state is safe.
    Unbounded { offsets_retention: Option<Duration> },
}

/// The window of a topic with `inputs`.
pub fn window(inputs: &WindowInputs) -> Window {
    let Some(retention) = inputs.retention else {
        return Window::Unbounded {
            offsets_retention: inputs.offsets_retention,
        };
    };
    let mut terms = vec![
        Term {
            name: "retention.ms",
            value: retention,
        },
        Term {
            name: "segment.ms",
            value: inputs.segment,
        },
        Term {
            name: "SAGA_MAX_CONSUMER_LAG_SECONDS",
            value: inputs.lag,
        },
        Term {
            name: "SAGA_REPUBLISH_MAX_AGE_SECONDS",
            value: inputs.republish,
        },
    ];
    if crate::mutant::active(crate::mutant::Mutant::WindowIsRetentionOnly) {
        // The bug: as if Kafka deleted record by record and nothing were re-published.
        terms.truncate(1);
    }
    Window::Bounded {
        terms,
        offsets_retention: inputs.offsets_retention,
    }
}

impl Window {
    /// The sum of the terms; `None` when unbounded.
    pub fn total(&self) -> Option<Duration> {
        match self {
            Self::Bounded { terms, .. } => Some(
                terms
                    .iter()
                    .fold(Duration::ZERO, |sum, t| sum.saturating_add(t.value)),
            ),
            Self::Unbounded { .. } => None,
        }
    }

    /// Whether dedup state kept for `kept` (zero: forever) outlives every redelivery.
    pub fn covered_by(&self, kept: Duration) -> bool {
        kept.is_zero() || self.total().is_some_and(|total| kept >= total)
    }
}

/// Minutes, or "unknown" when the broker would not say.
fn minutes(span: Option<Duration>) -> String {
    span.map_or_else(|| "unknown".into(), |d| (d.as_secs() / 60).to_string())
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bounded {
                terms,
                offsets_retention,
            } => {
                let total = self.total().unwrap_or_default().as_secs();
                write!(f, "{total} s = ")?;
                for (i, term) in terms.iter().enumerate() {
                    let plus = if i == 0 { "" } else { " + " };
                    write!(f, "{plus}{} {} s", term.name, term.value.as_secs())?;
                }
                write!(
                    f,
                    " (offsets.retention.minutes {}: an idle group's replay from the earliest \
                     offset stays within what is stored)",
                    minutes(*offsets_retention)
                )
            }
            Self::Unbounded { offsets_retention } => write!(
                f,
                "unbounded: the topic keeps records forever (retention.ms -1), and a group idle \
                 for offsets.retention.minutes {} replays them all from the earliest offset",
                minutes(*offsets_retention)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn kafka_defaults() -> WindowInputs {
        WindowInputs {
            retention: Some(DAY * 7),
            segment: DAY * 7,
            offsets_retention: Some(DAY * 7),
            lag: DAY,
            republish: DAY,
        }
    }

    #[test]
    fn the_window_sums_every_term_and_names_each() {
        let w = window(&kafka_defaults());
        assert_eq!(w.total(), Some(DAY * 16));
        let text = w.to_string();
        for name in [
            "retention.ms 604800 s",
            "segment.ms 604800 s",
            "SAGA_MAX_CONSUMER_LAG_SECONDS 86400 s",
            "SAGA_REPUBLISH_MAX_AGE_SECONDS 86400 s",
            "offsets.retention.minutes 10080",
        ] {
            assert!(text.contains(name), "{name} missing from {text}");
        }
        assert!(text.starts_with("1382400 s = "), "{text}");
    }

    #[test]
    fn segment_ms_lengthens_the_window_beyond_retention_plus_lag() {
        let short = WindowInputs {
            segment: Duration::from_secs(3600),
            ..kafka_defaults()
        };
        // 7 days' retention, an hour's segment, a day's lag and a day's republish age.
        let kept = DAY * 9 + Duration::from_secs(3600);
        assert!(!window(&kafka_defaults()).covered_by(kept));
        assert!(window(&short).covered_by(kept));
        assert!(!window(&short).covered_by(kept - Duration::from_secs(1)));
    }

    #[test]
    fn a_topic_kept_forever_needs_dedup_state_kept_forever() {
        let forever = WindowInputs {
            retention: None,
            ..kafka_defaults()
        };
        let w = window(&forever);
        assert_eq!(w.total(), None);
        assert!(!w.covered_by(Duration::MAX));
        assert!(w.covered_by(Duration::ZERO), "zero keeps state forever");
        assert!(w.to_string().contains("forever"));
    }

    #[test]
    fn offsets_expiry_adds_no_term_to_a_finite_window() {
        let quick = WindowInputs {
            offsets_retention: Some(Duration::from_secs(60)),
            ..kafka_defaults()
        };
        assert_eq!(window(&quick).total(), window(&kafka_defaults()).total());
    }
}
