//! Values too slow to read on every page (orders counted per status, the consumer groups'
//! committed offsets): each key's value is kept for the refresh interval and read again in the
//! background once stale, so only the first page that needs a key waits for it.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use saga_core::ports::PortError;
use tokio::time::Instant;

/// Keys kept at most (client keys each have their own counts).
const KEYS: usize = 1_000;

struct Slot<V> {
    read: Instant,
    value: V,
}

struct Inner<K, V> {
    slots: BTreeMap<K, Slot<V>>,
    reading: BTreeMap<K, ()>,
}

/// The latest value of each key, read by `read` at most once per `refresh` in the background.
pub struct Kept<K, V> {
    refresh: Duration,
    inner: Arc<Mutex<Inner<K, V>>>,
}

impl<K: Ord + Clone + Send + 'static, V: Clone + Send + 'static> Kept<K, V> {
    pub fn new(refresh: Duration) -> Self {
        Self {
            refresh,
            inner: Arc::new(Mutex::new(Inner {
                slots: BTreeMap::new(),
                reading: BTreeMap::new(),
            })),
        }
    }

    /// `key`'s value: the kept one (read again in the background when older than the refresh
    /// interval), or, the first time, the one `read` returns.
    ///
    /// # Errors
    /// `read`'s error when nothing is kept for `key` yet.
    pub async fn get<F, Fut>(&self, key: K, read: F) -> Result<V, PortError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, PortError>> + Send + 'static,
    {
        let kept = {
            let inner = self.inner.lock().expect("kept lock");
            inner
                .slots
                .get(&key)
                .map(|slot| (slot.read.elapsed(), slot.value.clone()))
        };
        match kept {
            Some((age, value)) => {
                if age >= self.refresh {
                    self.read_in_background(key, read());
                }
                Ok(value)
            }
            None => {
                let value = read().await?;
                keep(&self.inner, key, value.clone());
                Ok(value)
            }
        }
    }

    fn read_in_background(
        &self,
        key: K,
        read: impl Future<Output = Result<V, PortError>> + Send + 'static,
    ) {
        if self
            .inner
            .lock()
            .expect("kept lock")
            .reading
            .insert(key.clone(), ())
            .is_some()
        {
            return;
        }
        let inner = self.inner.clone();
        tokio::spawn(async move {
            match read.await {
                Ok(value) => keep(&inner, key.clone(), value),
                Err(error) => tracing::warn!(%error, "explorer: a background read failed"),
            }
            inner.lock().expect("kept lock").reading.remove(&key);
        });
    }
}

fn keep<K: Ord, V>(inner: &Mutex<Inner<K, V>>, key: K, value: V) {
    let mut inner = inner.lock().expect("kept lock");
    if inner.slots.len() >= KEYS && !inner.slots.contains_key(&key) {
        inner.slots.clear();
    }
    let read = Instant::now();
    inner.slots.insert(key, Slot { read, value });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn reads_once_then_serves_the_kept_value_and_refreshes_it_behind() {
        let kept: Kept<u8, u32> = Kept::new(Duration::from_secs(3));
        assert_eq!(kept.get(1, || async { Ok(10) }).await.unwrap(), 10);
        let failing = || async { Err(PortError::unavailable("PostgreSQL", "down")) };
        assert_eq!(kept.get(1, failing).await.unwrap(), 10, "kept, not read");
        tokio::time::advance(Duration::from_secs(3)).await;
        assert_eq!(
            kept.get(1, || async { Ok(11) }).await.unwrap(),
            10,
            "stale served"
        );
        tokio::task::yield_now().await;
        assert_eq!(
            kept.get(1, || async { Ok(12) }).await.unwrap(),
            11,
            "refreshed behind"
        );
        assert!(
            kept.get(2, failing).await.is_err(),
            "nothing kept for a new key"
        );
    }
}
