//! A worker: one OS thread with a current-thread tokio runtime, hosting the isolates of
//! every handler placed on it (each a local task) and its warm spares.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::LocalSet;

use super::spares::Spares;
use super::tenant::serve_handler;
use super::tenant::Neighbourhood;
use super::tenant::Residents;
use super::tenant::Start;
use super::PoolOptions;
use crate::error::RuntimeError;

/// Work for a worker thread: a handler to start, or a task to run beside the isolates.
pub(super) enum Command {
    Start(Start),
    Run(Task),
}

/// A task built on the worker thread and run there (it need not be `Send` once built).
pub(super) type Task = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// Figures of one worker thread, read from any thread.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) live: AtomicU64,
    pub(super) spare: AtomicU64,
    pub(super) created: AtomicU64,
    /// Nanoseconds spent creating isolates from the snapshot.
    pub(super) creating: AtomicU64,
    pub(super) retired: AtomicU64,
}

impl Counters {
    /// Counts one isolate created in `took`.
    pub(super) fn created(&self, took: Duration) {
        self.created.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.creating.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// A reading of one worker's figures (a worker process sends its own over the link).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkerStats {
    /// Tenant isolates alive.
    pub live: u64,
    /// Warm spares ready.
    pub spare: u64,
    /// Isolates created from the snapshot so far.
    pub created: u64,
    /// Time spent creating them.
    pub creating: Duration,
    /// Isolates retired (idle, evicted, recycled) so far.
    pub retired: u64,
}

/// The `Send` side of a worker thread: where handlers are started.
#[derive(Clone, Debug)]
pub(super) struct Worker {
    starts: mpsc::UnboundedSender<Command>,
    /// Handlers running on the worker.
    handlers: Arc<AtomicUsize>,
    counters: Arc<Counters>,
}

impl Worker {
    /// Starts a worker thread run as `options` say.
    pub(super) fn spawn(name: String, options: PoolOptions) -> Result<Self, RuntimeError> {
        let (starts, incoming) = mpsc::unbounded_channel();
        let handlers = Arc::new(AtomicUsize::new(0));
        let counters = Arc::new(Counters::default());
        let count = handlers.clone();
        let figures = counters.clone();
        std::thread::Builder::new()
            .name(name)
            .spawn(move || run_thread(incoming, &count, figures, &options))
            .map_err(RuntimeError::Spawn)?;
        Ok(Self {
            starts,
            handlers,
            counters,
        })
    }

    /// The worker's figures now.
    pub(super) fn stats(&self) -> WorkerStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        WorkerStats {
            live: read(&self.counters.live),
            spare: read(&self.counters.spare),
            created: read(&self.counters.created),
            creating: Duration::from_nanos(read(&self.counters.creating)),
            retired: read(&self.counters.retired),
        }
    }

    /// How many handlers run here.
    pub(super) fn load(&self) -> usize {
        self.handlers.load(Ordering::Relaxed)
    }

    /// Starts a handler on this worker.
    pub(super) fn start(&self, start: Start) -> Result<(), RuntimeError> {
        self.handlers.fetch_add(1, Ordering::Relaxed);
        self.starts.send(Command::Start(start)).map_err(|_| {
            self.handlers.fetch_sub(1, Ordering::Relaxed);
            RuntimeError::WorkerGone
        })
    }

    /// Runs `task` on this worker's thread.
    pub(super) fn run(&self, task: Task) -> Result<(), RuntimeError> {
        self.starts
            .send(Command::Run(task))
            .map_err(|_| RuntimeError::WorkerGone)
    }
}

fn run_thread(
    mut incoming: mpsc::UnboundedReceiver<Command>,
    handlers: &Arc<AtomicUsize>,
    counters: Arc<Counters>,
    options: &PoolOptions,
) {
    super::prefer_throughput();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start a worker runtime");
            return;
        }
    };
    let local = LocalSet::new();
    let neighbourhood = Neighbourhood {
        spares: Spares::new(options.spares, options.spare_memory, counters.clone()),
        residents: Residents::new(options.isolates_per_worker),
        retirement: options.retirement,
        counters,
        meter_cpu: options.meter_cpu,
    };
    let spares = neighbourhood.spares.clone();
    local.block_on(&runtime, async {
        spares.fill();
        while let Some(command) = incoming.recv().await {
            match command {
                Command::Start(start) => {
                    let neighbourhood = neighbourhood.clone();
                    let handlers = handlers.clone();
                    tokio::task::spawn_local(async move {
                        serve_handler(start, neighbourhood).await;
                        handlers.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                Command::Run(task) => {
                    tokio::task::spawn_local(task());
                }
            }
        }
    });
    drop(neighbourhood);
    // No more handlers will come: let those running finish (their queues close as the
    // gateway drops its handles), then dispose of the spares inside the runtime.
    runtime.block_on(local);
    let _inside = runtime.enter();
    drop(spares);
}
