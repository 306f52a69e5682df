//! One handler's life on a worker thread: an isolate (a warm spare when one fits) loads the
//! module and serves the handler's queue; a limit breach or a panic replaces the isolate and
//! the queue carries on; a module that fails to load answers every request with why.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::rc::Weak;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use futures::FutureExt;
use tokio::sync::mpsc;
use tokio::sync::watch;
use tokio::sync::Notify;

use super::spares::Spares;
use super::worker::Counters;
use super::LoadState;
use crate::error::RuntimeError;
use crate::ext::cache::CacheHandle;
use crate::ext::console::LogLevel;
use crate::ext::fetch::FetchPolicy;
use crate::ext::fetch::Meters;
use crate::ext::http::Envelope;
use crate::ext::http::Queue;
use crate::isolate::Entered;
use crate::isolate::Exit;
use crate::isolate::Isolate;
use crate::isolate::Retirement;
use crate::limits::Limits;

/// Everything needed to run one handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerSpec {
    /// Short name for logs (the tenant, or the file in dev mode).
    pub label: String,
    /// The module exporting the handler.
    pub entry: PathBuf,
    /// Variables passed as the handler's `env`.
    pub env: BTreeMap<String, String>,
    /// Outbound fetch policy.
    pub fetch: FetchPolicy,
    /// How long `waitUntil` work may run after the worker stops taking requests.
    pub drain: Duration,
    /// CPU, memory, wall-clock and subrequest limits.
    pub limits: Limits,
    /// The least severe `console` level that reaches the log.
    pub log_level: LogLevel,
    /// The tenant's caches behind `caches.default` and `caches.open` (none: every lookup
    /// misses and nothing is stored).
    pub cache: Option<CacheHandle>,
    /// Node.js built-ins may be imported (the `nodejs_compat` compatibility flag).
    pub node_compat: bool,
}

/// A handler to start on a worker: what it runs, its queue, and where to report loading.
pub(super) struct Start {
    pub(super) spec: HandlerSpec,
    pub(super) queue: mpsc::Receiver<Envelope>,
    pub(super) state: watch::Sender<LoadState>,
    /// What the handler uses here: subrequests, and CPU time when metered.
    pub(super) meters: Arc<Meters>,
}

/// Most times a handler's isolate is replaced after a panic before it gives up.
const MOST_RESTARTS: u32 = 16;

/// What a worker shares with the handlers it runs.
#[derive(Clone)]
pub(super) struct Neighbourhood {
    pub(super) spares: Spares,
    pub(super) residents: Residents,
    pub(super) retirement: Retirement,
    pub(super) counters: Arc<Counters>,
    /// Whether event-loop turns are metered for CPU time (a system call each).
    pub(super) meter_cpu: bool,
}

/// Runs a handler until its queue closes (every `WorkerHandle` to it is gone).
pub(super) async fn serve_handler(start: Start, neighbourhood: Neighbourhood) {
    let Start {
        spec,
        queue,
        state,
        meters,
    } = start;
    let inbox = Queue::new(queue);
    // A panic (in isogate's code around the isolate; the tenant's JS cannot panic) ends one
    // run: the requests its isolate held are answered `WorkerGone` as their reply channels
    // drop, and a fresh isolate takes over the same queue.
    for restart in 0..=MOST_RESTARTS {
        let run = serve(&spec, &inbox, &state, &neighbourhood, &meters);
        match std::panic::AssertUnwindSafe(run).catch_unwind().await {
            Ok(Ok(())) => return,
            Ok(Err(error)) => {
                tracing::error!(handler = %spec.label, %error, "handler unavailable");
                state.send_replace(LoadState::Failed(error.to_string()));
                answer_with_error(&inbox, &error).await;
                return;
            }
            Err(_) if restart < MOST_RESTARTS => {
                tracing::error!(handler = %spec.label, "worker panicked; replacing the isolate");
            }
            Err(_) => tracing::error!(handler = %spec.label, "worker keeps panicking; giving up"),
        }
    }
    let gone = RuntimeError::WorkerGone;
    state.send_replace(LoadState::Failed(gone.to_string()));
    answer_with_error(&inbox, &gone).await;
}

