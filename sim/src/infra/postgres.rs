//! The simulated PostgreSQL host: the order store and the delivery worker's table, served from
//! the durable memory models. A session's open outbox claim is its transaction: it is rolled
//! back when the session ends, when the session sends anything but `MarkPublished`, and (for
//! every session at once) when the host restarts.

use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::{CreateOutcome, OrderStore, OutboxWrite};
use saga_memory::ClaimId;

use super::server::{Host, Session, serve as serve_sessions};
use crate::observe::Event;
use crate::wire::POSTGRES_PORT;
use crate::wire::postgres::{OutboxRecordWire, PgRequest, PgResponse};
use crate::world::{POSTGRES, World};

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
            PgRequest::CreateOrder(n) | PgRequest::CreateOrderRow(n) => {
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
        let durable = &self.world.durable;
        let store = &durable.store;
        match request {
            PgRequest::CreateOrder(new) => {
                let event = new.event_id;
                let new = new.into_new(OutboxWrite::SameTransaction);
                match store.create_order(new).await {
                    Ok(outcome) => self.created(outcome, event, true),
                    Err(e) => PgResponse::Error(e.to_string()),
                }
            }
            PgRequest::CreateOrderRow(new) => {
                let event = new.event_id;
                let outcome =
                    store.insert_order_row(&new.into_new(OutboxWrite::SeparateTransaction));
                self.created(outcome, event, false)
            }
            PgRequest::InsertOrderCreated(new, order) => {
                let event = new.event_id;
                store.insert_order_created(&new.into_new(OutboxWrite::SeparateTransaction), &order);
                self.emit(Event::OutboxRowWritten {
                    order: order.id,
                    event,
                });
                PgResponse::Done
            }
            PgRequest::GetOrder(id) => match store.get_order(id).await {
                Ok(order) => PgResponse::Order(order),
                Err(e) => PgResponse::Error(e.to_string()),
            },
            PgRequest::ClaimOutbox { limit } => {
                let (claim, records) = store.claim(limit);
                self.claim = Some(claim);
                let rows = records.iter().map(|r| r.id).collect();
                self.emit(Event::OutboxClaimed {
                    session: self.id,
                    rows,
                });
                PgResponse::Claimed(records.into_iter().map(OutboxRecordWire::from).collect())
            }
            PgRequest::MarkPublished { ids } => match self.claim.take() {
                Some(claim) => {
                    store.mark_published(claim, &ids);
                    self.emit(Event::OutboxMarked {
                        session: self.id,
                        rows: ids,
                    });
                    PgResponse::Done
                }
                None => PgResponse::Error("no open outbox claim on this session".into()),
            },
            PgRequest::WaitForOutbox { max_wait_ms } => {
                store
                    .wait_for_outbox(Duration::from_millis(max_wait_ms))
                    .await;
                PgResponse::Done
            }
            PgRequest::ApplyPayment(payment) => {
                if durable.sabotage.payments_refused(payment.order_id) {
                    let request =
                        format!("apply {} to order {}", payment.event_id, payment.order_id);
                    self.emit(Event::Refused {
                        host: POSTGRES,
                        request,
                    });
                    return PgResponse::Error(format!(
                        "new row for relation \"processed_events\" violates check constraint \"order_accepts_payments\" (order {})",
                        payment.order_id
                    ));
                }
                let application = payment.into();
                let outcome = store.apply(&application);
                for change in durable.new_status_changes() {
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
            PgRequest::StatusHistory(id) => match store.status_history(id).await {
                Ok(changes) => PgResponse::History(changes.into_iter().map(Into::into).collect()),
                Err(e) => PgResponse::Error(e.to_string()),
            },
            PgRequest::OutboxBacklog => match store.outbox_backlog().await {
                Ok(b) => PgResponse::Backlog {
                    unpublished: b.unpublished,
                    oldest_ns: b.oldest_created_at.map(|at| at.unix_timestamp_nanos()),
                },
                Err(e) => PgResponse::Error(e.to_string()),
            },
            PgRequest::Assign(assignment) => {
                let (assignment, mode) = assignment.into_parts();
                let order = assignment.order_id;
                let payment_event = assignment.payment_event_id;
                let new = durable.deliveries.assign_now(assignment, mode)
                    == saga_core::ports::AssignOutcome::Assigned;
                self.emit(Event::DeliveryAssigned {
                    order,
                    payment_event,
                    new,
                });
                PgResponse::Assigned { new }
            }
            PgRequest::Ping => PgResponse::Done,
        }
    }
}

impl PgSession {
    fn created(
        &self,
        outcome: CreateOutcome,
        event: saga_core::EventId,
        outbox: bool,
    ) -> PgResponse {
        match outcome {
            CreateOutcome::Created(order) => {
                self.emit(Event::OrderCreated {
                    order: order.id,
                    key: order.idempotency_key.clone(),
                    event,
                    outbox,
                });
                PgResponse::Created(order)
            }
            CreateOutcome::Existing(order) => {
                self.emit(Event::OrderReplayed { order: order.id });
                PgResponse::Existing(order)
            }
        }
    }
}
