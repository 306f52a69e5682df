//! The one place that turns a `HandlerResponse` or a `GatewayError` into a hyper response,
//! and that writes the access-log line.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::HeaderName;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use http_body_util::Empty;
use http_body_util::Full;
use http_body_util::StreamBody;
use hyper::body::Frame;
use isogate_runtime::BodyError;
use isogate_runtime::HandlerResponse;
use isogate_runtime::RequestId;
use isogate_runtime::ResponseBody;
use isogate_runtime::RuntimeError;
use tokio_stream::wrappers::ReceiverStream;

use super::request::REQUEST_ID_HEADER;
use crate::error::GatewayError;

/// The body type of every response isogate sends.
pub type GatewayBody = BoxBody<Bytes, BodyError>;

/// Header naming why isogate (not the handler) produced an error response.
pub const ERROR_HEADER: &str = "isogate-error";

/// Converts the handler's answer, streaming its body through.
pub fn from_handler(response: HandlerResponse) -> Result<Response<GatewayBody>, GatewayError> {
    let status = StatusCode::from_u16(response.status)
        .map_err(|error| GatewayError::InvalidResponse(error.into()))?;
    let mut builder = Response::builder().status(status);
    for (name, value) in &response.headers {
        let name = HeaderName::from_bytes(name)
            .map_err(|error| GatewayError::InvalidResponse(error.into()))?;
        let value = HeaderValue::from_bytes(value)
            .map_err(|error| GatewayError::InvalidResponse(error.into()))?;
        builder = builder.header(name, value);
    }
    let body = match response.body {
        ResponseBody::Empty => Empty::new().map_err(|never| match never {}).boxed(),
        ResponseBody::Full(bytes) => full(bytes),
        ResponseBody::Stream(receiver) => {
            let frames = ReceiverStream::new(receiver).map(|chunk| chunk.map(Frame::data));
            BodyExt::boxed(StreamBody::new(frames))
        }
    };
    builder.body(body).map_err(GatewayError::InvalidResponse)
}

/// A complete body.
fn full(bytes: Bytes) -> GatewayBody {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// Renders `error` as a short plain-text response. With `expose_details` (dev mode) the body
/// carries the handler's stack or the module's load error; otherwise only a short reason.
pub fn from_error(
    error: &GatewayError,
    request_id: &RequestId,
    expose_details: bool,
) -> Response<GatewayBody> {
    let status = error.status();
    let mut text = match error {
        GatewayError::Runtime(RuntimeError::ModuleLoad { .. } | RuntimeError::NoHandler { .. }) => {
            "handler failed to load".to_owned()
        }
        GatewayError::Runtime(RuntimeError::HandlerFailed { .. }) => {
            "handler threw an exception".to_owned()
        }
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    text.push_str(&format!(" (request id {request_id})\n"));
    if expose_details {
        let detail = match error {
            GatewayError::Runtime(RuntimeError::HandlerFailed { stack, .. }) => stack.clone(),
            other => other.to_string(),
        };
        text.push('\n');
        text.push_str(&detail);
        text.push('\n');
    }
    let mut response = Response::new(full(Bytes::from(text)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(ERROR_HEADER, HeaderValue::from_static(error.code()));
    response
}

/// Stamps the request id on a response.
pub fn stamp_request_id(response: &mut Response<GatewayBody>, request_id: &RequestId) {
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
}

/// Logs a failed request once, with the handler's source-mapped stack where there is one.
pub fn log_error(error: &GatewayError, request_id: &RequestId) {
    match error {
        GatewayError::Runtime(RuntimeError::HandlerFailed { stack, .. }) => {
            tracing::error!(
                target: "isogate::handler",
                request_id = %request_id,
                "handler threw (request {request_id}): {stack}"
            );
        }
        other => tracing::error!(request_id = %request_id, error = %other, "request failed"),
    }
}

/// One structured access-log line per request.
pub fn log_access(
    method: &str,
    path: &str,
    status: StatusCode,
    elapsed: Duration,
    request_id: &RequestId,
) {
    tracing::info!(
        target: "isogate::access",
        method,
        path,
        status = status.as_u16(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        request_id = %request_id,
    );
}
