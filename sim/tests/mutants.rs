//! The checker has teeth: every deliberately broken service variant is caught by the sweep.

use saga_core::mutant::Mutant;
use sim::mutants::hunt;

/// Most seeds a mutant may survive before the test gives up on the harness.
const MAX_SEEDS: u64 = 40;

#[test]
#[cfg_attr(
    not(tokio_unstable),
    ignore = "runs in the seeded build: sim/tests/seeded.rs"
)]
fn every_mutant_is_caught() {
    let mut table = Vec::new();
    let mut missed = Vec::new();
    for mutant in Mutant::ALL {
        let hunt = hunt(mutant, MAX_SEEDS, 2, 100);
        match &hunt.caught {
            Some(c) => table.push(format!(
                "{:<30} caught after {:>2} seeds: {} ({})",
                mutant.name(),
                hunt.seeds_run,
                c.property,
                c.replay
            )),
            None => missed.push(mutant.name()),
        }
    }
    println!("{}", table.join("\n"));
    assert!(
        missed.is_empty(),
        "not caught in {MAX_SEEDS} seeds: {missed:?}"
    );
}