async fn serve(
    spec: &HandlerSpec,
    inbox: &Rc<Queue>,
    state: &watch::Sender<LoadState>,
    neighbourhood: &Neighbourhood,
    meters: &Arc<Meters>,
) -> Result<(), RuntimeError> {
    let env_json = serde_json::to_string(&spec.env)
        .map_err(|error| RuntimeError::Bootstrap(error.to_string()))?;
    let spares = &neighbourhood.spares;
    loop {
        neighbourhood.residents.make_room(inbox);
        inbox.set_live(true);
        let closed = Rc::new(Notify::new());
        let counters = &neighbourhood.counters;
        let mut isolate = match spares.take(spec.limits) {
            Some(spare) => spare.assign(&spec.label, spec.fetch, spec.limits)?,
            None => {
                let started = Instant::now();
                let isolate = Isolate::new(&spec.label, spec.fetch, spec.limits)?;
                counters.created(started.elapsed());
                isolate
            }
        };
        isolate.set_log_level(spec.log_level);
        isolate.set_node_compat(spec.node_compat);
        isolate.set_caches(spec.cache.clone());
        isolate.set_meters(meters.clone());
        let _alive = Alive::new(counters);
        let entry = isolate.entry();
        Entered::new(
            entry,
            isolate.start_handler(&spec.entry, &env_json, inbox.clone(), closed.clone()),
        )
        .await?;
        if *state.borrow() != LoadState::Ready {
            tracing::info!(handler = %spec.label, entry = %spec.entry.display(), "handler loaded");
            state.send_replace(LoadState::Ready);
        }
        let meter = neighbourhood.meter_cpu.then_some(&**meters);
        let run = isolate.run(inbox, closed, spec.drain, neighbourhood.retirement, meter);
        let exit = Entered::new(entry, run).await;
        inbox.set_live(false);
        match exit {
            Ok(Exit::Closed) => return Ok(()),
            Ok(Exit::Retired(reason)) => {
                counters.retired.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(handler = %spec.label, ?reason, "isolate retired");
                drop(isolate);
                // Discarded until needed again, or replaced right away when recycled.
                if !reason.replace_now() && !inbox.wait().await {
                    return Ok(());
                }
            }
            // A limit stopped the isolate: what it was running fails with the same reason,
            // and a fresh isolate takes over the queue.
            Err(error @ RuntimeError::LimitExceeded(_)) => {
                isolate.fail_in_flight(&error);
                tracing::warn!(
                    handler = %spec.label,
                    %error,
                    "isolate stopped by a limit; starting a fresh one"
                );
            }
            Err(error) => {
                isolate.fail_in_flight(&error);
                return Err(error);
            }
        }
    }
}

/// Serves every queued and future request with `error`, until the queue closes.
async fn answer_with_error(inbox: &Rc<Queue>, error: &RuntimeError) {
    while let Some(envelope) = inbox.next().await {
        let _ = envelope.reply.send(Err(error.replicate()));
    }
}

/// Counts a tenant isolate as alive while it exists.
struct Alive<'c>(&'c Counters);

impl<'c> Alive<'c> {
    fn new(counters: &'c Counters) -> Self {
        counters.live.fetch_add(1, Ordering::Relaxed);
        Self(counters)
    }
}

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        self.0.live.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The handlers with a queue on a worker, for keeping its live isolates under a cap.
#[derive(Clone)]
pub(super) struct Residents {
    queues: Rc<RefCell<Vec<Weak<Queue>>>>,
    /// Live isolates the worker keeps at most (`None`: no cap).
    cap: Option<usize>,
}

impl Residents {
    pub(super) fn new(cap: Option<usize>) -> Self {
        Self {
            queues: Rc::new(RefCell::new(Vec::new())),
            cap,
        }
    }

    /// Registers `queue` and, when the worker is at its cap of live isolates, asks the
    /// least recently used other one to go once it is idle.
    fn make_room(&self, queue: &Rc<Queue>) {
        let mut queues = self.queues.borrow_mut();
        queues.retain(|resident| resident.strong_count() > 0);
        if !queues
            .iter()
            .any(|resident| std::ptr::eq(resident.as_ptr(), Rc::as_ptr(queue)))
        {
            queues.push(Rc::downgrade(queue));
        }
        let Some(cap) = self.cap else { return };
        let live: Vec<Rc<Queue>> = queues
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|resident| resident.is_live() && !Rc::ptr_eq(resident, queue))
            .collect();
        if live.len() >= cap {
            if let Some(oldest) = live.iter().min_by_key(|resident| resident.last_taken()) {
                oldest.request_eviction();
            }
        }
    }
}
