//! The per-key rate limit: governor's token bucket (GCRA) keyed by the API key's name, on
//! tokio's clock (so paused-time tests and the simulation see the time they control). Requests
//! over the limit get 429 with `Retry-After`. Without authentication there are no keys, and so
//! no per-key limit; the global concurrency limit still applies.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use saga_api::ApiError;
use saga_api::auth::Principal;
use saga_core::Owner;

use crate::config::Limits;

/// Time since the limiter was built, by tokio's clock.
#[derive(Debug, Clone)]
struct TokioClock {
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

type KeyedLimiter =
    RateLimiter<Owner, HashMapStateStore<Owner>, TokioClock, NoOpMiddleware<Duration>>;

/// The middleware's state: one bucket per key name, shared by every clone.
#[derive(Clone)]
pub(crate) struct RateLimit {
    limiter: Arc<KeyedLimiter>,
    clock: TokioClock,
    per_second: u32,
}

impl RateLimit {
    pub(crate) fn new(limits: &Limits) -> Self {
        let quota = Quota::per_second(limits.rate_per_second).allow_burst(limits.rate_burst);
        let clock = TokioClock {
            start: tokio::time::Instant::now(),
        };
        Self {
            limiter: Arc::new(RateLimiter::hashmap_with_clock(quota, clock.clone())),
            clock,
            per_second: limits.rate_per_second.get(),
        }
    }
}

/// Takes a token from the caller's bucket, or answers 429 with how long until the next one.
pub(crate) async fn middleware(
    State(limit): State<RateLimit>,
    request: Request,
    next: Next,
) -> Response {
    let Some(principal) = request.extensions().get::<Principal>() else {
        return next.run(request).await;
    };
    match limit.limiter.check_key(&principal.owner) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            saga_api::rejections::count("rate_limited");
            let wait = not_until.wait_time_from(limit.clock.now());
            let message = format!(
                "API key {} is limited to {} requests per second; retry later",
                principal.owner, limit.per_second
            );
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
                .retry_after(wait)
                .into_response()
        }
    }
}
