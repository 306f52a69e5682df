//! HTTP edge: converting between hyper and the runtime's plain types, and serving
//! connections (HTTP/1.1 and HTTP/2) through one service (dispatch, or the admin endpoints),
//! with the per-connection protections: header read timeout, head size cap, idle timeout,
//! and a cap on requests per connection.

mod control;
pub mod host;
mod reclaim;
pub mod request;
pub mod response;

use std::convert::Infallible;
use std::future::poll_fn;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::rt::Read;
use hyper::rt::Write;
use hyper::service::service_fn;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioTimer;
use hyper_util::server::conn::auto;
use tokio::sync::watch;

use self::control::Activity;
use self::control::Controls;
use self::control::HeadTimer;
use self::control::InFlight;
use self::control::Ticks;
pub use self::reclaim::Reclaim;

use crate::dispatch::Connection;

/// Header fields an HTTP/1 request head may have: heads are bounded by `max_header_bytes`,
/// and the count only by this, well above what browsers, proxies and SDKs send (hyper's
/// default of 100 refuses real requests with 431).
const MOST_HEADER_FIELDS: usize = 512;

/// hyper refuses HTTP/1 read buffers smaller than this.
const MIN_READ_BUFFER: usize = 8 * 1024;

/// The per-connection limits, from `[server]`.
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    /// Time to send a complete request head (also bounds an idle HTTP/1.1 keep-alive wait).
    pub header_timeout: Duration,
    /// Time a connection may sit with no request in flight.
    pub idle_timeout: Duration,
    /// Largest request head, in bytes.
    pub max_header_bytes: usize,
    /// Requests served before the connection is closed (0: no limit).
    pub max_requests: u64,
}

/// What answers the requests of a connection: the dispatch pipeline, or the admin endpoints.
pub trait Respond: Clone + Send + Sync + 'static {
    /// The body of its responses.
    type Body: hyper::body::Body<
            Data = bytes::Bytes,
            Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        > + Send
        + 'static;

    /// The response to `request`, which came on `connection` (from a clone of the responder).
    fn respond(
        self,
        request: hyper::Request<Incoming>,
        connection: Arc<Connection>,
    ) -> impl Future<Output = hyper::Response<Self::Body>> + Send + 'static;
}

/// Serves one connection until the client closes it, a limit closes it, `reclaim` picks it
/// as the longest idle at the connection cap, or `shutdown` turns true (then requests in
/// flight finish and the connection closes). Each request is answered by `responder`.
pub async fn serve_connection<I, R>(
    io: I,
    connection: Connection,
    responder: R,
    limits: &ConnectionLimits,
    reclaim: &Reclaim,
    shutdown: watch::Receiver<bool>,
) where
    I: Read + Write + Unpin + Send + 'static,
    R: Respond,
{
    let activity = Arc::new(Activity::default());
    let _registered = reclaim.register(activity.clone());
    let connection = Arc::new(connection);
    let service = {
        let activity = activity.clone();
        let connection = connection.clone();
        let max_requests = limits.max_requests;
        service_fn(move |request: hyper::Request<Incoming>| {
            let answer = responder.clone().respond(request, connection.clone());
            let activity = activity.clone();
            async move {
                let _in_flight = InFlight::new(&activity, max_requests);
                Ok::<_, Infallible>(answer.await)
            }
        })
    };

    let ticks = Ticks::new(limits.idle_timeout, limits.header_timeout);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(HeadTimer(ticks.clone()))
        .header_read_timeout(limits.header_timeout)
        .max_headers(MOST_HEADER_FIELDS)
        .max_buf_size(limits.max_header_bytes.max(MIN_READ_BUFFER));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let mut serving = pin!(builder.serve_connection(io, service));

    // The controls are polled only when one of them is due, not on every wake of the
    // connection: its requests pay nothing for them.
    let mut controls = Controls::new(activity.clone(), ticks, limits.idle_timeout, shutdown);
    let mut closing = false;
    let result = poll_fn(|cx| {
        if !closing && controls.poll_due(cx).is_ready() {
            closing = true;
            serving.as_mut().graceful_shutdown();
        }
        serving.as_mut().poll(cx)
    })
    .await;
    if let Err(error) = result {
        tracing::debug!(peer = %connection.peer.ip, %error, "connection ended with an error");
    }
}
