//! The order store: orders, their transactional outbox, and the processed-events record.
//! Owned by order-api, outbox-relay and order-status-worker; nobody else touches order data.

use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::PortError;
use crate::domain::PaymentDecision;
use crate::domain::{
    CorrelationId, EventId, IdempotencyKey, Item, Order, OrderId, OrderStatus, Owner, TraceParent,
};
use crate::event::Schema;
use crate::topic::Topic;

/// A new order as the Order API asks for it.
#[derive(Debug, Clone)]
pub struct NewOrder {
    pub item: Item,
    pub correlation_id: CorrelationId,
    pub idempotency_key: Option<IdempotencyKey>,
    /// The API key that placed it; `None` when authentication is off.
    pub owner: Option<Owner>,
    /// Id of the ORDER_CREATED event written to the outbox.
    pub event_id: EventId,
    pub created_at: OffsetDateTime,
    /// The request's trace context, stored with the ORDER_CREATED outbox row in the order's
    /// transaction so the relay can continue the trace.
    pub trace: Option<TraceParent>,
    /// The schema the ORDER_CREATED is written in.
    pub schema: Schema,
}

impl NewOrder {
    /// The order this request becomes once the store assigns it `id`: PENDING, created and
    /// updated at `created_at` (what [`OrderStore::create_order`] returns).
    pub fn pending(&self, id: OrderId) -> Order {
        Order {
            id,
            item: self.item.clone(),
            status: OrderStatus::Pending,
            correlation_id: self.correlation_id.clone(),
            idempotency_key: self.idempotency_key.clone(),
            owner: self.owner.clone(),
            created_at: self.created_at,
            updated_at: self.created_at,
        }
    }
}

/// What `create_order` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A new order and its outbox event were committed.
    Created(Order),
    /// The idempotency key was already used: this is the order it created (the item may
    /// differ from the request's; the caller decides what that means).
    Existing(Order),
}

impl CreateOutcome {
    pub fn order(&self) -> &Order {
        match self {
            Self::Created(order) | Self::Existing(order) => order,
        }
    }
}

/// One outbox row: an encoded envelope waiting to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRecord {
    /// Position in the outbox; increases with commit order of creation.
    pub id: i64,
    pub event_id: EventId,
    pub topic: Topic,
    pub key: String,
    pub payload: Vec<u8>,
    pub correlation_id: CorrelationId,
    pub created_at: OffsetDateTime,
    /// The trace context stored with the row (`None` for rows written without one).
    pub trace: Option<TraceParent>,
}

/// A batch of outbox rows claimed by one relay. While it is held no other claim returns these
/// rows. Dropping it without `mark_published` releases them for the next claim.
#[async_trait]
pub trait OutboxClaim: Send {
    /// The claimed rows, oldest first.
    fn records(&self) -> &[OutboxRecord];

    /// Marks the rows with these ids published and releases the claim. Rows of the claim not
    /// listed stay unpublished.
    ///
    /// # Errors
    /// [`PortError`] when the store failed; then nothing is marked (the rows are published
    /// again later, which consumers tolerate).
    async fn mark_published(self: Box<Self>, ids: &[i64]) -> Result<(), PortError>;
}

/// A payment event to apply to its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentApplication {
    pub event_id: EventId,
    /// The event's `causation_id`: MUST be the order's ORDER_CREATED event id.
    pub causation_id: EventId,
    pub order_id: OrderId,
    pub decision: PaymentDecision,
    pub correlation_id: CorrelationId,
    pub at: OffsetDateTime,
    /// Id of the ORDER_COMPLETED event written to the outbox if this moves the order to
    /// COMPLETED.
    pub completion_event_id: EventId,
    /// The trace context of the ORDER_COMPLETED this application writes (stored with its
    /// outbox row).
    pub trace: Option<TraceParent>,
    /// The schema the ORDER_COMPLETED is written in.
    pub schema: Schema,
}

impl PaymentApplication {
    /// The ORDER_COMPLETED envelope this application writes when it completes the order.
    pub fn completion(&self) -> crate::Envelope {
        crate::Envelope::order_completed(
            self.completion_event_id,
            self.at,
            self.correlation_id.clone(),
            self.order_id,
            self.event_id,
        )
        .with_trace(self.trace)
    }
}

/// What applying a payment outcome did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The order moved from PENDING to this status.
    Applied(OrderStatus),
    /// This event id was already processed; nothing changed.
    Duplicate,
    /// The order was already terminal with this status (the event agrees with the applied
    /// one); the event is recorded, nothing else.
    AlreadyTerminal(OrderStatus),
    /// No such order. Nothing is recorded.
    UnknownOrder,
    /// The event's `causation_id` is not the order's ORDER_CREATED event. Nothing is recorded.
    WrongCausation,
    /// The order is already terminal with this other status: the event contradicts the
    /// payment applied. Nothing is recorded.
    Contradicts(OrderStatus),
}

/// What [`OrderStore::redrive_stuck`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redrive {
    /// Orders PENDING since before the cutoff.
    pub stuck: u64,
    /// Of those, orders whose ORDER_CREATED was marked for publishing again now.
    pub redriven: u64,
}

/// What [`OrderStore::prune`] may delete: rows older than each cutoff, at most `batch` of each
/// kind per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneCutoffs {
    /// Published outbox rows created before this.
    pub outbox: OffsetDateTime,
    /// processed_events rows recorded before this.
    pub processed_events: OffsetDateTime,
    /// Idempotency keys of orders created before this.
    pub idempotency_keys: OffsetDateTime,
    pub batch: usize,
}

