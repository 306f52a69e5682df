//! One handler's life on a worker thread: an isolate (a warm spare when one fits) loads the
//! module and serves the handler's queue; a limit breach or a panic replaces the isolate and
//! the queue carries on; a module that fails to load answers every request with why.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use deno_core::AsyncRefCell;
use deno_core::RcRef;
use futures::FutureExt;
use tokio::sync::mpsc;
use tokio::sync::watch;
use tokio::sync::Notify;

use super::spares::Spares;
use super::LoadState;
use crate::error::RuntimeError;
use crate::ext::fetch::FetchPolicy;
use crate::ext::http::Envelope;
use crate::isolate::Entered;
use crate::isolate::Isolate;
use crate::isolate::SharedInbox;
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
}

/// A handler to start on a worker: what it runs, its queue, and where to report loading.
pub(super) struct Start {
    pub(super) spec: HandlerSpec,
    pub(super) queue: mpsc::Receiver<Envelope>,
    pub(super) state: watch::Sender<LoadState>,
}

/// Most times a handler's isolate is replaced after a panic before it gives up.
const MOST_RESTARTS: u32 = 16;

/// Runs a handler until its queue closes (every `WorkerHandle` to it is gone).
pub(super) async fn serve_handler(start: Start, spares: Spares) {
    let Start { spec, queue, state } = start;
    let inbox: SharedInbox = Rc::new(AsyncRefCell::new(queue));
    // A panic (in isogate's code around the isolate; the tenant's JS cannot panic) ends one
    // run: the requests its isolate held are answered `WorkerGone` as their reply channels
    // drop, and a fresh isolate takes over the same queue.
    for restart in 0..=MOST_RESTARTS {
        let run = serve(&spec, inbox.clone(), &state, &spares);
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
    inbox: SharedInbox,
    state: &watch::Sender<LoadState>,
    spares: &Spares,
) -> Result<(), RuntimeError> {
    let env_json = serde_json::to_string(&spec.env)
        .map_err(|error| RuntimeError::Bootstrap(error.to_string()))?;
    loop {
        let closed = Rc::new(Notify::new());
        let mut isolate = match spares.take(spec.limits) {
            Some(spare) => spare.assign(&spec.label, spec.fetch, spec.limits)?,
            None => Isolate::new(&spec.label, spec.fetch, spec.limits)?,
        };
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

/// Serves every queued and future request with `error`, until the queue closes.
async fn answer_with_error(inbox: &SharedInbox, error: &RuntimeError) {
    let mut receiver = RcRef::map(inbox, |r| r).borrow_mut().await;
    while let Some(envelope) = receiver.recv().await {
        let _ = envelope.reply.send(Err(error.replicate()));
    }
}
