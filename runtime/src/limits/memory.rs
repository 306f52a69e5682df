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

use crate::ext::console::HandlerLabel;
use crate::ext::counter::Account;

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
    /// Heap plus buffers when a full collection was last asked for by [`Buffers::charge`]
    /// (lowered to what a collection leaves).
    asked_at: AtomicUsize,
    /// The ArrayBuffer bytes V8 counted when the isolate was made (its external strings,
    /// from the snapshot), which the isolate's own buffers are measured above.
    external_base: AtomicUsize,
    /// A verifying collection is asked for or running.
    verifying: std::sync::atomic::AtomicBool,
    /// The measure that last asked for one (0: the measure fit since).
    verified_at: AtomicUsize,
}

/// What a collection found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// Heap and buffers fit.
    Fits,
    /// Past the budget: the isolate is to be stopped.
    Over,
    /// Past it only by V8's count of backing stores, which still holds buffers freed by
    /// this collection until they are swept: a full collection that completes the sweep is
    /// to tell.
    Verify,
}

impl Buffers {
    fn reserve(&self, len: usize) -> bool {
        if !self.take(len, false) {
            self.refuse(len);
            return false;
        }
        self.pending.store(0, Ordering::Relaxed);
        true
    }

    /// Notes a refused allocation: final when the same size was refused before and a
    /// collection ran in between (V8's own retry after freeing garbage also failed), so a
    /// handler that makes garbage buffers faster than V8 collects them is not stopped.
    fn refuse(&self, len: usize) {
        let wide = u64::try_from(len).unwrap_or(u64::MAX);
        let retried = self.pending.load(Ordering::Relaxed) == wide
            && self.collected_since.load(Ordering::Relaxed);
        if retried {
            self.refuse_now(len);
        } else {
            self.pending.store(wide, Ordering::Relaxed);
            self.collected_since.store(false, Ordering::Relaxed);
        }
    }

    /// Gives back `len` bytes reserved or charged.
    fn release(&self, len: usize) {
        self.held.fetch_sub(len, Ordering::Relaxed);
    }

