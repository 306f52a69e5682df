//! A worker: one OS thread, a current-thread tokio runtime and the isolate it owns.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use deno_core::AsyncRefCell;
use deno_core::RcRef;
use tokio::sync::mpsc;
use tokio::sync::watch;
use tokio::sync::Notify;

use super::LoadState;

use crate::error::RuntimeError;
use crate::ext::fetch::FetchPolicy;
use crate::ext::http::Envelope;
use crate::isolate::Entered;
use crate::isolate::Isolate;
use crate::isolate::SharedInbox;
use crate::limits::Limits;

/// How many requests may wait in a worker's inbox before senders wait.
const INBOX_CAPACITY: usize = 1024;

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
}

/// Starts a worker thread for `spec`; returns the inbox sender and the load state.
pub(super) fn spawn(
    spec: HandlerSpec,
) -> Result<(mpsc::Sender<Envelope>, watch::Receiver<LoadState>), RuntimeError> {
    let (sender, receiver) = mpsc::channel(INBOX_CAPACITY);
    let (state, state_receiver) = watch::channel(LoadState::Loading);
    std::thread::Builder::new()
        .name(format!("isogate-worker-{}", spec.label))
        .spawn(move || run_thread(&spec, receiver, &state))
        .map_err(RuntimeError::Spawn)?;
    Ok((sender, state_receiver))
}

/// Most times a worker restarts after a panic before it gives up and answers with errors.
const MOST_RESTARTS: u32 = 16;

fn run_thread(
    spec: &HandlerSpec,
    receiver: mpsc::Receiver<Envelope>,
    state: &watch::Sender<LoadState>,
) {
    super::prefer_throughput();
    let inbox: SharedInbox = Rc::new(AsyncRefCell::new(receiver));
    // A panic (in isogate's code around the isolate, never the tenant's JS, which cannot
    // panic) ends this run: the requests the isolate held are answered `WorkerGone` as
    // their reply channels drop, and the thread starts over with a fresh runtime and
    // isolate on the same queue.
    for restart in 0..=MOST_RESTARTS {
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| run_once(spec, &inbox, state)));
        match run {
            Ok(()) => return,
            Err(_) if restart < MOST_RESTARTS => {
                tracing::error!(handler = %spec.label, "worker panicked; restarting it");
            }
            Err(_) => {
                tracing::error!(handler = %spec.label, "worker keeps panicking; giving up");
            }
        }
    }
    let gone = RuntimeError::WorkerGone;
    state.send_replace(LoadState::Failed(gone.to_string()));
    if let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() {
        runtime.block_on(answer_with_error(&inbox, &gone));
    }
}

/// One run of the worker: a runtime, an isolate, serving until the inbox closes.
fn run_once(spec: &HandlerSpec, inbox: &SharedInbox, state: &watch::Sender<LoadState>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(handler = %spec.label, %error, "cannot start worker runtime");
            state.send_replace(LoadState::Failed(error.to_string()));
            return;
        }
    };
    runtime.block_on(async {
        if let Err(error) = serve(spec, inbox.clone(), state).await {
            tracing::error!(handler = %spec.label, error = %error, "handler unavailable");
            state.send_replace(LoadState::Failed(error.to_string()));
            answer_with_error(inbox, &error).await;
        }
    });
}

async fn serve(
    spec: &HandlerSpec,
    inbox: SharedInbox,
    state: &watch::Sender<LoadState>,
) -> Result<(), RuntimeError> {
    let env_json = serde_json::to_string(&spec.env)
        .map_err(|error| RuntimeError::Bootstrap(error.to_string()))?;
    loop {
        let closed = Rc::new(Notify::new());
        let mut isolate = Isolate::new(&spec.label, spec.fetch, spec.limits)?;
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
        match Entered::new(entry, isolate.run(closed, spec.drain)).await {
            Ok(()) => return Ok(()),
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

/// Serves every queued and future request with the load error, until the inbox closes.
async fn answer_with_error(inbox: &SharedInbox, error: &RuntimeError) {
    let mut receiver = RcRef::map(inbox, |r| r).borrow_mut().await;
    while let Some(envelope) = receiver.recv().await {
        let _ = envelope.reply.send(Err(error.replicate()));
    }
}
