//! The cache's two moments in a request: before the handler ([`consult`]: answer from the
//! store, or say how to forward) and after it ([`Forward::finish`]: store, revalidate, fall
//! back to stale, and label the answer with `Cache-Status`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;
use std::time::SystemTime;

use bytes::Bytes;
use http::header;
use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;
use http::Method;
use http::Response;
use http::StatusCode;
use isogate_runtime::HandlerResponse;
use isogate_runtime::ResponseBody;
use isogate_runtime::RuntimeError;

use super::flight::Flight;
use super::flight::Landing;
use super::flight::Turn;
use super::key;
use super::key::CacheKey;
use super::key::KeyRef;
use super::policy;
use super::policy::ClientDirectives;
use super::policy::RoutePolicy;
use super::policy::Skip;
use super::range;
use super::range::Ranged;
use super::store::Aged;
use super::store::Found;
use super::store::Purge;
use super::store::Stored;
use super::store::TenantCache;
use super::store::CACHE_TAG;
use super::tee;
use crate::error::RequestError;
use crate::http::response;
use crate::http::response::GatewayBody;

/// The response header that says what the cache did (RFC 9211).
pub const CACHE_STATUS: HeaderName = HeaderName::from_static("cache-status");

/// Headers a cached response gets on its way out: `Age`, `Cache-Status`, `X-Request-Id`.
const ADDED_HEADERS: usize = 3;

/// Longest a request waits for another fetching the same entry before fetching it itself.
const MOST_COALESCED_WAIT: Duration = Duration::from_secs(5);

/// A request as the cache sees it.
#[derive(Debug)]
pub struct Ask<'a> {
    /// Its method.
    pub method: &'a Method,
    /// Whether it came over TLS.
    pub secure: bool,
    /// Its host, normalised.
    pub host: &'a str,
    /// Path and query.
    pub target: &'a str,
    /// Its headers.
    pub headers: &'a HeaderMap,
    /// When it arrived: the cache's "now" for it.
    pub now: Instant,
}

/// How a tenant's route uses the cache.
#[derive(Clone, Copy, Debug)]
pub struct Use<'a> {
    /// The tenant's cache.
    pub cache: &'a Arc<TenantCache>,
    /// The edge cache within it: the tenant's, or the version's during a split.
    pub edge: &'a Arc<str>,
    /// The route's overrides.
    pub route: &'a RoutePolicy,
    /// Whether a client's `Cache-Control: no-cache` makes the request skip the cache.
    pub honor_client_reload: bool,
}

/// What the cache decided before the handler runs.
#[derive(Debug)]
pub enum Consult {
    /// Answered from the store.
    Answer(Response<GatewayBody>),
    /// Answered from a stale entry; refresh it in the background with this.
    AnswerAndRefresh(Response<GatewayBody>, Forward),
    /// Run the handler, then [`Forward::finish`].
    Forward(Forward),
    /// Another request is fetching the entry: [`Wait::landed`] says what to do once it is
    /// done.
    Wait(Wait),
}

/// What a coalesced miss does once the request it waited for is done.
#[derive(Debug)]
pub enum Landed {
    /// Answer from what that request stored.
    Answer(Response<GatewayBody>),
    /// Run the handler after all.
    Forward(Box<Forward>),
}

/// A miss waiting for another request to fetch the same entry.
#[derive(Debug)]
pub struct Wait {
    landing: Landing,
    cache: Arc<TenantCache>,
    key: CacheKey,
    route: RoutePolicy,
}

/// Why the request goes to the handler (the `fwd` parameter of `Cache-Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    UriMiss,
    VaryMiss,
    Miss,
    /// Recently found not storable: forwarded as is (`fwd=uri-miss; detail=pass`).
    Pass,
    Stale,
    Request,
    Method,
    Bypass,
}

impl Reason {
    fn token(self) -> &'static str {
        match self {
            Self::UriMiss | Self::Pass => "uri-miss",
            Self::VaryMiss => "vary-miss",
            Self::Miss => "miss",
            Self::Stale => "stale",
            Self::Request => "request",
            Self::Method => "method",
            Self::Bypass => "bypass",
        }
    }
}

/// A request on its way to the handler, and what the cache will do with the answer.
#[derive(Debug)]
pub struct Forward {
    cache: Arc<TenantCache>,
    key: CacheKey,
    reason: Reason,
    request: HeaderMap,
    stale: Option<Arc<Stored>>,
    store: bool,
    route: RoutePolicy,
    flight: Option<Flight>,
    refresh: Option<RefreshGuard>,
}

