//! A backend server killed outright rather than stopped: SIGKILL of `redis-server` and of the
//! Kafka broker (nothing flushed, nothing closed), restarted a few seconds later; and the same
//! as a power loss, which also takes what the server had acknowledged but not yet put on disk —
//! Redis (`appendfsync everysec`) its last second of writes, Kafka (one replica, no fsync) the
//! unflushed tail of every partition and of the groups' commits.

use std::time::Duration;

use super::catalog::Scenario;
use super::plan::Plan;
use crate::stack::Backend;
use crate::timeline::Action;

/// Kills `backend` (losing `lose` of unflushed writes, if any) and starts it 2–5 s later.
fn kill(plan: &mut Plan, backend: Backend, lose: Option<Duration>) {
    let (at, _) = plan.window(0, 0);
    let down = Duration::from_millis(u64::from(plan.between(2_000, 5_000)));
    plan.at(at, Action::KillBackend { backend, lose });
    plan.at(at + down, Action::StartBackend(backend));
}

/// `crash-{redis,kafka}` and `power-loss-{redis,kafka}`.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for backend in [Backend::Redis, Backend::Kafka] {
        all.push(
            Scenario::new(
                format!("crash-{backend}"),
                format!("{backend}: the server SIGKILLed under load, started 2–5 s later"),
                move |plan: &mut Plan| kill(plan, backend, None),
            )
            .controlling_backends(),
        );
        let about = match backend {
            Backend::Redis => {
                "redis: power loss, the last second of AOF (appendfsync everysec) gone"
            }
            _ => "kafka: power loss, the last 1–5 s of every partition and of the commits gone",
        };
        all.push(
            Scenario::new(
                format!("power-loss-{backend}"),
                about,
                move |plan: &mut Plan| {
                    let lose = match backend {
                        Backend::Redis => Duration::from_secs(1),
                        _ => Duration::from_millis(u64::from(plan.between(1_000, 5_000))),
                    };
                    kill(plan, backend, Some(lose));
                },
            )
            .controlling_backends(),
        );
    }
    all
}
