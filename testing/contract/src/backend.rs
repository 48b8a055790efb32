//! Running the suite against a real backend: a factory may skip a clause when its server is
//! not running locally, but never under CI, where a missing backend is a failure.

use std::io::Write;
use std::sync::Arc;

/// What an adapter factory may yield: the adapter, or `None` to skip the clause.
pub trait IntoAdapter {
    type Port: ?Sized;
    fn into_adapter(self) -> Option<Arc<Self::Port>>;
}

impl<P: ?Sized> IntoAdapter for Arc<P> {
    type Port = P;
    fn into_adapter(self) -> Option<Arc<P>> {
        Some(self)
    }
}

impl<P: ?Sized> IntoAdapter for Option<Arc<P>> {
    type Port = P;
    fn into_adapter(self) -> Option<Arc<P>> {
        self
    }
}

/// Whether this run is CI (`CI=true`), where real-backend tests must not skip.
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Called by a factory whose backend did not answer: under CI panics with `why`; locally
/// prints a loud SKIPPED line and returns `None`.
///
/// # Panics
/// Under CI, always.
pub fn unavailable<T>(backend: &str, address: &str, why: &dyn std::fmt::Display) -> Option<T> {
    if is_ci() {
        panic!("CI=true and {backend} at {address} is unavailable: {why} (run scripts/stack up)");
    }
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {backend} at {address} is unavailable ({why}); \
         run `scripts/stack up` to test against the real backend ***\n"
    );
    None
}
