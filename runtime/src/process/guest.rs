//! A worker process: the hidden subcommand the gateway starts. Its isolate thread serves
//! the request socket on its standard input (reads the requests, runs each handler placed
//! on it in an isolate there, and writes the answers), so a request never crosses threads
//! in here; the main thread only sets up and reports. The call socket on its standard output
//! carries what an isolate waits on (Cache API calls, file reads: their answers are read by
//! a thread of their own) and the notes that must be on the wire before the process may die.
//! It trusts nothing it has not been sent: it is sandboxed before any isolate exists, and it
//! ends when the gateway closes the request socket.

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use super::exit::EXIT_MEMORY_CEILING;
use super::files::FileAnswer;
use super::files::RemoteFiles;
use super::flow;
use super::flow::Credit;
use super::flow::Inflow;
use super::flow::Outlet;
use super::sandbox;
use super::wire::CacheAnswer;
use super::wire::CacheOp;
use super::wire::CallId;
use super::wire::FrameReader;
use super::wire::HandlerId;
use super::wire::ToGateway;
use super::wire::ToWorker;
use super::wire::Used;
use super::wire::WireBody;
use super::wire::WireError;
use super::wire::WireLoadState;
use super::wire::WireRequest;
use super::wire::WireSpec;
use super::wire::WorkerSettings;
use crate::ext::cache::CacheHandle;
use crate::ext::cache::CacheRequest;
use crate::ext::cache::CachedResponse;
use crate::ext::cache::HandlerCache;
use crate::ext::http::nanos;
use crate::loader::bundle::Bundle;
use crate::loader::bundle::BundleLimits;
use crate::message::HandlerRequest;
use crate::message::RequestId;
use crate::message::ResponseBody;
use crate::pool::IsolatePool;
use crate::pool::PoolOptions;
use crate::pool::WorkerHandle;
use crate::pool::WorkerStats;

/// How long a Cache API call waits for the gateway.
const CACHE_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the worker reports its figures and checks its memory.
const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Runs a worker process until the gateway closes its request socket (standard input).
pub fn serve_worker() -> ExitCode {
    let sockets = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|requests| Ok((requests, std::io::stdout().as_fd().try_clone_to_owned()?)));
    let (requests, calls) = match sockets {
        Ok((requests, calls)) => (UnixStream::from(requests), UnixStream::from(calls)),
        Err(error) => {
            tracing::error!(
                %error,
                "a worker process needs its sockets on standard input and output"
            );
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the worker's runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(requests, calls)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "worker process failed");
            ExitCode::FAILURE
        }
    }
}

