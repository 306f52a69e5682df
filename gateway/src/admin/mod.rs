//! The admin listener (loopback by default): `/healthz` (the process serves), `/readyz`
//! (every handler module of the current config has loaded), `/metrics` (Prometheus text),
//! `/admin/usage[?tenant=NAME]` (what a tenant, or each, used since the window opened, as
//! JSON), `POST /admin/cache/purge` (`purge.rs`; needs the admin token) and the `/v1` API
//! of tenants, versions and deployments (`v1.rs`; needs the admin token or a tenant's,
//! whose writes `throttle.rs` bounds).

mod purge;
mod throttle;
mod v1;

pub use throttle::Throttle;

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::Request;
use http::Response;
use http::StatusCode;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use isogate_runtime::IsolatePool;
use isogate_runtime::LoadState;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::cache::CacheFigures;
use crate::cache::ResponseCache;
use crate::deploy::Platform;
use crate::dispatch::Connection;
use crate::dispatch::Dispatcher;
use crate::http::request::PeerAddress;
use crate::http::serve_connection;
use crate::http::ConnectionLimits;
use crate::http::Reclaim;
use crate::http::Respond;
use crate::metrics::Metrics;
use crate::server;

/// What the admin endpoints read from.
#[derive(Debug)]
pub struct Admin {
    /// The live routing table, for readiness.
    pub dispatcher: Arc<Dispatcher>,
    /// The metrics and usage figures.
    pub metrics: Arc<Metrics>,
    /// The isolate pool, whose figures are read for each scrape.
    pub pool: Arc<IsolatePool>,
    /// The response cache, purged here and read for each scrape.
    pub cache: ResponseCache,
    /// The bearer token write endpoints need; without one they are refused.
    pub token: Option<String>,
    /// The store behind `/v1`, when the gateway keeps one.
    pub platform: Option<Arc<Platform>>,
    /// How fast tenant tokens may write through `/v1`.
    pub throttle: Throttle,
}

/// Connections the admin listener serves at once.
const MOST_CONNECTIONS: usize = 256;

/// Serves the admin endpoints on `listener` until the task is dropped, with the same
/// protections as the main listeners: `limits` per connection (head size and read timeout,
/// idle timeout, requests per connection), a cap on open connections (making room by
/// closing the longest idle one) and a back-off when `accept` fails.
pub async fn run(listener: TcpListener, admin: Arc<Admin>, limits: ConnectionLimits) {
    let permits = Arc::new(Semaphore::new(MOST_CONNECTIONS));
    let reclaim = Arc::new(Reclaim::default());
    let limits = Arc::new(limits);
    // The admin listener ends with the process; nothing asks its connections to close.
    let (_never, shutdown) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some(permit) = server::permit(&permits, &reclaim).await else {
                        server::refuse(stream, true, &mut connections);
                        continue;
                    };
                    let connection = Connection {
                        peer: PeerAddress::new(peer.ip()),
                        tls: false,
                        sni: None,
                        tls_session: None,
                    };
                    let (admin, limits, reclaim) = (admin.clone(), limits.clone(), reclaim.clone());
                    let shutdown = shutdown.clone();
                    connections.spawn(async move {
                        let _permit = permit;
                        let io = TokioIo::new(stream);
                        serve_connection(io, connection, admin, &limits, &reclaim, shutdown).await;
                    });
                }
                Err(error) => server::accept_failed(&error).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

impl Respond for Arc<Admin> {
    type Body = Full<Bytes>;

    async fn respond(
        self,
        request: Request<Incoming>,
        _: Arc<Connection>,
    ) -> Response<Full<Bytes>> {
        answer(request, &self).await
    }
}

async fn answer(request: Request<Incoming>, admin: &Admin) -> Response<Full<Bytes>> {
    if request.uri().path() == "/admin/cache/purge" {
        return purge::handle(request, admin).await;
    }
    if request.uri().path().starts_with("/v1/") {
        return v1::handle(request, admin).await;
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".to_owned());
    }
    match request.uri().path() {
        "/healthz" => text(StatusCode::OK, "ok\n".to_owned()),
        "/readyz" => readiness(&admin.dispatcher),
        "/metrics" => {
            admin.metrics.record_pool(&admin.pool.stats());
            admin.metrics.record_cordoned(&admin.pool.cordoned());
            let table = admin.dispatcher.table();
            admin.metrics.record_consumption(&table.consumption());
            admin.metrics.record_isolates(&table.isolates());
            admin.metrics.record_cache(&cache_figures(&admin.cache));
            // OpenMetrics to a scraper that asks for it, else the classic text format.
            let openmetrics = request
                .headers()
                .get_all(http::header::ACCEPT)
                .iter()
                .filter_map(|accept| accept.to_str().ok())
                .any(|accept| accept.contains("application/openmetrics-text"));
            let mut response = text(StatusCode::OK, admin.metrics.render(openmetrics));
            let kind = if openmetrics {
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            } else {
                "text/plain; version=0.0.4; charset=utf-8"
            };
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(kind),
            );
            response
        }
        "/admin/usage" => usage(&request, admin),
        _ => text(StatusCode::NOT_FOUND, "not found\n".to_owned()),
    }
}

