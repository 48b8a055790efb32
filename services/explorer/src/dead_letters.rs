//! What the dead-letter page acts through: the bus a replay publishes on, the dead-letter table
//! and the operators' action ledger. Who may act is the viewer's role (`crate::access`).

use std::sync::Arc;

use saga_core::ports::{DeadLetterLedger, DeadLetterStore, EventBus, PortError};
use saga_core::snapshot::TopicRecord;
use saga_runtime::dlq::{self, DeadLetter};

/// The dead-letter page's adapters.
#[derive(Clone)]
pub struct DeadLetterDeps {
    pub bus: Arc<dyn EventBus>,
    pub table: Arc<dyn DeadLetterStore>,
    pub ledger: Arc<dyn DeadLetterLedger>,
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
}
