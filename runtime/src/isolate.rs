//! One V8 isolate (a deno_core `JsRuntime`) restored from the startup snapshot, and the steps
//! that turn it into a running handler: load the module graph, pick the handler, serve.

use std::cell::Cell;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use deno_core::v8;
use deno_core::JsRuntime;
use deno_core::ModuleId;
use deno_core::PollEventLoopOptions;
use deno_core::RuntimeOptions;
use tokio::sync::Notify;

use crate::error::RuntimeError;
use crate::ext;
use crate::ext::blobs::CountedBlobStore;
use crate::ext::cache::CacheHandle;
use crate::ext::cache::Caches;
use crate::ext::console::HandlerLabel;
use crate::ext::console::LogLevel;
use crate::ext::counter::Counter;
use crate::ext::fetch::FetchPolicy;
use crate::ext::fetch::Meters;
use crate::ext::helpers::Helpers;
use crate::ext::http::Inbox;
use crate::ext::http::Queue;
use crate::ext::http::Replies;
use crate::ext::offload::OffloadSlot;
use crate::limits::cpu;
use crate::limits::cpu::Watched;
use crate::limits::memory;
use crate::limits::millis;
use crate::limits::whole_millis;
use crate::limits::LimitBreach;
use crate::limits::LimitKind;
use crate::limits::Limits;
use crate::limits::Measured;
use crate::limits::STARTUP_CPU;
use crate::loader::HandlerLoader;

/// The startup snapshot built by `build.rs`: Web APIs and isogate's bootstrap, evaluated.
static SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ISOGATE_SNAPSHOT.bin"));

/// Runs the isolate's start-up and takes the serve entry point (and the `nodejs_compat`
/// preparation) off the global object, and `Deno` with it, before any tenant code runs.
const TAKE_ENTRY: &str = r#"(() => {
  const key = Symbol.for("isogate.boot");
  const boot = globalThis[key];
  delete globalThis[key];
  delete globalThis.Deno;
  delete globalThis.__bootstrap;
  return boot();
})()"#;

/// How often a running isolate checks whether it should be retired.
const RETIREMENT_CHECK: Duration = Duration::from_millis(250);

/// When a healthy isolate is retired (each `None`: never).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retirement {
    /// With no request for this long, the isolate is discarded until the next request.
    pub idle: Option<Duration>,
    /// After serving this many requests, the isolate is replaced by a fresh one.
    pub after_requests: Option<u64>,
    /// With the heap this large (bytes) and idle, the isolate is replaced by a fresh one.
    pub heap: Option<u64>,
}

/// How a healthy isolate's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The queue closed: the handler is gone.
    Closed,
    /// The isolate was retired; the handler carries on with another when needed.
    Retired(Retire),
}

/// Why an isolate was retired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retire {
    /// Idle past the idle timeout: discarded until the next request.
    Idle,
    /// Evicted to make room for another handler's isolate on the worker.
    Evicted,
    /// Served its share of requests: replaced at once.
    Requests,
    /// Its heap grew past the recycling size: replaced at once.
    Heap,
}

impl Retire {
    /// Whether a replacement starts at once (rather than on the next request).
    pub(crate) fn replace_now(self) -> bool {
        matches!(self, Self::Requests | Self::Heap)
    }
}

/// A fresh isolate from the snapshot, with no tenant code in it yet.
///
/// Several isolates may live on one thread. V8 keeps a per-thread stack of entered isolates
/// and an isolate must be the entered one while it runs, so an `Isolate` is left *exited*
/// between uses: whoever runs it wraps the work in `Entered` (a future entered for each
/// poll) or an `EntryGuard` (a synchronous section). No isolate stays entered across an
/// await, so the entry stack never interleaves.
pub struct Isolate {
    runtime: JsRuntime,
    entry: Entry,
    start: v8::Global<v8::Function>,
    /// Gives a `nodejs_compat` handler what its Node.js built-ins take from the host.
    prepare_node: v8::Global<v8::Function>,
    loader: Rc<HandlerLoader>,
    limits: Limits,
    cpu: Arc<Watched>,
    /// Heap size at which the near-limit callback stopped the isolate (0: it has not).
    heap_stop: Rc<Cell<u64>>,
    /// The ArrayBuffer memory the isolate holds, when its memory is limited.
    buffers: Option<Arc<memory::Buffers>>,
    /// CPU time its helper threads (HTMLRewriter's) used, added to its turns.
    helpers: Helpers,
    /// Its tenant's offload threads (`crypto.subtle`'s work), charged like helpers.
    offload: Rc<OffloadSlot>,
}

