//! `sim`: sweep seeds, replay one, shrink a failing schedule, or check that every mutant is
//! caught. See sim/README.md.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
