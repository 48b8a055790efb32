//! Order API configuration.

use saga_core::mutant::Mutant;

/// How the Order API behaves.
#[derive(Debug, Clone)]
pub struct OrderApiConfig {
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// A deliberate bug for the simulation harness. Only Rust code sets this; no environment
    /// variable or flag reaches it.
    pub mutant: Option<Mutant>,
}

impl Default for OrderApiConfig {
    fn default() -> Self {
        Self {
            body_limit: saga_api::DEFAULT_BODY_LIMIT,
            mutant: None,
        }
    }
}
