//! The heap cap. V8 is created with `max` as its old-generation limit; when the heap nears it
//! V8 calls back, and instead of letting it abort the process the callback terminates the
//! running JavaScript, records the figure, and grants a little room so the termination can
//! unwind. The isolate is then discarded by its worker.

use std::cell::Cell;
use std::rc::Rc;

use deno_core::v8;
use deno_core::JsRuntime;

/// Room granted past the limit so that termination can complete.
const UNWIND_ROOM: usize = 32 * 1024 * 1024;

/// V8 creation parameters for a heap of at most `max` bytes.
pub(crate) fn create_params(max: u64) -> v8::CreateParams {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    v8::CreateParams::default().heap_limits(0, max)
}

/// Installs the near-limit callback; the returned cell holds the heap size (bytes) at which
/// it fired, or 0.
pub(crate) fn guard(runtime: &mut JsRuntime) -> Rc<Cell<u64>> {
    let fired = Rc::new(Cell::new(0u64));
    let handle = runtime.v8_isolate().thread_safe_handle();
    let seen = fired.clone();
    runtime.add_near_heap_limit_callback(move |current, _initial| {
        if seen.get() == 0 {
            seen.set(u64::try_from(current).unwrap_or(u64::MAX));
            handle.terminate_execution();
        }
        current.saturating_add(UNWIND_ROOM)
    });
    fired
}
