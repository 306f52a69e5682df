//! Ops that carry requests into the isolate and responses out of it.
//!
//! The isolate pulls work: its serve loop awaits `op_isogate_req_next`, which yields the
//! requests queued in the worker's inbox, a batch at a time. Bodies are resources: the request body is read by a
//! `ReadableStream` over [`RequestBodyResource`], and a streamed response body is a
//! `ReadableStream` resource that a local task pumps into the gateway's channel.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use std::task::Waker;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use deno_core::convert::ByteString;
use deno_core::error::ResourceError;
use deno_core::op2;
use deno_core::v8;
use deno_core::AsyncRefCell;
use deno_core::AsyncResult;
use deno_core::BufView;
use deno_core::CancelFuture;
use deno_core::CancelHandle;
use deno_core::OpState;
use deno_core::RcRef;
use deno_core::Resource;
use deno_core::ToV8;
use deno_error::JsErrorBox;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::sync::oneshot;
use tokio::sync::Notify;

use crate::error::RuntimeError;
use crate::ext::counter::Counter;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::limits::Measured;
use crate::message::BodyStream;
use crate::message::CpuCharge;
use crate::message::HandlerRequest;
use crate::message::HandlerResponse;
use crate::message::ResponseBody;

/// Size of the reads that pump a streamed response body out of JS.
const RESPONSE_CHUNK: usize = 64 * 1024;

/// Where the answer to one request goes.
pub(crate) type Reply = oneshot::Sender<Result<HandlerResponse, RuntimeError>>;

/// A request on its way into the isolate, with the channel for its answer.
pub(crate) struct Envelope {
    pub(crate) request: HandlerRequest,
    pub(crate) reply: Reply,
}

/// A handler's request queue. It outlives the handler's isolates: one read by a worker
/// while no isolate runs (after an eviction) is held for the next isolate's serve loop.
pub(crate) struct Queue {
    receiver: AsyncRefCell<mpsc::Receiver<Envelope>>,
    held: RefCell<Option<Envelope>>,
    /// When the serve loop last took requests.
    last_taken: Cell<Instant>,
    /// Requests taken by the current isolate.
    taken: Cell<u64>,
    /// Set when the worker wants the isolate gone (room for another tenant's).
    evict: Cell<bool>,
    /// Whether an isolate is serving the queue now.
    live: Cell<bool>,
}

impl Queue {
    pub(crate) fn new(receiver: mpsc::Receiver<Envelope>) -> Rc<Self> {
        Rc::new(Self {
            receiver: AsyncRefCell::new(receiver),
            held: RefCell::new(None),
            last_taken: Cell::new(Instant::now()),
            taken: Cell::new(0),
            evict: Cell::new(false),
            live: Cell::new(false),
        })
    }

    /// The next request: a held one first; `None` once every sender is gone.
    pub(crate) async fn next(self: &Rc<Self>) -> Option<Envelope> {
        if let Some(held) = self.held.borrow_mut().take() {
            return Some(held);
        }
        RcRef::map(self, |queue| &queue.receiver)
            .borrow_mut()
            .await
            .recv()
            .await
    }

    /// Waits for a request without taking it (it is held for the next isolate); false once
    /// the queue is closed.
    pub(crate) async fn wait(self: &Rc<Self>) -> bool {
        match self.next().await {
            Some(envelope) => {
                *self.held.borrow_mut() = Some(envelope);
                true
            }
            None => false,
        }
    }

    /// How long since requests were last taken, and how many this isolate took.
    pub(crate) fn activity(&self) -> (Duration, u64) {
        (self.last_taken.get().elapsed(), self.taken.get())
    }

    /// Marks an isolate starting (`true`) or gone (`false`) on this queue.
    pub(crate) fn set_live(&self, live: bool) {
        self.live.set(live);
        self.evict.set(false);
        self.taken.set(0);
        self.last_taken.set(Instant::now());
    }

