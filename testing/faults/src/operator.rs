//! Operators acting on one open dead letter through the product's own replay and discard
//! (`saga_runtime::dlq`): alone, two at once, or cut off from Kafka. A plain value both
//! harnesses name the same way; each plays it with its own hosts or processes.

use serde::{Deserialize, Serialize};

/// What operators do with an open dead letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperatorAct {
    Replay,
    Discard,
    /// Two operators replay the same letter at once.
    TwoReplays,
    /// One operator replays the letter while another discards it.
    ReplayAndDiscard,
    /// A replay whose publish cannot reach Kafka.
    ReplayCutOff,
}

impl OperatorAct {
    /// One entry per operator acting at once: whether it replays (else it discards).
    pub fn operators(self) -> &'static [bool] {
        match self {
            Self::Replay | Self::ReplayCutOff => &[true],
            Self::Discard => &[false],
            Self::TwoReplays => &[true, true],
            Self::ReplayAndDiscard => &[true, false],
        }
    }

    /// The act in words, as a schedule prints it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Replay => "an operator replays an open dead letter",
            Self::Discard => "an operator discards an open dead letter",
            Self::TwoReplays => "two operators replay the same open dead letter at once",
            Self::ReplayAndDiscard => {
                "one operator replays an open dead letter as another discards it"
            }
            Self::ReplayCutOff => "an operator cut off from Kafka replays an open dead letter",
        }
    }

    /// Whether the operator's link to Kafka is cut.
    pub fn cut_off(self) -> bool {
        self == Self::ReplayCutOff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_act_names_its_operators_and_only_the_cut_off_one_loses_kafka() {
        assert_eq!(OperatorAct::TwoReplays.operators(), [true, true]);
        assert_eq!(OperatorAct::ReplayAndDiscard.operators(), [true, false]);
        assert_eq!(OperatorAct::Discard.operators(), [false]);
        assert!(OperatorAct::ReplayCutOff.cut_off());
        assert!(!OperatorAct::Replay.cut_off());
        let text = serde_json::to_string(&OperatorAct::ReplayCutOff).unwrap();
        assert_eq!(text, "\"replay-cut-off\"");
    }
}
