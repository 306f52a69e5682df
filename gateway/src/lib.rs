//! `isogate-gateway`: the edge in front of the isolates. It terminates TLS (a certificate
//! per tenant by SNI), speaks HTTP/1.1 and HTTP/2 through hyper, routes each request by host
//! and path to a tenant's handler, and runs it in `isogate-runtime`'s isolate pool.
//!
//! # Layout
//! - `gateway`: [`gateway::Gateway`], what `isogate serve` runs: started from a config file
//!   (store, pool, table, listeners, admin, reloads), served until a signal; tests drive one
//!   in-process.
//! - `config`: `isogate.toml` parsed part by part into [`config::GatewayConfig`]; every
//!   error located (`file:line:col: key`); the files it names checked.
//! - `routing`: host → tenant → path + method → handler (matchit); `routing/table.rs` builds
//!   the live [`routing::table::RoutingTable`] from a config, reusing unchanged handlers.
//! - `tls`: rustls acceptor (ALPN h2, http/1.1) and the swappable SNI certificate store.
//! - `server`: `run(listeners, dispatcher, settings, pool, shutdown)`: accept loops, the
//!   connection cap (making room by closing the longest idle connection), hand-over of
//!   connections to pool workers, graceful drain.
//! - `http`: serving one connection with its limits, for any [`http::Respond`] (dispatch or
//!   admin); `host.rs` (the host a request names, parsed once), `reclaim.rs` (idle
//!   connections by age), `request.rs` (request id, forwarding headers, body cap) and
//!   `response.rs` (the one place errors become responses; the access log).
//! - `cache`: the response cache (RFC 9111 on moka, per-tenant quotas under a global bound,
//!   coalescing, `Cache-Status`) and the handlers' Cache API over it.
//! - `dispatch`: the request pipeline below, top to bottom.
//! - `reload`: SIGHUP and file-watch reloads, swapped in once the new handlers load.
//! - `metrics`: every metric defined once; per-tenant usage.
//! - `admin`: `/healthz`, `/readyz`, `/metrics`, `/admin/usage`, `/admin/cache/purge`, and
//!   the `/v1` API (`admin/v1.rs`; tenant tokens' writes rate-limited by `admin/throttle.rs`).
//! - `dev`: `isogate dev`'s watcher that reloads the one handler on change.
//! - `check`: `isogate check`: a config's problems, and with `--load` each handler loaded.
//! - `deploy`: tenants, versions and deployments given over `/v1`, kept in the store
//!   (`isogate-store`) and followed by every node; automatic rollback.
//! - `client`: `isogate deploy`, `versions`, `deployments`, `rollback`, `tenants`: the
//!   command line's client of `/v1`, packing a project's module graph for upload.
//! - `geo`: `request.cf` geolocation from MaxMind-format databases (`[server] geoip`), by
//!   the client address behind trusted proxies.
//! - `log_line`: the text log's field and time formatting (fast, and escaped so that a
//!   tenant's text cannot split or forge a line).
//! - `wrangler`: wrangler projects (`main`, `vars`, `compatibility_flags`, `.dev.vars`).
//! - `error`: `RequestError` (each with one `Descriptor`: status, code, log level, public
//!   text, retry-after) and `SetupError` (what stops a start or a reload).
//!
//! # Request flow
//! 1. **Accept**: `server::run` takes a permit from the connection semaphore and serves the
//!    socket on the gateway's runtime (with `isolation = "thread"`, on a pool worker thread).
//! 2. **TLS**: the handshake runs under a timeout; SNI picks the tenant certificate; ALPN
//!    picks h2 or http/1.1.
//! 3. **HTTP**: `http::serve_connection` serves it with hyper, with header timeout, size cap,
//!    idle timeout and a cap on requests per connection.
//! 4. **Route**: the host is parsed (400 when it is not one), then `dispatch` resolves
//!    host → tenant (421 across tenants on one TLS
//!    connection), then path and method → handler (404, 405).
//! 5. **Protect**: body cap (413).
//! 6. **Cache lookup**: a fresh entry answers here (`Cache-Status: isogate; hit`); concurrent
//!    misses of one entry wait for a single handler call.
//! 7. **Protect**: tenant concurrency (503), forwarding headers.
//! 8. **Isolate**: the handler's `WorkerHandle` runs it under the tenant's limits.
//! 9. **Store and respond**: the cache stores what it may (streamed bodies as they are sent);
//!    `http::response` streams the answer back, or renders the error with its `isogate-error`
//!    code; one access-log line when the body is done.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod cache;
pub mod check;
pub mod client;
pub mod config;
pub mod deploy;
pub mod dev;
pub mod dispatch;
pub mod error;
pub mod gateway;
pub mod geo;
pub mod http;
pub mod log_line;
pub mod metrics;
pub mod reload;
pub mod routing;
pub mod server;
pub mod tls;
pub mod wrangler;