    /// Whether an isolate serves the queue now.
    pub(crate) fn is_live(&self) -> bool {
        self.live.get()
    }

    /// When requests were last taken.
    pub(crate) fn last_taken(&self) -> Instant {
        self.last_taken.get()
    }

    /// Asks the isolate to go once it is idle.
    pub(crate) fn request_eviction(&self) {
        self.evict.set(true);
    }

    /// Whether the worker asked the isolate to go.
    pub(crate) fn eviction_requested(&self) -> bool {
        self.evict.get()
    }
}

/// The serve loop's view of the queue, in the isolate's op state.
pub(crate) struct Inbox {
    pub(crate) queue: Rc<Queue>,
    /// Notified once the queue is closed and drained: no request will ever come again.
    pub(crate) closed: Rc<Notify>,
}

/// Requests handed to JS that have not answered yet, by their in-isolate slot number, with
/// the CPU time charged to each so far.
///
/// When the isolate is metered, each event-loop turn's CPU time is shared out evenly, at its
/// end, among the requests in flight during it and those it answered (concurrent requests on
/// one isolate interleave within a turn, so an even share is the fair reading). A request's
/// figure ([`CpuCharge`]) is its share of every turn from when JS took it to the turn that
/// answered it; no clock is read per request.
///
/// The per-request budget counts only CPU time that is certainly the request's own: turns in
/// which it was the only request in flight. An even share of a busy neighbour's turns must
/// not stop a request that is only waiting; a runaway request is stopped by the per-turn
/// watchdog whatever its neighbours do.
#[derive(Default)]
pub(crate) struct Replies {
    next: u32,
    waiting: HashMap<u32, InFlight>,
    /// Whether CPU time is charged to requests.
    metered: bool,
    /// The CPU time a request may use over all its turns.
    budget: Option<Duration>,
    /// Figures of the requests answered during the current turn, which get their share of
    /// it when it ends.
    answered: Vec<Arc<AtomicU64>>,
    /// Streamed response bodies still being sent, by slot: each resolves when its body has
    /// ended (read to its end, failed, or dropped by the gateway).
    streaming: HashMap<u32, oneshot::Receiver<()>>,
    /// The task of `op_isogate_req_gone`, woken when a request comes in so that its reply
    /// is watched too.
    gone_watcher: Option<Waker>,
    /// Set when no request will come again: `op_isogate_req_gone` then ends.
    closed: bool,
}

struct InFlight {
    reply: Reply,
    /// Whether JS was told that its client has gone.
    gone: bool,
    /// Its share of the turns while it was in flight.
    cpu: Duration,
    /// The part of `cpu` from turns in which it was the only request in flight.
    own: Duration,
}

impl Replies {
    fn insert(&mut self, reply: Reply) -> u32 {
        self.next = self.next.wrapping_add(1);
        self.waiting.insert(
            self.next,
            InFlight {
                reply,
                gone: false,
                cpu: Duration::ZERO,
                own: Duration::ZERO,
            },
        );
        if let Some(watcher) = &self.gone_watcher {
            watcher.wake_by_ref();
        }
        self.next
    }

