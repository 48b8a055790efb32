//! The simulated PostgreSQL host: the order store and the delivery worker's table, served from
//! the durable memory models, each request one transaction on their tables (the adapter-level
//! mutants' transactions are in [`super::mutated`]). A session's open outbox claim is its transaction: it is rolled
//! back when the session ends, when the session sends anything but `MarkPublished`, and (for
//! every session at once) when the host restarts.

use std::sync::Arc;
use std::time::Duration;

use saga_core::Order;
use saga_core::mutant::Mutant;
use saga_core::ports::{
    AssignOutcome, CreateOutcome, DeliveryAssignment, OrderStore, PaymentApplication,
};
use saga_core::ports::{Clock, DeadLetterLedger};
use saga_memory::{ClaimId, MemoryOrderStore};

use super::mutated;
use super::server::{Host, Session, serve as serve_sessions};
use crate::observe::Event;
use crate::wire::POSTGRES_PORT;
use crate::wire::postgres::{KeptWire, NewOrderWire, OutboxRecordWire, PgRequest, PgResponse};
use crate::world::{POSTGRES, SimClock, World};
use time::OffsetDateTime;

/// Runs the host until it crashes.
///
/// # Errors
/// When the port cannot be bound.
pub async fn serve(world: Arc<World>) -> std::io::Result<()> {
    // A restart aborts every open transaction.
    world.durable.store.release_all_claims();
    let host = Host::start(POSTGRES, world.clone(), Duration::from_secs(3));
    serve_sessions(host, POSTGRES_PORT, |id| PgSession {
        id,
        world: world.clone(),
        claim: None,
    })
    .await
}

struct PgSession {
    id: u64,
    world: Arc<World>,
    claim: Option<ClaimId>,
}

impl PgSession {
    fn rollback(&mut self) {
        if let Some(claim) = self.claim.take() {
            self.world.durable.store.release(claim);
            let session = self.id;
            self.world.emit(POSTGRES, Event::ClaimReleased { session });
        }
    }

    fn emit(&self, event: Event) {
        self.world.emit(POSTGRES, event);
    }
}

impl Drop for PgSession {
    fn drop(&mut self) {
        self.rollback();
    }
}

impl Session for PgSession {
    type Request = PgRequest;
    type Response = PgResponse;

    fn is_write(request: &PgRequest) -> bool {
        request.is_write()
    }

    fn describe(request: &PgRequest) -> String {
        match request {
            PgRequest::CreateOrder(n) | PgRequest::InsertOrder(n) => {
                format!("create order (event {})", n.event_id)
            }
            PgRequest::InsertOrderCreated(_, order) => format!("outbox row of order {}", order.id),
            PgRequest::MarkPublished { ids } => format!("mark published {ids:?}"),
            PgRequest::ApplyPayment(p) => format!("apply {} to order {}", p.event_id, p.order_id),
            PgRequest::Assign(a) => format!("assign delivery of order {}", a.order_id),
            other => format!("{other:?}"),
        }
    }

    async fn handle(&mut self, request: PgRequest) -> PgResponse {
        if !matches!(request, PgRequest::MarkPublished { .. }) {
            self.rollback();
        }
        match request {
            PgRequest::CreateOrder(new) => self.create_order(self.stamped(new), true),
            PgRequest::InsertOrder(new) => self.create_order(self.stamped(new), false),
            PgRequest::InsertOrderCreated(new, order) => self.insert_order_created(new, order),
            PgRequest::GetOrder(id) => {
                PgResponse::Order(self.store().transaction(|t| t.order(id).cloned()))
            }
            PgRequest::ClaimOutbox { limit } => self.claim(limit),
            PgRequest::MarkPublished { ids } => self.mark_published(ids),
            PgRequest::WaitForOutbox { max_wait_ms } => {
                let max_wait = Duration::from_millis(max_wait_ms);
                self.store().wait_for_outbox(max_wait).await;
                PgResponse::Done
            }
            PgRequest::ApplyPayment(payment) => {
                let mut payment: PaymentApplication = payment.into();
                payment.at = self.stamp(payment.at);
                self.apply_payment(payment)
            }
            PgRequest::StatusHistory(id) => {
                let history = self.store().transaction(|t| t.status_history(id));
                PgResponse::History(history.into_iter().map(Into::into).collect())
            }
            PgRequest::OutboxBacklog => {
                let backlog = self.store().backlog();
                PgResponse::Backlog {
                    unpublished: backlog.unpublished,
                    oldest_ns: backlog
                        .oldest_created_at
                        .map(|at| at.unix_timestamp_nanos()),
                }
            }
            PgRequest::Assign(assignment) => self.assign(assignment.into()),
            PgRequest::Redrive { cutoff, now, limit } => {
                let found = self.store().redrive(cutoff, now, limit);
                PgResponse::Redriven {
                    stuck: found.stuck,
                    redriven: found.redriven,
                }
            }
            PgRequest::Prune {
                outbox,
                processed_events,
                idempotency_keys,
                batch,
            } => self.prune(saga_core::ports::PruneCutoffs {
                outbox,
                processed_events,
                idempotency_keys,
                batch,
            }),
            PgRequest::KeepDeadLetter(kept) => self.keep_dead_letter(kept),
            PgRequest::ListDeadLetters => PgResponse::DeadLetters(
                self.world
                    .durable
                    .dead_letters
                    .snapshot()
                    .iter()
                    .map(Into::into)
                    .collect(),
            ),
            PgRequest::RecordAction(action) => {
                let ledger = &self.world.durable.ledger;
                match ledger.record(&action.into()).await {
                    Ok(recorded) => PgResponse::Recorded(recorded),
                    Err(error) => PgResponse::Error(error.to_string()),
                }
            }
            PgRequest::ListActions => PgResponse::Actions(
                self.world
                    .durable
                    .ledger
                    .snapshot()
                    .iter()
                    .map(Into::into)
                    .collect(),
            ),
            PgRequest::Now => PgResponse::Time(SimClock.now()),
            PgRequest::Ping => PgResponse::Done,
        }
    }
}

