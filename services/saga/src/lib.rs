//! The `saga` package: wiring only. The binary parses arguments; this library holds the
//! wiring that tests reuse — the embedded saga on memory backends, the components on real
//! backends (`real`), and an HTTP client for the public API.

pub mod bench;
pub mod client;
pub mod embedded;
pub mod real;
pub mod stats;