    /// The slots of requests whose client has gone (the gateway dropped the answer's
    /// receiver) since the last call; pending while there are none.
    fn poll_gone(&mut self, cx: &mut Context<'_>) -> Poll<Vec<u32>> {
        if self.closed {
            return Poll::Ready(Vec::new());
        }
        if !self
            .gone_watcher
            .as_ref()
            .is_some_and(|watcher| watcher.will_wake(cx.waker()))
        {
            self.gone_watcher = Some(cx.waker().clone());
        }
        let gone: Vec<u32> = self
            .waiting
            .iter_mut()
            .filter(|(_, request)| !request.gone)
            .filter_map(|(slot, request)| {
                request.reply.poll_closed(cx).is_ready().then(|| {
                    request.gone = true;
                    *slot
                })
            })
            .collect();
        if gone.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(gone)
        }
    }

    /// No request will come again: ends `op_isogate_req_gone`.
    fn close(&mut self) {
        self.closed = true;
        if let Some(watcher) = self.gone_watcher.take() {
            watcher.wake();
        }
    }

    /// Charges CPU time to requests from now on; one whose own CPU time goes past `budget`
    /// is stopped.
    pub(crate) fn meter(&mut self, budget: Option<Duration>) {
        self.metered = true;
        self.budget = budget;
    }

    /// How many requests are in flight (taken by JS, not answered yet).
    pub(crate) fn in_flight(&self) -> usize {
        self.waiting.len()
    }

    /// A turn that used `used` CPU time ended: shares it out. Returns the largest CPU time of
    /// its own a request still in flight has used, when that is past the budget.
    pub(crate) fn end_turn(&mut self, used: Duration) -> Option<Duration> {
        let count = self.waiting.len() + self.answered.len();
        if let Ok(count @ 1..) = u32::try_from(count) {
            let each = used / count;
            for request in self.waiting.values_mut() {
                request.cpu += each;
                if count == 1 {
                    request.own += each;
                }
            }
            for figure in self.answered.drain(..) {
                figure.fetch_add(nanos(each), Ordering::Relaxed);
            }
        }
        let budget = self.budget?;
        self.waiting
            .values()
            .map(|request| request.own)
            .max()
            .filter(|heaviest| *heaviest > budget)
    }

    /// Answers every waiting request with `error`; how many there were.
    pub(crate) fn fail_all(self, error: &RuntimeError) -> usize {
        let count = self.waiting.len();
        for (_, request) in self.waiting {
            let _ = request.reply.send(Err(error.replicate()));
        }
        count
    }

    /// Takes the request in `slot` to answer it, with its CPU figure (completed when the
    /// current turn ends).
    fn take(&mut self, slot: u32) -> Result<Answering, JsErrorBox> {
        let request = self
            .waiting
            .remove(&slot)
            .ok_or_else(|| JsErrorBox::type_error("this request has already been answered"))?;
        let cpu = if self.metered {
            let figure = Arc::new(AtomicU64::new(nanos(request.cpu)));
            self.answered.push(figure.clone());
            CpuCharge::new(figure)
        } else {
            CpuCharge::default()
        };
        Ok(Answering {
            reply: request.reply,
            cpu,
        })
    }
}

/// `duration` in nanoseconds, saturating.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A request being answered: where the answer goes, and its CPU figure.
struct Answering {
    reply: Reply,
    cpu: CpuCharge,
}

/// One request as the JS serve loop receives it: a flat array, `[slot, requestId, method,
/// url, headers, bodyRid, route, params, cf]`, with `headers` and `params` flat name/value
/// lists and `cf` JSON text.
/// An array, not an object: no property names to intern and one shape for every request.
pub(crate) struct NextRequest {
    slot: u32,
    request_id: String,
    method: String,
    url: String,
    headers: Vec<(Bytes, Bytes)>,
    body_rid: Option<u32>,
    route: String,
    params: Vec<(String, String)>,
    cf: String,
}

impl<'a> ToV8<'a> for NextRequest {
    type Error = JsErrorBox;

