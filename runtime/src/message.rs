//! The plain request and response values that cross from the gateway into an isolate's
//! thread and back. No HTTP library types: the gateway converts at its edge.

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use tokio::sync::mpsc;

/// An error raised while reading a request body or producing a response body.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A request or response body delivered chunk by chunk.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send>>;

/// Identifies one request in logs, across the gateway and the handler's console lines.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(pub String);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One inbound request as the handler will see it.
pub struct HandlerRequest {
    /// Id stamped by the gateway; handler console lines carry it.
    pub id: RequestId,
    /// HTTP method, upper case as received.
    pub method: String,
    /// Absolute URL including the real scheme and host.
    pub url: String,
    /// Header pairs as received (names lower case).
    pub headers: Vec<(Bytes, Bytes)>,
    /// Streamed request body; `None` when the request has none.
    pub body: Option<BodyStream>,
    /// The route pattern the gateway matched (`ctx.route`); empty when there is no routing.
    pub route: String,
    /// Parameters captured by the route pattern (`ctx.params`), in pattern order.
    pub params: Vec<(String, String)>,
    /// `request.cf`: what the gateway knows of the connection, as a JSON object (empty: the
    /// request has none).
    pub cf: String,
}

/// What a handler answered.
pub struct HandlerResponse {
    /// HTTP status code.
    pub status: u16,
    /// Header pairs in the order the handler set them.
    pub headers: Vec<(Bytes, Bytes)>,
    /// The response body.
    pub body: ResponseBody,
    /// CPU time charged to the request up to its response head.
    pub cpu: CpuCharge,
}

/// CPU time charged to a request by its isolate: its share of each event-loop turn while it
/// was in flight, up to and including the turn that answered it. Final once that turn has
/// ended (the isolate adds its share then); empty when the isolate is not metered. Clones
/// share the figure.
#[derive(Clone, Debug, Default)]
pub struct CpuCharge(Option<Arc<AtomicU64>>);

impl CpuCharge {
    pub(crate) fn new(nanos: Arc<AtomicU64>) -> Self {
        Self(Some(nanos))
    }

    /// A figure known already (a stopped request's CPU time, from its breach).
    pub fn fixed(cpu: Duration) -> Self {
        let nanos = u64::try_from(cpu.as_nanos()).unwrap_or(u64::MAX);
        Self(Some(Arc::new(AtomicU64::new(nanos))))
    }

    /// The time charged so far; `None` when the isolate is not metered.
    pub fn read(&self) -> Option<Duration> {
        self.0
            .as_ref()
            .map(|nanos| Duration::from_nanos(nanos.load(Ordering::Relaxed)))
    }
}

/// A handler's response body: known up front, or streamed while JS produces it.
pub enum ResponseBody {
    /// No body at all.
    Empty,
    /// A body the handler produced in one piece.
    Full(Bytes),
    /// Chunks as the handler's `ReadableStream` yields them.
    Stream(mpsc::Receiver<Result<Bytes, BodyError>>),
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Full(bytes) => write!(f, "Full({} bytes)", bytes.len()),
            Self::Stream(_) => f.write_str("Stream"),
        }
    }
}