async fn serve(requests: UnixStream, calls: UnixStream) -> std::io::Result<()> {
    // Read to its end and no further: the frames after it are the isolate thread's.
    let hello = super::wire::read_frame::<ToWorker>(&mut &requests).map_err(io)?;
    let Some(ToWorker::Hello(settings)) = hello else {
        return Err(std::io::Error::other("the first frame is not a hello"));
    };
    if settings.idle_priority {
        // Before the sandbox, which refuses scheduling changes.
        if let Err(error) = crate::pool::lower_to_idle() {
            tracing::error!(%error, "cannot lower the worker process to idle CPU priority");
        }
    }
    if let Some(socket) = &settings.egress {
        crate::ext::fetch::route_through(socket.clone());
    }
    if settings.sandbox {
        sandbox::enter(settings.egress.is_some()).map_err(std::io::Error::other)?;
    }
    if let Some(max) = settings.spare_memory {
        crate::limits::memory::cap_wasm_memory(max);
    }
    let (sender, outgoing) = mpsc::unbounded_channel();
    let frames = Frames {
        sender,
        sent: Arc::new(Mutex::new(0)),
        written: Arc::new(AtomicU64::new(0)),
    };
    let line = CallLine(Arc::new(Mutex::new(calls.try_clone()?)));
    // Console lines go to the gateway's log, over the link.
    crate::ext::console::send_lines_to(Box::new(ConsoleFrames {
        frames: frames.clone(),
        dropped: AtomicU64::new(0),
    }));
    // Work an isolate begins with no request in flight is told, so that the gateway knows
    // whom to blame if it ends the process.
    super::blame::send_background_to(Box::new(BackgroundFrames(line.clone())));
    // Tenant code comes from the gateway: the sandbox lets this process read none of it.
    let answers = Answers::default();
    let reading = answers.clone();
    std::thread::Builder::new()
        .name("isogate-calls".to_owned())
        .spawn(move || reading.read(calls))?;
    let _ = crate::loader::files::read_through(Box::new(RemoteFiles {
        line: line.clone(),
        calls: answers.files.clone(),
        next: AtomicU64::new(1),
    }));
    let pool = IsolatePool::new(PoolOptions {
        workers: 1,
        spares: settings.spares,
        spare_memory: settings.spare_memory,
        isolates_per_worker: settings.isolates,
        retirement: settings.retirement(),
        meter_cpu: settings.meter_cpu,
    })
    .map_err(std::io::Error::other)?;
    let last_words = line.clone();
    crate::limits::memory::on_heap_limit(Box::new(move |label, limit, heap| {
        // V8 may end the process when this returns: the note is on the socket first.
        let _ = last_words.send(&ToGateway::HeapLimit {
            label: label.to_owned(),
            limit,
            heap,
        });
    }));
    let written = frames.written.clone();
    let worker = Arc::new(Worker {
        frames,
        line,
        pool,
        handlers: Mutex::new(HashMap::new()),
        calls: Mutex::new(HashMap::new()),
        answers,
        next_cache_call: Arc::new(AtomicU64::new(1)),
    });
    tokio::spawn(report(worker.clone(), settings));
    let (ended, ending) = oneshot::channel();
    let serving = worker.clone();
    worker
        .pool
        .run(move || async move {
            let _ = ended.send(serve_requests(serving, requests, outgoing, written).await);
        })
        .map_err(std::io::Error::other)?;
    // The gateway is gone: nothing more will be asked, and nobody waits for answers.
    ending.await.unwrap_or(Ok(()))
}

/// Serves the request socket on the isolate thread until the gateway closes it.
async fn serve_requests(
    worker: Arc<Worker>,
    requests: UnixStream,
    outgoing: mpsc::UnboundedReceiver<ToGateway>,
    written: Arc<AtomicU64>,
) -> std::io::Result<()> {
    requests.set_nonblocking(true)?;
    let (read, write) = tokio::net::UnixStream::from_std(requests)?.into_split();
    tokio::spawn(super::wire::write_frames(outgoing, write, Some(written)));
    let mut reader = FrameReader::new(read);
    while let Some(frame) = reader.next::<ToWorker>().await.map_err(io)? {
        worker.receive(frame);
    }
    Ok(())
}

/// The call socket's writing side: a frame is on the socket when `send` returns.
#[derive(Clone, Debug)]
pub(super) struct CallLine(Arc<Mutex<UnixStream>>);

impl CallLine {
    /// Writes `frame`; `None` when the gateway is gone.
    pub(super) fn send(&self, frame: &ToGateway) -> Option<()> {
        let mut out = Vec::new();
        super::wire::encode(frame, &mut out).ok()?;
        lock(&self.0).write_all(&out).ok()
    }
}

/// The isolate threads waiting for an answer on the call socket, by call.
#[derive(Clone, Debug, Default)]
struct Answers {
    caches: Arc<Mutex<HashMap<CallId, std::sync::mpsc::Sender<CacheAnswer>>>>,
    files: Arc<Mutex<HashMap<CallId, std::sync::mpsc::Sender<FileAnswer>>>>,
}

impl Answers {
    /// Reads the call socket until the gateway closes it, handing each answer to its caller.
    fn read(&self, mut calls: UnixStream) {
        loop {
            match super::wire::read_frame::<ToWorker>(&mut calls) {
                Ok(Some(frame)) => self.deliver(frame),
                Ok(None) => return,
                Err(error) => {
                    tracing::error!(%error, "the call socket failed");
                    return;
                }
            }
        }
    }