    fn to_v8<'i>(
        self,
        scope: &mut v8::PinScope<'a, 'i>,
    ) -> Result<v8::Local<'a, v8::Value>, Self::Error> {
        let too_long = || JsErrorBox::range_error("request field too long for a JS string");
        let utf8 = |scope: &mut v8::PinScope<'a, 'i>, text: &str| {
            v8::String::new_from_utf8(scope, text.as_bytes(), v8::NewStringType::Normal)
                .map(Into::into)
                .ok_or_else(too_long)
        };
        // Header bytes map one to one onto JS code units, as `ByteString` does.
        let bytes = |scope: &mut v8::PinScope<'a, 'i>, raw: &[u8]| {
            v8::String::new_from_one_byte(scope, raw, v8::NewStringType::Normal)
                .map(Into::into)
                .ok_or_else(too_long)
        };
        let mut headers = Vec::with_capacity(self.headers.len() * 2);
        for (name, value) in &self.headers {
            headers.push(bytes(scope, name)?);
            headers.push(bytes(scope, value)?);
        }
        let mut params = Vec::with_capacity(self.params.len() * 2);
        for (name, value) in &self.params {
            params.push(utf8(scope, name)?);
            params.push(utf8(scope, value)?);
        }
        let body_rid: v8::Local<'a, v8::Value> = match self.body_rid {
            Some(rid) => v8::Integer::new_from_unsigned(scope, rid).into(),
            None => v8::null(scope).into(),
        };
        let fields = [
            v8::Integer::new_from_unsigned(scope, self.slot).into(),
            utf8(scope, &self.request_id)?,
            utf8(scope, &self.method)?,
            utf8(scope, &self.url)?,
            v8::Array::new_with_elements(scope, &headers).into(),
            body_rid,
            utf8(scope, &self.route)?,
            v8::Array::new_with_elements(scope, &params).into(),
            utf8(scope, &self.cf)?,
        ];
        Ok(v8::Array::new_with_elements(scope, &fields).into())
    }
}

/// Most requests one `op_isogate_req_next` call hands over.
const BATCH: usize = 64;

/// Waits for the next requests and returns every one already queued (up to [`BATCH`]), so
/// a worker woken for a burst crosses into JS once; an empty list once the worker is
/// shutting down.
#[op2]
pub(crate) async fn op_isogate_req_next(state: Rc<RefCell<OpState>>) -> Vec<NextRequest> {
    let (queue, closed) = {
        let state = state.borrow();
        let inbox = state.borrow::<Inbox>();
        (inbox.queue.clone(), inbox.closed.clone())
    };
    let mut envelopes = Vec::new();
    let Some(first) = queue.next().await else {
        closed.notify_one();
        if let Some(replies) = state.borrow_mut().try_borrow_mut::<Replies>() {
            replies.close();
        }
        return Vec::new();
    };
    envelopes.push(first);
    {
        let mut receiver = RcRef::map(&queue, |queue| &queue.receiver)
            .borrow_mut()
            .await;
        while envelopes.len() < BATCH {
            match receiver.try_recv() {
                Ok(envelope) => envelopes.push(envelope),
                Err(_) => break,
            }
        }
    }
    queue.last_taken.set(Instant::now());
    queue.taken.set(queue.taken.get() + envelopes.len() as u64);
    let mut state = state.borrow_mut();
    envelopes
        .into_iter()
        .map(|envelope| hand_over(&mut state, envelope))
        .collect()
}

/// Resolves with the slots of requests whose client has gone away, a batch at a time, so
/// that JS aborts their `request.signal`; an empty list once no request will come again.
#[op2]
#[serde]
pub(crate) async fn op_isogate_req_gone(state: Rc<RefCell<OpState>>) -> Vec<u32> {
    std::future::poll_fn(|cx| {
        let mut state = state.borrow_mut();
        match state.try_borrow_mut::<Replies>() {
            Some(replies) => replies.poll_gone(cx),
            None => Poll::Ready(Vec::new()),
        }
    })
    .await
}

/// `waitUntil` work of the isolate's requests still pending, as JS counts it.
#[derive(Debug, Default)]
pub(crate) struct PendingWork(pub(crate) u32);

/// JS registered `waitUntil` work (`delta` 1) or some settled (`-1`).
#[op2(fast)]
pub(crate) fn op_isogate_pending_work(state: &mut OpState, #[smi] delta: i32) {
    if !state.has::<PendingWork>() {
        state.put(PendingWork::default());
    }
    let pending = state.borrow_mut::<PendingWork>();
    pending.0 = pending.0.saturating_add_signed(delta);
}

