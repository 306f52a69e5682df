//! The gateway's side of its worker processes: each [`Slot`] is one worker process kept
//! running by its supervisor task, with the handlers placed on it; a [`Link`] is the socket
//! to the process now running in the slot. A process that dies for any reason fails only the
//! requests it had in flight (`worker-crashed`); the supervisor starts a new one and starts
//! the slot's handlers in it again.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::Weak;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::blame::Witness;
use super::cordon::Cordon;
use super::flow;
use super::flow::Credit;
use super::flow::Inflow;
use super::flow::Refused;
use super::wire::CallId;
use super::wire::FrameReader;
use super::wire::HandlerId;
use super::wire::ToGateway;
use super::wire::ToWorker;
use super::wire::Used;
use super::wire::WireBody;
use super::wire::WireError;
use super::wire::WireRequest;
use super::wire::WireSpec;
use super::wire::WorkerSettings;
use super::wire::MEMORY;
use crate::error::RuntimeError;
use crate::ext::fetch::FetchPolicy;
use crate::ext::fetch::Meters;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::limits::Measured;
use crate::message::CpuCharge;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;
use crate::message::ResponseBody;
use crate::pool::HandlerSpec;
use crate::pool::LoadState;
use crate::pool::WorkerCommand;
use crate::pool::WorkerStats;

/// Handler ids, unique over the gateway's life.
static NEXT_HANDLER: AtomicU64 = AtomicU64::new(1);

/// One worker process slot.
#[derive(Debug)]
pub(crate) struct Slot {
    index: usize,
    command: WorkerCommand,
    settings: WorkerSettings,
    /// The process running now; `None` while it is (re)started.
    link: watch::Sender<Option<Arc<Link>>>,
    /// The handlers placed here, started again in each new process.
    handlers: Mutex<HashMap<HandlerId, Registered>>,
    /// Code folders of handlers stopped here lately, which the worker may still read.
    stopped_roots: super::files::StoppedRoots,
    stats: Mutex<WorkerStats>,
    /// Set when the pool is dropped: the supervisor stops restarting.
    closing: AtomicBool,
    /// Processes started in this slot so far.
    started: AtomicU64,
    /// Where crashes are counted against the tenants to blame.
    cordon: Weak<Cordon>,
}

/// A handler placed on a slot.
#[derive(Debug)]
struct Registered {
    spec: HandlerSpec,
    /// The real path of the handler's folder, whose files the worker may have.
    root: Option<PathBuf>,
    state: Arc<watch::Sender<LoadState>>,
    meters: Arc<Meters>,
}

impl Slot {
    /// Starts the slot's first process and its supervisor; crashes are reported to `cordon`.
    pub(crate) fn start(
        index: usize,
        command: WorkerCommand,
        mut settings: WorkerSettings,
        cordon: Weak<Cordon>,
    ) -> Arc<Self> {
        let slot = Arc::new_cyclic(|me| {
            // The process's fetches go through the gateway; without the socket they would
            // have no way out at all, which is logged.
            settings.egress = match super::egress::serve(me.clone()) {
                Ok(socket) => Some(socket),
                Err(error) => {
                    tracing::error!(slot = index, %error, "cannot serve the egress socket");
                    None
                }
            };
            Self {
                index,
                command,
                settings,
                link: watch::Sender::new(None),
                handlers: Mutex::new(HashMap::new()),
                stopped_roots: super::files::StoppedRoots::default(),
                stats: Mutex::new(WorkerStats::default()),
                closing: AtomicBool::new(false),
                started: AtomicU64::new(0),
                cordon,
            }
        });
        tokio::spawn(supervise(Arc::downgrade(&slot)));
        slot
    }

    /// The slot's number in logs.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The fetch policy of tenant `label`, when one of its handlers is placed here.
    pub(crate) fn fetch_policy(&self, label: &str) -> Option<FetchPolicy> {
        let handlers = self.handlers.lock().ok()?;
        handlers
            .values()
            .find(|registered| registered.spec.label == label)
            .map(|registered| registered.spec.fetch)
    }

