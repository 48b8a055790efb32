//! The adapter-level mutants' transactions: what a wrong PostgreSQL adapter would run, here run
//! by the simulated PostgreSQL against the memory model's tables when the run's mutant asks for
//! it. The real adapters (`services/adapters`) have none of this. A mutant that needs a crash
//! window between two transactions is instead two requests sent by the simulation's adapter
//! (`crate::adapters`), as `outbox-outside-transaction` is. Where a new mutant goes:
//! `saga_core::mutant`.

use saga_core::mutant::Mutant;
use saga_core::ports::{ApplyOutcome, AssignOutcome, DeliveryAssignment, PaymentApplication};
use saga_memory::{DeliveryTable, OrderTables};

/// The payment transaction: the adapter's, or the mutant's.
pub fn apply_payment(
    mutant: Option<Mutant>,
    tables: &mut OrderTables<'_>,
    apply: &PaymentApplication,
) -> ApplyOutcome {
    match mutant {
        Some(Mutant::SkipProcessedEvents) => apply_ignoring_processed_events(tables, apply),
        Some(Mutant::UnconditionalStatusUpdate) => apply_unconditionally(tables, apply),
        Some(Mutant::IgnoreCausation) => apply_whatever_the_cause(tables, apply),
        _ => tables.apply_payment(apply),
    }
}

/// The delivery transaction: the adapter's, or the mutant's.
pub fn assign(
    mutant: Option<Mutant>,
    table: &mut DeliveryTable<'_>,
    assignment: DeliveryAssignment,
) -> AssignOutcome {
    match mutant {
        Some(Mutant::NonIdempotentDelivery) => {
            // No unique order id: every payment event gets a courier.
            table.insert(assignment);
            AssignOutcome::Assigned
        }
        _ => table.assign(assignment),
    }
}

/// `skip-processed-events`: neither records nor checks processed_events, so a redelivered
/// event is applied again (harmless while the order is still PENDING, wrong afterwards: the
/// event is never recorded).
fn apply_ignoring_processed_events(
    tables: &mut OrderTables<'_>,
    apply: &PaymentApplication,
) -> ApplyOutcome {
    let Some(from) = tables.order(apply.order_id).map(|o| o.status) else {
        return ApplyOutcome::UnknownOrder;
    };
    let to = apply.decision.terminal_status();
    if from.transition(to).is_err() {
        return ApplyOutcome::AlreadyTerminal(from);
    }
    tables.set_status(apply.order_id, apply.decision, apply.at, apply.event_id);
    if to == saga_core::OrderStatus::Completed {
        tables.insert_order_completed(apply);
    }
    ApplyOutcome::Applied(to)
}

/// `unconditional-status-update`: records the event but overwrites the status even of a
/// terminal order.
fn apply_unconditionally(tables: &mut OrderTables<'_>, apply: &PaymentApplication) -> ApplyOutcome {
    if tables.order(apply.order_id).is_none() {
        return ApplyOutcome::UnknownOrder;
    }
    if !tables.record_processed(apply.event_id, apply.order_id, apply.at) {
        return ApplyOutcome::Duplicate;
    }
    tables.set_status(apply.order_id, apply.decision, apply.at, apply.event_id);
    if apply.decision.terminal_status() == saga_core::OrderStatus::Completed {
        tables.insert_order_completed(apply);
    }
    ApplyOutcome::Applied(apply.decision.terminal_status())
}

/// `ignore-causation`: the adapter's transaction without the check that the payment answers
/// the order's own ORDER_CREATED (`orders.created_event_id`).
fn apply_whatever_the_cause(
    tables: &mut OrderTables<'_>,
    apply: &PaymentApplication,
) -> ApplyOutcome {
    if tables.is_processed(apply.event_id) {
        return ApplyOutcome::Duplicate;
    }
    let Some(from) = tables.order(apply.order_id).map(|o| o.status) else {
        return ApplyOutcome::UnknownOrder;
    };
    let to = apply.decision.terminal_status();
    if from.is_terminal() && from != to {
        return ApplyOutcome::Contradicts(from);
    }
    tables.record_processed(apply.event_id, apply.order_id, apply.at);
    if from.transition(to).is_err() {
        return ApplyOutcome::AlreadyTerminal(from);
    }
    tables.set_status(apply.order_id, apply.decision, apply.at, apply.event_id);
    if to == saga_core::OrderStatus::Completed {
        tables.insert_order_completed(apply);
    }
    ApplyOutcome::Applied(to)
}