impl Isolate {
    /// Restores an isolate from the snapshot, under `limits`. Must run inside a tokio
    /// runtime on the thread that will own the isolate.
    pub fn new(label: &str, policy: FetchPolicy, limits: Limits) -> Result<Self, RuntimeError> {
        let loader = Rc::new(HandlerLoader::new());
        let (create_params, buffers) = memory::create_params(limits.memory);
        let blobs = Arc::new(CountedBlobStore::default());
        let mut runtime = JsRuntime::new(RuntimeOptions {
            startup_snapshot: Some(SNAPSHOT),
            extensions: ext::for_isolate(blobs.clone()),
            module_loader: Some(loader.clone()),
            create_params: Some(create_params),
            ..Default::default()
        });
        let heap_stop = match limits.memory {
            Some(max) => memory::guard(&mut runtime, max),
            None => Rc::new(Cell::new(0)),
        };
        if let Some(buffers) = &buffers {
            memory::count_heap(&mut runtime, buffers);
            let counter = Counter::new(buffers.clone(), runtime.v8_isolate().thread_safe_handle());
            blobs.limit(counter.clone());
            runtime.op_state().borrow_mut().put(counter);
        }
        let isolate_entry = Entry::of(runtime.v8_isolate());
        let cpu = cpu::watch(runtime.v8_isolate().thread_safe_handle())
            .map_err(|error| RuntimeError::Bootstrap(format!("CPU clock: {error}")))?;
        identify(&runtime, label, policy)?;
        runtime.op_state().borrow_mut().put(Replies::default());
        let helpers = Helpers::new(crate::clock::thread_time);
        runtime.op_state().borrow_mut().put(helpers.clone());
        let offload = Rc::new(OffloadSlot::default());
        runtime.op_state().borrow_mut().put(offload.clone());
        let entry = runtime
            .execute_script("ext:isogate/entry", TAKE_ENTRY)
            .map_err(|error| RuntimeError::Bootstrap(error.to_string()))?;
        let (start, prepare_node) = {
            deno_core::scope!(scope, runtime);
            let entry = v8::Local::new(scope, entry);
            let no_entry = || RuntimeError::Bootstrap("snapshot has no serve entry".to_owned());
            let entries = v8::Local::<v8::Array>::try_from(entry).map_err(|_| no_entry())?;
            let function = |index: u32| {
                entries
                    .get_index(scope, index)
                    .and_then(|value| v8::Local::<v8::Function>::try_from(value).ok())
                    .map(|function| v8::Global::new(scope, function))
                    .ok_or_else(no_entry)
            };
            (function(0)?, function(1)?)
        };
        // `JsRuntime::new` left the isolate entered; it rests exited (see the type's docs).
        isolate_entry.exit();
        Ok(Self {
            runtime,
            entry: isolate_entry,
            start,
            prepare_node,
            loader,
            limits,
            cpu,
            heap_stop,
            buffers,
            helpers,
            offload,
        })
    }

    /// The breach that stopped the isolate, if a limit did: the CPU watchdog or the heap
    /// callback terminated its JavaScript.
    fn breach(&mut self, cpu_used: Duration) -> Option<LimitBreach> {
        let cpu_stop = self.cpu.fired();
        let heap_stop = self.heap_stop.get();
        let refused = self.buffers.as_ref().and_then(|buffers| buffers.refused());
        let over = self.buffers.as_ref().and_then(|buffers| buffers.over());
        // A refused ArrayBuffer is the cause even when the heap filled up as JS handled it.
        if cpu_stop.is_none() && heap_stop == 0 && refused.is_none() && over.is_none() {
            return None;
        }
        let heap_used = self
            .runtime
            .v8_isolate()
            .get_heap_statistics()
            .used_heap_size();
        let heap_used = u64::try_from(heap_used).unwrap_or(u64::MAX);
        if let Some(used) = cpu_stop {
            return Some(LimitBreach {
                kind: LimitKind::Cpu,
                limit: whole_millis(self.cpu_limit()),
                used: Measured::Cpu(used),
                cpu: used,
                heap_used,
            });
        }
        let limit = self.limits.memory.unwrap_or(0);
        let (held, heap) = self
            .buffers
            .as_ref()
            .map_or((0, 0), |buffers| (buffers.held(), buffers.heap()));
        if let Some(size) = refused {
            return Some(LimitBreach {
                kind: LimitKind::Memory,
                limit,
                used: Measured::BufferRefused {
                    size,
                    buffers: held,
                    heap,
                },
                cpu: cpu_used,
                heap_used,
            });
        }
        if let (Some(total), 0) = (over, heap_stop) {
            return Some(LimitBreach {
                kind: LimitKind::Memory,
                limit,
                // Heap and buffers as the collection that found them past the limit
                // measured them (buffers by V8's count when native code made some).
                used: Measured::HeapAndBuffers {
                    total,
                    buffers: total.saturating_sub(heap),
                },
                cpu: cpu_used,
                heap_used,
            });
        }
        // V8 keeps part of the limit for new objects, so a full heap holds less than the
        // limit: the figure is what was in use when V8 called back (or since, if more).
        let reached = heap_stop.max(heap_used);
        Some(LimitBreach {
            kind: LimitKind::Memory,
            limit,
            used: Measured::HeapFull { in_use: reached },
            cpu: cpu_used,
            heap_used: reached,
        })
    }

