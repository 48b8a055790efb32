//! Healing: every toxic removed, every proxy enabled, every stopped backend (or Kafka node)
//! started again.
//! Done after each scenario, before the first (a crashed earlier run may have left toxics),
//! and — through [`HealGuard`] — even when a run fails or panics half-way.

use crate::error::ChaosError;
use crate::stack::{Backend, StackScript};
use crate::toxiproxy::Toxiproxy;

/// Heals every proxy (one per backend, or per Kafka node and its peer links) and starts the
/// `stopped` backends again (for a cluster, `kafka` starts whichever nodes are down).
///
/// # Errors
/// When Toxiproxy does not answer or a backend does not come back.
pub async fn heal(
    toxiproxy: &Toxiproxy,
    script: Option<&StackScript>,
    stopped: &[Backend],
) -> Result<(), ChaosError> {
    for proxy in toxiproxy.proxies().await? {
        toxiproxy.heal(&proxy.name).await?;
    }
    if let Some(script) = script {
        for backend in stopped {
            script.start(*backend).await?;
        }
    }
    Ok(())
}

/// Heals on drop, from a thread of its own (drop cannot await), unless disarmed.
pub struct HealGuard {
    toxiproxy: String,
    script: Option<StackScript>,
    armed: bool,
}

impl HealGuard {
    pub fn new(toxiproxy: &Toxiproxy, script: Option<&StackScript>) -> Self {
        Self {
            toxiproxy: toxiproxy.base().to_owned(),
            script: script.cloned(),
            armed: true,
        }
    }

    /// The run healed normally; nothing left to do.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for HealGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let base = self.toxiproxy.clone();
        let script = self.script.take();
        let healing = std::thread::spawn(move || -> std::io::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let toxiproxy = Toxiproxy::new(&base);
                // Which backends a failed run left stopped is unknown: `up` starts what is down.
                heal(&toxiproxy, None, &[])
                    .await
                    .map_err(std::io::Error::other)?;
                if let Some(script) = script {
                    script.up().await.map_err(std::io::Error::other)?;
                }
                Ok::<(), std::io::Error>(())
            })
        });
        match healing.join() {
            Ok(Ok(())) => eprintln!("chaos: healed the stack after an interrupted run"),
            Ok(Err(e)) => eprintln!("chaos: could not heal the stack: {e}"),
            Err(_) => eprintln!("chaos: healing panicked"),
        }
    }
}
