//! The simulated Kafka host: the durable memory event bus, served to producers and to consumer
//! group members (one per connection). A member whose connection ends leaves its group; one
//! whose heartbeats stop past the session timeout, or whose polls stop past the max poll
//! interval, is expelled (`liveness`); a restarted broker starts with no members: all of these
//! rebalance, so uncommitted records are delivered again. While duplicate appends are switched
//! on, every publish is appended twice, as a producer retrying an unacknowledged send does.

use std::sync::Arc;
use std::time::Duration;

use saga_core::ports::OutgoingMessage;
use tokio::time::Instant;

use super::liveness::{self, Liveness, MAX_POLL_INTERVAL};
use super::server::{Host, Session, serve as serve_sessions};
use crate::observe::Event;
use crate::wire::KAFKA_PORT;
use crate::wire::kafka::{DeliveryWire, KafkaRequest, KafkaResponse};
use crate::world::{KAFKA, World};

/// The broker's `message.max.bytes`: a record larger than this is refused for good. Kafka's
/// default is about 1 MB; the simulation scales it down (and its oversized poison records
/// with it) so a seed moves kilobytes, not megabytes.
pub const MESSAGE_MAX_BYTES: usize = 16 * 1024;

/// Runs the host until it crashes.
///
/// # Errors
/// When the port cannot be bound.
pub async fn serve(world: Arc<World>) -> std::io::Result<()> {
    // Sessions do not survive a broker restart.
    world.durable.bus.expel_all_members();
    let liveness = Liveness::default();
    tokio::task::spawn_local(liveness::expel_silent(world.clone(), liveness.clone()));
    super::retention::on_start(&world);
    tokio::task::spawn_local(super::retention::run(world.clone()));
    // A session idle this long is closed. Its member (if any) was expelled before that, and
    // the connection stayed open to tell it so (`Rebalanced`), as a broker answers a member
    // that overran its poll interval.
    let host = Host::start(KAFKA, world.clone(), 2 * MAX_POLL_INTERVAL);
    serve_sessions(host, KAFKA_PORT, |_| KafkaSession {
        world: world.clone(),
        liveness: liveness.clone(),
        member: None,
    })
    .await
}

struct KafkaSession {
    world: Arc<World>,
    liveness: Liveness,
    member: Option<(String, u64)>,
}

impl KafkaSession {
    fn leave(&mut self, why: &'static str) {
        if let Some((group, member)) = self.member.take() {
            // Expelled already (session timeout, max poll interval): it left then.
            if self.liveness.forget(&group, member) {
                self.world.durable.bus.leave(&group, member);
                self.world.emit(KAFKA, Event::Left { group, member, why });
            }
        }
    }

    /// The member this connection speaks for was heard from.
    fn heard(&self, poll: bool) {
        if let Some((group, member)) = &self.member {
            self.liveness.heard(group, *member, poll);
        }
    }

    fn publish(&self, batch: Vec<OutgoingMessage>) -> KafkaResponse {
        // The broker's message.max.bytes, as the real producer meets it (MessageSizeTooLarge).
        if let Err(error) = self.world.durable.bus.check_sizes(&batch) {
            return KafkaResponse::Error(error.to_string());
        }
        let at = turmoil::sim_elapsed().unwrap_or_default();
        let copies = if self.world.switches.duplicate_appends() {
            2
        } else {
            1
        };
        for copy in 0..copies {
            let placed = self.world.durable.bus.append(&batch);
            for (message, (partition, offset)) in batch.iter().zip(placed) {
                let unflushed = &self.world.durable.unflushed;
                unflushed.append(at, message.topic, partition, offset);
                let times = &self.world.durable.appended_at;
                times.stamp(message.topic, partition, offset, at);
                self.world
                    .emit(KAFKA, Event::appended(message, partition, offset, copy > 0));
            }
        }
        KafkaResponse::Published
    }