    /// CPU time past the limit, used by a request in flight over several turns or by the
    /// helpers between two turns.
    fn summed_breach(&mut self, used: Duration) -> LimitBreach {
        let heap_used = self
            .runtime
            .v8_isolate()
            .get_heap_statistics()
            .used_heap_size();
        LimitBreach {
            kind: LimitKind::Cpu,
            limit: whole_millis(self.cpu_limit()),
            used: Measured::Cpu(used),
            cpu: used,
            heap_used: u64::try_from(heap_used).unwrap_or(u64::MAX),
        }
    }

    /// The CPU limit of a request (none configured: no practical limit).
    fn cpu_limit(&self) -> Duration {
        self.limits.cpu.unwrap_or(Duration::MAX)
    }

    /// Loads and evaluates the handler module at `entry` (its folder bounds the imports), then
    /// starts the JS serve loop reading `inbox`. Fails when the module does not load or has
    /// no fetch handler.
    pub(crate) async fn start_handler(
        &mut self,
        entry: &Path,
        env_json: &str,
        queue: Rc<Queue>,
        closed: Rc<Notify>,
    ) -> Result<(), RuntimeError> {
        let load_error = |message: String| RuntimeError::ModuleLoad {
            path: entry.to_path_buf(),
            message,
        };
        let entry_real = crate::loader::files::files()
            .real_path(entry)
            .map_err(|e| load_error(e.to_string()))?;
        self.loader
            .set_root(crate::loader::project::project_root(&entry_real));
        let label = self
            .runtime
            .op_state()
            .borrow()
            .try_borrow::<HandlerLabel>()
            .map(|label| label.0.clone());
        if let Some(label) = label {
            self.offload.set_tenant(label);
        }
        let specifier = deno_core::ModuleSpecifier::from_file_path(&entry_real)
            .map_err(|()| load_error("the handler path is not absolute".to_owned()))?;
        self.runtime
            .op_state()
            .borrow_mut()
            .put(crate::ext::console::HandlerEnv(env_json.to_owned()));
        self.loader.set_env(env_json);
        self.cpu.begin(STARTUP_CPU);
        let loaded = self.evaluate(&specifier).await;
        crate::loader::graph_loaded();
        let cpu_used = self.cpu.end() + self.helpers.take() + self.offload.take();
        if let Some(breach) = self.breach(cpu_used) {
            let message = match breach.kind {
                LimitKind::Cpu => format!(
                    "top-level code used more than {} of CPU while loading",
                    millis(STARTUP_CPU)
                ),
                _ => format!("while loading: {breach}"),
            };
            return Err(load_error(message));
        }
        let module = loaded.map_err(load_error)?;
        let namespace = self
            .runtime
            .get_module_namespace(module)
            .map_err(|e| load_error(e.to_string()))?;

        self.runtime
            .op_state()
            .borrow_mut()
            .put(Inbox { queue, closed });
        let args = {
            let runtime = &mut self.runtime;
            deno_core::scope!(scope, runtime);
            let namespace = v8::Local::new(scope, namespace);
            let subrequests: v8::Local<'_, v8::Value> = match self.limits.subrequests {
                Some(limit) => v8::Integer::new_from_unsigned(scope, limit).into(),
                None => v8::null(scope).into(),
            };
            [
                v8::Global::new(scope, v8::Local::<v8::Value>::from(namespace)),
                v8::Global::new(scope, subrequests),
            ]
        };
        self.runtime
            .call_with_args(&self.start, &args)
            .await
            .map(drop)
            .map_err(|error| RuntimeError::NoHandler {
                path: entry.to_path_buf(),
                message: error.exception_message.clone(),
            })
    }

    /// Loads and evaluates the module graph (after the loader's setup module, if it has
    /// one); its id, or the error text.
    async fn evaluate(
        &mut self,
        specifier: &deno_core::ModuleSpecifier,
    ) -> Result<ModuleId, String> {
        if let Some(setup) = self.loader.setup_module() {
            {
                let runtime = &mut self.runtime;
                deno_core::scope!(scope, runtime);
                let prepare = v8::Local::new(scope, &self.prepare_node);
                let receiver = v8::undefined(scope).into();
                prepare.call(scope, receiver, &[]);
            }
            let module = self
                .runtime
                .load_side_es_module(&setup)
                .await
                .map_err(|e| e.to_string())?;
            let evaluated = self.runtime.mod_evaluate(module);
            self.runtime
                .with_event_loop_future(evaluated, PollEventLoopOptions::default())
                .await
                .map_err(|e| e.to_string())?;
        }
        let module = self
            .runtime
            .load_main_es_module(specifier)
            .await
            .map_err(|e| e.to_string())?;
        let evaluated = self.runtime.mod_evaluate(module);
        self.runtime
            .with_event_loop_future(evaluated, PollEventLoopOptions::default())
            .await
            .map_err(|e| e.to_string())?;
        Ok(module)
    }

    /// Runs the isolate's event loop: serves requests until the queue closes, then lets
    /// `waitUntil` work and timers finish for at most `drain`. Each turn of the loop runs
    /// under the CPU limit; a turn stopped by a limit ends the run with that breach. With
    /// nothing in flight, the isolate is retired when `retirement` says so.
    pub(crate) async fn run(
        &mut self,
        queue: &Queue,
        closed: Rc<Notify>,
        drain: Duration,
        retirement: Retirement,
        meter: Option<&Meters>,
    ) -> Result<Exit, RuntimeError> {
        let drained = async {
            closed.notified().await;
            tokio::time::sleep(drain).await;
        };
        // Reading a thread's CPU clock is a system call: only when there is a limit to keep
        // or CPU time to meter.
        let limit = self.limits.cpu.or(meter.map(|_| Duration::MAX));
        let state = self.runtime.op_state();
        if limit.is_some() {
            state
                .borrow_mut()
                .borrow_mut::<Replies>()
                .meter(self.limits.cpu);
        }
        let mut checks = tokio::time::interval(RETIREMENT_CHECK);
        let mut background = Background::default();
        let turns = std::future::poll_fn(|cx| {
            if let Some(limit) = limit {
                self.cpu.begin(limit);
            }
            let idle_before = background.before_turn(&state);
            let polled = self
                .runtime
                .poll_event_loop(cx, PollEventLoopOptions::default());
            let helped = self.helpers.take() + self.offload.take();
            let cpu_used = self.cpu.end() + helped;
            background.turn(&state, idle_before, cpu_used);
            if let Some(meter) = meter {
                let nanos = u64::try_from(cpu_used.as_nanos()).unwrap_or(u64::MAX);
                meter.cpu.fetch_add(nanos, Ordering::Relaxed);
            }
            if let Some(breach) = self.breach(cpu_used) {
                return Poll::Ready(Err(RuntimeError::LimitExceeded(breach)));
            }
            // Helpers work between turns: what they did since the last one is held to the
            // limit of a turn.
            if helped > self.cpu_limit() {
                return Poll::Ready(Err(RuntimeError::LimitExceeded(self.summed_breach(helped))));
            }
            if limit.is_some() {
                let heaviest = state
                    .borrow_mut()
                    .try_borrow_mut::<Replies>()
                    .and_then(|replies| replies.end_turn(cpu_used));
                if let Some(used) = heaviest {
                    return Poll::Ready(Err(RuntimeError::LimitExceeded(self.summed_breach(used))));
                }
            }
            if let Poll::Ready(result) = polled {
                return Poll::Ready(
                    result
                        .map(|()| Exit::Closed)
                        .map_err(|error| RuntimeError::Bootstrap(error.to_string())),
                );
            }
            while checks.poll_tick(cx).is_ready() {
                if let Some(reason) = self.retire_reason(queue, retirement) {
                    return Poll::Ready(Ok(Exit::Retired(reason)));
                }
            }
            Poll::Pending
        });
        tokio::select! {
            result = turns => result,
            () = drained => Ok(Exit::Closed),
        }
    }

    /// Why the isolate should go now, if it should: never with requests in flight.
    fn retire_reason(&mut self, queue: &Queue, retirement: Retirement) -> Option<Retire> {
        let in_flight = self
            .runtime
            .op_state()
            .borrow()
            .try_borrow::<Replies>()
            .map_or(0, Replies::in_flight);
        if in_flight > 0 {
            return None;
        }
        if queue.eviction_requested() {
            return Some(Retire::Evicted);
        }
        let (idle, taken) = queue.activity();
        if retirement.idle.is_some_and(|limit| idle >= limit) {
            return Some(Retire::Idle);
        }
        if retirement
            .after_requests
            .is_some_and(|limit| taken >= limit)
        {
            return Some(Retire::Requests);
        }
        let heap = retirement.heap?;
        let used = self
            .runtime
            .v8_isolate()
            .get_heap_statistics()
            .used_heap_size();
        (u64::try_from(used).unwrap_or(u64::MAX) >= heap).then_some(Retire::Heap)
    }

    /// Gives a blank isolate (a warm spare) to a handler: its log label, fetch policy and
    /// limits. The heap limit was fixed at creation and must match.
    pub(crate) fn assign(
        mut self,
        label: &str,
        policy: FetchPolicy,
        limits: Limits,
    ) -> Result<Self, RuntimeError> {
        identify(&self.runtime, label, policy)?;
        self.limits = limits;
        Ok(self)
    }

    /// Counts what the handler uses (subrequests, and CPU when metered) into `meters`.
    pub(crate) fn set_meters(&mut self, meters: Arc<Meters>) {
        self.runtime.op_state().borrow_mut().put(meters);
    }

    /// Backs the handler's `caches` with `caches` (none: lookups miss, puts are dropped).
    pub(crate) fn set_caches(&mut self, caches: Option<CacheHandle>) {
        self.runtime.op_state().borrow_mut().put(Caches(caches));
    }

    /// Logs the handler's `console` lines at `level` and above only.
    pub(crate) fn set_log_level(&mut self, level: LogLevel) {
        self.runtime.op_state().borrow_mut().put(level);
    }

    /// Lets the handler import Node.js built-ins, or not (`nodejs_compat`).
    pub(crate) fn set_node_compat(&mut self, allowed: bool) {
        self.loader.set_node_compat(allowed);
    }

    /// The handle that enters this isolate on its thread.
    pub(crate) fn entry(&self) -> Entry {
        self.entry
    }

    /// Answers every request the isolate has taken but not answered with `error`.
    pub(crate) fn fail_in_flight(&mut self, error: &RuntimeError) {
        let _entered = EntryGuard::new(self.entry);
        let replies = self.runtime.op_state().borrow_mut().try_take::<Replies>();
        let failed = replies.map_or(0, |replies| replies.fail_all(error));
        if failed > 0 {
            tracing::debug!(failed, "failed the requests in flight on a stopped isolate");
        }
    }
}

