//! The CPU watchdog. Each isolate thread registers its thread CPU clock; while a JavaScript
//! run is in progress (an event-loop turn, or a module's top-level code) the thread marks its
//! start on that clock. One watchdog thread reads the clocks every millisecond and calls V8's
//! `terminate_execution` on a run that has used more than its limit, so the overshoot is
//! about a tick, whatever the JavaScript does (loops, regex backtracking, microtask storms).
//! When no run has been in progress for a while, the watchdog sleeps until one begins: an
//! idle gateway, or one answering from its cache, is not woken a thousand times a second.
//! CPU time is the thread's own (`CLOCK_THREAD_CPUTIME_ID`), not wall time: a run waiting
//! for the OS scheduler is not charged.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::Weak;
use std::thread::Thread;
use std::time::Duration;

use deno_core::v8;

use crate::clock::CpuClock;

/// How often the watchdog reads the clocks.
const TICK: Duration = Duration::from_millis(1);

/// Ticks in a row with no run in progress after which the watchdog sleeps until one begins.
const IDLE_TICKS: u32 = 10;

/// No run in progress.
const IDLE: u64 = u64::MAX;

/// One isolate thread as the watchdog sees it.
#[derive(Debug)]
pub(crate) struct Watched {
    clock: CpuClock,
    isolate: v8::IsolateHandle,
    /// Nanoseconds on `clock` when the current run started, or [`IDLE`].
    run_started: AtomicU64,
    /// The limit of the current run, in nanoseconds.
    run_limit: AtomicU64,
    /// CPU nanoseconds of the run the watchdog terminated (0: none was).
    fired: AtomicU64,
}

impl Watched {
    /// Marks the start of a JavaScript run that may use at most `limit` CPU time.
    pub(crate) fn begin(&self, limit: Duration) {
        self.run_limit.store(nanos(limit), Ordering::Relaxed);
        self.run_started
            .store(nanos(self.clock.now()), Ordering::Release);
        // Without a syscall unless the watchdog sleeps.
        if let Some(watchdog) = WATCHDOG.get() {
            watchdog.unpark();
        }
    }

    /// Marks the end of the run; returns the CPU time it used.
    pub(crate) fn end(&self) -> Duration {
        let started = self.run_started.swap(IDLE, Ordering::AcqRel);
        if started == IDLE {
            return Duration::ZERO;
        }
        Duration::from_nanos(nanos(self.clock.now()).saturating_sub(started))
    }

    /// CPU time of the run the watchdog terminated, if it terminated one.
    pub(crate) fn fired(&self) -> Option<Duration> {
        match self.fired.load(Ordering::Acquire) {
            0 => None,
            used => Some(Duration::from_nanos(used)),
        }
    }

    /// Terminates the run in progress if it is over its limit; returns whether a run is in
    /// progress.
    fn check(&self) -> bool {
        let started = self.run_started.load(Ordering::Acquire);
        if started == IDLE {
            return false;
        }
        if self.fired.load(Ordering::Relaxed) != 0 {
            return true;
        }
        let used = nanos(self.clock.now()).saturating_sub(started);
        if used > self.run_limit.load(Ordering::Relaxed) {
            self.fired.store(used.max(1), Ordering::Release);
            self.isolate.terminate_execution();
        }
        true
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The threads being watched; entries die with their isolates.
static WATCHED: LazyLock<Mutex<Vec<Weak<Watched>>>> = LazyLock::new(|| {
    let spawned = std::thread::Builder::new()
        .name("isogate-cpu-watchdog".to_owned())
        .spawn(watch_loop);
    match spawned {
        Ok(watchdog) => {
            let _ = WATCHDOG.set(watchdog.thread().clone());
        }
        Err(error) => {
            tracing::error!(%error, "cannot start the CPU watchdog; cpu limits are not enforced");
        }
    }
    Mutex::new(Vec::new())
});

/// The watchdog thread, woken by a run that begins while it sleeps.
static WATCHDOG: OnceLock<Thread> = OnceLock::new();

fn watch_loop() {
    let mut idle_ticks = 0;
    loop {
        if idle_ticks >= IDLE_TICKS {
            // A run that began since the last check has already unparked it: no wake is lost.
            std::thread::park();
            idle_ticks = 0;
        }
        std::thread::sleep(TICK);
        let watched: Vec<Arc<Watched>> = {
            let mut list = match WATCHED.lock() {
                Ok(list) => list,
                Err(poisoned) => poisoned.into_inner(),
            };
            list.retain(|entry| entry.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        let mut running = false;
        for entry in watched {
            running |= entry.check();
        }
        idle_ticks = if running { 0 } else { idle_ticks + 1 };
    }
}

/// Registers the calling thread's isolate with the watchdog.
pub(crate) fn watch(isolate: v8::IsolateHandle) -> std::io::Result<Arc<Watched>> {
    let watched = Arc::new(Watched {
        clock: CpuClock::of_current_thread()?,
        isolate,
        run_started: AtomicU64::new(IDLE),
        run_limit: AtomicU64::new(u64::MAX),
        fired: AtomicU64::new(0),
    });
    let mut list = match WATCHED.lock() {
        Ok(list) => list,
        Err(poisoned) => poisoned.into_inner(),
    };
    list.push(Arc::downgrade(&watched));
    Ok(watched)
}
