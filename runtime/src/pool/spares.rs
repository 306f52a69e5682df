//! Warm spares: blank isolates restored from the snapshot ahead of demand on each worker,
//! so a handler starting there only has to evaluate its module. A spare is created with the
//! pool's default heap limit (V8 fixes it at creation) and serves handlers with that limit;
//! others get a fresh isolate.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use super::worker::Counters;
use crate::ext::fetch::FetchPolicy;
use crate::isolate::Isolate;
use crate::limits::Limits;

/// How long after a spare is taken its replacement is made.
const REFILL_AFTER: Duration = Duration::from_millis(2);

/// A worker's spares (thread-local: isolates never leave their thread).
#[derive(Clone)]
pub(super) struct Spares {
    ready: Rc<RefCell<Vec<Isolate>>>,
    /// How many to keep.
    target: usize,
    /// The heap limit spares are created with.
    memory: Option<u64>,
    counters: Arc<Counters>,
}

impl Spares {
    pub(super) fn new(target: usize, memory: Option<u64>, counters: Arc<Counters>) -> Self {
        Self {
            ready: Rc::new(RefCell::new(Vec::with_capacity(target))),
            target,
            memory,
            counters,
        }
    }

    fn count(&self) {
        let ready = self.ready.borrow().len() as u64;
        self.counters.spare.store(ready, Ordering::Relaxed);
    }

    /// A spare for a handler with `limits`, if one fits; a replacement is made soon after.
    pub(super) fn take(&self, limits: Limits) -> Option<Isolate> {
        if limits.memory != self.memory {
            return None;
        }
        let spare = self.ready.borrow_mut().pop();
        self.count();
        if spare.is_some() {
            let spares = self.clone();
            deno_core::unsync::spawn(async move {
                // Let the handler that took the spare load and answer first, and what it
                // answered be written out: making an isolate holds the thread for
                // milliseconds.
                tokio::time::sleep(REFILL_AFTER).await;
                spares.refill().await;
            });
        }
        spare
    }

    /// Creates spares until there are `target` of them, one at a time, letting the thread's
    /// other work run between two.
    async fn refill(&self) {
        while self.ready.borrow().len() < self.target {
            if !self.make_one() {
                return;
            }
            tokio::task::yield_now().await;
        }
    }

    /// Creates spares until there are `target` of them.
    pub(super) fn fill(&self) {
        while self.ready.borrow().len() < self.target {
            if !self.make_one() {
                return;
            }
        }
    }

    /// Creates one spare; whether it could.
    fn make_one(&self) -> bool {
        let limits = Limits {
            memory: self.memory,
            ..Limits::default()
        };
        let started = Instant::now();
        match Isolate::new("spare", FetchPolicy::default(), limits) {
            Ok(isolate) => {
                self.counters.created(started.elapsed());
                self.ready.borrow_mut().push(isolate);
                self.count();
                true
            }
            Err(error) => {
                tracing::warn!(%error, "cannot create a spare isolate");
                false
            }
        }
    }
}
