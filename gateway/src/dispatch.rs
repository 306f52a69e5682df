//! The request pipeline, top to bottom. Read this first.
//!
//! 1. stamp a request id (a sane client `X-Request-Id`, or a fresh one);
//! 2. route: host → tenant (421 when the host does not belong on this TLS connection),
//!    then path and method → route (404, 405 with `Allow`);
//! 3. refuse a body larger than the tenant allows (413), before or while it streams;
//! 4. consult the response cache: a fresh entry (or a 304 from one) answers here, a stale
//!    one within `stale-while-revalidate` answers and is refreshed in the background, and
//!    concurrent misses for one entry wait for a single handler call;
//! 5. refuse a request over the tenant's concurrency (503 with `Retry-After`);
//! 6. set the forwarding headers the handler sees;
//! 7. run the route's handler in its isolate through the runtime's `WorkerHandle`;
//! 8. store the answer when it may be (streamed bodies while they are sent), label it with
//!    `Cache-Status`, and turn it, or the error, into a hyper response (`http/response.rs`);
//! 9. write one access-log line when the response body is done.
//!
//! Steps 2 to 4 never wait (`Run::route_and_consult`), so a cache hit is answered without
//! an async state of its own; the rest (`Run::onward`) runs in one boxed future.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use arc_swap::ArcSwap;
use http::header::STRICT_TRANSPORT_SECURITY;
use http::HeaderValue;
use http::Request;
use http::Response;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use isogate_runtime::CpuCharge;
use isogate_runtime::HandlerRequest;
use isogate_runtime::LimitBreach;
use isogate_runtime::LimitKind;
use isogate_runtime::Measured;
use isogate_runtime::RuntimeError;
use isogate_runtime::WorkerHandle;

use crate::cache;
use crate::cache::Consult;
use crate::cache::Landed;
use crate::error::RequestError;
use crate::http::host::RequestHost;
use crate::http::request;
use crate::http::request::PeerAddress;
use crate::http::request::Routed;
use crate::http::response;
use crate::http::response::AccessRecord;
use crate::http::response::GatewayBody;
use crate::http::response::LoggedBody;
use crate::metrics::Metrics;
use crate::routing::normalize_host;
use crate::routing::owned_params;
use crate::routing::table::RouteTarget;
use crate::routing::table::RoutingTable;
use crate::routing::table::Tenant;
use crate::routing::Lookup;

/// What the gateway knows about the connection a request came on.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The client (or the proxy in front of it).
    pub peer: PeerAddress,
    /// Whether the connection is TLS.
    pub tls: bool,
    /// The server name the TLS client asked for.
    pub sni: Option<String>,
    /// The TLS protocol and cipher suite the handshake settled on.
    pub tls_session: Option<request::TlsSession>,
}

impl Connection {
    fn scheme(&self) -> &'static str {
        if self.tls {
            "https"
        } else {
            "http"
        }
    }
}

/// Runs requests through the pipeline above against the current routing table.
#[derive(Debug)]
pub struct Dispatcher {
    table: ArcSwap<RoutingTable>,
    metrics: Arc<Metrics>,
    /// The port of the HTTPS listener, for redirects to it.
    https_port: Option<u16>,
}

impl Dispatcher {
    /// A dispatcher serving `table`, recording into `metrics`.
    pub fn new(table: RoutingTable, metrics: Arc<Metrics>) -> Self {
        Self {
            table: ArcSwap::from_pointee(table),
            metrics,
            https_port: None,
        }
    }

    /// Redirects `https_only` tenants' plain-HTTP requests to the HTTPS listener bound on
    /// `port`.
    pub fn with_https_port(mut self, port: Option<u16>) -> Self {
        self.https_port = port;
        self
    }

    /// The table new requests are routed by.
    pub fn table(&self) -> Arc<RoutingTable> {
        self.table.load_full()
    }

    /// Routes new requests by `table`; requests in flight finish on the one they started
    /// with, and workers no table uses any more drain and stop.
    pub fn replace(&self, table: RoutingTable) {
        self.table.store(Arc::new(table));
    }