/// Gives the isolate's ops the handler's log label and outbound fetch permissions.
fn identify(runtime: &JsRuntime, label: &str, policy: FetchPolicy) -> Result<(), RuntimeError> {
    let permissions = ext::fetch::permissions(policy)
        .map_err(|error| RuntimeError::Bootstrap(format!("outbound fetch permissions: {error}")))?;
    let state = runtime.op_state();
    let mut state = state.borrow_mut();
    state.put(permissions);
    state.put(HandlerLabel(label.to_owned()));
    Ok(())
}

impl Drop for Isolate {
    fn drop(&mut self) {
        // V8 requires an isolate to be the entered one when it is disposed; the runtime's
        // own drop exits it again.
        self.entry.enter();
    }
}

pub(crate) use entry::Entered;
pub(crate) use entry::Entry;
pub(crate) use entry::EntryGuard;

/// Requests the isolate is answering now.
fn in_flight(state: &Rc<std::cell::RefCell<deno_core::OpState>>) -> usize {
    state
        .borrow()
        .try_borrow::<Replies>()
        .map_or(0, Replies::in_flight)
}

/// CPU a turn with no request in flight must use to count as work of the isolate's own.
const BACKGROUND_WORK: Duration = Duration::from_millis(1);

/// Whether the isolate is running work of its own with no request in flight (`waitUntil`
/// after its answer, timers): told once per stretch of it, so that a worker process's end
/// can be blamed on the tenant whose work it was. A turn with `waitUntil` work pending is
/// told before it runs (it may end the process itself); any other turn once it has used
/// [`BACKGROUND_WORK`].
#[derive(Default)]
struct Background {
    /// When it was last told (told again after [`RETELL`]).
    told: Option<std::time::Instant>,
}