/// Clears an entry's "refreshing" mark when the refresh ends, however it ends.
#[derive(Debug)]
struct RefreshGuard(Arc<Stored>);

impl Drop for RefreshGuard {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

/// Looks the request up.
pub fn consult(using: Use<'_>, ask: &Ask<'_>) -> Consult {
    let cache = using.cache;
    let target = key::target(ask.target, using.route.sort_query);
    let key = KeyRef {
        tenant: &cache.tenant,
        cache: using.edge,
        secure: ask.secure,
        host: ask.host,
        target: &target,
        variant: None,
    };
    let forward =
        |reason, store| Forward::new(cache, key.to_key(), reason, ask.headers, store, using.route);
    if using.route.bypass {
        return Consult::Forward(forward(Reason::Bypass, false));
    }
    if *ask.method != Method::GET && *ask.method != Method::HEAD {
        return Consult::Forward(forward(Reason::Method, false));
    }
    if using.honor_client_reload {
        let client = ClientDirectives::parse(ask.headers);
        if client.reload {
            cache.counters.misses.fetch_add(1, Ordering::Relaxed);
            return Consult::Forward(forward(Reason::Request, !client.no_store));
        }
    }
    let head = *ask.method == Method::HEAD;

    let (variant, found) = cache.find(&key, ask.headers);
    let now = ask.now;
    let reason = match found {
        Found::Response(stored) => {
            let aged = stored.at(now);
            if aged.is_fresh() {
                cache.counters.hits.fetch_add(1, Ordering::Relaxed);
                let status = hit_status(aged.ttl(), "");
                return Consult::Answer(serve(aged, ask.headers, status));
            }
            let late = aged.staleness().unwrap_or_default();
            let swr = stored.freshness.stale_while_revalidate;
            if !stored.freshness.always_revalidate && !swr.is_zero() && late <= swr {
                cache.counters.hits.fetch_add(1, Ordering::Relaxed);
                cache.counters.stale.fetch_add(1, Ordering::Relaxed);
                let status = hit_status(aged.ttl(), "");
                let response = serve(aged, ask.headers, status);
                if stored.refreshing.swap(true, Ordering::AcqRel) {
                    return Consult::Answer(response);
                }
                let mut refresh = forward(Reason::Stale, true);
                refresh.refresh = Some(RefreshGuard(stored.clone()));
                refresh.stale = Some(stored);
                return Consult::AnswerAndRefresh(response, refresh);
            }
            cache.counters.misses.fetch_add(1, Ordering::Relaxed);
            let mut forward = forward(Reason::Stale, !head);
            forward.stale = Some(stored);
            return Consult::Forward(forward);
        }
        Found::UriMiss => Reason::UriMiss,
        Found::VaryMiss => Reason::VaryMiss,
        Found::Pass => {
            cache.counters.misses.fetch_add(1, Ordering::Relaxed);
            return Consult::Forward(forward(Reason::Pass, false));
        }
    };
    cache.counters.misses.fetch_add(1, Ordering::Relaxed);
    if head {
        return Consult::Forward(forward(reason, false));
    }

    // A miss: one request fetches, the others for the same entry wait and then look again,
    // when the answer is expected to be stored (the route sets a lifetime, or the tenant
    // stores answers and this URL's last one was not found uncacheable); otherwise they all
    // run, side by side.
    let flight_key = variant.unwrap_or_else(|| key.to_key());
    if using.route.ttl.is_none() && !cache.expects_storable(&flight_key) {
        return Consult::Forward(forward(reason, true));
    }
    match cache.flights.join(&flight_key) {
        Turn::Lead(flight) => {
            let mut forward = forward(reason, true);
            forward.flight = Some(flight);
            Consult::Forward(forward)
        }
        Turn::Follow(landing) => Consult::Wait(Wait {
            landing,
            cache: cache.clone(),
            key: key.to_key(),
            route: using.route.clone(),
        }),
    }
}

impl Wait {
    /// Waits (at most `MOST_COALESCED_WAIT`) for the request fetching the entry, then
    /// answers from what it stored, or forwards this request (with `headers`) too.
    pub async fn landed(self, headers: &HeaderMap) -> Landed {
        let Self {
            landing,
            cache,
            key,
            route,
        } = self;
        let _ = tokio::time::timeout(MOST_COALESCED_WAIT, landing.wait()).await;
        if let (_, Found::Response(stored)) = cache.find(&key.parts(), headers) {
            let aged = stored.at(Instant::now());
            if aged.is_fresh() {
                cache.counters.misses.fetch_sub(1, Ordering::Relaxed);
                cache.counters.hits.fetch_add(1, Ordering::Relaxed);
                let status = hit_status(aged.ttl(), "; collapsed");
                return Landed::Answer(serve(aged, headers, status));
            }
        }
        Landed::Forward(Box::new(Forward::new(
            &cache,
            key,
            Reason::Miss,
            headers,
            true,
            &route,
        )))
    }
}

impl Forward {
    /// A request forwarded for `reason`, its answer to be stored when `store`.
    fn new(
        cache: &Arc<TenantCache>,
        key: CacheKey,
        reason: Reason,
        headers: &HeaderMap,
        store: bool,
        route: &RoutePolicy,
    ) -> Self {
        Self {
            cache: cache.clone(),
            key,
            reason,
            // The request's headers matter only to an answer that may be stored.
            request: if store {
                headers.clone()
            } else {
                HeaderMap::new()
            },
            stale: None,
            store,
            route: route.clone(),
            flight: None,
            refresh: None,
        }
    }

