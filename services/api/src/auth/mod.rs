//! API keys: `Authorization: Bearer <key>` checked against configured SHA-256 hashes, each with
//! a name (which owns the orders the key places) and a role.

mod keys;
mod layer;

pub use keys::{ApiKeys, KeysError, Principal, Role, entry, generate_key, hash_key};
pub use layer::{RequireKey, require_key};