    /// How many handlers are placed here.
    pub(crate) fn load(&self) -> usize {
        self.handlers.lock().map_or(0, |handlers| handlers.len())
    }

    /// The isolate figures the process last reported.
    pub(crate) fn stats(&self) -> WorkerStats {
        self.stats
            .lock()
            .map_or_else(|_| WorkerStats::default(), |stats| *stats)
    }

    /// The process id of the worker running now, if one is.
    pub(crate) fn pid(&self) -> Option<u32> {
        self.link.borrow().as_ref().map(|link| link.pid)
    }

    /// Places a handler here: it starts in the running process and in every later one,
    /// reporting its load state to `state` and its usage to `meters`.
    pub(crate) fn place(
        self: &Arc<Self>,
        spec: &HandlerSpec,
        state: Arc<watch::Sender<LoadState>>,
        meters: Arc<Meters>,
    ) -> HandlerId {
        let handler = NEXT_HANDLER.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut handlers) = self.handlers.lock() {
            if let Some(link) = self.link.borrow().as_ref() {
                link.send(ToWorker::Start {
                    handler,
                    spec: WireSpec::of(spec),
                });
            }
            let root = crate::loader::files::files()
                .real_path(&spec.entry)
                .ok()
                .map(|entry| crate::loader::project::project_root(&entry));
            handlers.insert(
                handler,
                Registered {
                    spec: spec.clone(),
                    root,
                    state,
                    meters,
                },
            );
        }
        handler
    }

    /// Adds what a handler placed here used to its meters.
    fn count(&self, handler: HandlerId, used: Used) {
        if let Ok(handlers) = self.handlers.lock() {
            if let Some(registered) = handlers.get(&handler) {
                let meters = &registered.meters;
                meters.cpu.fetch_add(used.cpu_nanos, Ordering::Relaxed);
                meters
                    .subrequests
                    .fetch_add(used.subrequests, Ordering::Relaxed);
            }
        }
    }

    /// The code folders of the handlers placed here (and of those stopped a moment ago):
    /// all the worker may read.
    fn code_roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self.handlers.lock().map_or_else(
            |_| Vec::new(),
            |handlers| {
                handlers
                    .values()
                    .filter_map(|registered| registered.root.clone())
                    .collect()
            },
        );
        roots.extend(self.stopped_roots.current());
        roots
    }

    /// Stops a handler placed here.
    pub(crate) fn stop(&self, handler: HandlerId) {
        if let Ok(mut handlers) = self.handlers.lock() {
            if let Some(root) = handlers
                .remove(&handler)
                .and_then(|registered| registered.root)
            {
                self.stopped_roots.add(root);
            }
            if let Some(link) = self.link.borrow().as_ref() {
                link.send(ToWorker::Stop { handler });
            }
        }
    }

    /// Stops restarting the process and ends the running one.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::Relaxed);
        self.link.send_replace(None);
    }

    /// The running process's link, waiting while one is started.
    pub(crate) async fn live(&self) -> Result<Arc<Link>, RuntimeError> {
        if let Some(link) = self.link.borrow().as_ref() {
            return Ok(link.clone());
        }
        let mut link = self.link.subscribe();
        let live = link
            .wait_for(Option::is_some)
            .await
            .map_err(|_| RuntimeError::WorkerGone)?;
        live.clone().ok_or(RuntimeError::WorkerGone)
    }

    fn labels(&self, only: Option<&[HandlerId]>) -> Vec<String> {
        let Ok(handlers) = self.handlers.lock() else {
            return Vec::new();
        };
        let mut labels: Vec<String> = handlers
            .iter()
            .filter(|(id, _)| only.is_none_or(|only| only.contains(id)))
            .map(|(_, registered)| registered.spec.label.clone())
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }
}

