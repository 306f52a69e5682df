//! `WorkerHandle`: the `Send` proxy the gateway holds for a worker thread.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::tenant::HandlerSpec;
use super::tenant::Start;
use super::worker::Worker;
use super::PoolOptions;
use crate::error::RuntimeError;
use crate::ext::fetch::Meters;
use crate::ext::http::Envelope;
use crate::limits::wall;
use crate::limits::wall::Cut;
use crate::limits::whole_millis;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::limits::Measured;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;
use crate::message::ResponseBody;

/// How many requests may wait in a handler's queue before senders wait.
const INBOX_CAPACITY: usize = 1024;

/// Sends requests to a handler's isolates (one, or one on each of several workers for a
/// busy tenant). A request goes to the first isolate with fewer than [`SPILL_AT`] requests
/// in flight, else to the least loaded: a quiet tenant keeps to one isolate (the others
/// are retired when idle and cost nothing), a busy one spreads over its workers. Dropping
/// every clone lets them drain and stop.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    replicas: Arc<[Replica]>,
    /// Requests waiting for their response head, by replica.
    in_flight: Arc<[AtomicUsize]>,
    wall: Option<Duration>,
    /// The tenant (or file), for the log line of a body cut at the wall limit.
    label: Arc<str>,
}

/// Requests in flight on an isolate before the next one takes some.
const SPILL_AT: usize = 2;

/// Gives back a replica's share of a request once its head is in.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What a handler's isolates used, as [`WorkerHandle::usage_meters`] hands it out.
#[derive(Clone, Debug)]
pub struct UsageMeters(Arc<[Arc<Meters>]>);

impl UsageMeters {
    /// CPU time, over all the handler's isolates, when metered.
    pub fn cpu_time(&self) -> Duration {
        Duration::from_nanos(self.sum(|meters| &meters.cpu))
    }

    /// Outbound http(s) fetches, over all the handler's isolates.
    pub fn subrequests(&self) -> u64 {
        self.sum(|meters| &meters.subrequests)
    }

    fn sum(&self, counter: impl Fn(&Meters) -> &AtomicU64) -> u64 {
        self.0
            .iter()
            .map(|meters| counter(meters).load(Ordering::Relaxed))
            .fold(0u64, u64::saturating_add)
    }
}

/// One isolate of a handler: on a worker thread of this process, or in a worker process.
#[derive(Debug)]
enum Replica {
    Local(Local),
    #[cfg(target_os = "linux")]
    Remote(crate::process::Remote),
}

/// An isolate on a worker thread here: its queue, its load state and its meters.
#[derive(Debug)]
struct Local {
    inbox: mpsc::Sender<Envelope>,
    state: watch::Receiver<LoadState>,
    meters: Arc<Meters>,
}

impl Replica {
    fn state(&self) -> &watch::Receiver<LoadState> {
        match self {
            Self::Local(local) => &local.state,
            #[cfg(target_os = "linux")]
            Self::Remote(remote) => &remote.state,
        }
    }

    fn meters(&self) -> &Meters {
        match self {
            Self::Local(local) => &local.meters,
            #[cfg(target_os = "linux")]
            Self::Remote(remote) => &remote.meters,
        }
    }

    async fn dispatch(&self, request: HandlerRequest) -> Result<HandlerResponse, RuntimeError> {
        match self {
            Self::Local(local) => {
                let (reply, answer) = oneshot::channel();
                local
                    .inbox
                    .send(Envelope { request, reply })
                    .await
                    .map_err(|_| RuntimeError::WorkerGone)?;
                answer.await.map_err(|_| RuntimeError::WorkerGone)?
            }
            #[cfg(target_os = "linux")]
            Self::Remote(remote) => remote.dispatch(request).await,
        }
    }
}

/// Where a worker is in loading its handler module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadState {
    /// The isolate is starting or the module graph is being evaluated.
    Loading,
    /// The handler is loaded and serving.
    Ready,
    /// The module failed to load; every request is answered with this error.
    Failed(String),
}

impl WorkerHandle {
    /// Starts the handler described by `spec` on a thread of its own. Module load errors do
    /// not fail this call: the handler answers every request with them instead.
    pub fn spawn(spec: &HandlerSpec) -> Result<Self, RuntimeError> {
        let worker = Worker::spawn(
            format!("isogate-worker-{}", spec.label),
            PoolOptions::dedicated(),
        )?;
        Self::start_on(&[&worker], spec)
    }

    /// Starts the handler described by `spec` with one isolate on each of `workers`.
    pub(super) fn start_on(workers: &[&Worker], spec: &HandlerSpec) -> Result<Self, RuntimeError> {
        let replicas = workers
            .iter()
            .map(|worker| {
                let (inbox, queue) = mpsc::channel(INBOX_CAPACITY);
                let (state, state_receiver) = watch::channel(LoadState::Loading);
                let meters = Arc::new(Meters::default());
                worker.start(Start {
                    spec: spec.clone(),
                    queue,
                    state,
                    meters: meters.clone(),
                })?;
                Ok(Replica::Local(Local {
                    inbox,
                    state: state_receiver,
                    meters,
                }))
            })
            .collect::<Result<Vec<_>, RuntimeError>>()?;
        Self::of(replicas, spec)
    }

