//! Fault switches the driver flips and the backend hosts read: which backends drop some
//! answers after applying a write (ambiguous commits), which swallow every request (black
//! holes), and whether Kafka appends twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

#[derive(Debug, Default)]
struct State {
    ambiguous: BTreeMap<&'static str, f64>,
    black_holes: BTreeSet<&'static str>,
    duplicate_appends: bool,
}

/// Backend misbehaviour currently switched on.
#[derive(Debug, Default)]
pub struct Switches(Mutex<State>);

impl Switches {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().expect("switch lock poisoned")
    }

    /// The chance that `host` drops the answer to a write it applied, when switched on.
    pub fn ambiguous_rate(&self, host: &str) -> Option<f64> {
        self.lock().ambiguous.get(host).copied()
    }

    pub fn set_ambiguous(&self, host: &'static str, rate: Option<f64>) {
        match rate {
            Some(rate) => self.lock().ambiguous.insert(host, rate),
            None => self.lock().ambiguous.remove(host),
        };
    }

    /// Whether `host` reads requests and answers none.
    pub fn black_holed(&self, host: &str) -> bool {
        self.lock().black_holes.contains(host)
    }

    pub fn set_black_hole(&self, host: &'static str, on: bool) {
        if on {
            self.lock().black_holes.insert(host);
        } else {
            self.lock().black_holes.remove(host);
        }
    }

    pub fn duplicate_appends(&self) -> bool {
        self.lock().duplicate_appends
    }

    pub fn set_duplicate_appends(&self, on: bool) {
        self.lock().duplicate_appends = on;
    }

    pub fn clear(&self) {
        *self.lock() = State::default();
    }
}
