//! One simulated world: the durable backend state, the observer, the fault switches, the
//! topology drawn from the component registry, and the components as hosts in the
//! simulation's environment.

mod clock;
mod durable;
mod releases;
mod sabotage;
mod services;
mod skews;
mod stops;
mod switches;
mod topology;
mod unflushed;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use saga_core::mutant::Mutant;
use saga_core::ports::SeededEntropy;

use crate::observe::{Event, Observer};

pub use clock::{EPOCH, SimClock};
pub use durable::Durable;
pub use releases::Releases;
pub use sabotage::Sabotage;
pub use services::register as register_services;
pub use skews::{HostClock, Skews};
pub use stops::{Phase, Stops};
pub use switches::Switches;
pub use topology::{
    CLIENTS, GATEWAY, INFRA, KAFKA, POSTGRES, REDIS, RELAY, component_of, links, replicas,
    service_hosts,
};
pub use unflushed::{KafkaLoss, Unflushed};

/// Everything one simulation shares across its hosts and its driver.
pub struct World {
    pub seed: u64,
    pub mutant: Option<Mutant>,
    pub durable: Durable,
    pub observer: Observer,
    pub switches: Switches,
    pub stops: Stops,
    pub skews: Skews,
    pub releases: Releases,
    incarnations: Mutex<BTreeMap<&'static str, u64>>,
}

impl World {
    pub fn new(seed: u64, mutant: Option<Mutant>) -> Arc<Self> {
        Arc::new(Self {
            seed,
            mutant,
            durable: Durable::default(),
            observer: Observer::default(),
            switches: Switches::default(),
            stops: Stops::default(),
            skews: Skews::default(),
            releases: Releases::default(),
            incarnations: Mutex::new(BTreeMap::new()),
        })
    }

    pub fn emit(&self, host: &'static str, event: Event) {
        self.observer.emit(host, event);
    }

    /// Records a (re)start of `host` (the first start is incarnation 1) and returns the
    /// entropy of this incarnation.
    pub fn start_host(&self, host: &'static str) -> SeededEntropy {
        let incarnation = {
            let mut all = self.incarnations.lock().expect("incarnation lock poisoned");
            let n = all.entry(host).or_default();
            *n += 1;
            *n
        };
        self.emit(host, Event::HostStarted { host, incarnation });
        SeededEntropy::new(self.host_seed(host, incarnation))
    }

    /// The entropy seed of one incarnation of one host: a restarted host draws fresh ids, as
    /// a restarted process's random UUIDs would be, yet the run stays a function of the seed.
    pub fn host_seed(&self, host: &str, incarnation: u64) -> u64 {
        let mut hash = saga_core::fnv::Fnv1a::seeded(self.seed);
        hash.write(host.as_bytes());
        hash.write(&incarnation.to_le_bytes());
        hash.finish()
    }
}
pub use services::HTTP_PORT;

/// Normal one-way latency of every link: a uniform floor, an exponential tail up to the cap.
pub const MIN_LATENCY: std::time::Duration = std::time::Duration::from_millis(1);
pub const MAX_LATENCY: std::time::Duration = std::time::Duration::from_millis(24);