/// Restarts the slot's process whenever it ends, until the slot closes.
async fn supervise(slot: std::sync::Weak<Slot>) {
    let mut quick_failures = 0u32;
    loop {
        let Some(strong) = slot.upgrade() else { return };
        if strong.closing.load(Ordering::Relaxed) {
            return;
        }
        let started = Instant::now();
        let outcome = run_process(&strong).await;
        if strong.closing.load(Ordering::Relaxed) {
            return;
        }
        match outcome {
            Ok(()) => {}
            Err(error) => {
                tracing::error!(slot = strong.index, %error, "cannot start a worker process")
            }
        }
        drop(strong);
        // A process that dies at once again and again is restarted with growing pauses.
        if started.elapsed() < Duration::from_secs(1) {
            quick_failures = quick_failures.saturating_add(1);
        } else {
            quick_failures = 0;
        }
        if quick_failures > 3 {
            let pause = Duration::from_millis(100 << quick_failures.min(6));
            tokio::time::sleep(pause).await;
        }
    }
}

/// Runs one worker process in `slot` until it ends.
async fn run_process(slot: &Arc<Slot>) -> std::io::Result<()> {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    let (our_calls, their_calls) = std::os::unix::net::UnixStream::pair()?;
    our_calls.set_nonblocking(true)?;
    let mut child = tokio::process::Command::new(&slot.command.program)
        .args(&slot.command.args)
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::from(OwnedFd::from(their_calls)))
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child.id().unwrap_or(0);
    let socket = tokio::net::UnixStream::from_std(ours)?;
    let (read, write) = socket.into_split();
    let (frames, outgoing) = mpsc::unbounded_channel();
    tokio::spawn(super::wire::write_frames(outgoing, write, None));
    let (calls_read, calls_write) = tokio::net::UnixStream::from_std(our_calls)?.into_split();
    let (answers, outgoing_answers) = mpsc::unbounded_channel();
    tokio::spawn(super::wire::write_frames(
        outgoing_answers,
        calls_write,
        None,
    ));
    let link = Arc::new(Link {
        frames,
        answers,
        calls: Mutex::new(HashMap::new()),
        next_call: AtomicU64::new(1),
        pid,
        witness: Witness::default(),
    });
    link.send(ToWorker::Hello(slot.settings.clone()));
    if let Ok(handlers) = slot.handlers.lock() {
        for (handler, registered) in handlers.iter() {
            registered.state.send_replace(LoadState::Loading);
            link.send(ToWorker::Start {
                handler: *handler,
                spec: WireSpec::of(&registered.spec),
            });
        }
        slot.link.send_replace(Some(link.clone()));
    }
    let generation = slot.started.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(slot = slot.index, pid, generation, "worker process started");

    let mut closed = slot.link.subscribe();
    let reading = async {
        tokio::try_join!(
            read_frames(slot, &link, FrameReader::new(read)),
            read_frames(slot, &link, FrameReader::new(calls_read)),
        )
        .map(|_| ())
    };
    let status = tokio::select! {
        status = child.wait() => status,
        fault = reading => {
            if let Err(fault) = fault {
                tracing::error!(slot = slot.index, pid, %fault, "worker process broke the protocol; ending it");
            }
            let _ = child.start_kill();
            child.wait().await
        }
        () = async { let _ = closed.wait_for(Option::is_none).await; } => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    if slot.closing.load(Ordering::Relaxed) {
        return Ok(());
    }
    slot.link.send_replace(None);
    let reason = super::exit::exit_reason(status.as_ref().ok());
    let running = link.running();
    let blamed = link.blamed(slot, &running);
    let error = RuntimeError::WorkerCrashed(format!("worker process {pid} {reason}"));
    let failed = link.fail_all(slot, &error);
    tracing::error!(
        slot = slot.index,
        pid,
        reason = %reason,
        hosted = ?slot.labels(None),
        running = ?slot.labels(Some(&running)),
        blamed = ?blamed,
        failed_requests = failed,
        "worker process ended; restarting it"
    );
    if let Some(cordon) = slot.cordon.upgrade() {
        cordon.crashed(&blamed);
    }
    Ok(())
}

