//! Work Deno's Web Crypto does off the isolate thread (`crypto.subtle`'s digest, encrypt,
//! sign, derive, generate and the like run on a tokio blocking thread): the tenant's work,
//! so it is charged and bounded like the tenant's JavaScript.
//!
//! - Its own threads: each tenant has, per process, a blocking pool of its own for such
//!   work, of at most as many threads as the machine has cores. `crypto.subtle`'s wrappers
//!   (`js/02_subtle.js`) enter that pool's runtime while they call Deno's method, so the
//!   blocking work it spawns goes there and not to the worker's shared pool: one tenant's
//!   work never runs on, or waits for, a neighbour's. Work left running by an isolate that
//!   was stopped stays in its tenant's pool, so a tenant cannot pile up threads by getting
//!   its isolates stopped mid-call.
//! - Charged: the threads' CPU time is added to the turns of the tenant's isolates, as
//!   helper threads' is (`helpers.rs`): it counts toward the CPU limit, the usage and the
//!   metrics.
//! - Bounded: what one call may do is capped in JS (PBKDF2 iterations as Workers does,
//!   RSA key sizes), and each isolate has at most eight calls in flight.
//!
//! Entering a runtime is a per-thread stack of guards; a JavaScript run that was terminated
//! between the wrapper's enter and leave leaves its guard behind, so whoever runs an
//! isolate calls [`leave_all`] after each run.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::LazyLock;
use std::sync::Mutex;
use std::sync::MutexGuard;
use std::sync::PoisonError;
use std::thread::ThreadId;
use std::time::Duration;

use deno_core::op2;
use deno_core::OpState;
use deno_error::JsErrorBox;
use tokio::runtime::EnterGuard;

use crate::clock::thread_time;
use crate::clock::CpuClock;

/// How long an offload thread waits for more work before it ends.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// One tenant's offload threads and the account of their CPU time.
struct Offload {
    runtime: tokio::runtime::Runtime,
    account: Arc<Account>,
}

/// The CPU time of a tenant's offload threads.
#[derive(Debug, Default)]
pub(crate) struct Account {
    threads: Mutex<Vec<Worker>>,
    /// CPU nanoseconds of threads that have ended and not been taken yet.
    ended: AtomicU64,
}

#[derive(Debug)]
struct Worker {
    id: ThreadId,
    clock: CpuClock,
    /// The thread's CPU time when it was last taken.
    charged: Duration,
}

impl Account {
    /// The CPU time the threads used since the last call.
    pub(crate) fn take(&self) -> Duration {
        let mut used = Duration::from_nanos(self.ended.swap(0, Ordering::AcqRel));
        for worker in self.threads().iter_mut() {
            let now = worker.clock.now();
            used += now.saturating_sub(worker.charged);
            worker.charged = worker.charged.max(now);
        }
        used
    }

    fn threads(&self) -> MutexGuard<'_, Vec<Worker>> {
        self.threads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Called on a new offload thread.
    fn started(&self) {
        match CpuClock::of_current_thread() {
            Ok(clock) => self.threads().push(Worker {
                id: std::thread::current().id(),
                clock,
                charged: thread_time(),
            }),
            Err(error) => tracing::error!(%error, "an offload thread has no CPU clock"),
        }
    }

    /// Called on an offload thread as it ends: what it used since last taken stays owed.
    fn stopped(&self) {
        let id = std::thread::current().id();
        let now = thread_time();
        let mut threads = self.threads();
        if let Some(at) = threads.iter().position(|worker| worker.id == id) {
            let worker = threads.swap_remove(at);
            let owed = now.saturating_sub(worker.charged);
            let nanos = u64::try_from(owed.as_nanos()).unwrap_or(u64::MAX);
            self.ended.fetch_add(nanos, Ordering::AcqRel);
        }
    }
}

/// Every tenant's offload, made on its first call and kept for the process: a tenant's
/// work outlives the isolates that asked for it.
static OFFLOADS: LazyLock<Mutex<HashMap<String, &'static Offload>>> = LazyLock::new(Mutex::default);

fn offload_for(tenant: &str) -> std::io::Result<&'static Offload> {
    let mut offloads = OFFLOADS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(offload) = offloads.get(tenant) {
        return Ok(offload);
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let account = Arc::new(Account::default());
    let (on_start, on_stop) = (account.clone(), account.clone());
    // IO and timers enabled, though the work needs neither: code the call runs while the
    // runtime is entered (a getter on the algorithm object) finds a complete runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(threads)
        .thread_keep_alive(KEEP_ALIVE)
        .thread_name("isogate-offload")
        .on_thread_start(move || on_start.started())
        .on_thread_stop(move || on_stop.stopped())
        .build()?;
    let offload: &'static Offload = Box::leak(Box::new(Offload { runtime, account }));
    offloads.insert(tenant.to_owned(), offload);
    Ok(offload)
}

/// An isolate's way to its tenant's offload, in its `OpState`; pointed at the tenant when
/// the isolate takes its handler.
#[derive(Default)]
pub(crate) struct OffloadSlot {
    tenant: RefCell<Option<String>>,
    /// The tenant's offload, once a call has asked for it.
    offload: Cell<Option<&'static Offload>>,
}

impl OffloadSlot {
    /// Sets the tenant (its handler label) whose offload the isolate's calls use.
    pub(crate) fn set_tenant(&self, tenant: String) {
        *self.tenant.borrow_mut() = Some(tenant);
        self.offload.set(None);
    }

    /// The CPU time the tenant's offload threads used since last taken (by any of its
    /// isolates in this process).
    pub(crate) fn take(&self) -> Duration {
        self.offload
            .get()
            .map_or(Duration::ZERO, |offload| offload.account.take())
    }

    fn offload(&self) -> Result<Option<&'static Offload>, JsErrorBox> {
        if let Some(offload) = self.offload.get() {
            return Ok(Some(offload));
        }
        let Some(tenant) = &*self.tenant.borrow() else {
            return Ok(None);
        };
        let offload = offload_for(tenant)
            .map_err(|error| JsErrorBox::generic(format!("cannot start offload work: {error}")))?;
        self.offload.set(Some(offload));
        Ok(Some(offload))
    }
}

thread_local! {
    /// The offload runtimes entered on this thread, innermost last (`None`: an enter with
    /// no tenant, kept so that enters and leaves pair up).
    static ENTERED: RefCell<Vec<Option<EnterGuard<'static>>>> = const { RefCell::new(Vec::new()) };
}

/// Enters the isolate's tenant's offload runtime until the matching leave (which the
/// caller makes whether this succeeds or not: a failed enter is kept as `None` too).
#[op2(fast)]
pub(crate) fn op_isogate_offload_enter(state: &mut OpState) -> Result<(), JsErrorBox> {
    let offload = match state.try_borrow::<std::rc::Rc<OffloadSlot>>() {
        Some(slot) => slot.offload(),
        None => Ok(None),
    };
    let guard = match &offload {
        Ok(Some(offload)) => Some(offload.runtime.handle().enter()),
        _ => None,
    };
    ENTERED.with(|entered| entered.borrow_mut().push(guard));
    offload.map(drop)
}

/// Leaves the runtime the last enter entered.
#[op2(fast)]
pub(crate) fn op_isogate_offload_leave() {
    let guard = ENTERED.with(|entered| entered.borrow_mut().pop());
    drop(guard);
}

/// Leaves every offload runtime still entered on this thread, innermost first.
pub(crate) fn leave_all() {
    ENTERED.with(|entered| {
        let mut entered = entered.borrow_mut();
        while let Some(guard) = entered.pop() {
            drop(guard);
        }
    });
}
