//! A small client of Toxiproxy's HTTP API (proxies, toxics, enabling and disabling), and the
//! toxics the scenarios use.

mod client;
mod toxic;

pub use client::{Proxy, Toxiproxy, ToxiproxyError};
pub use toxic::{Stream, Toxic, ToxicKind};
