//! The memory cap, over the V8 heap and the memory outside it.
//!
//! - The heap: V8 is created with `max` as its old-generation limit; when the heap nears it
//!   V8 calls back, and instead of letting it abort the process the callback terminates the
//!   running JavaScript, records the figure, and grants a little room so the termination can
//!   unwind. The isolate is then discarded by its worker.
//! - ArrayBuffer backing stores (typed arrays, `Blob` bytes, `TextEncoder` output) live
//!   outside the heap: each isolate gets its own counting allocator, which refuses an
//!   allocation that would take the isolate's buffers plus its heap past `max` (JS sees a
//!   `RangeError`) and marks the isolate, so the turn that asked is stopped with
//!   `memory-limit`.
//! - The two together: after every garbage collection the heap's size is recorded for the
//!   allocator, and when heap and buffers together are past `max` the running JavaScript is
//!   terminated and the isolate stopped with `memory-limit`, so that `max` bounds their sum
//!   (to within what is allocated between two collections), not each of them.
//! - Blob bytes, which deno_web keeps outside the heap, are held to the same `max`, on
//!   their own (`ext/blobs.rs`).
//! - Wasm memories are reserved by V8 itself; `cap_wasm_memory` bounds each one.

use std::cell::Cell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::OnceLock;

use deno_core::v8;
use deno_core::JsRuntime;

use crate::ext::blobs::Budget;
use crate::ext::console::HandlerLabel;

/// Room granted past the limit so that termination can complete.
const UNWIND_ROOM: usize = 32 * 1024 * 1024;

/// Times room is granted after the limit was reached: a built-in that termination cannot
/// interrupt (a giant `Array.prototype.fill`) is not given more, and V8 then ends the
/// process, which the gateway contains.
const MOST_GRANTS: u32 = 3;

/// The bytes of ArrayBuffer backing stores an isolate holds, against its budget.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    held: AtomicUsize,
    budget: usize,
    /// The size of the first allocation refused (0: none was).
    refused: AtomicU64,
    /// The size of an allocation refused once (0: none is): V8 collects garbage and asks
    /// again, so only a second refusal after a collection is final.
    pending: AtomicU64,
    /// A collection ran since `pending` was refused.
    collected_since: std::sync::atomic::AtomicBool,
    /// The heap's size after the last garbage collection.
    heap: AtomicUsize,
    /// Heap plus buffers when a collection first found them past the budget (0: never).
    over: AtomicU64,
    /// Blob bytes held when a Blob was refused (`ext/blobs.rs`).
    blobs: AtomicUsize,
}

