//! Order API configuration.

/// How the Order API behaves.
#[derive(Debug, Clone)]
pub struct OrderApiConfig {
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
}

impl Default for OrderApiConfig {
    fn default() -> Self {
        Self {
            body_limit: saga_api::DEFAULT_BODY_LIMIT,
        }
    }
}