#[cfg(test)]
mod tests {
    use saga_core::ports::{Entropy, NewOrder, SeededEntropy};
    use saga_core::{CorrelationId, Item, OrderStatus, PaymentDecision};
    use saga_memory::{MemoryDeliveryStore, MemoryOrderStore};

    use super::*;
    use crate::world::EPOCH;

    fn order(store: &MemoryOrderStore, entropy: &SeededEntropy) -> saga_core::OrderId {
        let new = NewOrder {
            item: Item::parse("tea").unwrap(),
            correlation_id: CorrelationId::parse("c").unwrap(),
            idempotency_key: None,
            owner: None,
            event_id: entropy.event_id(),
            created_at: EPOCH,
            trace: None,
            schema: saga_core::event::Schema::V1,
        };
        store.transaction(|t| t.create_order(&new)).order().id
    }

    fn payment(
        store: &MemoryOrderStore,
        entropy: &SeededEntropy,
        order: saga_core::OrderId,
        decision: PaymentDecision,
    ) -> PaymentApplication {
        PaymentApplication {
            event_id: entropy.event_id(),
            causation_id: store.transaction(|t| t.created_event(order)).unwrap(),
            order_id: order,
            decision,
            correlation_id: CorrelationId::parse("c").unwrap(),
            at: EPOCH,
            completion_event_id: entropy.event_id(),
            trace: None,
            schema: saga_core::event::Schema::V1,
        }
    }

    fn status(store: &MemoryOrderStore, id: saga_core::OrderId) -> OrderStatus {
        store.transaction(|t| t.order(id).unwrap().status)
    }

    #[test]
    fn without_a_mutant_the_adapters_transactions_run() {
        let (store, entropy) = (MemoryOrderStore::new(), SeededEntropy::new(1));
        let id = order(&store, &entropy);
        let success = payment(&store, &entropy, id, PaymentDecision::Success);
        let apply = |p: &PaymentApplication| store.transaction(|t| apply_payment(None, t, p));
        assert_eq!(
            apply(&success),
            ApplyOutcome::Applied(OrderStatus::Completed)
        );
        assert_eq!(apply(&success), ApplyOutcome::Duplicate);
        let failed = payment(&store, &entropy, id, PaymentDecision::Failed);
        assert_eq!(
            apply(&failed),
            ApplyOutcome::Contradicts(OrderStatus::Completed)
        );
    }

    #[test]
    fn skip_processed_events_leaves_no_record() {
        let (store, entropy) = (MemoryOrderStore::new(), SeededEntropy::new(2));
        let id = order(&store, &entropy);
        let success = payment(&store, &entropy, id, PaymentDecision::Success);
        let mutant = Some(Mutant::SkipProcessedEvents);
        store.transaction(|t| apply_payment(mutant, t, &success));
        assert_eq!(status(&store, id), OrderStatus::Completed);
        assert!(store.snapshot().processed_events.is_empty());
    }

    #[test]
    fn unconditional_update_changes_a_terminal_order() {
        let (store, entropy) = (MemoryOrderStore::new(), SeededEntropy::new(3));
        let id = order(&store, &entropy);
        let mutant = Some(Mutant::UnconditionalStatusUpdate);
        for decision in [PaymentDecision::Success, PaymentDecision::Failed] {
            let p = payment(&store, &entropy, id, decision);
            store.transaction(|t| apply_payment(mutant, t, &p));
        }
        assert_eq!(status(&store, id), OrderStatus::Cancelled);
    }

    #[test]
    fn non_idempotent_delivery_assigns_twice() {
        let (deliveries, entropy) = (MemoryDeliveryStore::new(), SeededEntropy::new(4));
        let id = order(&MemoryOrderStore::new(), &entropy);
        for mutant in [None, None, Some(Mutant::NonIdempotentDelivery)] {
            let assignment = DeliveryAssignment {
                order_id: id,
                payment_event_id: entropy.event_id(),
                assigned_at: EPOCH,
                trace: None,
            };
            deliveries.transaction(|t| assign(mutant, t, assignment));
        }
        assert_eq!(deliveries.snapshot().len(), 2);
    }
}
