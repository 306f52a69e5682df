//! Request coalescing: while one request for a missing entry runs the handler, the others
//! for the same key wait for it instead of running it too.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;

use tokio::sync::watch;

use super::key::CacheKey;

/// The misses of one tenant being fetched, by key.
#[derive(Debug, Default)]
pub struct Flights {
    running: Arc<Mutex<HashMap<CacheKey, watch::Receiver<()>>>>,
}

/// Whether this request fetches the entry or waits for another that does.
#[derive(Debug)]
pub enum Turn {
    /// Fetch it; the others wake when the [`Flight`] is dropped.
    Lead(Flight),
    /// Wait for the leader with this.
    Follow(Landing),
}

/// Held by the request that fetches an entry; dropping it (stored, found uncacheable,
/// failed or abandoned) wakes every request waiting for it.
#[derive(Debug)]
pub struct Flight {
    key: CacheKey,
    running: Arc<Mutex<HashMap<CacheKey, watch::Receiver<()>>>>,
    _landed: watch::Sender<()>,
}

impl Flight {
    /// The key being fetched.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// What a waiting request waits on.
#[derive(Debug)]
pub struct Landing(watch::Receiver<()>);

impl Landing {
    /// Resolves when the leader's [`Flight`] is dropped.
    pub async fn wait(mut self) {
        // The leader never sends: the channel closing is the signal.
        while self.0.changed().await.is_ok() {}
    }
}

impl Flights {
    /// Joins the flight for `key`, or starts it.
    pub fn join(&self, key: &CacheKey) -> Turn {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(landing) = running.get(key) {
            return Turn::Follow(Landing(landing.clone()));
        }
        let (landed, landing) = watch::channel(());
        running.insert(key.clone(), landing);
        Turn::Lead(Flight {
            key: key.clone(),
            running: self.running.clone(),
            _landed: landed,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cache::key::EDGE;

    #[tokio::test]
    async fn flight_wakes_followers_when_dropped() {
        let flights = Flights::default();
        let key = CacheKey::new(Arc::from("t"), Arc::from(EDGE), false, "h", "/", false);
        let Turn::Lead(flight) = flights.join(&key) else {
            panic!("first request leads")
        };
        let Turn::Follow(landing) = flights.join(&key) else {
            panic!("second request follows")
        };
        let waiter = tokio::spawn(landing.wait());
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        drop(flight);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(flights.join(&key), Turn::Lead(_)));
    }
}
