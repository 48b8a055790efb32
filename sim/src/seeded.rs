//! The simulation's own build. turmoil seeds each simulated host's tokio runtime — and with it
//! the order in which `tokio::select!` polls its branches, inside axum and hyper too — only
//! when tokio is compiled with `--cfg tokio_unstable`. Nothing else in the workspace needs that,
//! so the services, their image and `cargo install` are built without it, and the simulation
//! gets a build of its own: `RUSTFLAGS="--cfg tokio_unstable --cfg saga_mutants"` in
//! `target/sim`. The second cfg compiles the mutants in (`saga_core::mutant`): this build is
//! the only one that has them.
//! `scripts/sim` runs the command line from it; `cargo test -p sim` (and `--workspace`) runs
//! the simulation's tests in it (`sim/tests/seeded.rs`).

use std::path::PathBuf;
use std::process::Command;

/// What the seeded build passes to rustc.
pub const RUSTFLAGS: &str = "--cfg tokio_unstable --cfg saga_mutants";

/// Whether this build is the seeded one.
pub fn tokio_seeded() -> bool {
    cfg!(tokio_unstable)
}

/// Where the seeded build lives: `sim/` under the workspace's target directory.
pub fn target_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("sim")
}

/// `cargo` set up for the seeded build, in the workspace.
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    command
}
