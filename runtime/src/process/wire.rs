//! The frames a gateway and its worker processes exchange over their Unix sockets, and the
//! codec: a little-endian `u32` length, then the frame encoded with postcard. Everything a
//! worker sends is untrusted: a frame over [`MAX_FRAME`] or one that does not decode ends the
//! link (and the worker with it).
//!
//! A link is two sockets. The *request socket* (the worker's standard input) carries
//! requests, bodies, answers and reports; the worker serves it on its isolate thread, so a
//! request and its answer never cross threads inside the worker. The *call socket* (its
//! standard output) carries what an isolate thread must have before it can go on, written
//! and waited for synchronously: Cache API calls and file reads with their answers (read
//! there by a thread of their own, since the isolate thread is the one waiting), and the
//! notes that must reach the gateway before the worker may die (`HeapLimit`, `Background`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use serde::Deserialize;
use serde::Serialize;
use tokio::io::AsyncReadExt;
use tokio::io::AsyncWrite;
use tokio::io::AsyncWriteExt;

use super::files::FileAnswer;
use super::files::FileOp;
use crate::error::RuntimeError;
use crate::ext::cache::CacheHandle;
use crate::ext::cache::CacheRequest;
use crate::ext::cache::CachedResponse;
use crate::ext::console::LogLevel;
use crate::ext::fetch::FetchPolicy;
use crate::isolate::Retirement;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::limits::Limits;
use crate::limits::Measured;
use crate::pool::HandlerSpec;
use crate::pool::LoadState;
use crate::pool::WorkerStats;

/// The largest frame either side accepts (a Cache API body is the largest payload).
pub(crate) const MAX_FRAME: usize = 64 * 1024 * 1024;

/// Identifies a handler started in a worker process.
pub(crate) type HandlerId = u64;

/// Identifies one request on a link, and its body streams.
pub(crate) type CallId = u64;

/// Gateway → worker.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToWorker {
    /// The first frame: how the worker runs its isolates.
    Hello(WorkerSettings),
    /// Start a handler.
    Start { handler: HandlerId, spec: WireSpec },
    /// No request will come for the handler again: let it drain and stop.
    Stop { handler: HandlerId },
    /// A request for a handler; its body follows as `Body` frames when `body` is set.
    Request {
        call: CallId,
        handler: HandlerId,
        head: WireRequest,
    },
    /// A chunk of a request body.
    Body { call: CallId, chunk: Bytes },
    /// The request body is complete (or failed with the message).
    BodyEnd { call: CallId, error: Option<String> },
    /// The gateway consumed `bytes` of a response body: the worker may send that much more.
    Credit { call: CallId, bytes: u32 },
    /// The gateway no longer wants the answer (client gone, wall limit).
    Cancel { call: CallId },
    /// The answer to a Cache API call.
    CacheAnswer { call: CallId, answer: CacheAnswer },
    /// The answer to a module loader's question about a file.
    FileAnswer { call: CallId, answer: FileAnswer },
}

/// Worker → gateway.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToGateway {
    /// A handler's load state changed.
    Loaded {
        handler: HandlerId,
        state: WireLoadState,
    },
    /// A response head; with a streamed body, `Body` frames follow, then `Done`.
    Head {
        call: CallId,
        status: u16,
        headers: Vec<(Bytes, Bytes)>,
        body: WireBody,
        /// CPU time charged so far, when the isolate is metered.
        cpu: Option<u64>,
    },
    /// The request failed.
    Failed { call: CallId, error: WireError },
    /// A chunk of a streamed response body.
    Body { call: CallId, chunk: Bytes },
    /// The response body is complete (or failed with the message).
    BodyEnd { call: CallId, error: Option<String> },
    /// The worker consumed `bytes` of a request body: the gateway may send that much more.
    Credit { call: CallId, bytes: u32 },
    /// The last frame of an answered request: its final CPU figure (when metered), and what
    /// its handler used since the last report, if anything.
    Done {
        call: CallId,
        cpu: Option<u64>,
        used: Option<Used>,
    },
    /// What a handler used since the last report.
    Meters { handler: HandlerId, used: Used },
    /// The worker's isolate figures.
    Stats(WorkerStats),
    /// A console line of a tenant's handler, for the gateway's log.
    Console {
        level: u8,
        tenant: String,
        request_id: String,
        message: String,
    },
    /// An isolate reached its heap limit; if the worker ends soon after, V8 ended it for that.
    HeapLimit {
        label: String,
        limit: u64,
        heap: u64,
    },
    /// The isolate of a handler began work with no request in flight (`waitUntil` after
    /// its answer, timers): if the worker ends soon after, that may be why.
    Background { label: String },
    /// A Cache API call from a handler, answered by `CacheAnswer`.
    Cache {
        call: CallId,
        handler: HandlerId,
        op: CacheOp,
    },
    /// A module loader's question about a file, answered by `FileAnswer`.
    File { call: CallId, op: FileOp },
}

