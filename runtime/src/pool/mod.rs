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
mod lane;
mod sched;
mod spares;
mod tenant;
mod worker;

pub use handle::LoadState;
pub use handle::UsageMeters;
pub use handle::WorkerHandle;
#[cfg(target_os = "linux")]
pub(crate) use sched::lower_to_idle;
pub use sched::prefer_throughput;
pub use tenant::HandlerSpec;
pub use worker::WorkerStats;

use std::future::Future;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;

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

/// How the gateway starts a worker process: its own binary with a hidden subcommand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerCommand {
    /// The executable.
    pub program: std::path::PathBuf,
    /// Its arguments.
    pub args: Vec<std::ffi::OsString>,
}

/// How a pool of worker processes runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessOptions {
    /// Worker processes (at least one).
    pub processes: usize,
    /// How to start one.
    pub command: WorkerCommand,
    /// Resident memory a worker process may reach before it is ended (bytes).
    pub rss_ceiling: Option<u64>,
    /// Whether worker processes sandbox themselves (seccomp, no_new_privs, Landlock).
    pub sandbox: bool,
    /// How long a cordoned tenant must go without a strike to be paroled (`None`: never).
    pub cordon_parole: Option<std::time::Duration>,
}

/// Where a pool's isolates live: worker threads hosting isolates, or worker processes (each
/// with its own isolate thread); each handler goes to the least loaded one.
#[derive(Debug)]
pub struct IsolatePool {
    workers: Vec<Worker>,
    next_task: AtomicUsize,
    #[cfg(target_os = "linux")]
    processes: Vec<Arc<crate::process::Slot>>,
    /// Where tenants that crash their process or keep hitting their CPU limit are kept.
    #[cfg(target_os = "linux")]
    cordon: Option<Arc<crate::process::Cordon>>,
}

