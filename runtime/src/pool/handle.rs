//! `WorkerHandle`: the `Send` proxy the gateway holds for a worker thread.

use std::time::Duration;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::tenant::HandlerSpec;
use super::tenant::Start;
use super::worker::Worker;
use crate::error::RuntimeError;
use crate::ext::http::Envelope;
use crate::limits::millis;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;

/// How many requests may wait in a handler's queue before senders wait.
const INBOX_CAPACITY: usize = 1024;

/// Sends requests to one handler's isolate. Dropping every clone lets the worker drain and stop.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    inbox: mpsc::Sender<Envelope>,
    state: watch::Receiver<LoadState>,
    wall: Option<Duration>,
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
    pub fn spawn(spec: HandlerSpec) -> Result<Self, RuntimeError> {
        let worker = Worker::spawn(format!("isogate-worker-{}", spec.label), 0, None)?;
        Self::start_on(&worker, spec)
    }

    /// Starts the handler described by `spec` on `worker`.
    pub(super) fn start_on(worker: &Worker, spec: HandlerSpec) -> Result<Self, RuntimeError> {
        let (inbox, queue) = mpsc::channel(INBOX_CAPACITY);
        let (state, state_receiver) = watch::channel(LoadState::Loading);
        let wall = spec.limits.wall;
        worker.start(Start { spec, queue, state })?;
        Ok(Self {
            inbox,
            state: state_receiver,
            wall,
        })
    }

    /// Where the worker is in loading its module right now.
    pub fn load_state(&self) -> LoadState {
        self.state.borrow().clone()
    }

    /// Waits until the module has loaded or failed to, and returns that state.
    pub async fn loaded(&self) -> LoadState {
        let mut state = self.state.clone();
        let settled = match state.wait_for(|state| *state != LoadState::Loading).await {
            Ok(state) => state.clone(),
            Err(_) => LoadState::Failed(RuntimeError::WorkerGone.to_string()),
        };
        settled
    }

    /// Runs `request` through the handler and waits for its response head, for at most the
    /// wall-clock limit.
    pub async fn dispatch(&self, request: HandlerRequest) -> Result<HandlerResponse, RuntimeError> {
        let started = Instant::now();
        let exchange = async {
            let (reply, answer) = oneshot::channel();
            self.inbox
                .send(Envelope { request, reply })
                .await
                .map_err(|_| RuntimeError::WorkerGone)?;
            answer.await.map_err(|_| RuntimeError::WorkerGone)?
        };
        let Some(wall) = self.wall else {
            return exchange.await;
        };
        match tokio::time::timeout(wall, exchange).await {
            Ok(answer) => answer,
            Err(_) => Err(RuntimeError::LimitExceeded(LimitBreach {
                kind: LimitKind::Wall,
                limit: millis(wall),
                used: millis(started.elapsed()),
                cpu: Duration::ZERO,
                heap_used: 0,
            })),
        }
    }
}
