//! The `saga` package: wiring only. The binary parses arguments; this library holds the
//! wiring that tests reuse — the embedded saga on memory backends and an HTTP client for the
//! public API.

pub mod bench;
pub mod client;
pub mod embedded;
pub mod stats;