    fn deliver(&self, frame: ToWorker) {
        match frame {
            ToWorker::CacheAnswer { call, answer } => {
                if let Some(waiting) = lock(&self.caches).remove(&call) {
                    let _ = waiting.send(answer);
                }
            }
            ToWorker::FileAnswer { call, answer } => {
                if let Some(waiting) = lock(&self.files).remove(&call) {
                    let _ = waiting.send(answer);
                }
            }
            _ => tracing::error!("a frame that is not an answer on the call socket"),
        }
    }
}

fn io(fault: super::wire::WireFault) -> std::io::Error {
    std::io::Error::other(fault)
}

/// Sends the worker's figures now and then, and ends the process past its memory ceiling.
async fn report(worker: Arc<Worker>, settings: WorkerSettings) {
    let mut last = WorkerStats::default();
    let mut ticks = tokio::time::interval(REPORT_EVERY);
    loop {
        ticks.tick().await;
        if let (Some(ceiling), Some(rss)) = (settings.rss_ceiling, resident_bytes()) {
            if rss > ceiling {
                tracing::error!(
                    rss_mib = rss >> 20,
                    ceiling_mib = ceiling >> 20,
                    "worker process passed its resident memory ceiling; ending it"
                );
                std::process::exit(EXIT_MEMORY_CEILING);
            }
        }
        let stats = worker
            .pool
            .stats()
            .iter()
            .fold(WorkerStats::default(), |sum, s| WorkerStats {
                live: sum.live + s.live,
                spare: sum.spare + s.spare,
                created: sum.created + s.created,
                creating: sum.creating + s.creating,
                retired: sum.retired + s.retired,
            });
        if stats != last {
            last = stats;
            worker.send(ToGateway::Stats(stats));
        }
        let handlers: Vec<HandlerId> = worker.handlers().keys().copied().collect();
        for handler in handlers {
            worker.report_meters(handler);
        }
    }
}

/// The process's resident set size, from `/proc/self/statm`.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A handler running here, and what of its use was last reported.
struct Running {
    handle: WorkerHandle,
    reported_cpu: u64,
    reported_subrequests: u64,
    /// Its bundle, mounted here while it runs (when the gateway sent it along).
    _bundle: Option<Arc<Bundle>>,
}

/// A request being served here.
struct Serving {
    task: Option<AbortHandle>,
    /// Where the request body's chunks go.
    request_body: Option<Inflow>,
    /// Credit for the streamed response body.
    response_body: Option<Credit>,
}

struct Worker {
    frames: Frames,
    line: CallLine,
    pool: IsolatePool,
    handlers: Mutex<HashMap<HandlerId, Running>>,
    calls: Mutex<HashMap<CallId, Serving>>,
    /// Cache API calls and module loaders waiting for the gateway.
    answers: Answers,
    next_cache_call: Arc<AtomicU64>,
}

/// The frames the worker sends on the request socket, counted as they are queued and as
/// they are written, so that a backlog can be told.
#[derive(Clone, Debug)]
pub(super) struct Frames {
    sender: mpsc::UnboundedSender<ToGateway>,
    sent: Arc<Mutex<u64>>,
    written: Arc<AtomicU64>,
}

impl Frames {
    /// Queues `frame`; its number, or `None` when the writer is gone.
    pub(super) fn send(&self, frame: ToGateway) -> Option<u64> {
        let mut sent = lock(&self.sent);
        self.sender.send(frame).ok()?;
        *sent += 1;
        Some(*sent)
    }

    /// Frames queued and not yet written.
    fn backlog(&self) -> u64 {
        lock(&self.sent).saturating_sub(self.written.load(Ordering::Acquire))
    }
}

/// Frames not yet written past which console lines are dropped (and counted), so that a
/// handler logging in a loop cannot queue up the worker's memory.
const MOST_CONSOLE_BACKLOG: u64 = 4096;

/// Console lines sent to the gateway as frames.
struct ConsoleFrames {
    frames: Frames,
    dropped: AtomicU64,
}

