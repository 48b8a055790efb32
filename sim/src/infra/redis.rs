//! The simulated Redis host: payment decisions (`SET NX`), durable across restarts as with AOF.

use std::sync::Arc;
use std::time::Duration;

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
                let decision = self.world.durable.decisions.decide_now(source, proposal);
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
