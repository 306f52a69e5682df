//! A place where one of a handler's isolates may run: started with the handler (the first,
//! unless the handler starts on its first request), or when the handler is busy (the
//! others), so that a tenant with little traffic keeps to one isolate and a hot one spreads
//! over the workers by itself.

use std::fmt;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::PoisonError;

use super::handle::Replica;
use crate::error::RuntimeError;
use crate::ext::fetch::Meters;

/// Starts a lane's isolate, counting into the meters it is given.
pub(super) type Starter = Box<dyn FnOnce(Arc<Meters>) -> Result<Replica, RuntimeError> + Send>;

/// One of a handler's isolates, started or still to start.
pub(super) struct Lane {
    replica: OnceLock<Replica>,
    starter: Mutex<Option<Starter>>,
    /// What its isolate uses (kept from before it starts, so usage readers see it later).
    pub(super) meters: Arc<Meters>,
}

impl fmt::Debug for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lane")
            .field("replica", &self.replica.get())
            .finish_non_exhaustive()
    }
}

impl Lane {
    /// A lane whose isolate starts now.
    pub(super) fn started(starter: Starter) -> Result<Self, RuntimeError> {
        let meters = Arc::new(Meters::default());
        let replica = starter(meters.clone())?;
        Ok(Self {
            replica: OnceLock::from(replica),
            starter: Mutex::new(None),
            meters,
        })
    }

    /// A lane whose isolate starts when it is first needed.
    pub(super) fn waiting(starter: Starter) -> Self {
        Self {
            replica: OnceLock::new(),
            starter: Mutex::new(Some(starter)),
            meters: Arc::new(Meters::default()),
        }
    }

    /// Its isolate, once started.
    pub(super) fn replica(&self) -> Option<&Replica> {
        self.replica.get()
    }

    /// Starts its isolate if it has not started; whether it runs now. Requests that want it
    /// while another is starting it wait for that start (a hand-over to a worker, quick).
    pub(super) fn start(&self) -> bool {
        if self.replica.get().is_some() {
            return true;
        }
        let mut starter = self.starter.lock().unwrap_or_else(PoisonError::into_inner);
        if self.replica.get().is_some() {
            return true;
        }
        let Some(starter) = starter.take() else {
            // Starting it failed before.
            return false;
        };
        match starter(self.meters.clone()) {
            Ok(replica) => {
                let _ = self.replica.set(replica);
                true
            }
            Err(error) => {
                tracing::warn!(%error, "starting another isolate for a busy handler");
                false
            }
        }
    }
}