/// What a handler used since its last report.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct Used {
    pub(crate) cpu_nanos: u64,
    pub(crate) subrequests: u64,
}

/// How a worker process runs its isolates (`PoolOptions` minus what the gateway keeps).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct WorkerSettings {
    pub(crate) spares: usize,
    pub(crate) spare_memory: Option<u64>,
    pub(crate) isolates: Option<usize>,
    pub(crate) idle: Option<Duration>,
    pub(crate) after_requests: Option<u64>,
    pub(crate) recycle_heap: Option<u64>,
    pub(crate) meter_cpu: bool,
    /// The worker's resident memory ceiling in bytes: past it, the worker ends itself.
    pub(crate) rss_ceiling: Option<u64>,
    /// Whether to sandbox the process (seccomp, no_new_privs, Landlock).
    pub(crate) sandbox: bool,
    /// Whether to run every thread at idle CPU priority (a cordon's process).
    pub(crate) idle_priority: bool,
    /// The gateway's egress socket, which every http(s) fetch goes through.
    pub(crate) egress: Option<PathBuf>,
}

impl WorkerSettings {
    pub(crate) fn retirement(&self) -> Retirement {
        Retirement {
            idle: self.idle,
            after_requests: self.after_requests,
            heap: self.recycle_heap,
        }
    }
}

/// A [`HandlerSpec`] without the embedder's cache object (Cache API calls cross the link).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct WireSpec {
    pub(crate) label: String,
    pub(crate) entry: PathBuf,
    pub(crate) env: BTreeMap<String, String>,
    pub(crate) allow_private_net: bool,
    pub(crate) drain: Duration,
    pub(crate) cpu: Option<Duration>,
    pub(crate) memory: Option<u64>,
    pub(crate) subrequests: Option<u32>,
    pub(crate) log_level: u8,
    pub(crate) cached: bool,
    pub(crate) node_compat: bool,
    /// The files of the bundle its entry is in, when that bundle is small enough to send:
    /// the worker mounts it and loads from memory, with no question to the gateway.
    pub(crate) bundle: Option<Vec<(String, Bytes)>>,
}

/// The largest bundle sent along with a handler; a larger one is read file by file.
const SENT_BUNDLE_BYTES: u64 = 4 << 20;

impl WireSpec {
    pub(crate) fn of(spec: &HandlerSpec) -> Self {
        Self {
            label: spec.label.clone(),
            entry: spec.entry.clone(),
            env: spec.env.clone(),
            allow_private_net: spec.fetch.allow_private_net,
            drain: spec.drain,
            cpu: spec.limits.cpu,
            memory: spec.limits.memory,
            subrequests: spec.limits.subrequests,
            log_level: match spec.log_level {
                LogLevel::Debug => 0,
                LogLevel::Info => 1,
                LogLevel::Warn => 2,
                LogLevel::Error => 3,
                LogLevel::Off => 4,
            },
            cached: spec.cache.is_some(),
            node_compat: spec.node_compat,
            bundle: crate::loader::bundle::mounted_of(&spec.entry)
                .filter(|bundle| bundle.bytes() <= SENT_BUNDLE_BYTES)
                .map(|bundle| {
                    bundle
                        .files()
                        .map(|(name, contents)| (name.to_owned(), contents.clone()))
                        .collect()
                }),
        }
    }

    /// The spec a worker runs (its wall limit is the gateway's to keep).
    pub(crate) fn into_spec(self) -> HandlerSpec {
        HandlerSpec {
            label: self.label,
            entry: self.entry,
            env: self.env,
            fetch: FetchPolicy {
                allow_private_net: self.allow_private_net,
            },
            drain: self.drain,
            limits: Limits {
                cpu: self.cpu,
                memory: self.memory,
                wall: None,
                subrequests: self.subrequests,
            },
            log_level: match self.log_level {
                0 => LogLevel::Debug,
                1 => LogLevel::Info,
                2 => LogLevel::Warn,
                3 => LogLevel::Error,
                _ => LogLevel::Off,
            },
            cache: None,
            node_compat: self.node_compat,
        }
    }
}

/// A request head.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireRequest {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(Bytes, Bytes)>,
    pub(crate) body: bool,
    pub(crate) route: String,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) cf: String,
}