/// Registers the request's body and reply in the isolate's state and converts it for JS.
fn hand_over(state: &mut OpState, Envelope { request, reply }: Envelope) -> NextRequest {
    let body_rid = request
        .body
        .map(|body| state.resource_table.add(RequestBodyResource::new(body)));
    let slot = state.borrow_mut::<Replies>().insert(reply);
    NextRequest {
        slot,
        request_id: request.id.0,
        method: request.method,
        url: request.url,
        headers: request.headers,
        body_rid,
        route: request.route,
        params: request.params,
        cf: request.cf,
    }
}

/// Answers a request with a status, headers and either a complete body or a stream resource
/// (`stream_rid` >= 0) produced by `resourceForReadableStream`.
#[op2]
pub(crate) fn op_isogate_resp_send(
    state: &mut OpState,
    #[smi] slot: u32,
    #[smi] status: u16,
    #[scoped] headers: Vec<(ByteString, ByteString)>,
    #[buffer] body: &[u8],
    #[smi] stream_rid: i32,
) -> Result<(), JsErrorBox> {
    let answering = state.borrow_mut::<Replies>().take(slot)?;
    let body = match u32::try_from(stream_rid) {
        Ok(rid) => {
            let resource = state
                .resource_table
                .take_any(rid)
                .map_err(|e: ResourceError| JsErrorBox::type_error(e.to_string()))?;
            let (ended, done) = oneshot::channel();
            state.borrow_mut::<Replies>().streaming.insert(slot, done);
            ResponseBody::Stream(pump_stream(resource, ended))
        }
        Err(_) if body.is_empty() => ResponseBody::Empty,
        Err(_) => ResponseBody::Full(Bytes::copy_from_slice(body)),
    };
    answer(answering, status, headers, body);
    Ok(())
}

/// Answers a request with a complete body given as a string (sent UTF-8 encoded).
#[op2]
pub(crate) fn op_isogate_resp_send_text(
    state: &mut OpState,
    #[smi] slot: u32,
    #[smi] status: u16,
    #[scoped] headers: Vec<(ByteString, ByteString)>,
    #[string] body: String,
) -> Result<(), JsErrorBox> {
    let answering = state.borrow_mut::<Replies>().take(slot)?;
    let body = if body.is_empty() {
        ResponseBody::Empty
    } else {
        ResponseBody::Full(Bytes::from(body))
    };
    answer(answering, status, headers, body);
    Ok(())
}

fn answer(
    answering: Answering,
    status: u16,
    headers: Vec<(ByteString, ByteString)>,
    body: ResponseBody,
) {
    let response = HandlerResponse {
        status,
        headers: headers
            .into_iter()
            .map(|(name, value)| (Bytes::from(name.to_vec()), Bytes::from(value.to_vec())))
            .collect(),
        body,
        cpu: answering.cpu,
    };
    // The gateway may have gone away (client disconnected); nothing to answer then.
    let _ = answering.reply.send(Ok(response));
}

/// Stops a request that went past its subrequest limit after `made` fetches.
#[op2(fast)]
pub(crate) fn op_isogate_resp_limit(
    state: &mut OpState,
    #[smi] slot: u32,
    #[smi] made: u32,
) -> Result<(), JsErrorBox> {
    let answering = state.borrow_mut::<Replies>().take(slot)?;
    let cpu = answering.cpu.read().unwrap_or_default();
    let _ = answering
        .reply
        .send(Err(RuntimeError::LimitExceeded(LimitBreach {
            kind: LimitKind::Subrequest,
            limit: u64::from(made),
            used: Measured::Fetch(made.saturating_add(1)),
            cpu,
            heap_used: 0,
        })));
    Ok(())
}

