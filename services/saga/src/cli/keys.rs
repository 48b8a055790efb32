//! `saga keys`: make an API key, or hash one, for the gateway's `API_KEYS` / `API_KEYS_FILE`.
//! The clear key is printed once, to stdout, and never stored.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use saga_api::auth::{Role, entry, generate_key};
use saga_core::Owner;
use saga_core::ports::OsEntropy;

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make a random key for NAME: prints the key (give it to the client) and its
    /// `name:role:sha256` entry (give that to the gateway).
    New {
        /// The key's name: it owns the orders the key places (letters, digits, `-_.`).
        name: String,
        /// `client` (places and reads its orders) or `operator` (also the explorer's actions).
        #[arg(long, default_value = "client")]
        role: String,
    },
    /// Read a key on stdin and print its `name:role:sha256` entry.
    Hash {
        name: String,
        #[arg(long, default_value = "client")]
        role: String,
    },
}

pub fn run(args: KeysArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeysCommand::New { name, role } => {
            let (owner, role) = parse(&name, &role)?;
            let key = generate_key(&OsEntropy);
            println!("key:   {key}");
            println!("entry: {}", entry(&owner, role, &key));
        }
        KeysCommand::Hash { name, role } => {
            let (owner, role) = parse(&name, &role)?;
            let mut key = String::new();
            std::io::stdin()
                .read_to_string(&mut key)
                .context("reading the key from stdin")?;
            let key = key.trim();
            anyhow::ensure!(!key.is_empty(), "no key on stdin");
            println!("{}", entry(&owner, role, key));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn parse(name: &str, role: &str) -> anyhow::Result<(Owner, Role)> {
    let owner = Owner::parse(name)?;
    let role = role.parse().map_err(anyhow::Error::msg)?;
    Ok((owner, role))
}
