//! The one place that turns a `HandlerResponse` or a `RequestError` into a hyper response,
//! and that writes the access-log line.

use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;
use http::header;
use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use http_body_util::Empty;
use http_body_util::Full;
use http_body_util::StreamBody;
use hyper::body::Body;
use hyper::body::Frame;
use hyper::body::SizeHint;
use isogate_runtime::BodyError;
use isogate_runtime::CpuCharge;
use isogate_runtime::HandlerResponse;
use isogate_runtime::ResponseBody;
use isogate_runtime::RuntimeError;
use tokio::sync::OwnedSemaphorePermit;
use tokio_stream::wrappers::ReceiverStream;

use super::request::BodyMeter;
use super::request::RequestIdValue;
use super::request::REQUEST_ID_HEADER;
use crate::error::RequestError;
use crate::metrics::Metrics;
use crate::metrics::RequestFigures;
use crate::metrics::TenantMeters;
use crate::metrics::VersionMeters;
use crate::routing::table::TenantId;

/// The body type of every response isogate sends.
pub type GatewayBody = BoxBody<Bytes, BodyError>;

/// Header naming why isogate (not the handler) produced an error response.
pub const ERROR_HEADER: HeaderName = HeaderName::from_static("isogate-error");

/// Converts the handler's answer, streaming its body through.
pub fn from_handler(response: HandlerResponse) -> Result<Response<GatewayBody>, RequestError> {
    let (status, headers) = head(&response)?;
    Ok(assemble(status, headers, response.body))
}

/// The status and headers of the handler's answer, checked.
pub fn head(response: &HandlerResponse) -> Result<(StatusCode, HeaderMap), RequestError> {
    let status = StatusCode::from_u16(response.status)
        .map_err(|error| RequestError::InvalidResponse(error.into()))?;
    // Room for what the gateway adds (`Cache-Status`, the request id, …) without a rehash.
    let mut headers = HeaderMap::with_capacity(response.headers.len() + 4);
    for (name, value) in &response.headers {
        let name = HeaderName::from_bytes(name)
            .map_err(|error| RequestError::InvalidResponse(error.into()))?;
        let value = HeaderValue::from_bytes(value)
            .map_err(|error| RequestError::InvalidResponse(error.into()))?;
        headers.append(name, value);
    }
    // A protocol switch (a WebSocket's 101) is the one answer whose `Upgrade` is its point.
    if status != StatusCode::SWITCHING_PROTOCOLS {
        strip_hop_by_hop(&mut headers);
    }
    Ok((status, headers))
}

/// Fields that describe one connection, not the message (RFC 9110 §7.6.1), which a handler's
/// answer may carry from an upstream it fetched: never stored, never sent on.
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes the hop-by-hop fields, and those `Connection` names, from `headers`.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    if !HOP_BY_HOP.iter().any(|name| headers.contains_key(name)) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|list| list.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in HOP_BY_HOP.iter().chain(&named) {
        headers.remove(name);
    }
}