/// `GET /admin/usage?tenant=NAME`: the tenant's figures since the window opened; without
/// `tenant`, every tenant's, as `{ "window_start_unix_s", "tenants": [...] }`.
fn usage(request: &Request<Incoming>, admin: &Admin) -> Response<Full<Bytes>> {
    let tenant = request.uri().query().and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == "tenant")
            .map(|(_, value)| value.to_owned())
    });
    let table = admin.dispatcher.table();
    let consumption = table.consumption();
    let cache = admin.cache.figures();
    let figures_of = |tenant: &str| {
        let (figures, since) = admin.metrics.usage(tenant);
        let used = consumption.get(tenant).copied().unwrap_or_default();
        let cache = cache
            .iter()
            .find(|(name, _)| **name == *tenant)
            .map(|(_, figures)| *figures)
            .unwrap_or_default();
        // A tenant of the API: what each version of its live deployment answered in it.
        let versions: Vec<serde_json::Value> = table
            .tenants
            .iter()
            .find(|live| *live.id.0 == *tenant)
            .into_iter()
            .flat_map(|live| &live.versions.slots)
            .map(|slot| {
                let (requests, errors) = admin
                    .metrics
                    .version(tenant, slot.deployment, slot.id)
                    .figures();
                serde_json::json!({
                    "version": slot.id,
                    "deployment": slot.deployment,
                    "percentage": slot.percentage,
                    "requests": requests,
                    "errors_5xx": errors,
                })
            })
            .collect();
        serde_json::json!({
            "tenant": tenant,
            "versions": versions,
            "window_start_unix_s": since,
            "requests": figures.requests,
            "cpu_ms": used.cpu.as_secs_f64() * 1000.0,
            "subrequests": used.subrequests,
            "wall_ms": figures.wall_ms,
            "egress_bytes": figures.egress_bytes,
            "ingress_bytes": figures.ingress_bytes,
            "limit_stops": figures.limit_stops,
            "cache_hits": cache.hits,
            "cache_misses": cache.misses,
            "cache_bytes": cache.bytes,
        })
    };
    let body = match tenant {
        Some(tenant) => {
            if !table.tenants.iter().any(|live| *live.id.0 == *tenant) {
                return text(StatusCode::NOT_FOUND, format!("no tenant {tenant:?}\n"));
            }
            figures_of(&tenant)
        }
        None => {
            let tenants: Vec<serde_json::Value> = table
                .tenants
                .iter()
                .map(|live| figures_of(&live.id.0))
                .collect();
            serde_json::json!({
                "window_start_unix_s": admin.metrics.usage("").1,
                "tenants": tenants,
            })
        }
    };
    let mut response = text(StatusCode::OK, format!("{body}\n"));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// 200 when every handler has loaded; otherwise 503 listing those that have not.
fn readiness(dispatcher: &Dispatcher) -> Response<Full<Bytes>> {
    let mut waiting = String::new();
    for (tenant, entry, state) in dispatcher.table().load_states() {
        let state = match state {
            LoadState::Ready => continue,
            LoadState::Loading => "loading".to_owned(),
            LoadState::Failed(error) => format!("failed: {error}"),
        };
        let _ = writeln!(waiting, "{tenant} {}: {state}", entry.display());
    }
    if waiting.is_empty() {
        text(StatusCode::OK, "ready\n".to_owned())
    } else {
        text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready\n{waiting}"),
        )
    }
}

/// Every tenant's cache figures.
fn cache_figures(cache: &ResponseCache) -> Vec<(String, CacheFigures)> {
    cache
        .figures()
        .into_iter()
        .map(|(tenant, figures)| (tenant.to_string(), figures))
        .collect()
}

/// The bearer token a request presents (empty when it presents none).
fn bearer<B>(request: &Request<B>) -> &str {
    request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("")
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