    /// Adjusts the headers the handler gets: the client's validators are dropped when the
    /// answer is to be stored (the cache wants a whole response and answers 304 itself), and
    /// the stale entry's validators are sent so that the handler may answer 304.
    pub fn prepare(&self, headers: &mut HeaderMap) {
        if !self.store {
            return;
        }
        headers.remove(header::IF_NONE_MATCH);
        headers.remove(header::IF_MODIFIED_SINCE);
        if let Some(stale) = &self.stale {
            if let Some(etag) = stale.headers.get(header::ETAG) {
                headers.insert(header::IF_NONE_MATCH, etag.clone());
            } else if let Some(modified) = stale.headers.get(header::LAST_MODIFIED) {
                headers.insert(header::IF_MODIFIED_SINCE, modified.clone());
            }
        }
    }

    /// Turns the handler's answer into the client's response, storing it when it may be.
    pub fn finish(
        mut self,
        answer: Result<HandlerResponse, RuntimeError>,
    ) -> Result<Response<GatewayBody>, RequestError> {
        let now = Instant::now();
        let answer = match answer {
            Ok(answer) => answer,
            Err(error) => {
                if let Some(response) = self.stale_if_error(now, "detail=stale-if-error") {
                    return Ok(response);
                }
                return Err(error.into());
            }
        };
        // A server error may be answered from a stale entry that allows it; otherwise it is
        // stored like any other answer when it says how long it is fresh (RFC 9111 §3).
        if answer.status >= 500 {
            let failure = format!("fwd-status={}", answer.status);
            if let Some(response) = self.stale_if_error(now, &failure) {
                return Ok(response);
            }
        }
        if self.reason == Reason::Method {
            if (200..400).contains(&answer.status) {
                self.invalidate_url();
            }
            return self.label(response::from_handler(answer)?, &[]);
        }
        if !self.store {
            return self.label(response::from_handler(answer)?, &[]);
        }
        let (status, headers) = response::head(&answer)?;
        let stale = self.stale.take();
        if status == StatusCode::NOT_MODIFIED {
            if let Some(stale) = stale {
                return self.freshen(&stale, &headers, now);
            }
        }
        let authorization = self.request.contains_key(header::AUTHORIZATION);
        let verdict = policy::storable(
            status.as_u16(),
            authorization,
            &headers,
            &self.route,
            SystemTime::now(),
        );
        let freshness = match verdict {
            Ok(freshness) => freshness,
            Err(skip) => {
                // Let the next requests for it through at once for a while.
                if let Some(flight) = &self.flight {
                    self.cache.mark_pass(flight.key());
                }
                let response = response::assemble(status, headers, answer.body);
                return self.label(response, &[&format!("detail={}", skip_token(skip))]);
            }
        };
        let vary = policy::vary_names(&headers).unwrap_or_default();
        let body = match answer.body {
            ResponseBody::Empty => Bytes::new(),
            ResponseBody::Full(bytes) => bytes,
            ResponseBody::Stream(chunks) => {
                let stored = Stored::new(status, headers.clone(), Bytes::new(), freshness, now);
                let body = tee::store_when_complete(
                    chunks,
                    stored,
                    self.cache.max_object(),
                    self.commit(vary),
                );
                let response = response::assemble(status, headers, ResponseBody::Empty);
                let response = response.map(|_| body);
                return self.label(response, &[]);
            }
        };
        let stored = Stored::new(status, headers.clone(), body.clone(), freshness, now);
        let stored = self.cache.insert(&self.key, &self.request, &vary, stored);
        let mut response = response::assemble(status, headers, ResponseBody::Full(body));
        if status == StatusCode::OK
            && policy::is_conditional(&self.request)
            && policy::not_modified(&self.request, response.headers())
        {
            response = not_modified(response.headers());
        }
        let forwarded = format!("fwd-status={}", status.as_u16());
        if stored {
            self.label(response, &[&forwarded, "stored"])
        } else {
            self.label(response, &[&forwarded])
        }
    }

