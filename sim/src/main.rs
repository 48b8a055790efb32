//! `sim`: sweep seeds, replay one, shrink a failing schedule, or check that every mutant is
//! caught. See sim/README.md.

mod cli;

use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: a seed is allocation-heavy (every future, frame and
/// envelope), and where memory lands has no effect on what is simulated, so the trace hashes
/// and the sweep digest are the same with either (sim/README.md, "Speed").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
