//! The port contract suite. Each module checks one port's documented contract; the
//! `*_contract!` macros expand into one `#[tokio::test]` per clause for an adapter, given an
//! expression that yields a fresh, isolated adapter (`Arc<dyn Port>`) each time it is
//! evaluated. Every adapter crate invokes the macros, so the memory model and the real
//! backends cannot drift apart.

pub mod backend;
pub mod dead_letter_ledger;
pub mod dead_letters;
pub mod decision_store;
pub mod delivery_store;
pub mod event_bus;
pub mod order_store;

use std::time::Duration;

/// Longest any single wait in the suite may take before the clause fails; generous for real
/// brokers (a Kafka group join takes a few seconds).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`PATIENCE`].
pub async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {PATIENCE:?} waiting for {what}"),
    }
}

/// Expands into one test per clause of every port's contract for the given adapters. The
/// factory yields `Arc<dyn Port>`, or `Option<Arc<dyn Port>>` where `None` skips the clause
/// (see [`backend::unavailable`]).
///
/// With `in $runner`, each clause is a plain `#[test]` that hands `$runner` a closure building
/// the clause's future, for adapters that only work inside a harness (the simulation runs each
/// clause as a turmoil client): `$runner(|| async { clause(make.await).await })`.
#[macro_export]
macro_rules! contract_tests {
    ($kind:ident => $make:expr, $($clause:ident),+ $(,)?) => {
        mod $kind {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $clause() {
                    // A real backend's factory yields `None` when the test is skipped.
                    if let Some(adapter) = $crate::backend::IntoAdapter::into_adapter($make.await) {
                        $crate::$kind::$clause(adapter).await;
                    }
                }
            )+
        }
    };
    ($kind:ident in $runner:path => $make:expr, $($clause:ident),+ $(,)?) => {
        mod $kind {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $clause() {
                    $runner(|| async {
                        if let Some(adapter) = $crate::backend::IntoAdapter::into_adapter($make.await) {
                            $crate::$kind::$clause(adapter).await;
                        }
                    });
                }
            )+
        }
    };
}

/// Every clause of the order store contract. Optionally `runner = path` (see
/// [`contract_tests!`]); likewise for the other ports.
#[macro_export]
macro_rules! order_store_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(order_store $(in $runner)? => $make,
            creates_pending_orders_with_increasing_ids,
            reads_back_orders_and_none_for_unknown,
            idempotency_key_returns_the_first_order,
            idempotency_keys_are_scoped_to_the_owner,
            concurrent_requests_with_one_key_create_one_order,
            writes_order_created_to_the_outbox,
            concurrent_claims_never_share_a_row,
            dropped_claim_releases_rows_and_marked_rows_stay_published,
            applies_payment_once_and_never_changes_a_terminal_order,
            a_contradicting_payment_is_reported_and_not_recorded,
            a_payment_naming_another_event_is_not_applied,
            completing_an_order_writes_order_completed_to_the_outbox,
            outbox_events_are_written_in_the_writers_schema,
            concurrent_payments_apply_once,
            unknown_order_is_reported,
            records_each_status_change_with_its_event,
            stuck_orders_are_redriven_once_per_interval_with_the_same_event,
            redrives_of_one_stuck_order_back_off_as_it_ages,
            prune_removes_only_what_is_old_enough,
            backlog_counts_unpublished_rows,
            wait_for_outbox_wakes_on_new_orders,
        );
    };
}

/// Every clause of the event bus contract.
#[macro_export]
macro_rules! event_bus_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(event_bus $(in $runner)? => $make,
            delivers_every_record_in_key_order_with_headers,
            uncommitted_deliveries_come_back_after_restart,
            committed_deliveries_never_come_back,
            groups_consume_independently,
            members_share_the_partitions,
            next_is_cancel_safe,
            batch_commit_covers_every_partition,
            pipelined_commits_land_by_the_next_commit_or_settle,
            a_record_over_the_size_limit_is_refused_as_permanent,
        );
    };
}

/// Every clause of the decision store contract.
#[macro_export]
macro_rules! decision_store_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(decision_store $(in $runner)? => $make,
            first_decision_wins_forever,
            concurrent_deciders_agree,
            sources_are_independent,
        );
    };
}

/// Every clause of the dead-letter store contract.
#[macro_export]
macro_rules! dead_letter_store_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(dead_letters $(in $runner)? => $make,
            keeps_one_letter_per_group_and_source,
        );
    };
}

/// Every clause of the dead-letter action ledger contract.
#[macro_export]
macro_rules! dead_letter_ledger_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(dead_letter_ledger $(in $runner)? => $make,
            records_one_action_per_letter_and_keeps_the_first,
        );
    };
}

/// Every clause of the delivery store contract.
#[macro_export]
macro_rules! delivery_store_contract {
    ($make:expr $(, runner = $runner:path)?) => {
        $crate::contract_tests!(delivery_store $(in $runner)? => $make,
            assigns_once_per_order,
            concurrent_assignments_assign_once,
        );
    };
}