/// Reads the worker's frames from one of its sockets until it closes it or breaks the
/// protocol.
async fn read_frames(
    slot: &Arc<Slot>,
    link: &Arc<Link>,
    mut reader: FrameReader<tokio::net::unix::OwnedReadHalf>,
) -> Result<(), super::wire::WireFault> {
    while let Some(frame) = reader.next::<ToGateway>().await? {
        link.receive(slot, frame)
            .map_err(super::wire::WireFault::Protocol)?;
    }
    Ok(())
}

/// The socket to one running worker process, and the requests in flight on it.
#[derive(Debug)]
pub(crate) struct Link {
    frames: mpsc::UnboundedSender<ToWorker>,
    /// Answers to the calls an isolate thread waits on, on the call socket.
    answers: mpsc::UnboundedSender<ToWorker>,
    calls: Mutex<HashMap<CallId, Call>>,
    next_call: AtomicU64,
    pid: u32,
    /// What the worker told of the work that may end it.
    witness: Witness,
}

/// One request in flight on a link.
struct Call {
    handler: HandlerId,
    reply: Option<oneshot::Sender<Result<HandlerResponse, RuntimeError>>>,
    /// Credit for the request body the gateway sends.
    request_body: Option<Credit>,
    /// The response body the worker sends.
    response_body: Option<Inflow>,
    cpu: Arc<AtomicU64>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("handler", &self.handler)
            .field("answered", &self.reply.is_none())
            .finish_non_exhaustive()
    }
}

impl Call {
    fn end(self, error: &RuntimeError) {
        if let Some(credit) = &self.request_body {
            credit.close();
        }
        if let Some(reply) = self.reply {
            let _ = reply.send(Err(error.replicate()));
        }
        if let Some(body) = self.response_body {
            body.fail(error.to_string());
        }
    }
}

