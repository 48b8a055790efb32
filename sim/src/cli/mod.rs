//! The command line.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "sim", about = "Deterministic simulation of the order saga")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay one seed and print its verdict and trace hash.
    Replay {
        #[arg(long)]
        seed: u64,
    },
}

pub fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Replay { seed } => {
            let report = sim::sweep::run_one(sim::RunOptions::new(seed));
            print!("{report}");
            println!("trace hash {:016x}", report.hash);
            Ok(())
        }
    }
}
