//! Which release each service host runs during a mixed-version deploy (`fault::upgrade`): a
//! host of the previous release reads envelope schema 1 only; one whose writers were switched
//! writes schema 2. The production components learn it from the variables a real deploy would
//! set (`EVENT_SCHEMA_READ_MAX`, `EVENT_SCHEMA_VERSION`), read when an incarnation starts, so a
//! host changes release only by restarting, as a process does.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// One host's release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Release {
    /// Runs the previous release: reads schema 1 only.
    previous: bool,
    /// Its writers were switched to schema 2.
    writes_newest: bool,
}

/// The release of every host that does not run the default one.
#[derive(Debug, Default)]
pub struct Releases(Mutex<BTreeMap<&'static str, Release>>);

impl Releases {
    fn update(&self, host: &'static str, change: impl FnOnce(&mut Release)) {
        let mut all = self.0.lock().expect("releases lock poisoned");
        change(all.entry(host).or_default());
    }

    /// `hosts` start on the previous release.
    pub fn start_previous(&self, hosts: impl IntoIterator<Item = &'static str>) {
        for host in hosts {
            self.update(host, |r| r.previous = true);
        }
    }

    /// `host`'s next incarnation runs the current release.
    pub fn upgrade(&self, host: &'static str) {
        self.update(host, |r| r.previous = false);
    }

    /// `host`'s next incarnation writes schema 2.
    pub fn switch_writer(&self, host: &'static str) {
        self.update(host, |r| r.writes_newest = true);
    }

    /// Whether some host still runs the previous release.
    pub fn mixed(&self) -> bool {
        let all = self.0.lock().expect("releases lock poisoned");
        all.values().any(|r| r.previous)
    }

    /// The value of `name` that `host`'s release sets, if any.
    pub fn var(&self, host: &str, name: &str) -> Option<String> {
        let all = self.0.lock().expect("releases lock poisoned");
        let release = all.get(host)?;
        match name {
            "EVENT_SCHEMA_READ_MAX" if release.previous => Some("1".into()),
            "EVENT_SCHEMA_VERSION" if release.writes_newest => Some("2".into()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_reads_as_its_release_says_until_upgraded_then_writes_when_switched() {
        let releases = Releases::default();
        releases.start_previous(["payment-worker"]);
        assert!(releases.mixed());
        assert_eq!(
            releases.var("payment-worker", "EVENT_SCHEMA_READ_MAX"),
            Some("1".into())
        );
        assert_eq!(releases.var("order-api", "EVENT_SCHEMA_READ_MAX"), None);
        releases.upgrade("payment-worker");
        assert!(!releases.mixed());
        assert_eq!(
            releases.var("payment-worker", "EVENT_SCHEMA_READ_MAX"),
            None
        );
        assert_eq!(releases.var("payment-worker", "EVENT_SCHEMA_VERSION"), None);
        releases.switch_writer("payment-worker");
        assert_eq!(
            releases.var("payment-worker", "EVENT_SCHEMA_VERSION"),
            Some("2".into())
        );
    }
}