impl Link {
    fn send(&self, frame: ToWorker) {
        let _ = self.frames.send(frame);
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, HashMap<CallId, Call>> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The handlers with requests in flight.
    fn running(&self) -> Vec<HandlerId> {
        self.calls().values().map(|call| call.handler).collect()
    }

    /// The tenants to blame for the worker's end (see [`Witness::blamed`]).
    fn blamed(&self, slot: &Slot, running: &[HandlerId]) -> Vec<String> {
        let running = if running.is_empty() {
            Vec::new()
        } else {
            slot.labels(Some(running))
        };
        self.witness.blamed(running)
    }

    /// Fails every request in flight after the worker ended: the requests of a tenant whose
    /// isolate had just reached its heap limit with that breach, the others with `error`.
    /// How many there were.
    fn fail_all(&self, slot: &Slot, error: &RuntimeError) -> usize {
        let calls: Vec<Call> = self.calls().drain().map(|(_, call)| call).collect();
        let count = calls.len();
        let note = self.witness.take_heap_note();
        let blamed = note.map(|(label, breach)| {
            let handlers = slot.handlers.lock();
            let ids: Vec<HandlerId> = handlers.map_or_else(
                |_| Vec::new(),
                |handlers| {
                    handlers
                        .iter()
                        .filter(|(_, registered)| registered.spec.label == label)
                        .map(|(id, _)| *id)
                        .collect()
                },
            );
            (ids, RuntimeError::LimitExceeded(breach))
        });
        for call in calls {
            match &blamed {
                Some((ids, breach)) if ids.contains(&call.handler) => call.end(breach),
                _ => call.end(error),
            }
        }
        count
    }

    /// Runs `request` in the handler `handler` of this process.
    pub(crate) async fn dispatch(
        self: &Arc<Self>,
        handler: HandlerId,
        request: HandlerRequest,
    ) -> Result<HandlerResponse, RuntimeError> {
        let call = self.next_call.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        let credit = request.body.as_ref().map(|_| Credit::new());
        self.calls().insert(
            call,
            Call {
                handler,
                reply: Some(reply),
                request_body: credit.clone(),
                response_body: None,
                cpu: Arc::new(AtomicU64::new(0)),
            },
        );
        let waiting = Waiting {
            link: self,
            call,
            armed: true,
        };
        let HandlerRequest {
            id,
            method,
            url,
            headers,
            body,
            route,
            params,
            cf,
        } = request;
        self.send(ToWorker::Request {
            call,
            handler,
            head: WireRequest {
                id: id.0,
                method,
                url,
                headers,
                body: body.is_some(),
                route,
                params,
                cf,
            },
        });
        if let (Some(body), Some(credit)) = (body, credit) {
            let outlet = flow::RequestOutlet {
                frames: self.frames.clone(),
                call,
            };
            tokio::spawn(flow::send_body(body, credit, outlet));
        }
        let answer = answer.await;
        waiting.disarm();
        answer.map_err(|_| RuntimeError::WorkerCrashed("worker process ended".to_owned()))?
    }

    /// Handles one frame from the worker; an error is a protocol fault.
    fn receive(self: &Arc<Self>, slot: &Slot, frame: ToGateway) -> Result<(), &'static str> {
        match frame {
            ToGateway::Loaded { handler, state } => {
                if let Ok(handlers) = slot.handlers.lock() {
                    if let Some(registered) = handlers.get(&handler) {
                        registered.state.send_replace(state.into());
                    }
                }
            }
            ToGateway::Head {
                call,
                status,
                headers,
                body,
                cpu,
            } => self.head(call, status, headers, body, cpu)?,
            ToGateway::Failed { call, error } => {
                if matches!(&error, WireError::Limit { kind, .. } if *kind == MEMORY) {
                    // An isolate was stopped cleanly by its memory limit: not a crash.
                    self.witness.stopped_cleanly();
                }
                if let Some(mut entry) = self.calls().remove(&call) {
                    if let Some(reply) = entry.reply.take() {
                        let _ = reply.send(Err(error.into()));
                    }
                    if let Some(credit) = &entry.request_body {
                        credit.close();
                    }
                }
            }
            ToGateway::Body { call, chunk } => {
                let mut calls = self.calls();
                let Some(entry) = calls.get_mut(&call) else {
                    return Ok(());
                };
                let Some(body) = entry.response_body.as_mut() else {
                    return Err("a body chunk for a response without a streamed body");
                };
                match body.deliver(chunk) {
                    Ok(()) => {}
                    Err(Refused::Gone) => {
                        // The client went away: the rest of the body is unwanted.
                        calls.remove(&call);
                        self.send(ToWorker::Cancel { call });
                    }
                    Err(Refused::Overrun) => return Err("a response body past its window"),
                }
            }
            ToGateway::BodyEnd { call, error } => {
                if let Some(entry) = self.calls().get_mut(&call) {
                    if let (Some(body), Some(error)) = (entry.response_body.take(), error) {
                        body.fail(error);
                    }
                }
            }
            ToGateway::Credit { call, bytes } => {
                if let Some(Some(credit)) = self.calls().get(&call).map(|c| &c.request_body) {
                    credit.grant(bytes);
                }
            }
            ToGateway::Done { call, cpu, used } => {
                if let Some(entry) = self.calls().remove(&call) {
                    if let Some(nanos) = cpu {
                        entry.cpu.store(nanos, Ordering::Relaxed);
                    }
                    if let Some(credit) = &entry.request_body {
                        credit.close();
                    }
                    if let Some(used) = used {
                        slot.count(entry.handler, used);
                    }
                }
            }
            ToGateway::Meters { handler, used } => slot.count(handler, used),
            ToGateway::HeapLimit { label, limit, heap } => {
                let breach = LimitBreach {
                    kind: LimitKind::Memory,
                    limit,
                    used: Measured::HeapFull { in_use: heap },
                    cpu: Duration::ZERO,
                    heap_used: heap,
                };
                self.witness.heap_limit(label, breach);
            }
            ToGateway::Background { label } => {
                // A worker speaks only for the tenants placed in it.
                if slot.fetch_policy(&label).is_some() {
                    self.witness.background(label);
                }
            }
            ToGateway::Stats(stats) => {
                if let Ok(mut slot_stats) = slot.stats.lock() {
                    *slot_stats = stats;
                }
            }
            ToGateway::Console {
                level,
                tenant,
                request_id,
                message,
            } => {
                // A worker speaks only for the tenants placed in it.
                let tenant = if slot.fetch_policy(&tenant).is_some() {
                    tenant
                } else {
                    format!("(not hosted here: {tenant})")
                };
                crate::ext::console::write_line(level, &tenant, &request_id, &message);
            }
            ToGateway::Cache { call, handler, op } => {
                let cache = slot.handlers.lock().ok().and_then(|handlers| {
                    handlers
                        .get(&handler)
                        .and_then(|registered| registered.spec.cache.clone())
                });
                let answer = op.answer(cache.as_ref());
                let _ = self.answers.send(ToWorker::CacheAnswer { call, answer });
            }
            ToGateway::File { call, op } => {
                let roots = slot.code_roots();
                let answers = self.answers.clone();
                tokio::task::spawn_blocking(move || {
                    let answer = super::files::answer(op, &roots);
                    let _ = answers.send(ToWorker::FileAnswer { call, answer });
                });
            }
        }
        Ok(())
    }

