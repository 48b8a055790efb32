//! The in-memory order store: orders, outbox, processed events and every status change.
//!
//! Its tables are reachable one transaction at a time through [`MemoryOrderStore::transaction`],
//! each [`OrderTables`] method one statement of the real schema: the port's operations are
//! transactions composed of them, and the simulation's PostgreSQL composes them the same way —
//! or, to reproduce a broken adapter for the harness, another way (`sim/src/infra/`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::Notify;

use saga_core::event::Envelope;
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, NewOrder, OrderStore, OutboxBacklog, OutboxClaim, OutboxRecord,
    PaymentApplication, PortError,
};
use saga_core::snapshot::{OrderStoreSnapshot, OutboxRow, StatusChange};
use saga_core::topic::Topic;
use saga_core::{EventId, IdempotencyKey, Order, OrderId, OrderStatus, Owner, PaymentDecision};
use time::OffsetDateTime;

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
    /// Idempotency keys are scoped to the order's owner.
    by_key: BTreeMap<(Option<Owner>, IdempotencyKey), OrderId>,
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

    /// Runs `statements` as one transaction: nothing else reads or writes the tables until it
    /// returns. Wakes waiting relays when it wrote an outbox row.
    pub fn transaction<R>(&self, statements: impl FnOnce(&mut OrderTables<'_>) -> R) -> R {
        let mut tables = OrderTables {
            state: self.lock(),
            wrote_outbox: false,
        };
        let result = statements(&mut tables);
        let wrote_outbox = tables.wrote_outbox;
        drop(tables);
        if wrote_outbox {
            self.signal_outbox();
        }
        result
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

    /// Unpublished outbox rows; see [`OrderStore::outbox_backlog`].
    pub fn backlog(&self) -> OutboxBacklog {
        let state = self.lock();
        let mut unpublished = state.outbox.values().filter(|row| !row.published);
        let oldest_created_at = unpublished.next().map(|row| row.record.created_at);
        let count = oldest_created_at.map_or(0, |_| 1 + unpublished.count() as u64);
        OutboxBacklog {
            unpublished: count,
            oldest_created_at,
        }
    }

    /// Everything this store holds, for the checker.
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

/// The order store's tables inside one transaction (see [`MemoryOrderStore::transaction`]).
/// Each method is one statement of the real schema; [`OrderTables::create_order`] and
/// [`OrderTables::apply_payment`] are the transactions the real adapter runs.
pub struct OrderTables<'a> {
    state: std::sync::MutexGuard<'a, State>,
    wrote_outbox: bool,
}

impl OrderTables<'_> {
    /// The order and its ORDER_CREATED row: [`OrderStore::create_order`].
    pub fn create_order(&mut self, new: &NewOrder) -> CreateOutcome {
        let outcome = self.insert_order(new);
        if let CreateOutcome::Created(order) = &outcome {
            self.insert_order_created(new, order);
        }
        outcome
    }

    /// Applies a payment outcome: [`OrderStore::apply_payment`]. A recorded event is a
    /// duplicate; only a PENDING order changes.
    pub fn apply_payment(&mut self, apply: &PaymentApplication) -> ApplyOutcome {
        if self.is_processed(apply.event_id) {
            return ApplyOutcome::Duplicate;
        }
        let Some(from) = self.order(apply.order_id).map(|o| o.status) else {
            return ApplyOutcome::UnknownOrder;
        };
        let to = apply.decision.terminal_status();
        self.record_processed(apply.event_id, apply.order_id);
        if from.transition(to).is_err() {
            return ApplyOutcome::AlreadyTerminal(from);
        }
        self.set_status(apply.order_id, apply.decision, apply.at, apply.event_id);
        ApplyOutcome::Applied(to)
    }

    /// `INSERT INTO orders … ON CONFLICT (owner, idempotency_key) DO NOTHING`: a new PENDING
    /// order, or the order that already holds the idempotency key for this owner.
    pub fn insert_order(&mut self, new: &NewOrder) -> CreateOutcome {
        let state = &mut *self.state;
        let scoped = new
            .idempotency_key
            .as_ref()
            .map(|key| (new.owner.clone(), key.clone()));
        if let Some(id) = scoped.as_ref().and_then(|scoped| state.by_key.get(scoped)) {
            return CreateOutcome::Existing(state.orders[id].clone());
        }
        state.next_order_id += 1;
        let id = OrderId::new(state.next_order_id).expect("ids start at 1");
        let order = new.pending(id);
        state.orders.insert(id, order.clone());
        if let Some(scoped) = scoped {
            state.by_key.insert(scoped, id);
        }
        CreateOutcome::Created(order)
    }

    /// `INSERT INTO outbox`: the ORDER_CREATED row of `order`.
    pub fn insert_order_created(&mut self, new: &NewOrder, order: &Order) {
        let envelope = Envelope::order_created(
            new.event_id,
            new.created_at,
            new.correlation_id.clone(),
            order.id,
            order.item.clone(),
        );
        let state = &mut *self.state;
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
        let row = Row {
            record,
            published: false,
            claimed_by: None,
        };
        state.outbox.insert(state.next_outbox_id, row);
        self.wrote_outbox = true;
    }

    /// Order `id`'s status history, oldest first.
    pub fn status_history(&self, id: OrderId) -> Vec<StatusChange> {
        let changes = self.state.history.iter().filter(|c| c.order_id == id);
        changes.cloned().collect()
    }

    /// `SELECT … FROM orders WHERE id = $1`.
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.state.orders.get(&id)
    }

    /// Whether processed_events holds `event`.
    pub fn is_processed(&self, event: EventId) -> bool {
        self.state.processed.contains_key(&event)
    }

    /// `INSERT INTO processed_events … ON CONFLICT DO NOTHING`; whether the row is new.
    pub fn record_processed(&mut self, event: EventId, order: OrderId) -> bool {
        let processed = &mut self.state.processed;
        let new = !processed.contains_key(&event);
        processed.entry(event).or_insert(order);
        new
    }

    /// `UPDATE orders SET status = …, updated_at = … WHERE id = $1`, whatever the order's
    /// status (the caller checks), kept in the status history with the event that caused it.
    /// `None` when there is no such order.
    pub fn set_status(
        &mut self,
        id: OrderId,
        decision: PaymentDecision,
        at: OffsetDateTime,
        event: EventId,
    ) -> Option<OrderStatus> {
        let to = decision.terminal_status();
        let order = self.state.orders.get_mut(&id)?;
        let from = order.status;
        order.status = to;
        order.updated_at = at;
        self.state.history.push(StatusChange {
            order_id: id,
            from,
            to,
            event_id: event,
            at,
        });
        Some(to)
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
        Ok(self.transaction(|tables| tables.create_order(&new)))
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
        Ok(self.transaction(|tables| tables.apply_payment(&apply)))
    }

    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError> {
        Ok(self.transaction(|t| t.status_history(id)))
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        Ok(self.backlog())
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}