impl crate::ext::console::ConsoleSink for ConsoleFrames {
    fn line(&self, level: u8, tenant: &str, request_id: &str, message: &str) {
        if self.frames.backlog() > MOST_CONSOLE_BACKLOG {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            let _ = self.frames.send(ToGateway::Console {
                level: 2,
                tenant: tenant.to_owned(),
                request_id: String::new(),
                message: format!("{dropped} console lines dropped: the log could not keep up"),
            });
        }
        let _ = self.frames.send(ToGateway::Console {
            level,
            tenant: tenant.to_owned(),
            request_id: request_id.to_owned(),
            message: message.to_owned(),
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Worker {
    fn send(&self, frame: ToGateway) {
        let _ = self.frames.send(frame);
    }

    fn handlers(&self) -> std::sync::MutexGuard<'_, HashMap<HandlerId, Running>> {
        lock(&self.handlers)
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Serving>> {
        lock(&self.calls)
    }

    fn receive(self: &Arc<Self>, frame: ToWorker) {
        match frame {
            ToWorker::Hello(_) => {}
            ToWorker::Start { handler, spec } => self.start(handler, spec),
            ToWorker::Stop { handler } => {
                self.report_meters(handler);
                self.handlers().remove(&handler);
            }
            ToWorker::Request {
                call,
                handler,
                head,
            } => self.request(call, handler, head),
            ToWorker::Body { call, chunk } => {
                if let Some(serving) = self.calls().get_mut(&call) {
                    if let Some(body) = serving.request_body.as_mut() {
                        if body.deliver(chunk).is_err() {
                            serving.request_body = None;
                        }
                    }
                }
            }
            ToWorker::BodyEnd { call, error } => {
                if let Some(serving) = self.calls().get_mut(&call) {
                    if let (Some(body), Some(error)) = (serving.request_body.take(), error) {
                        body.fail(error);
                    }
                }
            }
            ToWorker::Credit { call, bytes } => {
                if let Some(Some(credit)) = self.calls().get(&call).map(|s| &s.response_body) {
                    credit.grant(bytes);
                }
            }
            ToWorker::Cancel { call } => {
                if let Some(serving) = self.calls().remove(&call) {
                    if let Some(task) = serving.task {
                        task.abort();
                    }
                    if let Some(credit) = serving.response_body {
                        credit.close();
                    }
                }
            }
            answer @ (ToWorker::CacheAnswer { .. } | ToWorker::FileAnswer { .. }) => {
                self.answers.deliver(answer);
            }
        }
    }

    fn start(self: &Arc<Self>, handler: HandlerId, spec: WireSpec) {
        if self.handlers().contains_key(&handler) {
            return;
        }
        let cached = spec.cached;
        let mut spec = spec;
        // The bundle, when sent along, is loaded from here; else the gateway is asked.
        let bundle = spec
            .bundle
            .take()
            .and_then(|files| Bundle::new(files, &BundleLimits::default()).ok())
            .filter(|bundle| crate::loader::bundle::root_of(&spec.entry) == Some(bundle.root()))
            .map(crate::loader::bundle::mount);
        let mut spec = spec.into_spec();
        if cached {
            spec.cache = Some(CacheHandle(Arc::new(RemoteCache {
                handler,
                line: self.line.clone(),
                calls: self.answers.caches.clone(),
                next: self.next_cache_call.clone(),
            })));
        }
        let handle = match self.pool.spawn(&spec) {
            Ok(handle) => handle,
            Err(error) => {
                self.send(ToGateway::Loaded {
                    handler,
                    state: WireLoadState::Failed(error.to_string()),
                });
                return;
            }
        };
        self.handlers().insert(
            handler,
            Running {
                handle: handle.clone(),
                reported_cpu: 0,
                reported_subrequests: 0,
                _bundle: bundle,
            },
        );
        let frames = self.frames.clone();
        tokio::spawn(async move {
            let state = handle.loaded().await;
            let _ = frames.send(ToGateway::Loaded {
                handler,
                state: WireLoadState::from(&state),
            });
        });
    }

    /// Sends what `handler` used since its last report, if anything.
    fn report_meters(&self, handler: HandlerId) {
        if let Some(used) = self.take_meters(handler) {
            self.send(ToGateway::Meters { handler, used });
        }
    }

    /// What `handler` used since its last report, now counted as reported; `None` when
    /// nothing.
    fn take_meters(&self, handler: HandlerId) -> Option<Used> {
        let mut handlers = self.handlers();
        let running = handlers.get_mut(&handler)?;
        let cpu = nanos(running.handle.cpu_time());
        let subrequests = running.handle.subrequests();
        let used = Used {
            cpu_nanos: cpu.saturating_sub(running.reported_cpu),
            subrequests: subrequests.saturating_sub(running.reported_subrequests),
        };
        if used.cpu_nanos == 0 && used.subrequests == 0 {
            return None;
        }
        running.reported_cpu = cpu;
        running.reported_subrequests = subrequests;
        Some(used)
    }

    fn request(self: &Arc<Self>, call: CallId, handler: HandlerId, head: WireRequest) {
        let Some(handle) = self.handlers().get(&handler).map(|r| r.handle.clone()) else {
            self.send(ToGateway::Failed {
                call,
                error: WireError::Gone,
            });
            return;
        };
        let (request_body, body) = if head.body {
            let frames = self.frames.clone();
            // A request body the handler leaves unread holds the gateway's sender only
            // until the call is done, which closes its credit.
            let (inflow, stream) = flow::receive_body(
                move |bytes| {
                    let _ = frames.send(ToGateway::Credit { call, bytes });
                },
                || {},
            );
            (Some(inflow), Some(stream))
        } else {
            (None, None)
        };
        let request = HandlerRequest {
            id: RequestId(head.id),
            method: head.method,
            url: head.url,
            headers: head.headers,
            body,
            route: head.route,
            params: head.params,
            cf: head.cf,
        };
        let mut calls = self.calls();
        calls.insert(
            call,
            Serving {
                task: None,
                request_body,
                response_body: None,
            },
        );
        let worker = self.clone();
        let task = tokio::spawn(async move {
            worker.answer(call, handler, &handle, request).await;
        });
        if let Some(serving) = calls.get_mut(&call) {
            serving.task = Some(task.abort_handle());
        }
    }

    async fn answer(
        &self,
        call: CallId,
        handler: HandlerId,
        handle: &WorkerHandle,
        request: HandlerRequest,
    ) {
        let response = match handle.dispatch(request).await {
            Ok(response) => response,
            Err(error) => {
                self.calls().remove(&call);
                self.send(ToGateway::Failed {
                    call,
                    error: WireError::from(&error),
                });
                self.report_meters(handler);
                return;
            }
        };
        let cpu = response.cpu.clone();
        let (body, stream) = match response.body {
            ResponseBody::Empty => (WireBody::Empty, None),
            ResponseBody::Full(bytes) => (WireBody::Full(bytes), None),
            ResponseBody::Stream(receiver) => (WireBody::Stream, Some(receiver)),
        };
        if stream.is_none() {
            // The figure is final once the turn that answered ends; the head and the last
            // frame then leave together, in one write.
            tokio::task::yield_now().await;
        }
        self.send(ToGateway::Head {
            call,
            status: response.status,
            headers: response.headers,
            body,
            cpu: cpu.read().map(nanos),
        });
        if let Some(receiver) = stream {
            let credit = Credit::new();
            match self.calls().get_mut(&call) {
                Some(serving) => serving.response_body = Some(credit.clone()),
                None => return,
            }
            let chunks = futures::stream::unfold(receiver, |mut receiver| async move {
                receiver.recv().await.map(|item| (item, receiver))
            });
            let outlet = ResponseOutlet {
                frames: self.frames.clone(),
                call,
            };
            flow::send_body(Box::pin(chunks), credit, outlet).await;
        }
        self.calls().remove(&call);
        self.send(ToGateway::Done {
            call,
            cpu: cpu.read().map(nanos),
            used: self.take_meters(handler),
        });
    }
}

/// Tells the gateway of isolates' work with no request in flight, before the work runs.
struct BackgroundFrames(CallLine);

impl super::blame::BackgroundSink for BackgroundFrames {
    fn began(&self, label: &str) {
        let _ = self.0.send(&ToGateway::Background {
            label: label.to_owned(),
        });
    }
}

/// Sends a response body's chunks to the gateway.
struct ResponseOutlet {
    frames: Frames,
    call: CallId,
}

impl Outlet for ResponseOutlet {
    fn chunk(&self, chunk: Bytes) -> bool {
        self.frames
            .send(ToGateway::Body {
                call: self.call,
                chunk,
            })
            .is_some()
    }

    fn end(&self, error: Option<String>) {
        let _ = self.frames.send(ToGateway::BodyEnd {
            call: self.call,
            error,
        });
    }
}

/// A handler's Cache API, answered by the gateway's response cache over the call socket.
/// The ops calling it are synchronous, so the isolate thread waits for the answer (bounded).
#[derive(Debug)]
struct RemoteCache {
    handler: HandlerId,
    line: CallLine,
    calls: Arc<Mutex<HashMap<CallId, std::sync::mpsc::Sender<CacheAnswer>>>>,
    next: Arc<AtomicU64>,
}

impl RemoteCache {
    fn ask(&self, op: CacheOp) -> Option<CacheAnswer> {
        let call = self.next.fetch_add(1, Ordering::Relaxed);
        let (answer, waiting) = std::sync::mpsc::channel();
        lock(&self.calls).insert(call, answer);
        let sent = self.line.send(&ToGateway::Cache {
            call,
            handler: self.handler,
            op,
        });
        let answer = sent.and_then(|_| waiting.recv_timeout(CACHE_TIMEOUT).ok());
        lock(&self.calls).remove(&call);
        answer
    }
}

impl HandlerCache for RemoteCache {
    fn lookup(&self, cache: &str, request: &CacheRequest) -> Option<CachedResponse> {
        let op = CacheOp::Match {
            cache: cache.to_owned(),
            request: request.into(),
        };
        match self.ask(op)? {
            CacheAnswer::Found(found) => found.map(Into::into),
            CacheAnswer::Done(_) => None,
        }
    }

    fn store(&self, cache: &str, request: &CacheRequest, response: CachedResponse) -> bool {
        let op = CacheOp::Put {
            cache: cache.to_owned(),
            request: request.into(),
            response: response.into(),
        };
        matches!(self.ask(op), Some(CacheAnswer::Done(true)))
    }

    fn delete(&self, cache: &str, request: &CacheRequest) -> bool {
        let op = CacheOp::Delete {
            cache: cache.to_owned(),
            request: request.into(),
        };
        matches!(self.ask(op), Some(CacheAnswer::Done(true)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext::console::ConsoleSink;

    #[test]
    fn console_lines_past_the_backlog_are_dropped_and_then_counted() {
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let frames = Frames {
            sender,
            sent: Arc::new(Mutex::new(0)),
            written: Arc::new(AtomicU64::new(0)),
        };
        let sink = ConsoleFrames {
            frames: frames.clone(),
            dropped: AtomicU64::new(0),
        };
        // Nothing is written: the backlog grows to the bound, then lines are dropped.
        let total = MOST_CONSOLE_BACKLOG + 10;
        for _ in 0..total {
            sink.line(1, "acme", "r1", "hello");
        }
        assert_eq!(sink.dropped.load(Ordering::Relaxed), 9);
        // Once the writer has caught up, the next line says how many went.
        frames.written.store(*lock(&frames.sent), Ordering::Release);
        sink.line(1, "acme", "r2", "again");
        let mut last = Vec::new();
        while let Ok(frame) = receiver.try_recv() {
            if let ToGateway::Console { message, .. } = frame {
                last.push(message);
            }
        }
        let tail: Vec<&str> = last.iter().rev().take(2).map(String::as_str).collect();
        assert_eq!(
            tail,
            [
                "again",
                "9 console lines dropped: the log could not keep up"
            ]
        );
    }
}
