//! `WorkerHandle`: the `Send` proxy the gateway holds for a worker thread.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::lane::Lane;
use super::lane::Starter;
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

/// Sends requests to a handler's isolates: one, and up to one on each of several workers
/// for a busy tenant. A request goes to the first isolate with fewer than [`SPILL_AT`]
/// requests in flight; when every started isolate has that many, the next one starts
/// (on a worker of its own); else the least loaded takes it. A quiet tenant keeps to one
/// isolate, and isolates a burst started are retired once idle. Dropping every clone lets
/// them drain and stop.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    lanes: Arc<[Lane]>,
    /// Requests waiting for their response head, by lane.
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
pub(super) enum Replica {
    Local(Local),
    #[cfg(target_os = "linux")]
    Remote(crate::process::Remote),
}

/// An isolate on a worker thread here: its queue and its load state.
#[derive(Debug)]
pub(super) struct Local {
    inbox: mpsc::Sender<Envelope>,
    state: watch::Receiver<LoadState>,
}

impl Replica {
    fn state(&self) -> &watch::Receiver<LoadState> {
        match self {
            Self::Local(local) => &local.state,
            #[cfg(target_os = "linux")]
            Self::Remote(remote) => &remote.state,
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
        Self::start_on(&[&worker], spec, false)
    }

    /// Starts the handler described by `spec` on the first of `workers` (now, or on its
    /// first request when `lazily`); the others take an isolate of it when it is busy.
    pub(super) fn start_on(
        workers: &[&Worker],
        spec: &HandlerSpec,
        lazily: bool,
    ) -> Result<Self, RuntimeError> {
        let starters = workers
            .iter()
            .map(|worker| {
                let (worker, spec) = ((*worker).clone(), spec.clone());
                let starter: Starter = Box::new(move |meters| {
                    let (inbox, queue) = mpsc::channel(INBOX_CAPACITY);
                    let (state, state_receiver) = watch::channel(LoadState::Loading);
                    worker.start(Start {
                        spec,
                        queue,
                        state,
                        meters,
                    })?;
                    Ok(Replica::Local(Local {
                        inbox,
                        state: state_receiver,
                    }))
                });
                starter
            })
            .collect();
        Self::of(starters, spec, lazily)
    }

    /// Places the handler described by `spec` in the first of the worker processes `slots`
    /// (now, or on its first request when `lazily`); the others take an isolate of it when
    /// it is busy.
    #[cfg(target_os = "linux")]
    pub(super) fn place_in(
        slots: &[&Arc<crate::process::Slot>],
        spec: &HandlerSpec,
        cordon: &Arc<crate::process::Cordon>,
        lazily: bool,
    ) -> Result<Self, RuntimeError> {
        let starters = slots
            .iter()
            .map(|slot| {
                let (slot, spec, cordon) = ((*slot).clone(), spec.clone(), cordon.clone());
                let starter: Starter = Box::new(move |meters| {
                    Ok(Replica::Remote(crate::process::Remote::place(
                        &slot, &spec, &cordon, meters,
                    )))
                });
                starter
            })
            .collect();
        Self::of(starters, spec, lazily)
    }

    fn of(starters: Vec<Starter>, spec: &HandlerSpec, lazily: bool) -> Result<Self, RuntimeError> {
        let mut starters = starters.into_iter();
        let Some(first) = starters.next() else {
            return Err(RuntimeError::WorkerGone);
        };
        let first = if lazily {
            Lane::waiting(first)
        } else {
            Lane::started(first)?
        };
        let lanes: Vec<Lane> = std::iter::once(first)
            .chain(starters.map(Lane::waiting))
            .collect();
        Ok(Self {
            in_flight: lanes.iter().map(|_| AtomicUsize::new(0)).collect(),
            lanes: lanes.into(),
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
        self.lanes
            .iter()
            .map(|lane| counter(&lane.meters).load(Ordering::Relaxed))
            .fold(0u64, u64::saturating_add)
    }

    /// The handler's usage meters, which go on counting (and can be read) after every
    /// handle is gone, while its isolates drain.
    pub fn usage_meters(&self) -> UsageMeters {
        UsageMeters(self.lanes.iter().map(|lane| lane.meters.clone()).collect())
    }

    /// Whether `other` is a handle of the same handler.
    pub fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.lanes, &other.lanes)
    }

    /// A number that is the same for every handle of one handler and differs between the
    /// handlers alive at once (for sets of handlers).
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.lanes).cast::<Lane>() as usize
    }

    /// How many isolates the handler has been started on (one, and more once it was busy).
    pub fn isolates(&self) -> usize {
        self.started().count()
    }

    /// The isolates started so far.
    fn started(&self) -> impl Iterator<Item = &Replica> {
        self.lanes.iter().filter_map(Lane::replica)
    }

    /// Where the handler is in loading its module right now: failed if any isolate failed,
    /// loading while any is loading.
    pub fn load_state(&self) -> LoadState {
        let mut combined = LoadState::Ready;
        for replica in self.started() {
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
        for replica in self.started() {
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

    /// The lane a request goes to: the first started one with fewer than [`SPILL_AT`] in
    /// flight; when every started one has that many, the next lane, started now; else the
    /// least loaded.
    fn pick(&self) -> usize {
        let mut least: Option<(usize, usize)> = None;
        for (index, lane) in self.lanes.iter().enumerate() {
            if lane.replica().is_none() {
                continue;
            }
            let load = self.in_flight[index].load(Ordering::Relaxed);
            if load < SPILL_AT {
                return index;
            }
            if least.is_none_or(|(_, fewest)| load < fewest) {
                least = Some((index, load));
            }
        }
        if let Some(next) = self.lanes.iter().position(|lane| lane.replica().is_none()) {
            if self.lanes[next].start() {
                return next;
            }
        }
        // Nothing started yet (a handler started on its first request, whose start failed):
        // the first lane, whose missing isolate fails the request.
        least.map_or(0, |(index, _)| index)
    }

    /// Runs `request` through the handler and waits for its response head, for at most the
    /// wall-clock limit, which then goes on bounding a streamed body.
    pub async fn dispatch(&self, request: HandlerRequest) -> Result<HandlerResponse, RuntimeError> {
        let started = tokio::time::Instant::now();
        let turn = self.pick();
        self.in_flight[turn].fetch_add(1, Ordering::Relaxed);
        let _in_flight = InFlight(&self.in_flight[turn]);
        let Some(replica) = self.lanes[turn].replica() else {
            return Err(RuntimeError::WorkerGone);
        };
        let Some(wall) = self.wall else {
            return replica.dispatch(request).await;
        };
        let request_id = request.id.0.clone();
        let exchange = replica.dispatch(request);
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