impl Buffers {
    fn reserve(&self, len: usize) -> bool {
        let budget = self
            .budget
            .saturating_sub(self.heap.load(Ordering::Relaxed));
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            let Some(after) = held.checked_add(len).filter(|after| *after <= budget) else {
                self.refuse(len);
                return false;
            };
            match self
                .held
                .compare_exchange_weak(held, after, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    self.pending.store(0, Ordering::Relaxed);
                    return true;
                }
                Err(now) => held = now,
            }
        }
    }

    /// Notes a refused allocation: final when the same size was refused before and a
    /// collection ran in between (V8's own retry after freeing garbage also failed), so a
    /// handler that makes garbage buffers faster than V8 collects them is not stopped.
    fn refuse(&self, len: usize) {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        let retried = self.pending.load(Ordering::Relaxed) == len
            && self.collected_since.load(Ordering::Relaxed);
        if retried {
            let _ = self
                .refused
                .compare_exchange(0, len, Ordering::Relaxed, Ordering::Relaxed);
        } else {
            self.pending.store(len, Ordering::Relaxed);
            self.collected_since.store(false, Ordering::Relaxed);
        }
    }

    fn release(&self, len: usize) {
        self.held.fetch_sub(len, Ordering::Relaxed);
    }

    /// Bytes held now, with the Blob bytes held when a Blob was refused.
    pub(crate) fn held(&self) -> u64 {
        let held = self
            .held
            .load(Ordering::Relaxed)
            .saturating_add(self.blobs.load(Ordering::Relaxed));
        u64::try_from(held).unwrap_or(u64::MAX)
    }

    /// The size of the first allocation refused, if one was.
    pub(crate) fn refused(&self) -> Option<u64> {
        match self.refused.load(Ordering::Relaxed) {
            0 => None,
            size => Some(size),
        }
    }

    /// The heap's size after the last collection (bytes).
    pub(crate) fn heap(&self) -> u64 {
        u64::try_from(self.heap.load(Ordering::Relaxed)).unwrap_or(u64::MAX)
    }

    /// Records the heap's size after a collection; true when heap and buffers are past the
    /// budget for the first time (the isolate is then to be stopped).
    fn collected(&self, heap: usize) -> bool {
        self.heap.store(heap, Ordering::Relaxed);
        self.collected_since.store(true, Ordering::Relaxed);
        let total = heap.saturating_add(self.held.load(Ordering::Relaxed));
        if total <= self.budget {
            return false;
        }
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        self.over
            .compare_exchange(0, total, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Heap plus buffers when a collection found them past the budget, if one did.
    pub(crate) fn over(&self) -> Option<u64> {
        match self.over.load(Ordering::Relaxed) {
            0 => None,
            total => Some(total),
        }
    }
}

/// Blob bytes are held to the same figure (`ext/blobs.rs`).
impl Budget for Buffers {
    fn total(&self) -> usize {
        self.budget
    }

    fn collect_soon(&self, isolate: &v8::IsolateHandle) {
        allocator::collect_soon(isolate);
    }

    fn overdrawn(&self, len: usize, held: usize) {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        if self
            .refused
            .compare_exchange(0, len, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            self.blobs.store(held, Ordering::Relaxed);
        }
    }
}

/// V8 creation parameters for an isolate: a heap of at most `max` bytes and buffers counted
/// against the same figure (no limit: neither is bounded), and `Atomics.wait` refused, as on
/// a browser's main thread: a blocked isolate thread could not be stopped by any limit.
pub(crate) fn create_params(max: Option<u64>) -> (v8::CreateParams, Option<Arc<Buffers>>) {
    let params = v8::CreateParams::default().allow_atomics_wait(false);
    let Some(max) = max else {
        return (params, None);
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let buffers = Arc::new(Buffers {
        budget: max,
        ..Buffers::default()
    });
    let allocator = allocator::new(buffers.clone());
    let params = params.heap_limits(0, max).array_buffer_allocator(allocator);
    (params, Some(buffers))
}

/// Bounds every Wasm memory to `max` bytes (a process-wide V8 flag: call before the first
/// isolate is created).
pub(crate) fn cap_wasm_memory(max: u64) {
    let pages = (max / (64 * 1024)).max(1);
    let unknown =
        deno_core::v8_set_flags(vec![String::new(), format!("--wasm-max-mem-pages={pages}")]);
    if unknown.len() > 1 {
        tracing::warn!(?unknown, "V8 refused the Wasm memory cap");
    }
}

/// Told, on the isolate's thread, that an isolate reached its heap limit: the handler's
/// label, the limit and the heap size (bytes). V8 may end the process right after (when the
/// allocation was made by a built-in that termination cannot interrupt), so a hook that
/// reports it must have done so before it returns.
pub(crate) type HeapLimitHook = Box<dyn Fn(&str, u64, u64) + Send + Sync>;

static HEAP_LIMIT_HOOK: OnceLock<HeapLimitHook> = OnceLock::new();

/// Sets the process's [`HeapLimitHook`] (once; later calls are ignored).
pub(crate) fn on_heap_limit(hook: HeapLimitHook) {
    let _ = HEAP_LIMIT_HOOK.set(hook);
}

/// Records the heap's size for `buffers` after every collection, and stops the isolate when
/// heap and buffers together pass their budget.
pub(crate) fn count_heap(runtime: &mut JsRuntime, buffers: &Arc<Buffers>) {
    allocator::count_heap(runtime.v8_isolate(), buffers);
}

/// Installs the near-limit callback for a heap of `max` bytes; the returned cell holds the
/// heap size (bytes) at which it fired, or 0.
pub(crate) fn guard(runtime: &mut JsRuntime, max: u64) -> Rc<Cell<u64>> {
    let fired = Rc::new(Cell::new(0u64));
    let handle = runtime.v8_isolate().thread_safe_handle();
    let state = runtime.op_state();
    let seen = fired.clone();
    let grants = Cell::new(0u32);
    runtime.add_near_heap_limit_callback(move |current, _initial| {
        if seen.get() == 0 {
            let heap = u64::try_from(current).unwrap_or(u64::MAX);
            seen.set(heap);
            handle.terminate_execution();
            if let Some(hook) = HEAP_LIMIT_HOOK.get() {
                // The op state may be borrowed by the op that allocated: then no label.
                let label = state.try_borrow().ok().and_then(|state| {
                    state
                        .try_borrow::<HandlerLabel>()
                        .map(|label| label.0.clone())
                });
                hook(label.as_deref().unwrap_or(""), max, heap);
            }
        }
        if grants.get() >= MOST_GRANTS {
            return current;
        }
        grants.set(grants.get() + 1);
        current.saturating_add(UNWIND_ROOM)
    });
    fired
}

/// The counting ArrayBuffer allocator: V8's allocator interface, over `calloc`/`malloc`.
mod allocator {
    #![allow(
        unsafe_code,
        reason = "V8's ArrayBuffer allocator is a C vtable of raw-pointer callbacks"
    )]

    use super::*;

    static VTABLE: v8::RustAllocatorVtable<Buffers> = v8::RustAllocatorVtable {
        allocate,
        allocate_uninitialized,
        free,
        drop,
    };

    pub(super) fn new(buffers: Arc<Buffers>) -> v8::UniqueRef<v8::Allocator> {
        // SAFETY: the handle is a leaked `Arc<Buffers>`, which `drop` below takes back when
        // V8 disposes of the allocator; VTABLE's functions expect exactly that handle.
        unsafe { v8::new_rust_allocator(Arc::into_raw(buffers), &VTABLE) }
    }

    unsafe extern "C" fn allocate(buffers: &Buffers, len: usize) -> *mut c_void {
        if !buffers.reserve(len) {
            return std::ptr::null_mut();
        }
        // SAFETY: calloc may be called with any size; a null result is handled.
        let data = unsafe { libc::calloc(len.max(1), 1) };
        if data.is_null() {
            buffers.release(len);
        }
        data
    }

    unsafe extern "C" fn allocate_uninitialized(buffers: &Buffers, len: usize) -> *mut c_void {
        if !buffers.reserve(len) {
            return std::ptr::null_mut();
        }
        // SAFETY: malloc may be called with any size; a null result is handled.
        let data = unsafe { libc::malloc(len.max(1)) };
        if data.is_null() {
            buffers.release(len);
        }
        data
    }

    unsafe extern "C" fn free(buffers: &Buffers, data: *mut c_void, len: usize) {
        // SAFETY: V8 frees only what `allocate` or `allocate_uninitialized` returned.
        unsafe { libc::free(data) };
        buffers.release(len);
    }

    /// Asks for a full collection on `isolate`'s thread at its next interrupt check.
    pub(super) fn collect_soon(isolate: &v8::IsolateHandle) {
        isolate.request_interrupt(collect, std::ptr::null_mut());
    }

    unsafe extern "C" fn collect(isolate: v8::UnsafeRawIsolatePtr, _data: *mut c_void) {
        // SAFETY: V8 runs interrupts on the isolate's thread, with the isolate that asked.
        let mut isolate = unsafe { v8::Isolate::from_raw_isolate_ptr(isolate) };
        isolate.low_memory_notification();
    }

    /// See [`super::count_heap`].
    pub(super) fn count_heap(isolate: &mut v8::Isolate, buffers: &Arc<Buffers>) {
        // The callback's data is the allocator's own `Arc<Buffers>` (not counted again): the
        // allocator lives as long as the isolate, and no collection runs after it is gone.
        let data = Arc::as_ptr(buffers).cast_mut().cast::<c_void>();
        isolate.add_gc_epilogue_callback(
            collected,
            data,
            v8::GCType::kGCTypeScavenge
                | v8::GCType::kGCTypeMinorMarkSweep
                | v8::GCType::kGCTypeMarkSweepCompact,
        );
    }

    unsafe extern "C" fn collected(
        isolate: v8::UnsafeRawIsolatePtr,
        _type: v8::GCType,
        _flags: v8::GCCallbackFlags,
        data: *mut c_void,
    ) {
        // SAFETY: V8 calls this on the isolate's thread with the isolate it collected, and
        // `data` is the `Buffers` its allocator holds, alive while the isolate is.
        let (mut isolate, buffers) = unsafe {
            (
                v8::Isolate::from_raw_isolate_ptr(isolate),
                &*data.cast_const().cast::<Buffers>(),
            )
        };
        let heap = isolate.get_heap_statistics().used_heap_size();
        if buffers.collected(heap) {
            isolate.terminate_execution();
        }
    }

    unsafe extern "C" fn drop(buffers: *const Buffers) {
        // SAFETY: `buffers` came from `Arc::into_raw` in `new` and is dropped once, here.
        std::mem::drop(unsafe { Arc::from_raw(buffers) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_refuse_past_the_budget_and_remember_the_first_refusal() {
        let buffers = Buffers {
            budget: 100,
            ..Buffers::default()
        };
        assert!(buffers.reserve(60));
        // A first refusal is not final: V8 collects garbage and asks again.
        assert!(!buffers.reserve(50));
        assert_eq!(buffers.refused(), None);
        assert!(!buffers.collected(0));
        assert!(!buffers.reserve(50));
        assert_eq!(buffers.refused(), Some(50));
        assert!(!buffers.reserve(70));
        assert_eq!(buffers.refused(), Some(50));
        buffers.release(60);
        assert!(buffers.reserve(100));
        assert_eq!(buffers.held(), 100);
    }

    #[test]
    fn a_refusal_that_a_collection_cures_is_forgotten() {
        let buffers = Buffers {
            budget: 100,
            ..Buffers::default()
        };
        assert!(buffers.reserve(90));
        assert!(!buffers.reserve(20));
        // The collection frees garbage buffers; V8's second try fits.
        buffers.release(90);
        assert!(!buffers.collected(0));
        assert!(buffers.reserve(20));
        assert_eq!(buffers.refused(), None);
        // A refusal with no collection since the last one is not final either.
        assert!(buffers.reserve(70));
        assert!(!buffers.reserve(20));
        assert!(!buffers.reserve(20));
        assert_eq!(buffers.refused(), None);
    }

    #[test]
    fn buffers_and_heap_share_one_budget() {
        let buffers = Buffers {
            budget: 100,
            ..Buffers::default()
        };
        assert!(!buffers.collected(70));
        assert!(!buffers.reserve(40), "70 of heap leaves room for 30");
        assert!(buffers.reserve(30));
        assert!(!buffers.collected(70));
        assert!(buffers.collected(80), "the heap grew: 110 held in all");
        assert!(!buffers.collected(90), "reported once");
        assert_eq!(buffers.over(), Some(110));
    }
}
