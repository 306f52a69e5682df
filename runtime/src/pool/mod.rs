//! Worker threads that own isolates, and the `Send` handles the gateway holds.
//!
//! Each worker is one OS thread with a current-thread tokio runtime and one isolate; the
//! isolate serves many requests concurrently, like a Workers isolate.

mod handle;
mod sched;
mod worker;

pub use handle::LoadState;
pub use handle::WorkerHandle;
pub use sched::prefer_throughput;
pub use worker::HandlerSpec;
