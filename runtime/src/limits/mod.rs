//! Per-tenant limits and the reasons a request is stopped by one.
//!
//! - `cpu.rs`: the CPU watchdog: each isolate thread's CPU clock, read by one watchdog
//!   thread that terminates a JavaScript run going past the limit (the clocks: `clock.rs`).
//! - `memory.rs`: the V8 heap cap and the near-heap-limit callback that stops the isolate
//!   cleanly instead of letting V8 abort the process.
//!
//! - `wall.rs`: the wall-clock limit over a streamed response body.
//!
//! The wall-clock limit is a deadline on [`crate::WorkerHandle::dispatch`] for the head and
//! on the body that follows (`wall.rs`); the subrequest limit is counted in JS by the
//! `fetch` wrapper.

mod breach;
pub(crate) mod cpu;
pub(crate) mod memory;
pub(crate) mod wall;

pub(crate) use breach::millis;
pub(crate) use breach::whole_millis;
pub use breach::LimitBreach;
pub use breach::LimitKind;
pub use breach::Limits;
pub use breach::Measured;
pub(crate) use breach::STARTUP_CPU;
