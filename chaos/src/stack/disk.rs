//! What a backend has written but not yet made durable, watched from outside: the sizes of its
//! data files, sampled every 100 ms. A power loss is emulated by SIGKILLing the server and
//! cutting each file back to the size it had some time before — what the disk held when the
//! page cache vanished. Redis (`appendfsync everysec`) loses its last second of AOF; Kafka (one
//! replica, no fsync) the unflushed tail of every partition, commits included; both recover a
//! cut tail on start-up as they would after a real power loss.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::Backend;

/// Sizes of one file over time, oldest first (kept for a minute).
type Samples = Vec<(Instant, u64)>;

/// How long samples are kept: longer than any unflushed window.
const KEPT: Duration = Duration::from_secs(60);
const EVERY: Duration = Duration::from_millis(100);

/// The files whose tails a power loss of `backend` can take, under the stack's data
/// directory: Redis's append-only files; Kafka's log segments of topics starting with
/// `prefix` and of `__consumer_offsets` (the groups' commits).
fn files(data: &Path, backend: Backend, prefix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    match backend {
        Backend::Redis => {
            let aof = data.join("redis/appendonlydir");
            for entry in std::fs::read_dir(&aof).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "aof") {
                    found.push(path);
                }
            }
        }
        Backend::Kafka => {
            for dir in std::fs::read_dir(data.join("kafka"))
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = dir.file_name().to_string_lossy().into_owned();
                if !name.starts_with(prefix) && !name.starts_with("__consumer_offsets-") {
                    continue;
                }
                for entry in std::fs::read_dir(dir.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "log") {
                        found.push(path);
                    }
                }
            }
        }
        Backend::Postgres => {}
    }
    found
}

/// Samples one backend's data files until dropped.
pub struct DiskWatch {
    backend: Backend,
    samples: Arc<Mutex<BTreeMap<PathBuf, Samples>>>,
    sampler: tokio::task::JoinHandle<()>,
}

impl DiskWatch {
    /// Starts sampling `backend`'s files under `data` (the stack's data directory).
    pub fn start(data: PathBuf, backend: Backend, prefix: String) -> Self {
        let samples: Arc<Mutex<BTreeMap<PathBuf, Samples>>> = Arc::default();
        let shared = samples.clone();
        let sampler = tokio::spawn(async move {
            loop {
                let now = Instant::now();
                let sizes: Vec<(PathBuf, u64)> = files(&data, backend, &prefix)
                    .into_iter()
                    .filter_map(|p| std::fs::metadata(&p).ok().map(|m| (p, m.len())))
                    .collect();
                {
                    let mut all = shared.lock().expect("disk watch lock");
                    for (path, size) in sizes {
                        let series = all.entry(path).or_default();
                        series.push((now, size));
                        series.retain(|(at, _)| now.duration_since(*at) <= KEPT);
                    }
                }
                tokio::time::sleep(EVERY).await;
            }
        });
        Self {
            backend,
            samples,
            sampler,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Cuts every watched file back to its size `unflushed` ago (the server must be dead).
    /// Returns a line per file cut: its name and the bytes it lost.
    ///
    /// # Errors
    /// When a file cannot be cut.
    pub fn lose_unflushed(&self, unflushed: Duration) -> std::io::Result<Vec<String>> {
        let cut_at = Instant::now().checked_sub(unflushed);
        let all = self.samples.lock().expect("disk watch lock");
        let mut lost = Vec::new();
        for (path, series) in all.iter() {
            // The newest size from before the cut; a file born after it loses everything.
            let durable = cut_at
                .and_then(|cut| series.iter().rev().find(|(at, _)| *at <= cut))
                .map_or(0, |(_, size)| *size);
            let Ok(now) = std::fs::metadata(path).map(|m| m.len()) else {
                continue;
            };
            if now > durable {
                let file = std::fs::OpenOptions::new().write(true).open(path)?;
                file.set_len(durable)?;
                file.sync_all()?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let dir = path
                    .parent()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned());
                lost.push(format!(
                    "{}/{}: {} bytes",
                    dir.unwrap_or_default(),
                    name.unwrap_or_default(),
                    now - durable
                ));
            }
        }
        Ok(lost)
    }
}

impl Drop for DiskWatch {
    fn drop(&mut self) {
        self.sampler.abort();
    }
}