    /// Handles one request end to end; never fails (errors become responses).
    pub async fn handle(
        &self,
        request: Request<Incoming>,
        connection: &Connection,
    ) -> Response<LoggedBody> {
        let table = self.table.load();
        let mut record = AccessRecord {
            started: Instant::now(),
            request_id: request::request_id(&request),
            method: request.method().clone(),
            uri: request.uri().clone(),
            tenant: None,
            meters: None,
            route: None,
            permit: None,
            ingress: None,
            cpu: CpuCharge::default(),
            host: request
                .uri()
                .authority()
                .and_then(|authority| http::HeaderValue::from_str(authority.as_str()).ok())
                .or_else(|| request.headers().get(http::header::HOST).cloned()),
            client: connection.peer.ip,
            user_agent: request.headers().get(http::header::USER_AGENT).cloned(),
            cache_status: None,
            version: None,
        };
        let run = Run {
            table: &table,
            connection,
            metrics: &self.metrics,
            https_port: self.https_port,
        };
        // The tenant's `Strict-Transport-Security`, once routed over TLS.
        let mut hsts = None;
        // Steps 2 to 4 never wait: a request the cache answers is done without a future of
        // its own. The others go on to steps 5 to 8 in one.
        let answer = match run.route_and_consult(request, &mut record, &mut hsts) {
            Ok(Step::Answered(response)) => Ok(response),
            Ok(Step::Onward(onward)) => Box::pin(run.onward(onward, &mut record)).await,
            Err(error) => Err(error),
        };
        let mut response = match answer {
            Ok(response) => response,
            Err(error) => {
                let tenant = record.tenant.as_ref();
                response::log_error(&error, &record.request_id, tenant, &self.metrics);
                response::from_error(&error, &record.request_id, table.policy.expose_errors)
            }
        };
        response::stamp_request_id(&mut response, &record.request_id);
        if let Some(hsts) = hsts {
            let headers = response.headers_mut();
            if !headers.contains_key(STRICT_TRANSPORT_SECURITY) {
                headers.insert(STRICT_TRANSPORT_SECURITY, hsts);
            }
        }
        response::with_access_log(response, record)
    }
}

/// One request's view of the gateway.
struct Run<'a> {
    table: &'a RoutingTable,
    connection: &'a Connection,
    metrics: &'a Arc<Metrics>,
    https_port: Option<u16>,
}

/// Where a request stands after the cache.
enum Step<'a> {
    /// Answered (from the cache).
    Answered(Response<GatewayBody>),
    /// On its way to the handler.
    Onward(Box<Onward<'a>>),
}

/// A request on its way to its handler.
struct Onward<'a> {
    request: Request<Incoming>,
    host: RequestHost,
    host_name: String,
    tenant: &'a Tenant,
    target: &'a RouteTarget,
    routed: Routed,
    cache: Option<Pending>,
}

/// What the cache still has to do for a request on its way to the handler.
enum Pending {
    /// Wait for another request fetching the same entry.
    Wait(cache::Wait),
    /// Store (or label) the handler's answer.
    Forward(Box<cache::Forward>),
}