    async fn poll(&mut self, wait: Duration, max: usize) -> KafkaResponse {
        let Some((group, member)) = self.member.clone() else {
            return KafkaResponse::Rebalanced("not a member of any group".into());
        };
        let bus = &self.world.durable.bus;
        let deadline = Instant::now() + wait;
        let mut fetched = Vec::new();
        loop {
            match bus.poll(&group, member) {
                Ok(Some(delivery)) => {
                    self.world.emit(
                        KAFKA,
                        Event::Delivered {
                            group: group.clone(),
                            member,
                            topic: delivery.topic,
                            partition: delivery.partition,
                            offset: delivery.offset,
                        },
                    );
                    fetched.push(DeliveryWire::from(delivery));
                    if fetched.len() < max {
                        continue;
                    }
                }
                Ok(None) if fetched.is_empty() && Instant::now() < deadline => {
                    // Nothing else runs between the poll above and this wait registering.
                    let _ = tokio::time::timeout_at(deadline, bus.changed()).await;
                    continue;
                }
                Ok(None) => {}
                Err(error) => {
                    self.member = None;
                    return KafkaResponse::Rebalanced(error.to_string());
                }
            }
            return KafkaResponse::Records(fetched, bus.member_lag(&group, member));
        }
    }
}

impl Drop for KafkaSession {
    fn drop(&mut self) {
        self.leave("session ended");
    }
}

impl Session for KafkaSession {
    type Request = KafkaRequest;
    type Response = KafkaResponse;

    fn is_write(request: &KafkaRequest) -> bool {
        request.is_write()
    }

    fn describe(request: &KafkaRequest) -> String {
        match request {
            KafkaRequest::Publish(batch) => format!("publish {} records", batch.len()),
            KafkaRequest::Commit {
                topic,
                partition,
                offset,
            } => format!("commit {topic}/{partition}@{offset}"),
            other => format!("{other:?}"),
        }
    }

    async fn handle(&mut self, request: KafkaRequest) -> KafkaResponse {
        self.heard(matches!(request, KafkaRequest::Poll { .. }));
        match request {
            KafkaRequest::Publish(batch) => {
                self.publish(batch.into_iter().map(OutgoingMessage::from).collect())
            }
            KafkaRequest::Join { group, topics } => {
                self.leave("joined again");
                let member = self.world.durable.bus.join(&group, &topics);
                self.liveness.joined(&group, member);
                self.world.emit(
                    KAFKA,
                    Event::Joined {
                        group: group.clone(),
                        member,
                    },
                );
                self.member = Some((group, member));
                KafkaResponse::Joined(member)
            }
            KafkaRequest::Poll { wait_ms, max } => {
                self.poll(Duration::from_millis(wait_ms), max).await
            }
            KafkaRequest::Commit {
                topic,
                partition,
                offset,
            } => {
                let Some((group, member)) = self.member.clone() else {
                    return KafkaResponse::Rebalanced("not a member of any group".into());
                };
                let bus = &self.world.durable.bus;
                let before = bus.committed(&group, topic, partition);
                match bus.commit(&group, member, topic, partition, offset) {
                    Ok(()) => {
                        let at = turmoil::sim_elapsed().unwrap_or_default();
                        let unflushed = &self.world.durable.unflushed;
                        unflushed.commit(at, &group, topic, partition, before);
                        let event = Event::Committed {
                            group,
                            member,
                            topic,
                            partition,
                            offset,
                        };
                        self.world.emit(KAFKA, event);
                        KafkaResponse::Committed
                    }
                    Err(error) => KafkaResponse::Rebalanced(error.to_string()),
                }
            }
            KafkaRequest::Heartbeat { group, member } => {
                if self.liveness.heartbeat(&group, member) {
                    KafkaResponse::Done
                } else {
                    KafkaResponse::Rebalanced(format!("member {member} left {group}"))
                }
            }
            KafkaRequest::Ping => KafkaResponse::Done,
        }
    }
}