/// How often work with no request in flight is told again: the gateway keeps a notice for
/// 10 s, so one every 4 s covers every stretch, and a tenant whose every request leaves
/// `waitUntil` work behind costs one notice per 4 s, not one per request.
const RETELL: Duration = Duration::from_secs(4);

impl Background {
    /// Whether no request is in flight as a turn begins; tells of pending `waitUntil` work.
    fn before_turn(&mut self, state: &Rc<std::cell::RefCell<deno_core::OpState>>) -> bool {
        if in_flight(state) > 0 {
            return false;
        }
        let pending = state
            .borrow()
            .try_borrow::<ext::http::PendingWork>()
            .is_some_and(|work| work.0 > 0);
        if pending {
            self.tell(state);
        }
        true
    }

    fn tell(&mut self, state: &Rc<std::cell::RefCell<deno_core::OpState>>) {
        if self.told.is_none_or(|at| at.elapsed() >= RETELL) {
            self.told = Some(std::time::Instant::now());
            if let Some(label) = state.borrow().try_borrow::<HandlerLabel>() {
                crate::process::background_began(&label.0);
            }
        }
    }

    fn turn(
        &mut self,
        state: &Rc<std::cell::RefCell<deno_core::OpState>>,
        idle_before: bool,
        used: Duration,
    ) {
        if !idle_before || in_flight(state) > 0 {
            return;
        }
        if used >= BACKGROUND_WORK {
            self.tell(state);
        }
    }
}