impl PgSession {
    /// The time this server stamps on a row: its own clock, as PostgreSQL's `now()` is, not
    /// the writer's `at` (which the `writer-clock-stamps` mutant keeps).
    fn stamp(&self, at: OffsetDateTime) -> OffsetDateTime {
        if self.world.mutant == Some(Mutant::WriterClockStamps) {
            at
        } else {
            SimClock.now()
        }
    }

    fn stamped(&self, mut new: NewOrderWire) -> NewOrderWire {
        new.created_at = self.stamp(new.created_at);
        new
    }

    fn prune(&self, cutoffs: saga_core::ports::PruneCutoffs) -> PgResponse {
        let (pruned, events) = self.store().prune_listing(cutoffs);
        if !events.is_empty() {
            self.world.emit(POSTGRES, Event::DedupPruned { events });
        }
        PgResponse::Pruned {
            outbox: pruned.outbox,
            processed_events: pruned.processed_events,
            idempotency_keys: pruned.idempotency_keys,
        }
    }

    fn keep_dead_letter(&self, kept: KeptWire) -> PgResponse {
        let envelope = saga_core::event::decode(&kept.envelope).map(|e| e.with_trace(kept.trace));
        match envelope {
            Ok(envelope) if self.world.durable.dead_letters.keep_now(&envelope) => PgResponse::Done,
            _ => PgResponse::Error("only EVENT_REJECTED envelopes are kept".into()),
        }
    }

    fn store(&self) -> &MemoryOrderStore {
        &self.world.durable.store
    }

    /// The order and, with `with_event`, its outbox row, in one transaction; without, the
    /// order row alone (the first half of the outbox-outside-transaction mutant).
    fn create_order(&self, new: NewOrderWire, with_event: bool) -> PgResponse {
        let event = new.event_id;
        let new = new.into_new();
        let outcome = self.store().transaction(|t| {
            if with_event {
                t.create_order(&new)
            } else {
                t.insert_order(&new)
            }
        });
        match outcome {
            CreateOutcome::Created(order) => {
                self.emit(Event::OrderCreated {
                    order: order.id,
                    key: order.idempotency_key.clone(),
                    event,
                    outbox: with_event,
                });
                PgResponse::Created(order)
            }
            CreateOutcome::Existing(order) => {
                self.emit(Event::OrderReplayed { order: order.id });
                PgResponse::Existing(order)
            }
        }
    }

    /// The outbox row of an order committed before: the outbox-outside-transaction mutant's
    /// second transaction.
    fn insert_order_created(&self, new: NewOrderWire, order: Order) -> PgResponse {
        let event = new.event_id;
        let new = new.into_new();
        self.store()
            .transaction(|t| t.insert_order_created(&new, &order));
        let order = order.id;
        self.emit(Event::OutboxRowWritten { order, event });
        PgResponse::Done
    }

    fn claim(&mut self, limit: usize) -> PgResponse {
        let (claim, records) = self.store().claim(limit);
        self.claim = Some(claim);
        let rows = records.iter().map(|r| r.id).collect();
        let session = self.id;
        self.emit(Event::OutboxClaimed { session, rows });
        PgResponse::Claimed(records.into_iter().map(OutboxRecordWire::from).collect())
    }

    fn mark_published(&mut self, ids: Vec<i64>) -> PgResponse {
        let Some(claim) = self.claim.take() else {
            return PgResponse::Error("no open outbox claim on this session".into());
        };
        self.store().mark_published(claim, &ids);
        let session = self.id;
        self.emit(Event::OutboxMarked { session, rows: ids });
        PgResponse::Done
    }

    fn apply_payment(&self, application: PaymentApplication) -> PgResponse {
        let order = application.order_id;
        if self.world.durable.sabotage.payments_refused(order) {
            let request = format!("apply {} to order {order}", application.event_id);
            self.emit(Event::Refused {
                host: POSTGRES,
                request,
            });
            // What PostgreSQL answers when a constraint refuses the order's change.
            return PgResponse::Error(format!(
                "new row for relation \"orders\" violates check constraint \"accepts_payments\" (order {order})"
            ));
        }
        let mutant = self.world.mutant;
        let outcome = self
            .store()
            .transaction(|t| mutated::apply_payment(mutant, t, &application));
        for change in self.world.durable.new_status_changes() {
            self.emit(Event::StatusChanged {
                order: change.order_id,
                from: change.from,
                to: change.to,
                event: change.event_id,
            });
        }
        self.emit(Event::PaymentApplied {
            order: application.order_id,
            event: application.event_id,
            outcome: format!("{outcome:?}"),
        });
        PgResponse::Applied(outcome.into())
    }

    fn assign(&self, assignment: DeliveryAssignment) -> PgResponse {
        let (order, payment_event) = (assignment.order_id, assignment.payment_event_id);
        let trace = assignment.trace.map(|t| t.trace_id());
        let mutant = self.world.mutant;
        let outcome = self
            .world
            .durable
            .deliveries
            .transaction(|t| mutated::assign(mutant, t, assignment));
        let new = outcome == AssignOutcome::Assigned;
        self.emit(Event::DeliveryAssigned {
            order,
            payment_event,
            new,
            trace,
        });
        PgResponse::Assigned { new }
    }
}
