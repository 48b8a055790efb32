//! Faults on a replicated Kafka cluster (three nodes, RF 3, `min.insync.replicas` 2), each
//! under load, played only on a cluster stack (`--stack cluster`; `run --scenario cluster-all`
//! plays them all): the failures a deployment of more than one broker meets and one broker
//! never shows — a partition leader or the active controller dying, a node cut off from its
//! peers, a rolling restart, a lost quorum, a node whose disk is gone.

use saga_core::Topic;

use super::catalog::Scenario;
use super::plan::Plan;
use crate::cluster::{NodeAction, NodeOp, NodePick};
use crate::timeline::Action;

fn node(op: NodeOp, pick: NodePick) -> Action {
    Action::Node(NodeAction::new(op, pick))
}

/// The `cluster-*` scenarios.
pub fn scenarios() -> Vec<Scenario> {
    let all = [
        Scenario::new(
            "cluster-kill-leader",
            "the node leading orders-0 SIGKILLed under load, restarted 3–6 s later: leaders fail over",
            |plan: &mut Plan| kill_and_restart(plan, NodePick::LeaderOf(Topic::Orders, 0)),
        ),
        Scenario::new(
            "cluster-kill-controller",
            "the active controller SIGKILLed, restarted 3–6 s later: the quorum elects another",
            |plan: &mut Plan| kill_and_restart(plan, NodePick::Controller),
        ),
        Scenario::new(
            "cluster-isolate-node",
            "the node leading orders-0 cut off from its peers for 14–18 s: the ISR shrinks below \
             the minimum, writes to what it leads are refused, then it catches up",
            isolate,
        ),
        Scenario::new(
            "cluster-rolling-restart",
            "every node stopped (SIGTERM) and started again, one after another, under load",
            rolling_restart,
        ),
        Scenario::new(
            "cluster-two-down",
            "two of three nodes SIGKILLed for 5–8 s: no quorum, no write reaches Kafka, orders \
             still accepted into the outbox",
            two_down,
        ),
        Scenario::new(
            "cluster-wipe-node",
            "a node SIGKILLed and its data directory deleted, started 3–6 s later: it \
             re-replicates every partition from its peers",
            |plan: &mut Plan| {
                let victim = NodePick::Node(plan.between(1, 3) as u8);
                let (from, to) = plan.window(3_000, 6_000);
                plan.at(from, node(NodeOp::Wipe, victim));
                plan.at(to, node(NodeOp::Start, NodePick::Same));
            },
        ),
    ];
    all.into_iter()
        .map(|s| s.controlling_backends().on_cluster())
        .collect()
}

fn kill_and_restart(plan: &mut Plan, victim: NodePick) {
    let (from, to) = plan.window(3_000, 6_000);
    plan.at(from, node(NodeOp::Kill, victim));
    plan.at(to, node(NodeOp::Start, NodePick::Same));
}

/// Longer than the cluster's `replica.lag.time.max.ms` (10 s), so the ISR does shrink.
fn isolate(plan: &mut Plan) {
    let length = std::time::Duration::from_millis(u64::from(plan.between(14_000, 18_000)));
    let (from, to) = plan.long_window(length);
    let victim = NodePick::LeaderOf(Topic::Orders, 0);
    plan.at_any_time(from, node(NodeOp::Isolate, victim));
    plan.at_any_time(to, node(NodeOp::Rejoin, NodePick::Same));
}

/// One node at a time, each back (its start waits until it has rejoined) before the next goes.
fn rolling_restart(plan: &mut Plan) {
    let mut at = plan.point(0.15, 0.3);
    for victim in 1..=3 {
        let pause = std::time::Duration::from_millis(u64::from(plan.between(1_000, 2_000)));
        plan.at_any_time(at, node(NodeOp::Stop, NodePick::Node(victim)));
        plan.at_any_time(at + pause, node(NodeOp::Start, NodePick::Node(victim)));
        at += pause * 2;
    }
}

fn two_down(plan: &mut Plan) {
    let spared = plan.between(1, 3) as u8;
    let victims: Vec<u8> = (1..=3).filter(|n| *n != spared).collect();
    let (from, to) = plan.window(5_000, 8_000);
    for victim in &victims {
        plan.at(from, node(NodeOp::Kill, NodePick::Node(*victim)));
    }
    for victim in &victims {
        plan.at(to, node(NodeOp::Start, NodePick::Node(*victim)));
    }
}
