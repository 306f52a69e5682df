//! Room at the connection cap. When every connection permit is taken, the connection that
//! has been idle longest (no request in flight) is asked to close, so that a new client is
//! served instead of refused, as nginx and Envoy do under overload; a client is refused only
//! when no connection is idle. Otherwise idle keep-alive connections, opened and left, would
//! lock every new client out.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;

use super::control::Activity;

/// The open connections of a server, by how long they have been idle.
#[derive(Debug, Default)]
pub struct Reclaim {
    open: Mutex<HashMap<u64, Arc<Activity>>>,
    next: AtomicU64,
}

/// A connection's entry; dropping it removes the entry.
pub(super) struct Registered<'r> {
    reclaim: &'r Reclaim,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.reclaim.open().remove(&self.id);
    }
}

impl Reclaim {
    fn open(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Activity>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Enters a connection's activity while it is served.
    pub(super) fn register(&self, activity: Arc<Activity>) -> Registered<'_> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.open().insert(id, activity);
        Registered { reclaim: self, id }
    }

    /// Asks the connection idle the longest to close; false when none is idle.
    pub fn close_longest_idle(&self) -> bool {
        let open = self.open();
        let longest = open
            .values()
            .filter_map(|activity| activity.quiet_checks().map(|quiet| (quiet, activity)))
            .max_by_key(|(quiet, _)| *quiet);
        match longest {
            Some((_, activity)) => {
                activity.close();
                true
            }
            None => false,
        }
    }
}