/// A response body as the head announces it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum WireBody {
    Empty,
    Full(Bytes),
    Stream,
}

/// A handler's load state.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum WireLoadState {
    Loading,
    Ready,
    Failed(String),
}

impl From<&LoadState> for WireLoadState {
    fn from(state: &LoadState) -> Self {
        match state {
            LoadState::Loading => Self::Loading,
            LoadState::Ready => Self::Ready,
            LoadState::Failed(error) => Self::Failed(error.clone()),
        }
    }
}

impl From<WireLoadState> for LoadState {
    fn from(state: WireLoadState) -> Self {
        match state {
            WireLoadState::Loading => Self::Loading,
            WireLoadState::Ready => Self::Ready,
            WireLoadState::Failed(error) => Self::Failed(error),
        }
    }
}

/// A [`RuntimeError`] as it crosses the link.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum WireError {
    ModuleLoad {
        path: PathBuf,
        message: String,
    },
    NoHandler {
        path: PathBuf,
        message: String,
    },
    HandlerFailed {
        message: String,
        stack: String,
    },
    Limit {
        kind: u8,
        limit: u64,
        used: (u8, [u64; 3]),
        cpu: Duration,
        heap_used: u64,
    },
    Bootstrap(String),
    Crashed(String),
    Gone,
}

/// The code of [`LimitKind::Memory`] in [`WireError::Limit`].
pub(crate) const MEMORY: u8 = 1;

const LIMIT_KINDS: [LimitKind; 5] = [
    LimitKind::Cpu,
    LimitKind::Memory,
    LimitKind::Wall,
    LimitKind::Concurrency,
    LimitKind::Subrequest,
];

impl From<&RuntimeError> for WireError {
    fn from(error: &RuntimeError) -> Self {
        match error.replicate() {
            RuntimeError::ModuleLoad { path, message } => Self::ModuleLoad { path, message },
            RuntimeError::NoHandler { path, message } => Self::NoHandler { path, message },
            RuntimeError::HandlerFailed { message, stack } => {
                Self::HandlerFailed { message, stack }
            }
            RuntimeError::LimitExceeded(breach) => Self::Limit {
                kind: LIMIT_KINDS
                    .iter()
                    .position(|kind| *kind == breach.kind)
                    .and_then(|index| u8::try_from(index).ok())
                    .unwrap_or(0),
                limit: breach.limit,
                used: breach.used.to_parts(),
                cpu: breach.cpu,
                heap_used: breach.heap_used,
            },
            RuntimeError::Bootstrap(message) => Self::Bootstrap(message),
            RuntimeError::WorkerCrashed(reason) => Self::Crashed(reason),
            _ => Self::Gone,
        }
    }
}

impl From<WireError> for RuntimeError {
    fn from(error: WireError) -> Self {
        match error {
            WireError::ModuleLoad { path, message } => Self::ModuleLoad { path, message },
            WireError::NoHandler { path, message } => Self::NoHandler { path, message },
            WireError::HandlerFailed { message, stack } => Self::HandlerFailed { message, stack },
            WireError::Limit {
                kind,
                limit,
                used,
                cpu,
                heap_used,
            } => Self::LimitExceeded(LimitBreach {
                kind: LIMIT_KINDS
                    .get(usize::from(kind))
                    .copied()
                    .unwrap_or(LimitKind::Cpu),
                limit,
                used: Measured::from_parts(used.0, used.1).unwrap_or(Measured::Cpu(cpu)),
                cpu,
                heap_used,
            }),
            WireError::Bootstrap(message) => Self::Bootstrap(message),
            WireError::Crashed(reason) => Self::WorkerCrashed(reason),
            WireError::Gone => Self::WorkerGone,
        }
    }
}

/// A Cache API operation.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum CacheOp {
    Match {
        cache: String,
        request: WireCacheRequest,
    },
    Put {
        cache: String,
        request: WireCacheRequest,
        response: WireCachedResponse,
    },
    Delete {
        cache: String,
        request: WireCacheRequest,
    },
}

impl CacheOp {
    /// Runs the operation on the handler's caches (none: nothing is found or stored).
    pub(crate) fn answer(self, cache: Option<&CacheHandle>) -> CacheAnswer {
        let Some(cache) = cache else {
            return match self {
                Self::Match { .. } => CacheAnswer::Found(None),
                _ => CacheAnswer::Done(false),
            };
        };
        match self {
            Self::Match {
                cache: name,
                request,
            } => CacheAnswer::Found(
                cache
                    .0
                    .lookup(&name, &CacheRequest::from(request))
                    .map(Into::into),
            ),
            Self::Put {
                cache: name,
                request,
                response,
            } => CacheAnswer::Done(cache.0.store(
                &name,
                &CacheRequest::from(request),
                response.into(),
            )),
            Self::Delete {
                cache: name,
                request,
            } => CacheAnswer::Done(cache.0.delete(&name, &CacheRequest::from(request))),
        }
    }
}

