//! `sim`: sweep seeds, replay one, shrink a failing schedule, or check that every mutant is
//! caught. See sim/README.md.

mod cli;

fn main() -> anyhow::Result<()> {
    cli::main()
}
