//! The checker has teeth: every deliberately broken service variant is caught by the sweep, by
//! the property sim/README.md's table names (a harness error or another property is not a
//! catch), and each subtle mutant is harmless without its fault (seeds with no fault pass).

use saga_core::mutant::Mutant;
use sim::fault::{FaultClass, Mix};
use sim::mutants::MutantName;
use sim::mutants::{expected, failing_without_faults, hunt, hunt_with, median};

/// Most seeds a mutant may survive before the test gives up on the harness. The rarest catch
/// sets it: `give-up-after-10s` needs a long fault that cuts a worker off from PostgreSQL (what
/// it drops from Redis the reconciler heals), and the give-up must land before anything else
/// heals it: 2 of seeds 0–299; seed 121 is the first.
const MAX_SEEDS: u64 = 130;

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn every_mutant_is_caught_by_its_property() {
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    let mut subtle = Vec::new();
    for mutant in Mutant::ALL {
        let hunt = hunt(mutant, MAX_SEEDS, 2, 100);
        let wanted = expected(mutant);
        match &hunt.caught {
            Some(c) if hunt.caught_as_expected() => {
                table.push(format!(
                    "{:<28} caught after {:>2} seeds: {} ({})",
                    mutant.name(),
                    hunt.seeds_run,
                    wanted,
                    c.replay
                ));
                if Mutant::SUBTLE.contains(&mutant) {
                    subtle.push(hunt.seeds_run);
                }
            }
            Some(c) => wrong.push(format!(
                "{}: seed {} broke {:?} (harness error {:?}), expected {wanted}",
                mutant.name(),
                c.seed,
                c.properties,
                c.failure
            )),
            None => wrong.push(format!(
                "{}: not caught in {MAX_SEEDS} seeds",
                mutant.name()
            )),
        }
    }
    println!("{}", table.join("\n"));
    println!(
        "subtle: seeds to catch {subtle:?}, median {:?}",
        median(subtle.clone())
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn subtle_mutants_are_harmless_without_their_fault() {
    let mut harmful = Vec::new();
    for mutant in Mutant::SUBTLE {
        let failed = failing_without_faults(mutant, 0..4, 2);
        if !failed.is_empty() {
            harmful.push(format!(
                "{}: seeds {failed:?} fail with no fault",
                mutant.name()
            ));
        }
    }
    assert!(harmful.is_empty(), "{}", harmful.join("\n"));
}

/// `mutant` is caught by `classes` (with `companions`, the classes that set the scene: for
/// operators, something dead-lettered to act on) within 20 seeds, by its expected property;
/// and every other class of the sweep passes it on the same seeds: only `classes` have teeth
/// for it.
fn only_these_classes_catch(mutant: Mutant, classes: &[FaultClass], companions: &[FaultClass]) {
    let mix = Mix::only(classes.iter().chain(companions).copied());
    let hunt = hunt_with(mutant, 20, 2, 100, &mix);
    let seed = match &hunt.caught {
        Some(c) if hunt.caught_as_expected() => c.seed,
        other => panic!(
            "{classes:?} alone did not catch {}: {other:?}",
            mutant.name()
        ),
    };
    let others = Mix::survivable().without(classes);
    let missed = hunt_with(mutant, seed + 1, 2, 100, &others);
    assert!(
        missed.caught.is_none(),
        "another class caught it first: {:?}",
        missed.caught
    );
}

/// The classes that stop a service gracefully, as a deploy does.
const DEPLOYS: [FaultClass; 3] = [
    FaultClass::GracefulStop,
    FaultClass::RollingRestart,
    FaultClass::MixedVersions,
];

/// The deploy classes have teeth of their own: the shutdown-path mutant (a crash never runs
/// the stop path).
#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_shutdown_path_mutant_takes_a_deploy_to_catch() {
    only_these_classes_catch(Mutant::CommitFetchedOnStop, &DEPLOYS, &[]);
}

/// The clock classes have teeth of their own: the store stamping rows with the writer's clock
/// (harmless while every host agrees on the time).
#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_writer_clock_mutant_takes_a_skewed_clock_to_catch() {
    only_these_classes_catch(
        Mutant::WriterClockStamps,
        &[FaultClass::ClockJump, FaultClass::ClockDrift],
        &[],
    );
}

/// The operator class has teeth of its own: a replay recorded before its publish is caught
/// when an operator's publish fails, and no other class ever replays.
#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_replay_ordering_mutant_takes_an_operator_to_catch() {
    only_these_classes_catch(
        Mutant::RecordReplayBeforePublish,
        &[FaultClass::Operator],
        &[
            FaultClass::Poison,
            FaultClass::Forgery,
            FaultClass::Unprocessable,
        ],
    );
}

/// The deploy classes have teeth for the start-up path too: a stop that lands while a host
/// still waits at start-up for a backend that lost power (the power loss sets the scene; it
/// never stops a service itself).
#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_start_up_stop_mutant_takes_a_deploy_to_catch() {
    only_these_classes_catch(
        Mutant::IgnoreStopDuringStartUp,
        &DEPLOYS,
        &[FaultClass::PowerLoss],
    );
}

/// The mixed-version class has teeth of its own: a release that writes the newest schema as
/// soon as it can read it is harmless until a reader of the previous release still runs.
#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn the_early_schema_switch_takes_a_mixed_version_deploy_to_catch() {
    only_these_classes_catch(Mutant::WriteNewestSchema, &[FaultClass::MixedVersions], &[]);
}