    /// Places the handler described by `spec` in each of the worker processes `slots`.
    #[cfg(target_os = "linux")]
    pub(super) fn place_in(
        slots: &[&Arc<crate::process::Slot>],
        spec: &HandlerSpec,
        cordon: &Arc<crate::process::Cordon>,
    ) -> Result<Self, RuntimeError> {
        let replicas = slots
            .iter()
            .map(|slot| Replica::Remote(crate::process::Remote::place(slot, spec, cordon)))
            .collect();
        Self::of(replicas, spec)
    }

    fn of(replicas: Vec<Replica>, spec: &HandlerSpec) -> Result<Self, RuntimeError> {
        if replicas.is_empty() {
            return Err(RuntimeError::WorkerGone);
        }
        Ok(Self {
            in_flight: replicas.iter().map(|_| AtomicUsize::new(0)).collect(),
            replicas: replicas.into(),
            wall: spec.limits.wall,
            label: spec.label.as_str().into(),
        })
    }

    /// CPU time the handler's JavaScript has used, over all its isolates, when metered (the
    /// pool's `meter_cpu`, or a CPU limit); zero otherwise.
    pub fn cpu_time(&self) -> Duration {
        Duration::from_nanos(self.sum(|meters| &meters.cpu))
    }

    /// Outbound http(s) fetches the handler has made, over all its isolates.
    pub fn subrequests(&self) -> u64 {
        self.sum(|meters| &meters.subrequests)
    }

    fn sum(&self, counter: impl Fn(&Meters) -> &AtomicU64) -> u64 {
        self.replicas
            .iter()
            .map(|replica| counter(replica.meters()).load(Ordering::Relaxed))
            .fold(0u64, u64::saturating_add)
    }

    /// The handler's usage meters, which go on counting (and can be read) after every
    /// handle is gone, while its isolates drain.
    pub fn usage_meters(&self) -> UsageMeters {
        UsageMeters(
            self.replicas
                .iter()
                .map(|replica| match replica {
                    Replica::Local(local) => local.meters.clone(),
                    #[cfg(target_os = "linux")]
                    Replica::Remote(remote) => remote.meters.clone(),
                })
                .collect(),
        )
    }

    /// Whether `other` is a handle of the same handler.
    pub fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.replicas, &other.replicas)
    }

    /// How many isolates serve the handler.
    pub fn isolates(&self) -> usize {
        self.replicas.len()
    }

    /// Where the handler is in loading its module right now: failed if any isolate failed,
    /// loading while any is loading.
    pub fn load_state(&self) -> LoadState {
        let mut combined = LoadState::Ready;
        for replica in self.replicas.iter() {
            match &*replica.state().borrow() {
                LoadState::Failed(error) => return LoadState::Failed(error.clone()),
                LoadState::Loading => combined = LoadState::Loading,
                LoadState::Ready => {}
            }
        }
        combined
    }

    /// Waits until every isolate has loaded the module or failed to, and returns the state.
    pub async fn loaded(&self) -> LoadState {
        for replica in self.replicas.iter() {
            let mut state = replica.state().clone();
            if state
                .wait_for(|state| *state != LoadState::Loading)
                .await
                .is_err()
            {
                return LoadState::Failed(RuntimeError::WorkerGone.to_string());
            }
        }
        self.load_state()
    }

    /// The replica a request goes to: the first with fewer than [`SPILL_AT`] in flight, else
    /// the least loaded.
    fn pick(&self) -> usize {
        let loads = self
            .in_flight
            .iter()
            .map(|count| count.load(Ordering::Relaxed));
        if let Some(free) = loads.clone().position(|load| load < SPILL_AT) {
            return free;
        }
        loads
            .enumerate()
            .min_by_key(|(_, load)| *load)
            .map_or(0, |(index, _)| index)
    }

    /// Runs `request` through the handler and waits for its response head, for at most the
    /// wall-clock limit, which then goes on bounding a streamed body.
    pub async fn dispatch(&self, request: HandlerRequest) -> Result<HandlerResponse, RuntimeError> {
        let started = tokio::time::Instant::now();
        let turn = self.pick();
        self.in_flight[turn].fetch_add(1, Ordering::Relaxed);
        let _in_flight = InFlight(&self.in_flight[turn]);
        let Some(wall) = self.wall else {
            return self.replicas[turn].dispatch(request).await;
        };
        let request_id = request.id.0.clone();
        let exchange = self.replicas[turn].dispatch(request);
        match tokio::time::timeout(wall, exchange).await {
            Ok(Ok(mut response)) => {
                if let ResponseBody::Stream(chunks) = response.body {
                    let cut = Cut {
                        label: self.label.clone(),
                        request_id,
                        wall,
                        started,
                    };
                    response.body = ResponseBody::Stream(wall::bound_body(chunks, cut));
                }
                Ok(response)
            }
            Ok(Err(error)) => Err(error),
            Err(_) => Err(RuntimeError::LimitExceeded(LimitBreach {
                kind: LimitKind::Wall,
                limit: whole_millis(wall),
                used: Measured::Elapsed(started.elapsed()),
                cpu: Duration::ZERO,
                heap_used: 0,
            })),
        }
    }
}
