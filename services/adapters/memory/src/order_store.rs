//! The in-memory order store: orders, outbox, processed events and every status change, with
//! the reconciler's re-drive and retention's pruning.
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

use saga_core::domain::TraceParent;
use saga_core::event::{Envelope, Schema};
use saga_core::ports::{
    ApplyOutcome, CreateOutcome, CreatedOrder, NewOrder, OrderStore, OutboxBacklog, OutboxClaim,
    OutboxRecord, PaymentApplication, PortError, PruneCutoffs, Pruned, Redrive,
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
    /// An ORDER_CREATED (the reconciler's to re-drive), not an ORDER_COMPLETED.
    order_created: bool,
    redriven_at: Option<OffsetDateTime>,
}

#[derive(Debug, Default)]
struct State {
    orders: BTreeMap<OrderId, Order>,
    /// Idempotency keys are scoped to the order's owner.
    by_key: BTreeMap<(Option<Owner>, IdempotencyKey), OrderId>,
    next_order_id: i64,
    outbox: BTreeMap<i64, Row>,
    next_outbox_id: i64,
    processed: BTreeMap<EventId, (OrderId, OffsetDateTime)>,
    /// Each order's ORDER_CREATED event id (`orders.created_event_id`).
    created_events: BTreeMap<OrderId, EventId>,
    /// The trace context each order's ORDER_CREATED was written with (the auditor's feed).
    created_traces: BTreeMap<OrderId, TraceParent>,
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

    /// See [`OrderStore::redrive_stuck`].
    pub fn redrive(&self, cutoff: OffsetDateTime, now: OffsetDateTime, limit: usize) -> Redrive {
        let mut state = self.lock();
        let State { orders, outbox, .. } = &mut *state;
        let stuck: Vec<OrderId> = orders
            .values()
            .filter(|o| o.status == OrderStatus::Pending && o.created_at <= cutoff)
            .map(|o| o.id)
            .collect();
        let mut redriven = 0;
        for row in outbox.values_mut() {
            if redriven as usize >= limit {
                break;
            }
            let window = now - cutoff;
            let backed_off = |at: OffsetDateTime| {
                at < cutoff && now - at >= (at - row.record.created_at).min(window * 4)
            };
            let due = row.order_created
                && row.published
                && row.redriven_at.is_none_or(backed_off)
                && row
                    .record
                    .key
                    .parse()
                    .ok()
                    .is_some_and(|id| stuck.contains(&id));
            if due {
                row.published = false;
                row.redriven_at = Some(now);
                redriven += 1;
            }
        }
        drop(state);
        if redriven > 0 {
            self.signal_outbox();
        }
        Redrive {
            stuck: stuck.len() as u64,
            redriven,
        }
    }

    /// See [`OrderStore::prune`].
    pub fn prune_now(&self, cutoffs: PruneCutoffs) -> Pruned {
        self.prune_listing(cutoffs).0
    }

