//! The deterministic simulation of the order saga (`sim/README.md`; the fault model in
//! `docs/architecture.md`).
//!
//! Every saga component runs its production code as a turmoil host; PostgreSQL, Kafka and Redis
//! are turmoil hosts serving the core's memory models over a small framed protocol on simulated
//! TCP, and the services reach them through the sim adapters in [`adapters`]. One seed fixes
//! everything: the fault [`fault::Schedule`], the workload, every id and coin, turmoil's network
//! and tokio's scheduling. [`run::run`] plays one seed and judges it with the core checker.

pub mod adapters;
pub mod contract;
pub mod fault;
pub mod infra;
pub mod mutants;
pub mod net;
pub mod observe;
pub mod options;
pub mod page;
pub mod plan;
pub mod report;
pub mod run;
pub mod seeded;
pub mod shrink;
pub mod sweep;
pub mod wire;
pub mod workload;
pub mod world;

pub use options::RunOptions;
pub use report::RunReport;
pub use run::run;

pub use seeded::tokio_seeded;