    /// Adds `len` to what is held, when it fits beside the heap (or in any case: `always`);
    /// true when it fits.
    fn take(&self, len: usize, always: bool) -> bool {
        let budget = self
            .budget
            .saturating_sub(self.heap.load(Ordering::Relaxed));
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            let after = held.saturating_add(len);
            let fits = after <= budget;
            if !fits && !always {
                return false;
            }
            match self
                .held
                .compare_exchange_weak(held, after, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return fits,
                Err(now) => held = now,
            }
        }
    }

    /// Records a refusal of `len` bytes as final (no retry after a collection will come);
    /// true when it is the first.
    fn refuse_now(&self, len: usize) -> bool {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        self.refused
            .compare_exchange(0, len, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    fn collect_if_half_full(&self, isolate: &v8::IsolateHandle) {
        let total = self
            .held
            .load(Ordering::Relaxed)
            .saturating_add(self.heap.load(Ordering::Relaxed));
        let asked_at = self.asked_at.load(Ordering::Relaxed);
        if total > self.budget / 2 && total > asked_at.saturating_add(self.budget / 8) {
            self.asked_at.store(total, Ordering::Relaxed);
            allocator::collect_soon(isolate);
        }
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

    /// Records the heap's size after a collection, and tells whether heap and buffers fit.
    fn collected(&self, heap: usize, external: usize) -> Found {
        self.heap.store(heap, Ordering::Relaxed);
        self.collected_since.store(true, Ordering::Relaxed);
        let total = heap.saturating_add(self.held.load(Ordering::Relaxed));
        self.asked_at.fetch_min(total, Ordering::Relaxed);
        if total > self.budget {
            return self.over_at(total);
        }
        // Buffers made from memory a native part allocated (an op's output) are not the
        // allocator's, but V8 counts every backing store.
        let measured = heap.saturating_add(self.measured(external));
        if measured <= self.budget {
            self.verified_at.store(0, Ordering::Relaxed);
            return Found::Fits;
        }
        // Asked again only as the measure grows, so that buffers made and dropped quickly
        // do not cost a full collection each time.
        let again = self
            .verified_at
            .load(Ordering::Relaxed)
            .saturating_add(self.budget / 4);
        if measured < again || self.verifying.swap(true, Ordering::Relaxed) {
            return Found::Fits;
        }
        self.verified_at.store(measured, Ordering::Relaxed);
        Found::Verify
    }

    /// The buffers held by V8's count of backing stores `external` (the larger figure).
    fn measured(&self, external: usize) -> usize {
        let above = external.saturating_sub(self.external_base.load(Ordering::Relaxed));
        self.held.load(Ordering::Relaxed).max(above)
    }

    /// After a full collection that completed the sweep: stops the isolate when heap and
    /// buffers, as V8 counts them now, are past the budget.
    fn verified(&self, heap: usize, external: usize) -> Found {
        self.verifying.store(false, Ordering::Relaxed);
        let total = heap.saturating_add(self.measured(external));
        if total > self.budget {
            self.over_at(total)
        } else {
            Found::Fits
        }
    }

    fn over_at(&self, total: usize) -> Found {
        let total = u64::try_from(total).unwrap_or(u64::MAX);
        match self
            .over
            .compare_exchange(0, total, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => Found::Over,
            Err(_) => Found::Fits,
        }
    }

    /// Heap plus buffers when a collection found them past the budget, if one did.
    pub(crate) fn over(&self) -> Option<u64> {
        match self.over.load(Ordering::Relaxed) {
            0 => None,
            total => Some(total),
        }
    }
}

/// The runtime's native parts (`ext/counter.rs`) and the Blob store (`ext/blobs.rs`) count
/// against the same figure.
impl Account for Buffers {
    fn charge(&self, len: usize, isolate: &v8::IsolateHandle) -> bool {
        let fits = self.take(len, false);
        if !fits {
            self.refuse_now(len);
        }
        self.collect_if_half_full(isolate);
        fits
    }

    fn force(&self, len: usize, isolate: &v8::IsolateHandle) {
        if !self.take(len, true) {
            self.refuse_now(len);
        }
        self.collect_if_half_full(isolate);
    }

    fn release(&self, len: usize) {
        Buffers::release(self, len);
    }

    fn room(&self) -> usize {
        self.budget
            .saturating_sub(self.heap.load(Ordering::Relaxed))
            .saturating_sub(self.held.load(Ordering::Relaxed))
    }

    fn refused(&self) -> bool {
        Buffers::refused(self).is_some()
    }

    fn refuse(&self, len: usize) {
        self.refuse_now(len);
    }

    fn total(&self) -> usize {
        self.budget
    }

    fn collect_soon(&self, isolate: &v8::IsolateHandle) {
        allocator::collect_soon(isolate);
    }

    fn blobs_overdrawn(&self, len: usize, held: usize) {
        if self.refuse_now(len) {
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
        let external = isolate.get_heap_statistics().external_memory();
        buffers.external_base.store(external, Ordering::Relaxed);
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
        let stats = isolate.get_heap_statistics();
        match buffers.collected(stats.used_heap_size(), stats.external_memory()) {
            Found::Fits => {}
            Found::Over => {
                isolate.terminate_execution();
            }
            Found::Verify => {
                isolate.thread_safe_handle().request_interrupt(verify, data);
            }
        }
    }

    /// Collects all it can (which completes the sweep of freed buffers), then measures.
    unsafe extern "C" fn verify(isolate: v8::UnsafeRawIsolatePtr, data: *mut c_void) {
        // SAFETY: V8 runs interrupts on the isolate's thread, with the isolate that asked;
        // `data` is the `Buffers` its allocator holds, alive while the isolate is.
        let (mut isolate, buffers) = unsafe {
            (
                v8::Isolate::from_raw_isolate_ptr(isolate),
                &*data.cast_const().cast::<Buffers>(),
            )
        };
        isolate.low_memory_notification();
        let stats = isolate.get_heap_statistics();
        if buffers.verified(stats.used_heap_size(), stats.external_memory()) == Found::Over {
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
        assert_eq!(buffers.collected(0, 0), Found::Fits);
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
        assert_eq!(buffers.collected(0, 0), Found::Fits);
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
        assert_eq!(buffers.collected(70, 0), Found::Fits);
        assert!(!buffers.reserve(40), "70 of heap leaves room for 30");
        assert!(buffers.reserve(30));
        assert_eq!(buffers.collected(70, 0), Found::Fits);
        assert_eq!(
            buffers.collected(80, 0),
            Found::Over,
            "the heap grew: 110 held in all"
        );
        assert_eq!(buffers.collected(90, 0), Found::Fits, "reported once");
        assert_eq!(buffers.over(), Some(110));
    }

    #[test]
    fn buffers_the_allocator_did_not_make_are_measured_after_a_collection() {
        let buffers = Buffers {
            budget: 100,
            ..Buffers::default()
        };
        buffers.external_base.store(5, Ordering::Relaxed);
        assert!(buffers.reserve(10));
        // V8 counts 60 bytes of backing stores above the isolate's own at its start: 50 of
        // them made by native parts, which the allocator never saw.
        assert_eq!(
            buffers.collected(30, 65),
            Found::Fits,
            "30 of heap and 60 of buffers fit"
        );
        // 50 of heap and 60 of buffers do not, unless some were freed and not yet swept.
        assert_eq!(buffers.collected(50, 65), Found::Verify);
        assert_eq!(buffers.collected(50, 65), Found::Fits, "asked once");
        assert_eq!(buffers.verified(50, 25), Found::Fits, "they were garbage");
        assert_eq!(
            buffers.collected(50, 70),
            Found::Fits,
            "asked again only as it grows"
        );
        assert_eq!(buffers.collected(50, 95), Found::Verify);
        assert_eq!(buffers.verified(50, 95), Found::Over);
        assert_eq!(buffers.over(), Some(140));
    }

    #[test]
    fn native_charges_are_refused_at_once_past_the_budget() {
        let buffers = Buffers {
            budget: 100,
            ..Buffers::default()
        };
        assert!(buffers.take(60, false));
        assert!(!buffers.take(50, false));
        assert_eq!(buffers.held(), 60);
        // A charge that cannot be refused is counted and reported over.
        assert!(!buffers.take(50, true));
        assert_eq!(buffers.held(), 110);
        assert_eq!(buffers.room(), 0);
    }
}