/// How many rows [`OrderStore::prune`] removed, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    pub outbox: u64,
    pub processed_events: u64,
    pub idempotency_keys: u64,
}

/// One applied status transition, recorded in the same transaction as the change itself, so
/// anyone reading the history (the invariant checker, an operator) sees every change that
/// ever committed, not only the current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub order_id: OrderId,
    pub from: OrderStatus,
    pub to: OrderStatus,
    /// The payment event that caused it.
    pub event_id: EventId,
    pub at: OffsetDateTime,
}

/// Unpublished outbox rows, for metrics and liveness checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxBacklog {
    pub unpublished: u64,
    pub oldest_created_at: Option<OffsetDateTime>,
}

/// Orders, the outbox and processed events.
#[async_trait]
pub trait OrderStore: Send + Sync + 'static {
    /// Creates an order and its ORDER_CREATED outbox row (topic `orders`, key = order id)
    /// in one transaction.
    ///
    /// Contract: ids are positive and increase; with an idempotency key, at most one order
    /// ever exists per (owner, key) — `None` being an owner of its own — even under concurrent
    /// calls, and a repeat returns [`CreateOutcome::Existing`] with the first order, while the
    /// same key from another owner creates another order; the new order is PENDING with
    /// `created_at == updated_at == new.created_at` and keeps `new.owner`.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the order may have been created (the
    /// caller cannot tell — that is what idempotency keys are for).
    async fn create_order(&self, new: NewOrder) -> Result<CreateOutcome, PortError>;

    /// Reads one order. `Ok(None)` when no order has this id.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn get_order(&self, id: OrderId) -> Result<Option<Order>, PortError>;

    /// Claims up to `limit` unpublished outbox rows, oldest first, skipping rows another
    /// live claim holds. Contract: two concurrent claims never return the same row; a row
    /// is returned again only after its claim was dropped without marking it published.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn claim_outbox(&self, limit: usize) -> Result<Box<dyn OutboxClaim>, PortError>;

    /// Resolves when new outbox rows may have been committed since the last call, or after
    /// `max_wait`. MAY return early spuriously; callers claim and find out.
    async fn wait_for_outbox(&self, max_wait: Duration);

    /// Applies a payment outcome to its order. Recording the event id in processed_events,
    /// the conditional status change and, when the order becomes COMPLETED, its
    /// ORDER_COMPLETED outbox row ([`PaymentApplication::completion`]) happen in one
    /// transaction: a repeated event id is [`ApplyOutcome::Duplicate`] and a terminal order
    /// never changes. An event that cannot be applied (unknown order, wrong causation,
    /// contradicting the applied payment) changes and records nothing, so a redelivery is
    /// judged again.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; the change may or may not have committed.
    async fn apply_payment(&self, apply: PaymentApplication) -> Result<ApplyOutcome, PortError>;

    /// Every status change of order `id`, oldest first. Contract: an `apply_payment` that
    /// returned [`ApplyOutcome::Applied`] left exactly one change naming its event, written in
    /// the same transaction as the status itself (so a crash never leaves one without the
    /// other); `Duplicate`, `AlreadyTerminal`, `UnknownOrder`, `WrongCausation` and
    /// `Contradicts` leave none. Empty for an unknown order.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn status_history(&self, id: OrderId) -> Result<Vec<StatusChange>, PortError>;

    /// Orders PENDING and created at or before `cutoff`; for each whose ORDER_CREATED outbox
    /// row is published and is due, marks that row unpublished again (and remembers when), so
    /// the relay publishes the same event id once more. At most `limit` orders are re-driven
    /// per call, oldest first. Due: never re-driven, or last re-driven before `cutoff` and at
    /// least as long ago as the order's age was at that re-drive, capped at four stuck windows
    /// (`now - cutoff`): the copies of one stuck order are spaced by its age, doubling (S, 2S,
    /// 4S, 4S, … after creation for a window S). Without the backoff a long outage downstream
    /// (Redis down for minutes) had every stuck order re-published every window, thousands of
    /// copies the payment worker then took longer to drain than the outage lasted (simulation
    /// seed 4223).
    ///
    /// Contract: never touches a terminal order or one created after `cutoff`; an order is
    /// re-driven at most once per cutoff interval, and not again before as long as its age was
    /// at its last re-drive (up to four windows) has passed.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; some rows may have been re-driven.
    async fn redrive_stuck(
        &self,
        cutoff: OffsetDateTime,
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Redrive, PortError>;

    /// Deletes up to `cutoffs.batch` published outbox rows created before `cutoffs.outbox`
    /// (never the ORDER_CREATED row of a PENDING order: the reconciler needs it), processed
    /// events recorded before `cutoffs.processed_events`, and forgets the idempotency keys of
    /// orders created before `cutoffs.idempotency_keys` (a request with a forgotten key creates
    /// a new order).
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable; some rows may have been removed.
    async fn prune(&self, cutoffs: PruneCutoffs) -> Result<Pruned, PortError>;

    /// The store's own clock: what it stamps on the rows it writes (`created_at`,
    /// `processed_at`), so the cutoffs of [`Self::redrive_stuck`] and [`Self::prune`] are
    /// taken from it and a caller whose clock is skewed compares like with like.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn database_time(&self) -> Result<OffsetDateTime, PortError>;

    /// Unpublished outbox rows and the oldest one's age.
    ///
    /// # Errors
    /// [`PortError`] when the store is unreachable.
    async fn outbox_backlog(&self) -> Result<OutboxBacklog, PortError>;

    /// Succeeds when the store answers a trivial query.
    ///
    /// # Errors
    /// [`PortError`] naming why it did not.
    async fn ping(&self) -> Result<(), PortError>;
}
