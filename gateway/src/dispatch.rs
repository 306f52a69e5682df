//! The request pipeline, top to bottom. Read this first.
//!
//! 1. stamp a request id (the client's `X-Request-Id`, or a fresh one);
//! 2. pick the handler (in dev mode: the one handler being developed);
//! 3. run it in its isolate through the runtime's `WorkerHandle`;
//! 4. turn the answer, or the error, into a hyper response (`http/response.rs`);
//! 5. write one access-log line.

use std::sync::Arc;
use std::sync::RwLock;
use std::time::Instant;

use http::Request;
use http::Response;
use hyper::body::Incoming;
use isogate_runtime::WorkerHandle;

use crate::error::GatewayError;
use crate::http::request;
use crate::http::response;
use crate::http::response::GatewayBody;

/// The live handler: swapped whole when dev mode reloads it, so in-flight requests finish
/// on the version they started with.
#[derive(Clone, Debug)]
pub struct HandlerSlot {
    current: Arc<RwLock<WorkerHandle>>,
}

impl HandlerSlot {
    /// A slot serving `worker`.
    pub fn new(worker: WorkerHandle) -> Self {
        Self {
            current: Arc::new(RwLock::new(worker)),
        }
    }

    /// The worker new requests go to.
    pub fn current(&self) -> WorkerHandle {
        match self.current.read() {
            Ok(worker) => worker.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Routes new requests to `worker`; the previous one drains and stops.
    pub fn replace(&self, worker: WorkerHandle) {
        match self.current.write() {
            Ok(mut slot) => *slot = worker,
            Err(poisoned) => *poisoned.into_inner() = worker,
        }
    }
}

/// The scheme of the URLs handlers see; the dev listener speaks plain HTTP only.
const SCHEME: &str = "http";

/// Runs requests through the pipeline above.
#[derive(Debug)]
pub struct Dispatcher {
    slot: HandlerSlot,
    expose_errors: bool,
}

impl Dispatcher {
    /// A dispatcher sending every request to `slot`'s handler. `expose_errors` puts stacks
    /// and load errors in response bodies (dev mode only).
    pub fn new(slot: HandlerSlot, expose_errors: bool) -> Self {
        Self {
            slot,
            expose_errors,
        }
    }

    /// Handles one request end to end; never fails (errors become responses).
    pub async fn handle(&self, request: Request<Incoming>) -> Response<GatewayBody> {
        let started = Instant::now();
        let request_id = request::request_id(&request);
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();

        let handler_request = request::to_handler_request(request, request_id.clone(), SCHEME);
        let worker = self.slot.current();
        let outcome = match worker.dispatch(handler_request).await {
            Ok(answer) => response::from_handler(answer),
            Err(error) => Err(GatewayError::from(error)),
        };
        let mut response = outcome.unwrap_or_else(|error| {
            response::log_error(&error, &request_id);
            response::from_error(&error, &request_id, self.expose_errors)
        });

        response::stamp_request_id(&mut response, &request_id);
        response::log_access(
            &method,
            &path,
            response.status(),
            started.elapsed(),
            &request_id,
        );
        response
    }
}
