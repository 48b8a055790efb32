//! Every fault class added since the reliability work broke the code as it was before its fix,
//! on a recorded seed: this test keeps the record honest. A class still listed in
//! `sim::fault::AWAITING_FIXES` must fail its seed with the property named here (the harness
//! has teeth for it); once the fixes land and the class leaves that list, the same seed must
//! pass *with its fault played* (the tooth's coverage signal fired), so a seed that passes only
//! because the fault no longer lands is caught. `sim/FINDINGS.md` tells each story.

use saga_checker::Property;
use sim::RunOptions;
use sim::fault::{AWAITING_FIXES, FaultClass, Mix};
use sim::observe::Signal;
use sim::sweep::run_one;

struct Tooth {
    /// What the seed shows.
    about: &'static str,
    class: FaultClass,
    seed: u64,
    /// The mix the seed is played with (`Mix::parse` syntax) and the faults kept.
    mix: &'static str,
    keep: Option<&'static [usize]>,
    /// What the code before the class's fix violated on it.
    violates: Property,
    /// The coverage signal that shows the fault was played.
    fired: Signal,
}

const TEETH: [Tooth; 11] = [
    Tooth {
        about: "the payment worker stopped while it waited for its backends at start-up: the \
                stop was first listened for once it ran, so it kept starting",
        class: FaultClass::GracefulStop,
        seed: 2,
        mix: "all,-unclean-election,-disk-loss",
        keep: None,
        violates: Property::StopHonoured,
        fired: Signal::StopDuringStartUp,
    },
    Tooth {
        about: "an operator replays a letter the DLQ could not take: the dead-letter table kept \
                its bytes without its trace context",
        class: FaultClass::Operator,
        seed: 669,
        mix: "all,-unclean-election,-disk-loss",
        keep: None,
        violates: Property::TraceContinuity,
        fired: Signal::OperatorReplayed,
    },
    Tooth {
        about: "the status worker's clock 9 days behind: it stamped processed events 9 days old, \
                and retention pruned them at once",
        class: FaultClass::ClockJump,
        seed: 3,
        mix: "clock-jump,clock-drift",
        keep: None,
        violates: Property::StatusChangeTiedToPayment,
        fired: Signal::ClockJump,
    },
    Tooth {
        about: "a 16 KB non-JSON record on orders: its rejection cannot be written",
        class: FaultClass::OversizedPoison,
        seed: 0,
        mix: "oversized-poison",
        keep: None,
        violates: Property::OrderTerminal,
        fired: Signal::OversizedPoison,
    },
    Tooth {
        about: "Redis holds garbage under an order's source event",
        class: FaultClass::Unprocessable,
        seed: 2,
        mix: "unprocessable",
        keep: None,
        violates: Property::OrderTerminal,
        fired: Signal::PermanentFailure,
    },
    Tooth {
        about: "PostgreSQL refuses one order's payment (a constraint violation)",
        class: FaultClass::Unprocessable,
        seed: 7,
        mix: "unprocessable",
        keep: None,
        violates: Property::OrderTerminal,
        fired: Signal::PermanentFailure,
    },
    Tooth {
        about: "PAYMENT_SUCCESS for an order that does not exist gets a courier",
        class: FaultClass::Forgery,
        seed: 5,
        mix: "forgery",
        keep: Some(&[0]),
        violates: Property::DeliveryOnlyWhenCompleted,
        fired: Signal::ForgedUnknownOrder,
    },
    Tooth {
        about: "a payment contradicting the applied one is recorded, not dead-lettered",
        class: FaultClass::Forgery,
        seed: 4,
        mix: "forgery",
        keep: Some(&[1]),
        violates: Property::UnprocessableEventDeadLettered,
        fired: Signal::ForgedContradiction,
    },
    Tooth {
        about: "a payment with a foreign causation decides a PENDING order",
        class: FaultClass::Forgery,
        seed: 6,
        mix: "forgery",
        keep: None,
        violates: Property::StatusChangeTiedToPayment,
        fired: Signal::ForgedWrongCausation,
    },
    Tooth {
        about: "Kafka loses ORDER_CREATED records the relay had marked published",
        class: FaultClass::PowerLoss,
        seed: 35,
        mix: "power-loss",
        keep: None,
        violates: Property::OrderTerminal,
        fired: Signal::KafkaLostRecords,
    },
    Tooth {
        about: "Redis loses decisions; a redelivered ORDER_CREATED is decided again",
        class: FaultClass::PowerLoss,
        seed: 214,
        mix: "power-loss,rebalance,crash,ambiguous-commits",
        keep: Some(&[1, 2, 3, 4]),
        violates: Property::DeliveryOnlyWhenCompleted,
        fired: Signal::RedisLostWrites,
    },
];

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn every_new_fault_class_fails_todays_code_until_it_is_fixed() {
    let mut wrong = Vec::new();
    for tooth in &TEETH {
        let options = RunOptions {
            faults: Mix::parse(tooth.mix).expect("a valid mix"),
            keep: tooth.keep.map(<[usize]>::to_vec),
            ..RunOptions::new(tooth.seed)
        };
        let report = run_one(options);
        let awaiting = AWAITING_FIXES.contains(&tooth.class);
        let violated: Vec<Property> = report.violations.iter().map(|v| v.property).collect();
        let fired = report.coverage.count(tooth.fired) > 0;
        let verdict = if awaiting {
            violated.contains(&tooth.violates)
        } else {
            report.passed() && fired
        };
        println!(
            "{:<18} seed {:>3} ({}): {} — {}",
            tooth.class.name(),
            tooth.seed,
            tooth.about,
            if report.passed() { "passes" } else { "fails" },
            report.replay_command()
        );
        if !verdict {
            wrong.push(format!(
                "{} seed {}: expected {}, got {violated:?} {:?}",
                tooth.class.name(),
                tooth.seed,
                if awaiting {
                    format!("a {} violation", tooth.violates)
                } else {
                    format!("a pass with {} fired (fired: {fired})", tooth.fired.name())
                },
                report.failure
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
