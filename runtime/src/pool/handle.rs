//! `WorkerHandle`: the `Send` proxy the gateway holds for a worker thread.

use tokio::sync::mpsc;
use tokio::sync::oneshot;

use super::worker;
use super::HandlerSpec;
use crate::error::RuntimeError;
use crate::ext::http::Envelope;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;

/// Sends requests to one worker's isolate. Dropping every clone lets the worker drain and stop.
#[derive(Clone, Debug)]
pub struct WorkerHandle {
    inbox: mpsc::Sender<Envelope>,
}

impl WorkerHandle {
    /// Starts a worker thread running the handler described by `spec`. Module load errors do
    /// not fail this call: the worker answers every request with them instead.
    pub fn spawn(spec: HandlerSpec) -> Result<Self, RuntimeError> {
        Ok(Self {
            inbox: worker::spawn(spec)?,
        })
    }

    /// Runs `request` through the handler and waits for its response head.
    pub async fn dispatch(&self, request: HandlerRequest) -> Result<HandlerResponse, RuntimeError> {
        let (reply, answer) = oneshot::channel();
        self.inbox
            .send(Envelope { request, reply })
            .await
            .map_err(|_| RuntimeError::WorkerGone)?;
        answer.await.map_err(|_| RuntimeError::WorkerGone)?
    }
}
