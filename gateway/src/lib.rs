//! `isogate-gateway`: the edge in front of the isolates. It accepts connections, speaks
//! HTTP/1.1 and HTTP/2 through hyper, and runs each request through the tenant's handler in
//! `isogate-runtime`.
//!
//! # Layout
//! - `server`: `run(listener, dispatcher, shutdown)`: the accept loop, one task per connection.
//! - `http`: hyper connection serving; `request.rs` (request id, absolute URL, body stream)
//!   and `response.rs` (the one place errors become responses; the access log).
//! - `dispatch`: the pipeline below, top to bottom.
//! - `dev`: `isogate dev`'s file watcher that reloads the handler on change.
//! - `error`: `GatewayError` and its status map.
//!
//! # Request flow
//! 1. **Accept**: `server::run` spawns a task per socket.
//! 2. **HTTP**: `http::serve_connection` serves it with hyper (h1 or h2c with prior knowledge).
//! 3. **Request id**: `http::request` keeps a sane `X-Request-Id` or stamps a new one.
//! 4. **Isolate dispatch**: `dispatch` hands a `HandlerRequest` to the handler's worker.
//! 5. **Response**: `http::response` streams the `HandlerResponse` back, or renders the error.
//! 6. **Access log**: one line per request with method, path, status, duration and id.

#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod admin;
pub mod config;
pub mod dev;
pub mod dispatch;
pub mod error;
pub mod http;
pub mod reload;
pub mod routing;
pub mod server;
pub mod tls;