/// The answer to a [`CacheOp`].
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum CacheAnswer {
    Found(Option<WireCachedResponse>),
    Done(bool),
}

/// A [`CacheRequest`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireCacheRequest {
    pub(crate) url: String,
    pub(crate) headers: Vec<(Bytes, Bytes)>,
}

impl From<&CacheRequest> for WireCacheRequest {
    fn from(request: &CacheRequest) -> Self {
        Self {
            url: request.url.clone(),
            headers: request.headers.clone(),
        }
    }
}

impl From<WireCacheRequest> for CacheRequest {
    fn from(request: WireCacheRequest) -> Self {
        Self {
            url: request.url,
            headers: request.headers,
        }
    }
}

/// A [`CachedResponse`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireCachedResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(Bytes, Bytes)>,
    pub(crate) body: Bytes,
}

impl From<CachedResponse> for WireCachedResponse {
    fn from(response: CachedResponse) -> Self {
        Self {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

impl From<WireCachedResponse> for CachedResponse {
    fn from(response: WireCachedResponse) -> Self {
        Self {
            status: response.status,
            headers: response.headers,
            body: response.body,
        }
    }
}

/// Why a link stopped reading.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WireFault {
    #[error("reading from the link")]
    Io(#[from] std::io::Error),
    #[error("a frame of {0} bytes is over the limit")]
    TooLarge(usize),
    #[error("a frame does not decode")]
    Decode(#[from] postcard::Error),
    #[error("{0}")]
    Protocol(&'static str),
}

/// Appends `frame`, length first, to `out`.
pub(crate) fn encode<T: Serialize>(frame: &T, out: &mut Vec<u8>) -> Result<(), postcard::Error> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    let encoded = postcard::to_extend(frame, std::mem::take(out))?;
    *out = encoded;
    let length = u32::try_from(out.len() - start - 4).unwrap_or(u32::MAX);
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
    Ok(())
}

/// Reads frames from a socket into a buffer and decodes them one at a time. The socket is
/// read through a buffer, so the frames a peer wrote in one batch cost one read, not two
/// per frame.
pub(crate) struct FrameReader<R> {
    reader: tokio::io::BufReader<R>,
    buffer: Vec<u8>,
}

impl<R: tokio::io::AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        Self {
            reader: tokio::io::BufReader::with_capacity(64 * 1024, reader),
            buffer: Vec::with_capacity(64 * 1024),
        }
    }

    /// The next frame; `None` at a clean end of the stream.
    pub(crate) async fn next<T: for<'de> Deserialize<'de>>(
        &mut self,
    ) -> Result<Option<T>, WireFault> {
        let mut length = [0u8; 4];
        match self.reader.read_exact(&mut length).await {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(error) => return Err(error.into()),
        }
        self.buffer.resize(frame_length(length)?, 0);
        self.reader.read_exact(&mut self.buffer).await?;
        Ok(Some(postcard::from_bytes(&self.buffer)?))
    }
}

/// The length a frame's prefix gives, refused past [`MAX_FRAME`] before anything is read.
fn frame_length(prefix: [u8; 4]) -> Result<usize, WireFault> {
    let length = usize::try_from(u32::from_le_bytes(prefix)).unwrap_or(usize::MAX);
    if length > MAX_FRAME {
        return Err(WireFault::TooLarge(length));
    }
    Ok(length)
}

/// Reads one frame from a blocking `reader`, no further than its end; `None` at a clean end
/// of the stream.
pub(crate) fn read_frame<T: for<'de> Deserialize<'de>>(
    reader: &mut impl std::io::Read,
) -> Result<Option<T>, WireFault> {
    let mut length = [0u8; 4];
    match reader.read_exact(&mut length) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    let mut buffer = vec![0; frame_length(length)?];
    reader.read_exact(&mut buffer)?;
    Ok(Some(postcard::from_bytes(&buffer)?))
}

/// The most frames one write takes.
const BATCH: usize = 64;

/// Writes the frames sent on `frames` to `writer`, batching what is queued into one write,
/// and counts those written in `written`; ends when every sender is gone or the socket fails.
pub(crate) async fn write_frames<T: Serialize, W: AsyncWrite + Unpin>(
    mut frames: tokio::sync::mpsc::UnboundedReceiver<T>,
    mut writer: W,
    written: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
) {
    let mut out = Vec::with_capacity(64 * 1024);
    let mut batch = Vec::with_capacity(BATCH);
    while frames.recv_many(&mut batch, BATCH).await > 0 {
        // The task that woke the writer is rarely the only one with a frame to send: once
        // the tasks ready now have run, their frames leave in the same write.
        tokio::task::yield_now().await;
        while batch.len() < BATCH {
            match frames.try_recv() {
                Ok(frame) => batch.push(frame),
                Err(_) => break,
            }
        }
        out.clear();
        let count = batch.len() as u64;
        for frame in batch.drain(..) {
            if let Err(error) = encode(&frame, &mut out) {
                tracing::error!(%error, "cannot encode a frame");
            }
        }
        if writer.write_all(&out).await.is_err() {
            return;
        }
        if let Some(written) = &written {
            written.fetch_add(count, std::sync::atomic::Ordering::Release);
        }
        if out.capacity() > 1024 * 1024 {
            out = Vec::with_capacity(64 * 1024);
        }
    }
    let _ = writer.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_round_trip_through_the_codec() {
        let mut out = Vec::new();
        let frame = ToGateway::Body {
            call: 7,
            chunk: Bytes::from_static(b"hello"),
        };
        encode(&frame, &mut out).unwrap();
        encode(&ToGateway::Credit { call: 7, bytes: 5 }, &mut out).unwrap();
        let mut reader = FrameReader::new(&out[..]);
        let first: ToGateway = reader.next().await.unwrap().unwrap();
        assert!(matches!(first, ToGateway::Body { call: 7, chunk } if chunk == "hello"));
        let second: ToGateway = reader.next().await.unwrap().unwrap();
        assert!(matches!(second, ToGateway::Credit { call: 7, bytes: 5 }));
        assert!(reader.next::<ToGateway>().await.unwrap().is_none());
    }

    #[test]
    fn a_small_bundle_goes_with_its_handler_and_a_large_one_is_read_file_by_file() {
        let spec = |entry: PathBuf| HandlerSpec {
            label: "t".to_owned(),
            entry,
            env: BTreeMap::new(),
            fetch: FetchPolicy::default(),
            drain: Duration::ZERO,
            limits: Limits::default(),
            log_level: LogLevel::Info,
            cache: None,
            node_compat: false,
        };
        let limits = crate::loader::bundle::BundleLimits::default();
        let small = crate::loader::bundle::mount(
            crate::loader::bundle::Bundle::new(
                [
                    (
                        "index.js".to_owned(),
                        Bytes::from_static(b"export default {};"),
                    ),
                    (
                        "lib/a.js".to_owned(),
                        Bytes::from_static(b"export const a = 1;"),
                    ),
                ],
                &limits,
            )
            .unwrap(),
        );
        let sent = WireSpec::of(&spec(small.root().join("index.js"))).bundle;
        let mut names: Vec<String> = sent.unwrap().into_iter().map(|(name, _)| name).collect();
        names.sort();
        assert_eq!(names, ["index.js", "lib/a.js"]);

        let large = crate::loader::bundle::mount(
            crate::loader::bundle::Bundle::new(
                [
                    (
                        "index.js".to_owned(),
                        Bytes::from_static(b"export default {};"),
                    ),
                    (
                        "big.bin".to_owned(),
                        Bytes::from(vec![7u8; (SENT_BUNDLE_BYTES + 1) as usize]),
                    ),
                ],
                &limits,
            )
            .unwrap(),
        );
        assert!(WireSpec::of(&spec(large.root().join("index.js")))
            .bundle
            .is_none());
        assert!(WireSpec::of(&spec(PathBuf::from("/srv/site/handler.js")))
            .bundle
            .is_none());
    }

    #[tokio::test]
    async fn an_oversized_frame_is_refused_before_it_is_read() {
        let mut input = u32::MAX.to_le_bytes().to_vec();
        input.extend_from_slice(b"junk");
        let mut reader = FrameReader::new(&input[..]);
        assert!(matches!(
            reader.next::<ToGateway>().await,
            Err(WireFault::TooLarge(_))
        ));
    }

    #[test]
    fn limit_breaches_cross_the_link_intact() {
        let breach = LimitBreach {
            kind: LimitKind::Memory,
            limit: 32 << 20,
            used: Measured::HeapFull { in_use: 40 << 20 },
            cpu: Duration::from_millis(3),
            heap_used: 40 << 20,
        };
        let error = RuntimeError::LimitExceeded(breach.clone());
        let back = RuntimeError::from(WireError::from(&error));
        assert!(matches!(back, RuntimeError::LimitExceeded(b) if b == breach));
    }
}
