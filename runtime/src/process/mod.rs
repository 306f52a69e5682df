//! Worker processes: isolates run outside the gateway, in sandboxed processes of the same
//! binary, so that nothing a tenant's code does (V8 aborting on out-of-memory, a crash, a
//! runaway allocation) can take the gateway or other processes' tenants down.
//!
//! - `wire.rs`: the frames and their codec (length-prefixed postcard over two Unix sockets:
//!   one for requests, one for the calls an isolate thread waits on).
//! - `flow.rs`: body streams across the socket with credit-based flow control.
//! - `files.rs`: tenant code read by the gateway for the worker's module loaders.
//! - `host.rs`: the gateway's side: a [`Slot`] per worker process and its supervisor, the
//!   [`Link`](host::Link) to the running process.
//! - `egress.rs`: the gateway's side of the workers' outbound fetch: a Unix socket per
//!   slot, served as a forward proxy under each tenant's fetch policy.
//! - `exit.rs`: how a worker process ends (its memory-ceiling exit code, the words logged).
//! - `blame.rs`: whom an end is blamed on (the heap-limit note, requests in flight, work an
//!   isolate began with none in flight), and the isolate threads' notices of the last.
//! - `placement.rs`: the [`Remote`] a `WorkerHandle` holds: which slot an isolate is in.
//! - `cordon.rs`: the [`Cordon`] that moves crashing and CPU-bound tenants into worker
//!   processes of their own, at idle CPU priority.
//! - `guest.rs`: the worker process's side: [`serve_worker`].
//! - `sandbox.rs`: `no_new_privs`, seccomp and Landlock, entered before any isolate exists.

mod blame;
mod cordon;
mod egress;
mod exit;
mod files;
mod flow;
mod guest;
mod host;
mod placement;
mod sandbox;
mod wire;

pub(crate) use blame::background_began;
pub(crate) use cordon::Cordon;
pub use guest::serve_worker;
pub(crate) use host::Slot;
pub(crate) use placement::Remote;
pub(crate) use wire::WorkerSettings;