/// A response from checked parts, streaming `body` through.
pub fn assemble(
    status: StatusCode,
    headers: HeaderMap,
    body: ResponseBody,
) -> Response<GatewayBody> {
    let body = match body {
        ResponseBody::Empty => Empty::new().map_err(|never| match never {}).boxed(),
        ResponseBody::Full(bytes) => full(bytes),
        ResponseBody::Stream(receiver) => {
            let frames = ReceiverStream::new(receiver).map(|chunk| chunk.map(Frame::data));
            BodyExt::boxed(StreamBody::new(frames))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// A complete body.
pub fn full(bytes: Bytes) -> GatewayBody {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// Renders `error` as its descriptor says: one line of public text and the request id (a
/// limit stop's line is its figures alone); with `expose_details` (dev mode) the handler's
/// stack or the module's load error follows.
pub fn from_error(
    error: &RequestError,
    request_id: &RequestIdValue,
    expose_details: bool,
) -> Response<GatewayBody> {
    let described = error.describe();
    let mut text = described.public;
    if !matches!(error, RequestError::Runtime(RuntimeError::LimitExceeded(_))) {
        text.push_str(&format!(" (request id {request_id})"));
    }
    text.push('\n');
    if expose_details && described.level == tracing::Level::ERROR {
        let detail = match error {
            RequestError::Runtime(RuntimeError::HandlerFailed { stack, .. }) => stack.clone(),
            other => other.to_string(),
        };
        text.push('\n');
        text.push_str(&detail);
        text.push('\n');
    }
    let mut response = Response::new(full(Bytes::from(text)));
    *response.status_mut() = described.status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(ERROR_HEADER, HeaderValue::from_static(described.code));
    if let Some(seconds) = described.retry_after {
        headers.insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if let RequestError::MethodNotAllowed { allow } = error {
        if let Ok(allow) = HeaderValue::from_str(allow) {
            headers.insert(http::header::ALLOW, allow);
        }
    }
    response
}

/// A 308 to the same path and query over HTTPS at `host` (a name without its port), on
/// `port` (left out when it is 443).
pub fn to_https(host: &str, port: u16, uri: &http::Uri) -> Response<GatewayBody> {
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    let location = if port == 443 {
        format!("https://{host}{target}")
    } else {
        format!("https://{host}:{port}{target}")
    };
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
    if let Ok(location) = HeaderValue::try_from(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Stamps the request id on a response.
pub fn stamp_request_id<B>(response: &mut Response<B>, request_id: &RequestIdValue) {
    response
        .headers_mut()
        .insert(REQUEST_ID_HEADER, request_id.header());
}

/// Logs a failed request once, at its descriptor's level: a handler's throw with its
/// source-mapped stack, a limit stop with its figures, a client's mistake at debug.
pub fn log_error(
    error: &RequestError,
    request_id: &RequestIdValue,
    tenant: Option<&TenantId>,
    metrics: &Metrics,
) {
    let tenant = tenant.map_or("", |tenant| &tenant.0);
    let described = error.describe();
    match error {
        RequestError::Runtime(RuntimeError::HandlerFailed { stack, .. }) => {
            tracing::error!(
                target: "isogate::handler",
                tenant,
                request_id = %request_id,
                code = described.code,
                "handler threw (request {request_id}): {stack}"
            );
        }
        RequestError::Runtime(RuntimeError::LimitExceeded(breach)) => {
            metrics.record_limit_stop(tenant, breach.kind.code());
            tracing::warn!(
                target: "isogate::limits",
                tenant,
                request_id = %request_id,
                limit = breach.kind.code(),
                limit_value = breach.limit,
                used_value = breach.used.amount(),
                unit = breach.kind.unit(),
                // Only the figures that were measured (a wall-clock stop measures neither).
                cpu_ms = (!breach.cpu.is_zero()).then_some(breach.cpu.as_secs_f64() * 1000.0),
                heap_mib = (breach.heap_used > 0)
                    .then_some(breach.heap_used as f64 / (1024.0 * 1024.0)),
                "request stopped: {breach}"
            );
        }
        other if described.level == tracing::Level::DEBUG => {
            tracing::debug!(
                tenant,
                request_id = %request_id,
                code = described.code,
                error = %other,
                "request refused"
            );
        }
        other => {
            tracing::error!(
                tenant,
                request_id = %request_id,
                code = described.code,
                error = %other,
                "request failed"
            );
        }
    }
}

/// What the access-log line of one request says, gathered as the request goes.
#[derive(Debug)]
pub struct AccessRecord {
    /// When the request arrived.
    pub started: Instant,
    /// The request id.
    pub request_id: RequestIdValue,
    /// The method.
    pub method: http::Method,
    /// The request target (the log shows its path).
    pub uri: http::Uri,
    /// The tenant, once routed.
    pub tenant: Option<TenantId>,
    /// Where the tenant's figures go, once routed.
    pub meters: Option<Arc<TenantMeters>>,
    /// The matched route pattern, once routed.
    pub route: Option<Arc<str>>,
    /// The tenant's concurrency permit, held until the response body is done.
    pub permit: Option<OwnedSemaphorePermit>,
    /// The request body's meter, once it went to a handler.
    pub ingress: Option<Arc<BodyMeter>>,
    /// CPU time charged to the request, when the handler answered on a metered isolate
    /// (read when the body is done, by when the answering turn has ended).
    pub cpu: CpuCharge,
    /// The host the client named, as it sent it (also when no tenant serves it).
    pub host: Option<HeaderValue>,
    /// The client's address.
    pub client: std::net::IpAddr,
    /// The client's `User-Agent`.
    pub user_agent: Option<HeaderValue>,
    /// The answer's `Cache-Status`, set when the response is sent.
    pub cache_status: Option<HeaderValue>,
    /// The deployed version that served it, for a tenant of the API.
    pub version: Option<Arc<VersionMeters>>,
}

/// Wraps `response`'s body so that one access-log line is written when the body is done
/// (or dropped): the duration and bytes then cover a streamed body to its end.
pub fn with_access_log(
    response: Response<GatewayBody>,
    record: AccessRecord,
) -> Response<LoggedBody> {
    let status = response.status().as_u16();
    let mut record = record;
    record.cache_status = response.headers().get("cache-status").cloned();
    response.map(|inner| LoggedBody {
        inner,
        bytes: 0,
        status,
        record: Box::new(record),
    })
}

/// The body of every response isogate sends: it counts what it sends and logs the request
/// when it is dropped.
#[derive(Debug)]
pub struct LoggedBody {
    inner: GatewayBody,
    bytes: u64,
    status: u16,
    /// Boxed: hyper moves the response several times before it is sent.
    record: Box<AccessRecord>,
}

impl Body for LoggedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                this.bytes += data.len() as u64;
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LoggedBody {
    fn drop(&mut self) {
        let record = &self.record;
        let elapsed = record.started.elapsed();
        let tenant = record.tenant.as_ref().map_or("", |tenant| &tenant.0);
        let ingress = record.ingress.as_ref().map_or(0, |meter| meter.read());
        let cpu = record.cpu.read();
        if let Some(version) = &record.version {
            version.record(self.status);
        }
        if let Some(meters) = &record.meters {
            meters.record(&RequestFigures {
                status: self.status,
                elapsed,
                egress: self.bytes,
                ingress,
                cpu,
            });
        }
        tracing::info!(
            target: "isogate::access",
            tenant,
            route = record.route.as_deref().unwrap_or_default(),
            version = record.version.as_ref().map_or(0, |version| version.id),
            method = record.method.as_str(),
            host = text(record.host.as_ref()),
            client = %record.client,
            path = record.uri.path(),
            query = record.uri.query().unwrap_or_default(),
            status = self.status,
            cache = text(record.cache_status.as_ref()),
            user_agent = text(record.user_agent.as_ref()),
            bytes = self.bytes,
            duration_ms = millis(elapsed),
            cpu_ms = cpu.map_or(0.0, millis),
            request_id = %record.request_id,
        );
    }
}

/// A duration in milliseconds to the microsecond, for the log.
fn millis(duration: Duration) -> f64 {
    #[allow(
        clippy::cast_precision_loss,
        reason = "microseconds below 2^52 are exact"
    )]
    let micros = duration.as_micros() as f64;
    micros / 1000.0
}

/// A header value for the log: its text, or nothing when absent or not text.
fn text(value: Option<&HeaderValue>) -> &str {
    value
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_fields_and_those_connection_names_are_not_sent_on() {
        let pairs: [(&[u8], &[u8]); 6] = [
            (b"content-type", b"text/plain"),
            (b"connection", b"close, x-upstream-secret"),
            (b"keep-alive", b"timeout=5"),
            (b"x-upstream-secret", b"1"),
            (b"transfer-encoding", b"chunked"),
            (b"cache-control", b"max-age=60"),
        ];
        let response = HandlerResponse {
            status: 200,
            headers: pairs
                .iter()
                .map(|(name, value)| (Bytes::from_static(name), Bytes::from_static(value)))
                .collect(),
            body: ResponseBody::Empty,
            cpu: isogate_runtime::CpuCharge::default(),
        };
        let (_, headers) = head(&response).unwrap();
        let names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["content-type", "cache-control"]);
    }
}