/// Fails a request because the handler threw or returned something other than a `Response`.
#[op2(fast)]
pub(crate) fn op_isogate_resp_error(
    state: &mut OpState,
    #[smi] slot: u32,
    #[string] message: String,
    #[string] stack: String,
) -> Result<(), JsErrorBox> {
    // What a refused allocation threw, caught before the isolate's stop took effect: the
    // request stays in flight, to fail with the stop's reason when the turn ends.
    if state.try_borrow::<Counter>().is_some_and(Counter::refused) {
        return Ok(());
    }
    let answering = state.borrow_mut::<Replies>().take(slot)?;
    let _ = answering
        .reply
        .send(Err(RuntimeError::HandlerFailed { message, stack }));
    Ok(())
}

/// Resolves once the streamed body of the request in `slot` has ended (at once when it had
/// none): until then the request is still being answered, and may still do I/O.
#[op2]
pub(crate) async fn op_isogate_resp_body_done(state: Rc<RefCell<OpState>>, #[smi] slot: u32) {
    let done = state
        .borrow_mut()
        .try_borrow_mut::<Replies>()
        .and_then(|replies| replies.streaming.remove(&slot));
    if let Some(done) = done {
        let _ = done.await;
    }
}

/// Reads a JS `ReadableStream` resource on the isolate's thread and forwards its chunks to a
/// bounded channel, so a slow client slows the producer instead of growing a buffer. `ended`
/// is dropped when the body has ended.
fn pump_stream(
    resource: Rc<dyn Resource>,
    ended: oneshot::Sender<()>,
) -> mpsc::Receiver<Result<Bytes, crate::message::BodyError>> {
    let (sender, receiver) = mpsc::channel(2);
    deno_core::unsync::spawn(async move {
        loop {
            let read = resource.clone().read(RESPONSE_CHUNK);
            let chunk = tokio::select! {
                chunk = read => chunk,
                () = sender.closed() => break,
            };
            let item = match chunk {
                Ok(buf) if buf.is_empty() => break,
                Ok(buf) => Ok(Bytes::from(buf.to_vec())),
                Err(error) => Err(error.to_string().into()),
            };
            let failed = item.is_err();
            if sender.send(item).await.is_err() || failed {
                break;
            }
        }
        resource.close();
        drop(ended);
    });
    receiver
}

struct BodyState {
    stream: BodyStream,
    leftover: Option<Bytes>,
}

/// A request body the handler reads as a `ReadableStream` (`readableStreamForRid`).
pub(crate) struct RequestBodyResource {
    state: AsyncRefCell<BodyState>,
    cancel: CancelHandle,
}

impl RequestBodyResource {
    fn new(stream: BodyStream) -> Self {
        Self {
            state: AsyncRefCell::new(BodyState {
                stream,
                leftover: None,
            }),
            cancel: CancelHandle::default(),
        }
    }
}

impl Resource for RequestBodyResource {
    fn name(&self) -> std::borrow::Cow<'_, str> {
        "isogateRequestBody".into()
    }

    fn read(self: Rc<Self>, limit: usize) -> AsyncResult<BufView> {
        Box::pin(async move {
            let cancel = RcRef::map(&self, |r| &r.cancel);
            let mut state = RcRef::map(&self, |r| &r.state).borrow_mut().await;
            let mut chunk = match state.leftover.take() {
                Some(chunk) => chunk,
                None => match state.stream.next().or_cancel(cancel).await {
                    Ok(Some(Ok(chunk))) => chunk,
                    Ok(Some(Err(error))) => {
                        return Err(JsErrorBox::type_error(format!(
                            "reading the request body failed: {error}"
                        )))
                    }
                    Ok(None) => Bytes::new(),
                    Err(_canceled) => Bytes::new(),
                },
            };
            if chunk.len() > limit {
                state.leftover = Some(chunk.split_off(limit));
            }
            Ok(BufView::from(chunk))
        })
    }

    fn close(self: Rc<Self>) {
        self.cancel.cancel();
    }
}
