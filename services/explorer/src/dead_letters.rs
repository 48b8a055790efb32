//! What the dead-letter page acts through: the bus a replay publishes on, the dead-letter table
//! and the operators' action ledger, and the configured API keys that decide who may act (an
//! operator key whenever keys are configured, the gateway's rule).

use std::sync::Arc;

use saga_api::auth::{ApiKeys, Role};
use saga_core::ports::{DeadLetterLedger, DeadLetterStore, EventBus, PortError};
use saga_core::snapshot::TopicRecord;
use saga_runtime::dlq::{self, DeadLetter};

/// The dead-letter page's adapters.
#[derive(Clone)]
pub struct DeadLetterDeps {
    pub bus: Arc<dyn EventBus>,
    pub table: Arc<dyn DeadLetterStore>,
    pub ledger: Arc<dyn DeadLetterLedger>,
    /// The accepted API keys; `None` when none are configured (anyone reaching the page may
    /// act, as anyone reaching the gateway may order).
    pub keys: Option<Arc<ApiKeys>>,
}

impl DeadLetterDeps {
    /// Every dead letter: `records` (the DLQ topics' records of the cached snapshot) with the
    /// table's and the ledger's current contents; and how many DLQ records were unreadable.
    ///
    /// # Errors
    /// The table or the ledger cannot be read.
    pub async fn letters(
        &self,
        records: &[TopicRecord],
    ) -> Result<(Vec<DeadLetter>, usize), PortError> {
        let kept = self.table.list().await?;
        let actions = self.ledger.actions().await?;
        Ok(dlq::gather(records, &kept, &actions))
    }

    /// Who `key` is when it may act: the operator key's name, or `anonymous` when no keys are
    /// configured.
    ///
    /// # Errors
    /// Why the key may not act, for the page.
    pub fn operator(&self, key: &str) -> Result<String, String> {
        let Some(keys) = &self.keys else {
            return Ok("anonymous".into());
        };
        match keys.principal(key.trim()) {
            Some(p) if p.role >= Role::Operator => Ok(p.owner.to_string()),
            Some(p) => Err(format!(
                "{} is a client key: replay and discard need an operator key",
                p.owner
            )),
            None if key.trim().is_empty() => Err("an operator API key is required".into()),
            None => Err("that API key is not one of the configured keys".into()),
        }
    }
}
