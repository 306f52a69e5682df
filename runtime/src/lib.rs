//! `isogate-runtime`: runs Workers-style JavaScript/TypeScript handlers in V8 isolates.
//!
//! An isolate is restored from a startup snapshot that already holds Deno's Web API
//! extensions (deno_webidl, deno_web, deno_crypto, deno_fetch), isogate's bootstrap and the
//! Node.js built-ins behind `nodejs_compat` globals (reachable only with that flag), so a
//! fresh isolate only has to evaluate the tenant's module. This crate serves no inbound
//! HTTP and terminates no TLS: the gateway hands it plain [`HandlerRequest`]s.
//!
//! # Layout
//! - `message`: [`HandlerRequest`], [`HandlerResponse`], [`ResponseBody`]: plain values
//!   that cross threads.
//! - `pool`: [`IsolatePool`] (worker threads hosting isolates and warm spares, or worker
//!   processes), [`WorkerHandle`] (the `Send` proxy, with its [`LoadState`]).
//! - `process`: worker processes (Linux): the gateway's supervisor of each, the framed
//!   socket between them with flow-controlled body streams and tenant code read by the
//!   gateway, the worker's side ([`serve_worker`], run by the binary's hidden `__worker`
//!   subcommand), its sandbox, and the cordon that keeps repeat offenders apart.
//! - `isolate`: [`Isolate`]: restore from the snapshot, load the module, run the event loop
//!   under the CPU watchdog, retire when idle or worn ([`Retirement`]). Isolates rest
//!   *exited* so that many can share a worker thread.
//! - `loader`: the module loader: files only (read from disk, or through the gateway in a
//!   worker process, `loader/files.rs`; or from a bundle mounted in memory by content digest,
//!   `loader/bundle.rs`), confined to the handler's project and resolving
//!   imports as bundlers do (`loader/project.rs`), packages from the project's
//!   `node_modules` (`loader/packages.rs`), CommonJS (`loader/cjs.rs`), Node.js built-ins
//!   under `nodejs_compat` (`loader/node.rs`), TypeScript and JSX by the project's tsconfig,
//!   with source maps; compiled code kept for the process (`loader/code_cache.rs`); the
//!   files a handler's module graph reaches, by loading it (`loader/graph.rs`).
//! - `ext`: the ordered extension list (`ext/mod.rs`), isogate's ops (`http`, `console`),
//!   the outbound fetch policy (`fetch`), the Cache API's store (`cache`, behind the
//!   [`HandlerCache`] the embedder implements) and `HTMLRewriter` over lol-html (`html`),
//!   whose threads charge their CPU time to the isolate (`helpers`), the tenant's own
//!   threads for Web Crypto's work off the isolate thread, charged the same way
//!   (`offload`), small digests on the isolate thread (`digest`), the Blob store whose
//!   bytes are held to the memory limit (`blobs`), and compression streams whose state and
//!   output are (`compression`, counting through `counter`).
//! - `limits`: [`Limits`] and the [`LimitBreach`] a stopped request reports: the CPU
//!   watchdog (`limits/cpu.rs`), the heap cap (`limits/memory.rs`), the wall clock over
//!   a streamed body (`limits/wall.rs`, after the deadline on dispatch); subrequests are
//!   counted by the `fetch` wrapper in JS.
//! - `clock`: thread CPU clocks, read by the watchdog and for offload threads.
//! - `error`: [`RuntimeError`], [`LoaderError`].
//! - `js/`: the bootstrap evaluated into the snapshot (`00_scope.js` is the running
//!   request and the rule that I/O needs one, `01_globals.js` builds the global scope,
//!   `02_subtle.js` bounds `crypto.subtle`'s work off the isolate thread, `05_cache.js`
//!   the Cache API, `06_html_rewriter.js` `HTMLRewriter`, `10_serve.js` is the serve loop,
//!   `99_main.js` the entry).
//!
//! # Flow of one request
//! 1. The gateway calls [`WorkerHandle::dispatch`] with a [`HandlerRequest`].
//! 2. The handler's queue (on the worker thread that hosts its isolate) hands it, with any
//!    others waiting, to the JS serve loop (`op_isogate_req_next`), which builds a real
//!    `Request` (its body a `ReadableStream` over the gateway's body stream).
//! 3. The handler's `fetch(request, env, ctx)` runs; its `Response` goes back through
//!    `op_isogate_resp_send`, complete or as a stream pumped chunk by chunk.
//! 4. A throw becomes [`RuntimeError::HandlerFailed`] with the source-mapped stack; a limit
//!    stop becomes [`RuntimeError::LimitExceeded`] for every request the isolate held.

#![deny(clippy::unwrap_used, clippy::expect_used)]
#![warn(missing_docs)]

mod clock;
mod error;
mod ext;
mod isolate;
mod limits;
mod loader;
mod message;
mod pool;
#[cfg(target_os = "linux")]
mod process;

pub use error::ErrorSource;
pub use error::LoaderError;
pub use error::RuntimeError;
pub use ext::cache::CacheHandle;
pub use ext::cache::CacheRequest;
pub use ext::cache::CachedResponse;
pub use ext::cache::HandlerCache;
pub use ext::console::LogLevel;
pub use ext::fetch::FetchPolicy;
pub use isolate::Isolate;
pub use isolate::Retirement;
pub use limits::LimitBreach;
pub use limits::LimitKind;
pub use limits::Limits;
pub use limits::Measured;
pub use loader::bundle::mount as mount_bundle;
pub use loader::bundle::Bundle;
pub use loader::bundle::BundleError;
pub use loader::bundle::BundleLimits;
pub use loader::bundle::BUNDLES;
pub use loader::graph::reached_files;
pub use loader::project::project_root;
pub use message::BodyError;
pub use message::BodyStream;
pub use message::CpuCharge;
pub use message::HandlerRequest;
pub use message::HandlerResponse;
pub use message::RequestId;
pub use message::ResponseBody;
pub use pool::prefer_throughput;
pub use pool::HandlerSpec;
pub use pool::IsolatePool;
pub use pool::LoadState;
pub use pool::PoolOptions;
pub use pool::ProcessOptions;
pub use pool::UsageMeters;
pub use pool::WorkerCommand;
pub use pool::WorkerHandle;
pub use pool::WorkerStats;
#[cfg(target_os = "linux")]
pub use process::serve_worker;
