//! Gateway request handlers, one per file.

mod fallback;
mod forward;
mod get_order;
mod health;
mod place_order;

pub(crate) use fallback::{method_not_allowed, not_found};
pub(crate) use get_order::{__path_get_order, get_order};
pub(crate) use health::{__path_health, __path_ready, health, ready};
pub(crate) use place_order::{__path_place_order, place_order};