    /// What the tee calls with the whole body of a streamed response.
    fn commit(&mut self, vary: Vec<http::HeaderName>) -> tee::Commit {
        let cache = self.cache.clone();
        let key = self.key.clone();
        let request = std::mem::take(&mut self.request);
        let flight = self.flight.take();
        Box::new(move |stored: Stored| {
            cache.insert(&key, &request, &vary, stored);
            drop(flight);
        })
    }

    /// The handler confirmed the stale entry (304): store it afresh with the new headers.
    fn freshen(
        self,
        stale: &Stored,
        update: &HeaderMap,
        now: Instant,
    ) -> Result<Response<GatewayBody>, RequestError> {
        let mut headers = stale.headers.clone();
        for name in update.keys() {
            if name == header::CONTENT_LENGTH || name == CACHE_TAG {
                continue;
            }
            headers.remove(name);
            for value in update.get_all(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        let authorization = self.request.contains_key(header::AUTHORIZATION);
        let verdict = policy::storable(
            stale.status.as_u16(),
            authorization,
            &headers,
            &self.route,
            SystemTime::now(),
        );
        let mut stored_param: &[&str] = &["fwd-status=304"];
        let fresh = Stored {
            status: stale.status,
            headers,
            body: stale.body.clone(),
            stored_at: now,
            freshness: verdict.clone().unwrap_or_else(|_| stale.freshness.clone()),
            tags: stale.tags.clone(),
            refreshing: Default::default(),
        };
        let response = serve(fresh.at(now), &self.request, None);
        if verdict.is_ok() {
            let vary = policy::vary_names(&fresh.headers).unwrap_or_default();
            if self.cache.insert(&self.key, &self.request, &vary, fresh) {
                stored_param = &["fwd-status=304", "stored"];
            }
        }
        self.label(response, stored_param)
    }

    /// On a failure, a stale entry still inside its `stale-if-error` window answers.
    fn stale_if_error(&self, now: Instant, failure: &str) -> Option<Response<GatewayBody>> {
        let stale = self.stale.as_ref()?.at(now);
        let late = stale.staleness()?;
        if late > stale.stored.freshness.stale_if_error {
            return None;
        }
        self.cache.counters.hits.fetch_add(1, Ordering::Relaxed);
        self.cache.counters.stale.fetch_add(1, Ordering::Relaxed);
        let status = hit_status(stale.ttl(), &format!("; fwd=stale; {failure}"));
        Some(serve(stale, &self.request, status))
    }

    /// A successful unsafe request invalidates what is stored for its URL (RFC 9111 §4.4).
    fn invalidate_url(&self) {
        self.cache.purge(&Purge::Edge {
            host: self.key.host.to_string(),
            target: self.key.target.to_string(),
        });
    }

    /// Adds `Cache-Status` for a forwarded request.
    fn label(
        &self,
        mut response: Response<GatewayBody>,
        params: &[&str],
    ) -> Result<Response<GatewayBody>, RequestError> {
        let mut status = String::with_capacity(64);
        status.push_str("isogate; fwd=");
        status.push_str(self.reason.token());
        let has_fwd_status = params.iter().any(|param| param.starts_with("fwd-status="));
        if !has_fwd_status && self.reason != Reason::Bypass && self.reason != Reason::Method {
            status.push_str("; fwd-status=");
            status.push_str(itoa::Buffer::new().format(response.status().as_u16()));
        }
        for param in params {
            status.push_str("; ");
            status.push_str(param);
        }
        if self.reason == Reason::Pass {
            status.push_str("; detail=pass");
        }
        response.headers_mut().remove(CACHE_TAG);
        if let Ok(value) = HeaderValue::from_str(&status) {
            response.headers_mut().insert(CACHE_STATUS, value);
        }
        Ok(response)
    }
}

/// A stored response as the answer to a request: 304 when the request's validators match,
/// else the whole response, with `Age` and `Cache-Status`.
fn serve(
    aged: Aged<'_>,
    request: &HeaderMap,
    status: Option<HeaderValue>,
) -> Response<GatewayBody> {
    let stored = aged.stored;
    let ranged = if stored.status == StatusCode::OK {
        range::requested(request, &stored.headers, stored.body.len() as u64)
    } else {
        Ranged::Whole
    };
    let mut response = if policy::is_conditional(request)
        && stored.status == StatusCode::OK
        && policy::not_modified(request, &stored.headers)
    {
        not_modified(&stored.headers)
    } else if ranged != Ranged::Whole {
        partial(stored, &ranged)
    } else {
        let mut response = Response::new(response::full(stored.body.clone()));
        *response.status_mut() = stored.status;
        // Room for what is added here and by the gateway: a copy would have to grow.
        let headers = response.headers_mut();
        headers.reserve(stored.headers.len() + ADDED_HEADERS);
        for (name, value) in &stored.headers {
            headers.append(name, value.clone());
        }
        response
    };
    let headers = response.headers_mut();
    if let Some(age) = joined_value(&[itoa::Buffer::new().format(aged.age.as_secs())]) {
        headers.insert(header::AGE, age);
    }
    if let Some(status) = status {
        headers.insert(CACHE_STATUS, status);
    }
    response
}

/// A `206` with part of `stored`'s body, or a `416` for a range past its end.
fn partial(stored: &Stored, ranged: &Ranged) -> Response<GatewayBody> {
    let len = stored.body.len() as u64;
    let (status, body, content_range) = match *ranged {
        Ranged::Part { start, end } => {
            let part = usize::try_from(start)
                .ok()
                .zip(usize::try_from(end).ok())
                .map_or_else(Bytes::new, |(start, end)| stored.body.slice(start..=end));
            (
                StatusCode::PARTIAL_CONTENT,
                part,
                format!("bytes {start}-{end}/{len}"),
            )
        }
        Ranged::Unsatisfiable | Ranged::Whole => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            Bytes::new(),
            format!("bytes */{len}"),
        ),
    };
    let mut response = Response::new(response::full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if status == StatusCode::PARTIAL_CONTENT {
        for (name, value) in &stored.headers {
            if name != header::CONTENT_LENGTH {
                headers.append(name, value.clone());
            }
        }
    }
    if let Ok(value) = HeaderValue::try_from(content_range) {
        headers.insert(header::CONTENT_RANGE, value);
    }
    response
}

/// `Cache-Status` for an answer from the cache: `isogate; hit; ttl=…` then `more`.
fn hit_status(ttl: i64, more: &str) -> Option<HeaderValue> {
    joined_value(&["isogate; hit; ttl=", itoa::Buffer::new().format(ttl), more])
}

/// `parts` joined into one header value, in a single allocation (`format!` and
/// `HeaderValue::from(u64)` take two or three); `None` past 256 bytes or when invalid.
fn joined_value(parts: &[&str]) -> Option<HeaderValue> {
    let mut joined = [0; 256];
    let mut length = 0;
    for part in parts {
        let end = length + part.len();
        joined
            .get_mut(length..end)?
            .copy_from_slice(part.as_bytes());
        length = end;
    }
    HeaderValue::from_bytes(joined.get(..length)?).ok()
}

/// A 304 carrying the headers RFC 9110 §15.4.5 asks for.
fn not_modified(stored: &HeaderMap) -> Response<GatewayBody> {
    let mut response = Response::new(response::full(Bytes::new()));
    *response.status_mut() = StatusCode::NOT_MODIFIED;
    *response.headers_mut() = not_modified_headers(stored);
    response
}

/// The headers of a 304 for a stored response with `stored` headers.
pub(super) fn not_modified_headers(stored: &HeaderMap) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for name in [
        header::CACHE_CONTROL,
        header::CONTENT_LOCATION,
        header::DATE,
        header::ETAG,
        header::EXPIRES,
        header::LAST_MODIFIED,
        header::VARY,
    ] {
        for value in stored.get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    headers
}

fn skip_token(skip: Skip) -> &'static str {
    match skip {
        Skip::Status => "status",
        Skip::NoStore => "no-store",
        Skip::Private => "private",
        Skip::VaryAny => "vary-star",
        Skip::SetCookie => "set-cookie",
        Skip::Authorization => "authorization",
        Skip::NoFreshness => "no-freshness",
    }
}
