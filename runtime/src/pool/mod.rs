//! Worker threads that own isolates, and the `Send` handles the gateway holds.
//!
//! An [`IsolatePool`] is N worker threads (one per core by default), each a current-thread
//! tokio runtime hosting the isolates of the handlers placed on it and a few warm spares.
//! A handler's isolate serves many requests concurrently, like a Workers isolate; handlers
//! are spread over the workers by load. `WorkerHandle::spawn` gives a handler a thread of
//! its own instead (dev mode, tests).
//!
//! - `handle.rs`: [`WorkerHandle`], the `Send` proxy: dispatch, load state, wall deadline.
//! - `worker.rs`: a worker thread and its local tasks.
//! - `tenant.rs`: one handler's life on a worker: load, serve, replace a stopped isolate.
//! - `spares.rs`: warm spare isolates.
//! - `sched.rs`: the scheduling policy of worker threads.

mod handle;
mod sched;
mod spares;
mod tenant;
mod worker;

pub use handle::LoadState;
pub use handle::WorkerHandle;
pub use sched::prefer_throughput;
pub use tenant::HandlerSpec;
pub use worker::WorkerStats;

use std::future::Future;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use crate::error::RuntimeError;
use crate::isolate::Retirement;
use worker::Task;
use worker::Worker;

/// How an [`IsolatePool`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// Worker threads (at least one).
    pub workers: usize,
    /// Warm spare isolates each worker keeps.
    pub spares: usize,
    /// The heap limit spares are created with (bytes; the limit most tenants run with).
    pub spare_memory: Option<u64>,
    /// Live isolates a worker keeps at most; past it the least recently used idle one is
    /// evicted (`None`: no cap).
    pub isolates_per_worker: Option<usize>,
    /// When healthy isolates are retired: idle timeout, recycling.
    pub retirement: Retirement,
    /// Meter the CPU time of every handler (two clock reads per event-loop turn), for
    /// usage figures; handlers with a CPU limit are metered regardless.
    pub meter_cpu: bool,
}

impl PoolOptions {
    /// A single thread for one handler, without spares or retirement (dev mode, tests).
    pub(crate) fn dedicated() -> Self {
        Self {
            workers: 1,
            spares: 0,
            spare_memory: None,
            isolates_per_worker: None,
            retirement: Retirement::default(),
            meter_cpu: false,
        }
    }
}

/// Worker threads hosting isolates; each handler goes to the least loaded one.
#[derive(Debug)]
pub struct IsolatePool {
    workers: Vec<Worker>,
    next_task: AtomicUsize,
}

impl IsolatePool {
    /// Starts the pool's worker threads.
    pub fn new(options: PoolOptions) -> Result<Self, RuntimeError> {
        let workers = (0..options.workers.max(1))
            .map(|index| Worker::spawn(format!("isogate-worker-{index}"), options))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            workers,
            next_task: AtomicUsize::new(0),
        })
    }

    /// Runs a task on the workers' threads, taking them in turn: the gateway serves its
    /// connections there, so a request for an isolate on the same thread never crosses
    /// threads. `make` runs on the worker and builds the task's future.
    pub fn run<F, Fut>(&self, make: F) -> Result<(), RuntimeError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let turn = self.next_task.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let task: Task = Box::new(move || Box::pin(make()));
        self.workers
            .get(turn)
            .ok_or(RuntimeError::WorkerGone)?
            .run(task)
    }

    /// Each worker's figures now.
    pub fn stats(&self) -> Vec<WorkerStats> {
        self.workers.iter().map(Worker::stats).collect()
    }

    /// How many worker threads there are.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Starts the handler described by `spec` on the least loaded worker.
    pub fn spawn(&self, spec: &HandlerSpec) -> Result<WorkerHandle, RuntimeError> {
        self.spawn_replicated(spec, 1)
    }

    /// Starts the handler with an isolate on each of the `isolates` least loaded workers (at
    /// most one per worker); requests are spread over them in turn. Each isolate has its
    /// own globals, as on any edge runtime that runs a script in several places.
    pub fn spawn_replicated(
        &self,
        spec: &HandlerSpec,
        isolates: usize,
    ) -> Result<WorkerHandle, RuntimeError> {
        let mut by_load: Vec<&Worker> = self.workers.iter().collect();
        by_load.sort_by_key(|worker| worker.load());
        by_load.truncate(isolates.max(1));
        WorkerHandle::start_on(&by_load, spec)
    }
}
