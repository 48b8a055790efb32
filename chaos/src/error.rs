//! What can stop a chaos run (as opposed to what a run finds: those are violations in the
//! report).

use crate::stack::StackError;
use crate::toxiproxy::ToxiproxyError;

/// A run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    #[error(transparent)]
    Stack(#[from] StackError),
    #[error(transparent)]
    Toxiproxy(#[from] ToxiproxyError),
    #[error("{backend}: {reason}")]
    Backend {
        backend: &'static str,
        reason: String,
    },
    #[error("{component}: {reason}")]
    Component { component: String, reason: String },
    #[error("unknown scenario {0:?} (see `chaos list`)")]
    UnknownScenario(String),
    #[error(
        "scenario {0:?} acts on the backend servers, which this stack does not let the runner \
         control: run it with --stack private or native"
    )]
    NotOffered(String),
    #[error("fault plan: {0}")]
    Plan(String),
}

impl ChaosError {
    pub fn backend(backend: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Backend {
            backend,
            reason: error.to_string(),
        }
    }

    pub fn component(component: &str, reason: impl std::fmt::Display) -> Self {
        Self::Component {
            component: component.to_owned(),
            reason: reason.to_string(),
        }
    }
}
