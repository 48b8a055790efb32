//! How the simulated broker tells a live group member from a dead or stuck one, as Kafka does
//! with two separate clocks: the **session timeout** (no heartbeat and no request for 2 s: the
//! member's host crashed, or the network cut it off) and the **max poll interval** (no poll
//! for 30 s: the member is alive but stuck in its loop). Heartbeats come from the client's
//! background task (`sim/src/adapters/consumer.rs`), so a consumer retrying one record for
//! longer than the session timeout keeps its partitions until the poll interval runs out, as
//! with librdkafka (`session.timeout.ms` 45 s, `max.poll.interval.ms` 5 min; both scaled down
//! here, their order kept).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::observe::Event;
use crate::world::{KAFKA, World};

/// A member with no heartbeat and no request for this long is expelled.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(2);

/// A member that has not polled for this long is expelled, heartbeats or not.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(30);

/// How often the broker looks for members past either deadline.
const SWEEP_EVERY: Duration = Duration::from_millis(250);

#[derive(Clone, Copy)]
struct Seen {
    /// Last heartbeat or request.
    alive: Instant,
    /// Last poll (a join counts as one).
    polled: Instant,
}

/// The members this broker incarnation knows, and when each was last heard from. Shared by the
/// host's sessions (one thread: the host's runtime).
#[derive(Clone, Default)]
pub struct Liveness(Rc<RefCell<BTreeMap<(String, u64), Seen>>>);

impl Liveness {
    pub fn joined(&self, group: &str, member: u64) {
        let now = Instant::now();
        let seen = Seen {
            alive: now,
            polled: now,
        };
        self.0.borrow_mut().insert((group.to_owned(), member), seen);
    }

    /// A request from the member's own connection; `poll` when it fetches.
    pub fn heard(&self, group: &str, member: u64, poll: bool) {
        let now = Instant::now();
        if let Some(seen) = self.0.borrow_mut().get_mut(&(group.to_owned(), member)) {
            seen.alive = now;
            if poll {
                seen.polled = now;
            }
        }
    }

    /// A heartbeat: whether the member is still in its group.
    pub fn heartbeat(&self, group: &str, member: u64) -> bool {
        let mut members = self.0.borrow_mut();
        match members.get_mut(&(group.to_owned(), member)) {
            Some(seen) => {
                seen.alive = Instant::now();
                true
            }
            None => false,
        }
    }

    /// Forgets the member; whether it was still known (so it leaves the group only once).
    pub fn forget(&self, group: &str, member: u64) -> bool {
        self.0
            .borrow_mut()
            .remove(&(group.to_owned(), member))
            .is_some()
    }

    /// Members past a deadline, forgotten, with the reason.
    fn expired(&self, now: Instant) -> Vec<((String, u64), &'static str)> {
        let mut members = self.0.borrow_mut();
        let gone: Vec<_> = members
            .iter()
            .filter_map(|(key, seen)| {
                if now - seen.alive >= SESSION_TIMEOUT {
                    Some((key.clone(), "session timed out"))
                } else if now - seen.polled >= MAX_POLL_INTERVAL {
                    Some((key.clone(), "max poll interval exceeded"))
                } else {
                    None
                }
            })
            .collect();
        for (key, _) in &gone {
            members.remove(key);
        }
        gone
    }
}

/// Expels members past either deadline, forever (until the broker crashes): the group
/// rebalances and what they had not committed goes to the others.
pub async fn expel_silent(world: Arc<World>, liveness: Liveness) {
    loop {
        tokio::time::sleep(SWEEP_EVERY).await;
        for ((group, member), why) in liveness.expired(Instant::now()) {
            world.durable.bus.leave(&group, member);
            world.emit(KAFKA, Event::Left { group, member, why });
        }
    }
}
