//! Chaos on the real stack (`chaos/README.md`; the fault model in `docs/architecture.md`):
//! the saga's components as child processes on real PostgreSQL, Kafka and Redis reached
//! through Toxiproxy, a steady workload through the gateway, and named scenarios — toxics,
//! outages, SIGKILLs, backend restarts, a storm — played on a seeded timeline; after each,
//! the heal, quiescence and the checker on the real state read directly.

pub mod allowances;
pub mod cluster;
pub mod conform;
pub mod data_step;
pub mod deploy;
pub mod deployment;
pub mod error;
pub mod failover;
pub mod fleet;
pub mod heal;
pub mod judge;
pub mod operator;
pub mod page;
pub mod play;
pub mod player;
pub mod reclock;
pub mod report;
pub mod runner;
pub mod sabotage;
pub mod scenario;
pub mod schedule;
pub mod stack;
pub mod timeline;
pub mod toxiproxy;
pub mod workload;

pub use error::ChaosError;