/// Entering and exiting isolates on the thread's V8 entry stack.
mod entry {
    #![allow(
        unsafe_code,
        reason = "V8 isolate entry has no safe wrapper in rusty_v8"
    )]

    use std::future::Future;
    use std::pin::Pin;
    use std::task::Context;
    use std::task::Poll;

    use deno_core::v8;

    /// An isolate's identity for entering and exiting it; valid while its `Isolate` lives.
    #[derive(Clone, Copy)]
    pub(crate) struct Entry(v8::UnsafeRawIsolatePtr);

    impl Entry {
        /// The entry of `isolate`; use it only while the isolate's owner lives.
        pub(crate) fn of(isolate: &v8::Isolate) -> Self {
            // SAFETY: taking the raw pointer is harmless; it is only turned back into an
            // isolate while the `JsRuntime` owning the isolate is alive (`Isolate` holds both).
            Self(unsafe { isolate.as_raw_isolate_ptr() })
        }

        pub(crate) fn enter(self) {
            // SAFETY: `self.0` points at a live isolate (the owning `Isolate` outlives every
            // `Entry` copy it hands out) and it is used on the isolate's own thread.
            unsafe { v8::Isolate::from_raw_isolate_ptr(self.0).enter() }
        }

        pub(crate) fn exit(self) {
            // SAFETY: as for `enter`; callers pair every exit with an earlier enter on this
            // thread, so the isolate is the current one.
            unsafe { v8::Isolate::from_raw_isolate_ptr(self.0).exit() }
        }
    }

    /// Keeps an isolate entered for a synchronous section (exits on drop, early returns too).
    pub(crate) struct EntryGuard(Entry);

    impl EntryGuard {
        pub(crate) fn new(entry: Entry) -> Self {
            entry.enter();
            Self(entry)
        }
    }

    impl Drop for EntryGuard {
        fn drop(&mut self) {
            // A run terminated inside a `crypto.subtle` call leaves its offload entered.
            crate::ext::offload::leave_all();
            self.0.exit();
        }
    }

    /// A future that enters its isolate for each poll and exits before returning.
    pub(crate) struct Entered<F> {
        entry: Entry,
        inner: Pin<Box<F>>,
    }

    impl<F: Future> Entered<F> {
        pub(crate) fn new(entry: Entry, inner: F) -> Self {
            Self {
                entry,
                inner: Box::pin(inner),
            }
        }
    }

    impl<F: Future> Future for Entered<F> {
        type Output = F::Output;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let _entered = EntryGuard::new(self.entry);
            self.inner.as_mut().poll(cx)
        }
    }
}
