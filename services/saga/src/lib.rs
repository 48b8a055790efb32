//! The `saga` package: wiring only. The binary parses arguments; this library holds the
//! wiring that tests reuse — the embedded saga on memory backends and the components on real
//! backends (`real`). The HTTP client is `saga-client`, the load generator `saga-bench` (bench/, its own binary).

pub mod embedded;
pub mod real;