impl<'a> Run<'a> {
    /// Names the tenant in the request's record, so that its figures count for it.
    fn attribute(&self, record: &mut AccessRecord, tenant: usize) -> Option<&'a Arc<Tenant>> {
        let tenant = self.table.tenant(tenant)?;
        record.tenant = Some(tenant.id.clone());
        record.meters = Some(tenant.meters(self.metrics).clone());
        Some(tenant)
    }

    /// Whether a trusted proxy in front says the client's request came over HTTPS.
    fn forwarded_secure<B>(&self, request: &Request<B>) -> bool {
        trusted(self.table, self.connection)
            && request
                .headers()
                .get(request::X_FORWARDED_PROTO)
                .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"))
    }

    /// Steps 2 to 4.
    fn route_and_consult(
        &self,
        request: Request<Incoming>,
        record: &mut AccessRecord,
        hsts: &mut Option<HeaderValue>,
    ) -> Result<Step<'a>, RequestError> {
        let Self {
            table, connection, ..
        } = *self;
        // 2. Route. A TLS client that named one tenant in its handshake may not reach another.
        let host = crate::http::host::host(&request)?;
        let host_name = normalize_host(host.as_str());
        let host_tenant = table.router.tenant_for_name(&host_name);
        if let Some(sni) = connection.sni.as_deref() {
            if table.router.tenant_for_host(sni) != host_tenant {
                return Err(RequestError::Misdirected {
                    host: host.as_str().to_owned(),
                });
            }
        }
        // A tenant of the API routes by the routes of the version the request goes to, and
        // during a split caches in that version's edge cache.
        let mut version_edge = None;
        let host_tenant = host_tenant.map(|index| {
            let Some(tenant) = table.tenant(index) else {
                return index;
            };
            match tenant.versions.pick(&tenant.id.0, request.headers(), || {
                // Behind trusted proxies, the client they report.
                crate::geo::client_address(
                    request.headers(),
                    connection.peer.ip,
                    &table.policy.trusted_proxies,
                )
            }) {
                Some(slot) => {
                    record.version = Some(slot.meters(&tenant.id.0, self.metrics).clone());
                    version_edge = slot.edge.as_ref();
                    index + slot.offset
                }
                None => index,
            }
        });
        let lookup = table
            .router
            .route(host_tenant, request.method(), request.uri().path());
        let (tenant, route, target, params) = match lookup {
            Lookup::UnknownHost if connection.tls => {
                return Err(RequestError::Misdirected {
                    host: host.as_str().to_owned(),
                })
            }
            Lookup::UnknownHost => {
                return Err(RequestError::UnknownHost {
                    host: host.as_str().to_owned(),
                })
            }
            Lookup::NoRoute { tenant } => {
                self.attribute(record, tenant);
                return Err(RequestError::NoRoute);
            }
            Lookup::MethodNotAllowed { tenant, allow } => {
                self.attribute(record, tenant);
                return Err(RequestError::MethodNotAllowed {
                    allow: allow.to_owned(),
                });
            }
            Lookup::Found {
                tenant,
                route,
                target,
                params,
            } => (tenant, route, target, params),
        };
        let routed = |params| Routed {
            route: route.to_string(),
            params: owned_params(params),
        };
        let Some(tenant) = self.attribute(record, tenant) else {
            return Err(RequestError::NoRoute);
        };
        record.route = Some(route.clone());
        if self.connection.tls {
            hsts.clone_from(&tenant.https.hsts);
        } else if let (true, Some(port)) = (tenant.https.only, self.https_port) {
            if !self.forwarded_secure(&request) {
                return Ok(Step::Answered(response::to_https(
                    &host_name,
                    port,
                    request.uri(),
                )));
            }
        }

        // 3. Body size, when declared.
        if request::content_length(&request).is_some_and(|length| length > tenant.max_body) {
            request::linger(request.into_body());
            return Err(RequestError::BodyTooLarge {
                limit: tenant.max_body,
            });
        }

        // 4. Cache.
        let pending = match &tenant.caching {
            Some(caching) => {
                let using = cache::Use {
                    cache: &caching.cache,
                    edge: version_edge.unwrap_or(&caching.cache.edge),
                    route: &target.cache,
                    honor_client_reload: caching.honor_client_no_cache,
                };
                let ask = cache::Ask {
                    method: request.method(),
                    secure: connection.tls,
                    host: &host_name,
                    target: request
                        .uri()
                        .path_and_query()
                        .map_or("/", |target| target.as_str()),
                    headers: request.headers(),
                    now: record.started,
                };
                match cache::consult(using, &ask) {
                    Consult::Answer(response) => return Ok(Step::Answered(response)),
                    Consult::AnswerAndRefresh(response, refresh) => {
                        let mut copy = bodiless_copy(&request);
                        refresh.prepare(copy.headers_mut());
                        let copy = prepared(table, copy, connection, &host_name);
                        let id = record.request_id.to_runtime("-refresh");
                        let background = request::to_bodiless_handler_request(
                            &copy,
                            id,
                            connection.scheme(),
                            host.as_str(),
                            routed(&params),
                        );
                        let refreshed = Refresh {
                            worker: target.worker.clone(),
                            request: background,
                            forward: refresh,
                            tenant: tenant.clone(),
                            metrics: self.metrics.clone(),
                            record: AccessRecord {
                                started: Instant::now(),
                                request_id: record.request_id.suffixed("-refresh"),
                                method: copy.method().clone(),
                                uri: copy.uri().clone(),
                                tenant: record.tenant.clone(),
                                meters: record.meters.clone(),
                                route: record.route.clone(),
                                permit: None,
                                ingress: None,
                                cpu: CpuCharge::default(),
                                host: record.host.clone(),
                                client: record.client,
                                user_agent: None,
                                cache_status: None,
                                version: record.version.clone(),
                            },
                        };
                        tokio::spawn(refreshed.run(table.policy.expose_errors));
                        return Ok(Step::Answered(response));
                    }
                    Consult::Wait(wait) => Some(Pending::Wait(wait)),
                    Consult::Forward(forward) => Some(Pending::Forward(Box::new(forward))),
                }
            }
            None => None,
        };
        Ok(Step::Onward(Box::new(Onward {
            routed: routed(&params),
            host_name: host_name.into_owned(),
            request,
            host,
            tenant,
            target,
            cache: pending,
        })))
    }

    /// Steps 4 (a miss another request is fetching), then 5 to 8.
    async fn onward(
        &self,
        onward: Box<Onward<'_>>,
        record: &mut AccessRecord,
    ) -> Result<Response<GatewayBody>, RequestError> {
        let Onward {
            mut request,
            host,
            host_name,
            tenant,
            target,
            routed,
            cache,
        } = *onward;
        let forward = match cache {
            Some(Pending::Wait(wait)) => match wait.landed(request.headers()).await {
                Landed::Answer(response) => return Ok(response),
                Landed::Forward(forward) => Some(*forward),
            },
            Some(Pending::Forward(forward)) => Some(*forward),
            None => None,
        };

        // 5. The tenant's concurrency.
        if let Some((permits, max)) = &tenant.concurrency {
            let permit = permits
                .clone()
                .try_acquire_owned()
                .map_err(|_| over_concurrency(*max))?;
            record.permit = Some(permit);
        }

        // 6. Forwarding headers and 7. the handler.
        if let Some(forward) = &forward {
            forward.prepare(request.headers_mut());
        }
        let max_body = tenant.max_body;
        let client = self.table.policy.geo.as_deref().map(|geo| {
            let trusted = &self.table.policy.trusted_proxies;
            let ip =
                crate::geo::client_address(request.headers(), self.connection.peer.ip, trusted);
            (geo, ip)
        });
        let cf = request::cf(&request, self.connection.tls_session.as_ref(), client);
        let (mut handler_request, meter) = request::to_handler_request(
            prepared(self.table, request, self.connection, &host_name),
            record.request_id.to_runtime(""),
            self.connection.scheme(),
            host.as_str(),
            routed,
            max_body,
        );
        handler_request.cf = cf;
        let answer = target.worker.dispatch(handler_request).await;
        record.ingress = Some(meter.clone());
        match &answer {
            Ok(response) => record.cpu = response.cpu.clone(),
            Err(RuntimeError::LimitExceeded(breach)) if !breach.cpu.is_zero() => {
                record.cpu = CpuCharge::fixed(breach.cpu);
            }
            Err(_) => {}
        }
        if meter.tripped() {
            return Err(RequestError::BodyTooLarge { limit: max_body });
        }

        // 8. Store and respond.
        match forward {
            Some(forward) => forward.finish(answer),
            None => response::from_handler(answer?),
        }
    }
}