impl IsolatePool {
    /// Starts the pool's worker threads, in this process.
    pub fn new(options: PoolOptions) -> Result<Self, RuntimeError> {
        let workers = (0..options.workers.max(1))
            .map(|index| Worker::spawn(format!("isogate-worker-{index}"), options))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            workers,
            next_task: AtomicUsize::new(0),
            #[cfg(target_os = "linux")]
            processes: Vec::new(),
            #[cfg(target_os = "linux")]
            cordon: None,
        })
    }

    /// Starts worker processes, each hosting isolates as `options` say (its `workers` is
    /// ignored: a process has one isolate thread). Must be called inside a tokio runtime,
    /// which supervises them. Only on Linux.
    pub fn with_processes(
        options: PoolOptions,
        processes: &ProcessOptions,
    ) -> Result<Self, RuntimeError> {
        #[cfg(target_os = "linux")]
        {
            let settings = crate::process::WorkerSettings {
                spares: options.spares,
                spare_memory: options.spare_memory,
                isolates: options.isolates_per_worker,
                idle: options.retirement.idle,
                after_requests: options.retirement.after_requests,
                recycle_heap: options.retirement.heap,
                meter_cpu: options.meter_cpu,
                rss_ceiling: processes.rss_ceiling,
                sandbox: processes.sandbox,
                idle_priority: false,
                egress: None,
            };
            let cordon = crate::process::Cordon::new(
                processes.command.clone(),
                settings.clone(),
                processes.cordon_parole,
            );
            let slots = (0..processes.processes.max(1))
                .map(|index| {
                    crate::process::Slot::start(
                        index,
                        processes.command.clone(),
                        settings.clone(),
                        Arc::downgrade(&cordon),
                    )
                })
                .collect();
            Ok(Self {
                workers: Vec::new(),
                next_task: AtomicUsize::new(0),
                processes: slots,
                cordon: Some(cordon),
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (options, processes);
            Err(RuntimeError::Bootstrap(
                "worker processes need Linux; use thread isolation".to_owned(),
            ))
        }
    }

    /// Whether isolates run on this process's worker threads (where connections may be
    /// served too, see [`Self::run`]) rather than in worker processes.
    pub fn hosts_isolates(&self) -> bool {
        !self.workers.is_empty()
    }

    /// The process ids of the worker processes running now, by slot (`None` while one
    /// restarts); empty for a pool of threads.
    pub fn worker_pids(&self) -> Vec<Option<u32>> {
        #[cfg(target_os = "linux")]
        {
            let mut pids: Vec<Option<u32>> = self.processes.iter().map(|slot| slot.pid()).collect();
            if let Some(cordon) = &self.cordon {
                pids.extend(cordon.pids());
            }
            pids
        }
        #[cfg(not(target_os = "linux"))]
        {
            Vec::new()
        }
    }

    /// Runs a task on the workers' threads, taking them in turn: the gateway serves its
    /// connections there, so a request for an isolate on the same thread never crosses
    /// threads. `make` runs on the worker and builds the task's future.
    pub fn run<F, Fut>(&self, make: F) -> Result<(), RuntimeError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        if self.workers.is_empty() {
            return Err(RuntimeError::WorkerGone);
        }
        let turn = self.next_task.fetch_add(1, Ordering::Relaxed) % self.workers.len();
        let task: Task = Box::new(move || Box::pin(make()));
        self.workers
            .get(turn)
            .ok_or(RuntimeError::WorkerGone)?
            .run(task)
    }

    /// Each worker's figures now (a worker process's as it last reported them).
    pub fn stats(&self) -> Vec<WorkerStats> {
        let mut stats: Vec<WorkerStats> = self.workers.iter().map(Worker::stats).collect();
        #[cfg(target_os = "linux")]
        {
            stats.extend(self.processes.iter().map(|slot| slot.stats()));
            if let Some(cordon) = &self.cordon {
                stats.extend(cordon.stats());
            }
        }
        stats
    }

    /// The tenants kept in worker processes of their own (see `process/cordon.rs`), sorted.
    pub fn cordoned(&self) -> Vec<String> {
        #[cfg(target_os = "linux")]
        if let Some(cordon) = &self.cordon {
            return cordon.cordoned();
        }
        Vec::new()
    }

    /// How many workers (threads or processes) there are.
    pub fn workers(&self) -> usize {
        #[cfg(target_os = "linux")]
        if self.cordon.is_some() {
            return self.processes.len();
        }
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
        self.place(spec, isolates, false)
    }

    /// Like [`Self::spawn_replicated`], but the handler's first isolate starts on its first
    /// request (from a warm spare), not now: a handler that is never asked for costs no
    /// isolate. Its load state is `Ready` until then.
    pub fn spawn_lazily(
        &self,
        spec: &HandlerSpec,
        isolates: usize,
    ) -> Result<WorkerHandle, RuntimeError> {
        self.place(spec, isolates, true)
    }

    fn place(
        &self,
        spec: &HandlerSpec,
        isolates: usize,
        lazily: bool,
    ) -> Result<WorkerHandle, RuntimeError> {
        #[cfg(target_os = "linux")]
        if let Some(cordon) = &self.cordon {
            let mut by_load: Vec<&Arc<crate::process::Slot>> = self.processes.iter().collect();
            by_load.sort_by_key(|slot| slot.load());
            // A cordoned tenant gets one isolate, in its cordon's process.
            let isolates = if cordon.slot_of(&spec.label).is_some() {
                1
            } else {
                isolates.max(1)
            };
            by_load.truncate(isolates);
            return WorkerHandle::place_in(&by_load, spec, cordon, lazily);
        }
        let mut by_load: Vec<&Worker> = self.workers.iter().collect();
        by_load.sort_by_key(|worker| worker.load());
        by_load.truncate(isolates.max(1));
        WorkerHandle::start_on(&by_load, spec, lazily)
    }
}

impl Drop for IsolatePool {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        {
            for slot in &self.processes {
                slot.close();
            }
            if let Some(cordon) = &self.cordon {
                cordon.close();
            }
        }
    }
}
