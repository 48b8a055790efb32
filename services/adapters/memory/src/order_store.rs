//! The in-memory order store: orders, outbox, processed events and every status change.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use saga_core::event::Envelope;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutboxRecord,
    OutboxWrite, PaymentApplication, PortError, StatusChange,
};
use saga_core::snapshot::{OrderStoreSnapshot, OutboxRow};
use saga_core::topic::Topic;
use saga_core::{EventId, IdempotencyKey, Order, OrderId, OrderStatus};

/// Identifies one live outbox claim.
pub type ClaimId = u64;

#[derive(Debug)]
struct Row {
    record: OutboxRecord,
    published: bool,
    claimed_by: Option<ClaimId>,
}

#[derive(Debug, Default)]
struct State {
    orders: BTreeMap<OrderId, Order>,
    by_key: BTreeMap<IdempotencyKey, OrderId>,
    next_order_id: i64,
    outbox: BTreeMap<i64, Row>,
    next_outbox_id: i64,
    processed: BTreeMap<EventId, OrderId>,
    history: Vec<StatusChange>,
    next_claim: ClaimId,
}

/// Orders, outbox and processed events in memory. Cheap to clone; clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryOrderStore {
    state: Arc<Mutex<State>>,
    outbox_signal: Arc<Notify>,
}

impl MemoryOrderStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("order store lock poisoned")
    }

    /// Inserts the order row (and with `with_event`, its outbox row) as one atomic step.
    fn insert_order(&self, new: &NewOrder, with_event: bool) -> CreateOutcome {
        let mut state = self.lock();
        if let Some(key) = &new.idempotency_key {
            if let Some(id) = state.by_key.get(key) {
                return CreateOutcome::Existing(state.orders[id].clone());
            }
        }
        state.next_order_id += 1;
        let id = OrderId::new(state.next_order_id).expect("ids start at 1");
        let order = Order {
            id,
            item: new.item.clone(),
            status: OrderStatus::Pending,
            correlation_id: new.correlation_id.clone(),
            idempotency_key: new.idempotency_key.clone(),
            created_at: new.created_at,
            updated_at: new.created_at,
        };
        state.orders.insert(id, order.clone());
        if let Some(key) = &new.idempotency_key {
            state.by_key.insert(key.clone(), id);
        }
        if with_event {
            Self::insert_event(&mut state, new, &order);
        }
        CreateOutcome::Created(order)
    }

    fn insert_event(state: &mut State, new: &NewOrder, order: &Order) {
        let envelope = Envelope::order_created(
            new.event_id,
            new.created_at,
            new.correlation_id.clone(),
            order.id,
            order.item.clone(),
        );
        state.next_outbox_id += 1;
        let record = OutboxRecord {
            id: state.next_outbox_id,
            event_id: new.event_id,
            topic: Topic::Orders,
            key: order.id.key(),
            payload: envelope.to_bytes(),
            correlation_id: new.correlation_id.clone(),
            created_at: new.created_at,
        };
        state.outbox.insert(
            record.id,
            Row {
                record,
                published: false,
                claimed_by: None,
            },
        );
    }

    /// Commits the order row alone: the first of the two transactions of
    /// [`OutboxWrite::SeparateTransaction`] (the dual-write bug). The simulation's PostgreSQL
    /// host serves the two halves as separate requests, so a crash can fall between them.
    pub fn insert_order_row(&self, new: &NewOrder) -> CreateOutcome {
        self.insert_order(new, false)
    }

    /// Commits the ORDER_CREATED outbox row of `order`: the second transaction of
    /// [`OutboxWrite::SeparateTransaction`]. Wakes waiting relays.
    pub fn insert_order_created(&self, new: &NewOrder, order: &Order) {
        Self::insert_event(&mut self.lock(), new, order);
        self.signal_outbox();
    }

    /// Wakes every waiting relay, and leaves a permit so a relay that is between two waits
    /// does not miss this commit (a spurious wake-up is allowed by the contract).
    fn signal_outbox(&self) {
        self.outbox_signal.notify_waiters();
        self.outbox_signal.notify_one();
    }

    /// Claims up to `limit` unclaimed unpublished rows; see [`OrderStore::claim_outbox`].
    pub fn claim(&self, limit: usize) -> (ClaimId, Vec<OutboxRecord>) {
        let mut state = self.lock();
        state.next_claim += 1;
        let claim = state.next_claim;
        let records = state
            .outbox
            .values_mut()
            .filter(|row| !row.published && row.claimed_by.is_none())
            .take(limit)
            .map(|row| {
                row.claimed_by = Some(claim);
                row.record.clone()
            })
            .collect();
        (claim, records)
    }

    /// Marks `ids` of claim `claim` published and releases the rest of the claim.
    pub fn mark_published(&self, claim: ClaimId, ids: &[i64]) {
        let mut state = self.lock();
        for id in ids {
            if let Some(row) = state.outbox.get_mut(id) {
                if row.claimed_by == Some(claim) {
                    row.published = true;
                }
            }
        }
        Self::release_locked(&mut state, claim);
    }

    /// Releases a claim without publishing (what a rolled-back transaction does).
    pub fn release(&self, claim: ClaimId) {
        Self::release_locked(&mut self.lock(), claim);
    }

    /// Releases every live claim: what a database restart does to open transactions.
    pub fn release_all_claims(&self) {
        for row in self.lock().outbox.values_mut() {
            row.claimed_by = None;
        }
    }

    fn release_locked(state: &mut State, claim: ClaimId) {
        for row in state.outbox.values_mut() {
            if row.claimed_by == Some(claim) {
                row.claimed_by = None;
            }
        }
    }

    /// Applies a payment outcome; see [`OrderStore::apply_payment`].
    pub fn apply(&self, apply: &PaymentApplication) -> ApplyOutcome {
        let mut state = self.lock();
        if apply.mode.record_processed && state.processed.contains_key(&apply.event_id) {
            return ApplyOutcome::Duplicate;
        }
        let Some(order) = state.orders.get_mut(&apply.order_id) else {
            return ApplyOutcome::UnknownOrder;
        };
        let from = order.status;
        let to = apply.decision.terminal_status();
        let outcome = if from.transition(to).is_ok() || !apply.mode.only_from_pending {
            order.status = to;
            order.updated_at = apply.at;
            ApplyOutcome::Applied(to)
        } else {
            ApplyOutcome::AlreadyTerminal(from)
        };
        if let ApplyOutcome::Applied(_) = outcome {
            state.history.push(StatusChange {
                order_id: apply.order_id,
                from,
                to,
                event_id: apply.event_id,
                at: apply.at,
            });
        }
        if apply.mode.record_processed {
            state.processed.insert(apply.event_id, apply.order_id);
        }
        outcome
    }

    /// Everything the checker needs from this store.
    pub fn snapshot(&self) -> OrderStoreSnapshot {
        let state = self.lock();
        OrderStoreSnapshot {
            orders: state.orders.values().cloned().collect(),
            outbox: state
                .outbox
                .values()
                .map(|row| OutboxRow {
                    event_id: row.record.event_id,
                    order_id: row.record.key.parse().ok(),
                    published: row.published,
                })
                .collect(),
            processed_events: state.processed.keys().copied().collect(),
            status_changes: state.history.clone(),
        }
    }

    /// Every status change applied so far, in order; the simulation's trace watches it.
    pub fn status_changes_since(&self, from: usize) -> Vec<StatusChange> {
        self.lock()
            .history
            .get(from..)
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }
}

