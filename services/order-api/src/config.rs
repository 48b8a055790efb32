//! Order API configuration.

use saga_core::event::Schema;
use saga_runtime::env::{EnvError, Lookup};
use saga_runtime::schema::Schemas;

/// How the Order API behaves.
#[derive(Debug, Clone)]
pub struct OrderApiConfig {
    /// Largest accepted request body, bytes.
    pub body_limit: usize,
    /// `EVENT_SCHEMA_VERSION`: the schema of the ORDER_CREATED events it writes.
    pub schema: Schema,
}

impl Default for OrderApiConfig {
    fn default() -> Self {
        Self {
            body_limit: saga_api::DEFAULT_BODY_LIMIT,
            schema: Schemas::default().write,
        }
    }
}

impl OrderApiConfig {
    /// The defaults, with the schema from `EVENT_SCHEMA_VERSION` (and `EVENT_SCHEMA_READ_MAX`,
    /// which bounds it) in `lookup`.
    ///
    /// # Errors
    /// [`EnvError`] naming a malformed variable.
    pub fn from_vars(lookup: Lookup<'_>) -> Result<Self, EnvError> {
        Ok(Self {
            schema: Schemas::from_vars(lookup)?.write,
            ..Self::default()
        })
    }
}
