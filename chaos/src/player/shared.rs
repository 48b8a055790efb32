//! What the steps of one timeline share while they play: the order they keep, which have
//! finished, and what they did.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;

use crate::cluster::NodeState;
use crate::sabotage::Sabotaged;
use crate::schedule::{ActiveFaults, Order};
use crate::stack::Backend;
use crate::timeline::Timeline;

/// How a step went, when it did not fail.
pub(crate) enum Outcome {
    Done(Option<String>),
    Skipped(String),
}

/// What the steps of one timeline share while they play.
pub(crate) struct Shared {
    /// Time zero of the timeline.
    pub start: tokio::time::Instant,
    pub order: Order,
    pub done: Vec<watch::Sender<bool>>,
    pub state: Mutex<State>,
    /// Held across a node step (they play one at a time anyway).
    pub nodes: tokio::sync::Mutex<NodeState>,
}

#[derive(Default)]
pub(crate) struct State {
    pub stopped: BTreeSet<Backend>,
    pub sabotaged: Vec<Sabotaged>,
    pub faults: ActiveFaults,
    /// What each operator step did (`crate::operator`).
    pub operated: Vec<String>,
}

impl Shared {
    pub fn new(timeline: &Timeline, start: tokio::time::Instant) -> Self {
        Self {
            start,
            order: Order::of(timeline),
            done: timeline
                .steps
                .iter()
                .map(|_| watch::channel(false).0)
                .collect(),
            state: Mutex::default(),
            nodes: tokio::sync::Mutex::default(),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("player state")
    }

    /// Resolves once step `i` has finished.
    pub async fn finished(&self, i: usize) {
        let mut done = self.done[i].subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = done.wait_for(|finished| *finished).await;
    }
}
