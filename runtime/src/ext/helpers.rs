//! Threads that work for an isolate off its own thread (HTMLRewriter's rewriters): what they
//! do is the tenant's work, so it is charged and bounded like the tenant's JavaScript.
//!
//! - Charged: each helper thread adds the CPU time it used to the isolate's [`Helpers`],
//!   which the isolate adds to the turn that follows: it counts toward the CPU limit, the
//!   tenant's usage and the metrics, as if the isolate's own thread had done it.
//! - Bounded: at most one helper of an isolate works at a time (the others wait for the
//!   work slot), so an isolate never uses more than two cores, however many transforms it
//!   starts. A helper gives the slot up whenever it waits for JavaScript, so a transform
//!   whose handler reads another transform's output never waits on itself.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Condvar;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

/// An isolate's account of its helper threads' work; clones share it.
#[derive(Clone, Debug)]
pub(crate) struct Helpers(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    /// CPU nanoseconds the helpers used and the isolate has not taken yet.
    used: AtomicU64,
    /// The calling thread's CPU time.
    clock: fn() -> Duration,
    /// Whether a helper holds the work slot.
    busy: Mutex<bool>,
    freed: Condvar,
}

impl Helpers {
    /// An account whose helpers read their CPU time with `clock` (the calling thread's).
    pub(crate) fn new(clock: fn() -> Duration) -> Self {
        Self(Arc::new(Shared {
            used: AtomicU64::new(0),
            clock,
            busy: Mutex::new(false),
            freed: Condvar::new(),
        }))
    }

    /// The CPU time the helpers used since the last call.
    pub(crate) fn take(&self) -> Duration {
        Duration::from_nanos(self.0.used.swap(0, Ordering::AcqRel))
    }

    /// The meter of a helper thread, to be made on that thread.
    pub(crate) fn meter(&self) -> Meter {
        Meter {
            helpers: self.clone(),
            state: Mutex::new(MeterState {
                charged: (self.0.clock)(),
                working: false,
            }),
        }
    }
}

/// One helper thread's side: it works only while it holds the slot, and every CPU
/// nanosecond it uses, working or waiting, is charged.
#[derive(Debug)]
pub(crate) struct Meter {
    helpers: Helpers,
    state: Mutex<MeterState>,
}

#[derive(Debug)]
struct MeterState {
    /// The thread's CPU time when it was last charged.
    charged: Duration,
    /// Whether this thread holds the work slot.
    working: bool,
}

impl Meter {
    /// Waits for the isolate's work slot.
    pub(crate) fn work(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.working {
            return;
        }
        let shared = &self.helpers.0;
        let mut busy = shared.busy.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy {
            busy = shared
                .freed
                .wait(busy)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *busy = true;
        state.working = true;
    }

    /// Charges what the thread used since the last charge and gives the slot up: call it
    /// before handing JS anything, so that the turn it starts sees the charge.
    pub(crate) fn rest(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let shared = &self.helpers.0;
        let now = (shared.clock)();
        let used = now.saturating_sub(state.charged);
        state.charged = now;
        let nanos = u64::try_from(used.as_nanos()).unwrap_or(u64::MAX);
        shared.used.fetch_add(nanos, Ordering::AcqRel);
        if state.working {
            state.working = false;
            *shared.busy.lock().unwrap_or_else(PoisonError::into_inner) = false;
            shared.freed.notify_one();
        }
    }
}

impl Drop for Meter {
    fn drop(&mut self) {
        self.rest();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;
    use std::time::Instant;

    use super::*;

    fn busy_for(duration: Duration) {
        let started = Instant::now();
        while started.elapsed() < duration {
            std::hint::spin_loop();
        }
    }

    /// Wall time as a stand-in clock: each helper below runs alone on its thread.
    fn wall() -> Duration {
        static EPOCH: std::sync::LazyLock<Instant> = std::sync::LazyLock::new(Instant::now);
        EPOCH.elapsed()
    }

    #[test]
    fn helpers_work_one_at_a_time_and_their_time_is_charged_once() {
        let helpers = Helpers::new(wall);
        let working = Arc::new(AtomicBool::new(false));
        let overlapped = Arc::new(AtomicBool::new(false));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let helpers = helpers.clone();
                let working = working.clone();
                let overlapped = overlapped.clone();
                std::thread::spawn(move || {
                    let meter = helpers.meter();
                    for _ in 0..5 {
                        meter.work();
                        if working.swap(true, Ordering::SeqCst) {
                            overlapped.store(true, Ordering::SeqCst);
                        }
                        busy_for(Duration::from_millis(2));
                        working.store(false, Ordering::SeqCst);
                        meter.rest();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("helper thread");
        }
        assert!(
            !overlapped.load(Ordering::SeqCst),
            "two helpers worked at once"
        );
        let charged = helpers.take();
        // 4 × 5 × 2 ms of work, plus each thread's wait for the slot (on the wall clock).
        assert!(charged >= Duration::from_millis(40), "charged {charged:?}");
        assert_eq!(helpers.take(), Duration::ZERO, "taken twice");
    }

    #[test]
    fn a_helper_that_ends_while_working_frees_the_slot() {
        let helpers = Helpers::new(wall);
        {
            let meter = helpers.meter();
            meter.work();
        }
        let other = helpers.meter();
        other.work();
        other.rest();
    }
}
