//! Toxics on one backend's proxy for a window under load: latency with jitter, `timeout`
//! (data dropped), `reset_peer` (connections reset), a bandwidth limit and `slicer` (data cut
//! into small, delayed pieces). Each shows the components ride out a degraded dependency
//! and converge once it is healthy again.

use super::catalog::Scenario;
use super::plan::Plan;
use crate::stack::Backend;
use crate::timeline::Action;
use crate::toxiproxy::{Stream, ToxicKind};

pub(super) type Pick = fn(&mut Plan) -> ToxicKind;

pub(super) const KINDS: [(&str, &str, Pick); 5] = [
    (
        "latency",
        "every packet delayed by a seeded latency with jitter",
        Plan::latency,
    ),
    (
        "timeout",
        "data silently dropped (connections hang, maybe closed)",
        Plan::timeout,
    ),
    (
        "reset-peer",
        "every connection reset (TCP RST)",
        Plan::reset_peer,
    ),
    (
        "bandwidth",
        "throughput throttled to a few KB/s",
        Plan::bandwidth,
    ),
    (
        "slicer",
        "data sliced into small delayed pieces",
        Plan::slicer,
    ),
];

/// `<backend>-<toxic>` for each backend and toxic.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for backend in Backend::ALL {
        for (kind, about, pick) in KINDS {
            all.push(Scenario::new(
                format!("{backend}-{kind}"),
                format!("{backend}: {about}, for a seeded window"),
                move |plan: &mut Plan| {
                    let toxic = pick(plan);
                    let stream = match toxic {
                        ToxicKind::Latency { .. } | ToxicKind::Bandwidth { .. } => {
                            Stream::Downstream
                        }
                        _ => plan.pick(&[Stream::Upstream, Stream::Downstream]),
                    };
                    let window = plan.window(3_000, 8_000);
                    let hangs = matches!(toxic, ToxicKind::Timeout { .. });
                    plan.toxic(backend, toxic, stream, window);
                    if hangs {
                        // Mid-fault: no probe may wait on a connection that stopped answering.
                        plan.at(window.0 + (window.1 - window.0) / 2, Action::Probe);
                    }
                },
            ));
        }
    }
    all
}