    fn head(
        self: &Arc<Self>,
        call: CallId,
        status: u16,
        headers: Vec<(Bytes, Bytes)>,
        body: WireBody,
        cpu: Option<u64>,
    ) -> Result<(), &'static str> {
        let mut calls = self.calls();
        let Some(entry) = calls.get_mut(&call) else {
            return Ok(());
        };
        let Some(reply) = entry.reply.take() else {
            return Err("a second response head for one request");
        };
        let body = match body {
            WireBody::Empty => ResponseBody::Empty,
            WireBody::Full(bytes) => ResponseBody::Full(bytes),
            WireBody::Stream => {
                let frames = self.frames.clone();
                let link = Arc::downgrade(self);
                let (inflow, stream) = flow::receive_body(
                    move |bytes| {
                        let _ = frames.send(ToWorker::Credit { call, bytes });
                    },
                    move || {
                        // Nobody reads the body any more: stop the worker's stream now, not
                        // when its next chunk arrives (a stalled stream sends none).
                        if let Some(link) = link.upgrade() {
                            if link.calls().remove(&call).is_some() {
                                link.send(ToWorker::Cancel { call });
                            }
                        }
                    },
                );
                entry.response_body = Some(inflow);
                ResponseBody::Stream(flow::bounded(stream))
            }
        };
        let charge = cpu.map(|nanos| {
            entry.cpu.store(nanos, Ordering::Relaxed);
            CpuCharge::new(entry.cpu.clone())
        });
        let response = HandlerResponse {
            status,
            headers,
            body,
            cpu: charge.unwrap_or_default(),
        };
        if reply.send(Ok(response)).is_err() {
            // Nobody waits for it any more.
            calls.remove(&call);
            self.send(ToWorker::Cancel { call });
        }
        Ok(())
    }
}

/// A request waiting for its head; dropped early (wall limit, client gone), it tells the
/// worker to stop.
struct Waiting<'l> {
    link: &'l Arc<Link>,
    call: CallId,
    armed: bool,
}

impl Waiting<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.armed {
            if let Some(call) = self.link.calls().remove(&self.call) {
                call.end(&RuntimeError::WorkerGone);
            }
            self.link.send(ToWorker::Cancel { call: self.call });
        }
    }
}