impl crate::http::Respond for Arc<Dispatcher> {
    type Body = LoggedBody;

    async fn respond(
        self,
        request: Request<Incoming>,
        connection: Arc<Connection>,
    ) -> Response<LoggedBody> {
        self.handle(request, &connection).await
    }
}

/// `request` with the forwarding headers the handler is to see.
fn prepared<B>(
    table: &RoutingTable,
    mut request: Request<B>,
    connection: &Connection,
    host_name: &str,
) -> Request<B> {
    let trusted = trusted(table, connection);
    request::set_forwarded(
        request.headers_mut(),
        &connection.peer,
        connection.scheme(),
        host_name,
        trusted,
    );
    request
}

/// Whether the peer is one of the table's trusted proxies.
fn trusted(table: &RoutingTable, connection: &Connection) -> bool {
    let nets = &table.policy.trusted_proxies;
    nets.iter().any(|net| net.contains(&connection.peer.ip))
}

/// The head of a GET, for a background refresh.
fn bodiless_copy<B>(request: &Request<B>) -> Request<()> {
    let mut copy = Request::new(());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// A `stale-while-revalidate` refresh, run without a client waiting for it but counted like
/// any other handler call: under the tenant's concurrency limit, with an access line,
/// metrics and usage, and a logged failure.
struct Refresh {
    worker: WorkerHandle,
    request: HandlerRequest,
    forward: cache::Forward,
    tenant: Arc<Tenant>,
    metrics: Arc<Metrics>,
    record: AccessRecord,
}

impl Refresh {
    async fn run(self, expose_errors: bool) {
        let Self {
            worker,
            request,
            forward,
            tenant,
            metrics,
            mut record,
        } = self;
        if let Some((semaphore, _)) = &tenant.concurrency {
            // At its limit the tenant's clients come first: the stale entry is refreshed by
            // a later request instead.
            let Ok(permit) = semaphore.clone().try_acquire_owned() else {
                return;
            };
            record.permit = Some(permit);
        }
        let answer = worker.dispatch(request).await;
        if let Ok(response) = &answer {
            record.cpu = response.cpu.clone();
        }
        let response = match forward.finish(answer) {
            Ok(response) => response,
            Err(error) => {
                let tenant = record.tenant.as_ref();
                response::log_error(&error, &record.request_id, tenant, &metrics);
                response::from_error(&error, &record.request_id, expose_errors)
            }
        };
        // Streamed bodies are stored as they are read; the access line is written at the end.
        let logged = response::with_access_log(response, record);
        let _ = logged.into_body().collect().await;
    }
}

fn over_concurrency(max: u32) -> RequestError {
    RequestError::Runtime(RuntimeError::LimitExceeded(LimitBreach {
        kind: LimitKind::Concurrency,
        limit: u64::from(max),
        used: Measured::InFlight(max),
        cpu: Duration::ZERO,
        heap_used: 0,
    }))
}