struct MemoryClaim {
    store: MemoryOrderStore,
    claim: ClaimId,
    records: Vec<OutboxRecord>,
    done: bool,
}

#[async_trait]
impl OutboxClaim for MemoryClaim {
    fn records(&self) -> &[OutboxRecord] {
        &self.records
    }

    async fn mark_published(mut self: Box<Self>, ids: &[i64]) -> Result<(), PortError> {
        self.store.mark_published(self.claim, ids);
        self.done = true;
        Ok(())
    }
}

impl Drop for MemoryClaim {
    fn drop(&mut self) {
        if !self.done {
            self.store.release(self.claim);
        }
    }
}

#[async_trait]
impl OrderStore for MemoryOrderStore {
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError> {
        let outcome = match new.outbox {
            OutboxWrite::SameTransaction => self.insert_order(&new, true),
            OutboxWrite::SeparateTransaction => {
                let outcome = self.insert_order_row(&new);
                // The gap where the dual-write bug loses events when the writer dies.
                tokio::task::yield_now().await;
                if let CreateOutcome::Created(order) = &outcome {
                    Self::insert_event(&mut self.lock(), &new, order);
                }
                outcome
            }
        };
        self.signal_outbox();
        Ok(outcome)
    }

    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError> {
        Ok(self.lock().orders.get(&id).cloned())
    }

    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError> {
        let (claim, records) = self.claim(limit);
        Ok(Box::new(MemoryClaim {
            store: self.clone(),
            claim,
            records,
            done: false,
        }))
    }

    async fn wait_for_outbox(&self, max_wait: Duration) {
        let _ = tokio::time::timeout(max_wait, self.outbox_signal.notified()).await;
    }

    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError> {
        Ok(self.apply(&apply))
    }

    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        let state = self.lock();
        let changes = state.history.iter().filter(|c| c.order_id == id);
        Ok(changes.cloned().collect())
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        let state = self.lock();
        let mut unpublished = state.outbox.values().filter(|row| !row.published);
        let oldest_created_at = unpublished.next().map(|row| row.record.created_at);
        let count = oldest_created_at.map_or(0, |_| 1 + unpublished.count() as u64);
        Ok(OutboxBacklog {
            unpublished: count,
            oldest_created_at,
        })
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}
