//! The simulation's tests in its seeded build (`sim::seeded`): in any other build — the one
//! `cargo test --workspace` makes — the seed-dependent tests are ignored, and this test runs
//! `cargo test -p sim` with `sim::seeded::RUSTFLAGS` in `target/sim` (the first
//! time, that compiles the simulation's dependencies there: minutes).

use sim::seeded;

/// Set for the child run, which must be seeded (else it would start another).
const CHILD: &str = "SIM_SEEDED_BUILD";

#[test]
fn the_simulation_passes_its_tests_in_its_seeded_build() {
    if std::env::var_os(CHILD).is_some() {
        // turmoil seeds tokio (and so `select!` inside axum and hyper) only with the cfg.
        assert!(
            seeded::tokio_seeded(),
            "the seeded build was built without {}",
            seeded::RUSTFLAGS
        );
        assert!(
            saga_core::mutant::compiled(),
            "the seeded build was built without its mutants ({})",
            seeded::RUSTFLAGS
        );
        return;
    }
    if seeded::tokio_seeded() {
        return;
    }
    eprintln!(
        "running the simulation's tests in its seeded build ({})",
        seeded::target_dir().display()
    );
    let output = seeded::cargo()
        .args(["test", "-p", "sim"])
        .env(CHILD, "1")
        .output()
        .expect("cargo runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(
        output.status.success(),
        "the seeded build's tests failed:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    // The child's summary lines, so the outer run shows what ran.
    for line in text(&output.stdout).lines() {
        if line.starts_with("test result") || line.starts_with("     Running") {
            eprintln!("{line}");
        }
    }
}