    /// [`Self::prune_now`], also naming the processed events it pruned.
    pub fn prune_listing(&self, cutoffs: PruneCutoffs) -> (Pruned, Vec<EventId>) {
        let mut state = self.lock();
        let State {
            orders,
            outbox,
            processed,
            by_key,
            ..
        } = &mut *state;
        let pending = |key: &str| {
            key.parse()
                .ok()
                .and_then(|id: OrderId| orders.get(&id))
                .is_some_and(|o| o.status == OrderStatus::Pending)
        };
        let old_rows: Vec<i64> = outbox
            .values()
            .filter(|r| r.published && r.record.created_at < cutoffs.outbox)
            .filter(|r| !(r.order_created && pending(&r.record.key)))
            .map(|r| r.record.id)
            .take(cutoffs.batch)
            .collect();
        for id in &old_rows {
            outbox.remove(id);
        }
        let old_events: Vec<EventId> = processed
            .iter()
            .filter(|(_, (_, at))| *at < cutoffs.processed_events)
            .map(|(id, _)| *id)
            .take(cutoffs.batch)
            .collect();
        for id in &old_events {
            processed.remove(id);
        }
        let old_keys: Vec<(Option<Owner>, IdempotencyKey)> = by_key
            .iter()
            .filter(|(_, id)| orders[*id].created_at < cutoffs.idempotency_keys)
            .map(|(key, _)| key.clone())
            .take(cutoffs.batch)
            .collect();
        for key in &old_keys {
            if let Some(id) = by_key.remove(key) {
                let order = orders.get_mut(&id).expect("keys name orders");
                order.idempotency_key = None;
            }
        }
        let pruned = Pruned {
            outbox: old_rows.len() as u64,
            processed_events: old_events.len() as u64,
            idempotency_keys: old_keys.len() as u64,
        };
        (pruned, old_events)
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
                    order_created: row.order_created,
                })
                .collect(),
            processed_events: state.processed.keys().copied().collect(),
            status_changes: state.history.clone(),
            created_events: state.created_events.clone(),
        }
    }

    /// At most `limit` orders with an id above `after`, ascending, with their ORDER_CREATED.
    pub fn orders_after(&self, after: i64, limit: usize) -> Vec<(i64, CreatedOrder)> {
        let state = self.lock();
        let Ok(first) = OrderId::new(after.max(0) + 1) else {
            return Vec::new();
        };
        state
            .orders
            .range(first..)
            .map(|(_, o)| o)
            .take(limit)
            .map(|o| {
                let created = CreatedOrder {
                    order_id: o.id,
                    created_event: state.created_events.get(&o.id).copied(),
                    created_at: o.created_at,
                    trace: state.created_traces.get(&o.id).copied(),
                };
                (o.id.get(), created)
            })
            .collect()
    }

    /// At most `limit` status changes after the first `from`, each with its position (from 1).
    pub fn status_changes_after(&self, from: usize, limit: usize) -> Vec<(i64, StatusChange)> {
        crate::delivery_store::positioned(&self.lock().history, from, limit)
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
    /// duplicate; an unknown order, a wrong causation or a contradiction records nothing; only
    /// a PENDING order changes, and one that completes gets its ORDER_COMPLETED row.
    pub fn apply_payment(&mut self, apply: &PaymentApplication) -> ApplyOutcome {
        if self.is_processed(apply.event_id) {
            return ApplyOutcome::Duplicate;
        }
        let Some(from) = self.order(apply.order_id).map(|o| o.status) else {
            return ApplyOutcome::UnknownOrder;
        };
        if self.created_event(apply.order_id) != Some(apply.causation_id) {
            return ApplyOutcome::WrongCausation;
        }
        let to = apply.decision.terminal_status();
        if from.is_terminal() && from != to {
            return ApplyOutcome::Contradicts(from);
        }
        self.record_processed(apply.event_id, apply.order_id, apply.at);
        if from.transition(to).is_err() {
            return ApplyOutcome::AlreadyTerminal(from);
        }
        self.set_status(apply.order_id, apply.decision, apply.at, apply.event_id);
        if to == OrderStatus::Completed {
            self.insert_order_completed(apply);
        }
        ApplyOutcome::Applied(to)
    }

    /// `orders.created_event_id` of an order.
    pub fn created_event(&self, id: OrderId) -> Option<EventId> {
        self.state.created_events.get(&id).copied()
    }

    /// `INSERT INTO outbox`: the ORDER_COMPLETED row `apply` writes when it completes the
    /// order.
    pub fn insert_order_completed(&mut self, apply: &PaymentApplication) {
        self.push_outbox(&apply.completion(), apply.schema, apply.at, false);
    }

    fn push_outbox(
        &mut self,
        envelope: &Envelope,
        schema: Schema,
        at: OffsetDateTime,
        order_created: bool,
    ) {
        let state = &mut *self.state;
        let order = envelope
            .order_id()
            .expect("outbox events are about an order");
        state.next_outbox_id += 1;
        let record = OutboxRecord {
            id: state.next_outbox_id,
            event_id: envelope.event_id,
            topic: Topic::Orders,
            key: order.key(),
            payload: envelope.encode(schema),
            correlation_id: envelope.correlation_id.clone(),
            created_at: at,
            trace: envelope.trace,
        };
        let row = Row {
            record,
            published: false,
            claimed_by: None,
            order_created,
            redriven_at: None,
        };
        state.outbox.insert(state.next_outbox_id, row);
        self.wrote_outbox = true;
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
        state.created_events.insert(id, new.event_id);
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
        )
        .with_trace(new.trace);
        if let Some(trace) = new.trace {
            self.state.created_traces.insert(order.id, trace);
        }
        self.push_outbox(&envelope, new.schema, new.created_at, true);
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
    pub fn record_processed(&mut self, event: EventId, order: OrderId, at: OffsetDateTime) -> bool {
        let processed = &mut self.state.processed;
        let new = !processed.contains_key(&event);
        processed.entry(event).or_insert((order, at));
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

    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError> {
        Ok(self.redrive(cutoff, now, limit))
    }

    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError> {
        Ok(self.prune_now(cutoffs))
    }

    /// The memory store lives in its callers' process, so their clock is its own.
    async fn database_time(&self) -> Result<OffsetDateTime, PortError> {
        Ok(OffsetDateTime::now_utc())
    }

    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError> {
        Ok(self.backlog())
    }

    async fn ping(&self) -> Result<(), PortError> {
        Ok(())
    }
}
