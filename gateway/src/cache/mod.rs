//! The response cache: a shared HTTP cache (RFC 9111) in front of the handlers, on moka.
//!
//! - `key.rs`: [`CacheKey`]: tenant, cache name, scheme, host, path and query (optionally
//!   sorted), and the request's values of the headers the response varies on.
//! - `policy.rs`: `Cache-Control` and friends → may it be stored, how fresh, how stale may
//!   it be served; conditional requests.
//! - `store.rs`: [`ResponseCache`] (the global bound) and [`TenantCache`] (one per tenant,
//!   with its quota and counters); purges.
//! - `lazy.rs`: a tenant's moka caches, made on first use.
//! - `index.rs`: what a purge of one URL needs to find its entries without a walk.
//! - `flight.rs`: request coalescing: one handler call per missing entry.
//! - `tee.rs`: streamed responses stored while they are sent.
//! - `range.rs`: byte ranges of a stored `200`, answered `206` or `416`.
//! - `exchange.rs`: the cache's part of the request pipeline: [`consult`] before the
//!   handler, [`Forward::finish`] after it, with `Cache-Status` (RFC 9211) on every answer.

mod api;
mod exchange;
mod flight;
mod index;
mod key;
mod lazy;
mod policy;
mod range;
mod store;
mod tee;

pub use exchange::consult;
pub use exchange::Ask;
pub use exchange::Consult;
pub use exchange::Forward;
pub use exchange::Landed;
pub use exchange::Use;
pub use exchange::Wait;
pub use exchange::CACHE_STATUS;
pub use key::edge_of_version;
pub use key::target as keyed_target;
pub use key::CacheKey;
pub use policy::RoutePolicy;
pub use store::Bounds;
pub use store::CacheFigures;
pub use store::Purge;
pub use store::ResponseCache;
pub use store::TenantCache;
