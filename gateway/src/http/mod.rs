//! HTTP edge: converting between hyper and the runtime's plain types, and serving
//! connections (HTTP/1.1 and HTTP/2) through one service into dispatch, with the
//! per-connection protections: header read timeout, head size cap, idle timeout, and a cap
//! on requests per connection.

pub mod request;
pub mod response;

use std::convert::Infallible;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::rt::Read;
use hyper::rt::Write;
use hyper::service::service_fn;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioTimer;
use hyper_util::server::conn::auto;
use tokio::sync::watch;
use tokio::sync::Notify;

use crate::dispatch::Connection;
use crate::dispatch::Dispatcher;

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

/// Activity shared between a connection's task and its requests.
struct Activity {
    started: Instant,
    requests: AtomicU64,
    in_flight: AtomicUsize,
    /// Milliseconds since `started` at the last request start or end.
    last: AtomicU64,
    /// Woken when the connection should close after the requests in flight.
    close: Notify,
}

impl Activity {
    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        Some(self.started.elapsed().saturating_sub(last))
    }
}

/// Serves one connection until the client closes it, a limit closes it, or `shutdown`
/// turns true (then requests in flight finish and the connection closes).
pub async fn serve_connection<I>(
    io: I,
    connection: Connection,
    dispatcher: Arc<Dispatcher>,
    limits: &ConnectionLimits,
    mut shutdown: watch::Receiver<bool>,
) where
    I: Read + Write + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity {
        started: Instant::now(),
        requests: AtomicU64::new(0),
        in_flight: AtomicUsize::new(0),
        last: AtomicU64::new(0),
        close: Notify::new(),
    });
    let connection = Arc::new(connection);
    let service = {
        let activity = activity.clone();
        let connection = connection.clone();
        let max_requests = limits.max_requests;
        service_fn(move |request: hyper::Request<Incoming>| {
            let dispatcher = dispatcher.clone();
            let activity = activity.clone();
            let connection = connection.clone();
            async move {
                activity.in_flight.fetch_add(1, Ordering::Relaxed);
                activity.touch();
                let served = activity.requests.fetch_add(1, Ordering::Relaxed) + 1;
                if max_requests > 0 && served >= max_requests {
                    activity.close.notify_one();
                }
                let response = dispatcher.handle(request, &connection).await;
                activity.in_flight.fetch_sub(1, Ordering::Relaxed);
                activity.touch();
                Ok::<_, Infallible>(response)
            }
        })
    };

    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_header_bytes.max(MIN_READ_BUFFER));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    let serving = builder.serve_connection(io, service);
    tokio::pin!(serving);

    let period = (limits.idle_timeout / 2).max(Duration::from_millis(50));
    let mut idle_check = tokio::time::interval(period);
    let mut closing = false;
    loop {
        tokio::select! {
            result = serving.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(peer = %connection.peer.ip, %error, "connection ended with an error");
                }
                return;
            }
            () = activity.close.notified(), if !closing => {
                closing = true;
                serving.as_mut().graceful_shutdown();
            }
            changed = shutdown.changed(), if !closing => {
                if changed.is_err() || *shutdown.borrow() {
                    closing = true;
                    serving.as_mut().graceful_shutdown();
                }
            }
            _ = idle_check.tick(), if !closing => {
                if activity.idle_for().is_some_and(|idle| idle >= limits.idle_timeout) {
                    closing = true;
                    serving.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
