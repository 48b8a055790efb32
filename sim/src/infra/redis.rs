//! The simulated Redis host: payment decisions (`SET NX`), durable across restarts as with AOF
//! (each new decision journaled as unsynced until the next whole second, which a power loss
//! takes); a value the harness corrupted fails every `decide` on it for good.

use std::sync::Arc;
use std::time::Duration;

use saga_core::EventId;
use saga_core::mutant::Mutant;

use super::server::{Host, Session, serve as serve_sessions};
use crate::observe::Event;
use crate::wire::REDIS_PORT;
use crate::wire::redis::{RedisRequest, RedisResponse};
use crate::world::{REDIS, World};

/// Runs the host until it crashes.
///
/// # Errors
/// When the port cannot be bound.
pub async fn serve(world: Arc<World>) -> std::io::Result<()> {
    let host = Host::start(REDIS, world.clone(), Duration::from_secs(3));
    serve_sessions(host, REDIS_PORT, |_| RedisSession {
        world: world.clone(),
    })
    .await
}

struct RedisSession {
    world: Arc<World>,
}

impl Session for RedisSession {
    type Request = RedisRequest;
    type Response = RedisResponse;

    fn is_write(request: &RedisRequest) -> bool {
        request.is_write()
    }

    fn describe(request: &RedisRequest) -> String {
        format!("{request:?}")
    }

    async fn handle(&mut self, request: RedisRequest) -> RedisResponse {
        match request {
            RedisRequest::Decide { source, proposal } => {
                let durable = &self.world.durable;
                if durable.sabotage.wants_next_decision() && durable.decisions.get(source).is_none()
                {
                    self.plant_pending_garbage(source);
                }
                if durable.sabotage.decision_corrupt(source) {
                    let request = format!("decide {source}");
                    self.world.emit(
                        REDIS,
                        Event::Refused {
                            host: REDIS,
                            request,
                        },
                    );
                    // What the real adapter says when the stored value does not parse.
                    return RedisResponse::Error(format!(
                        "stored decision is invalid: unknown payment decision \"MAYBE\" under {source}"
                    ));
                }
                if durable.decisions.get(source).is_none() {
                    let at = turmoil::sim_elapsed().unwrap_or_default();
                    durable.unflushed.decision(at, source);
                }
                if self.world.mutant == Some(Mutant::OverwriteDecision) {
                    // `SET`, not `SET NX`: the proposal replaces whatever was decided.
                    durable.decisions.forget(&[source]);
                }
                let decision = durable.decisions.decide_now(source, proposal);
                let event = Event::Decided {
                    source,
                    proposal,
                    decision,
                };
                self.world.emit(REDIS, event);
                RedisResponse::Decision(decision)
            }
            RedisRequest::Ping => RedisResponse::Pong,
        }
    }
}

impl RedisSession {
    /// The harness asked for the next first decision to find garbage (see
    /// `fault::data::unprocessable`): `source` is it; its order is quarantined now.
    fn plant_pending_garbage(&self, source: EventId) {
        let durable = &self.world.durable;
        let store = durable.store.snapshot();
        let Some(order) = store
            .created_events
            .iter()
            .find_map(|(order, created)| (*created == source).then_some(*order))
        else {
            return;
        };
        if durable.sabotage.take_next_decision(order, source) {
            let what = "Decision".to_owned();
            self.world.emit(
                "driver",
                Event::Quarantined {
                    order,
                    source,
                    what,
                },
            );
        }
    }
}
