//! Turns a hyper request into the runtime's `HandlerRequest`: request id, absolute URL with
//! the real host, headers, and the body as a stream.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use futures::TryStreamExt;
use http::header::HOST;
use http::Request;
use http_body_util::BodyDataStream;
use hyper::body::Body;
use hyper::body::Incoming;
use isogate_runtime::BodyError;
use isogate_runtime::HandlerRequest;
use isogate_runtime::RequestId;

/// Header carrying the request id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest client-supplied request id that is kept as is.
const MAX_CLIENT_REQUEST_ID: usize = 128;

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// The client's `X-Request-Id` if it is short and printable, else a fresh one.
pub fn request_id<B>(request: &Request<B>) -> RequestId {
    let supplied = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= MAX_CLIENT_REQUEST_ID)
        .filter(|id| id.bytes().all(|b| b.is_ascii_graphic()));
    match supplied {
        Some(id) => RequestId(id.to_owned()),
        None => RequestId(format!(
            "{:08x}{:016x}",
            NEXT_REQUEST.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4().as_u64_pair().0
        )),
    }
}

/// The absolute URL the handler sees: scheme, the host the client asked for, path and query.
pub fn absolute_url<B>(request: &Request<B>, scheme: &str) -> String {
    let host = request
        .uri()
        .authority()
        .map(|authority| authority.as_str().to_owned())
        .or_else(|| {
            request
                .headers()
                .get(HOST)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path_and_query| path_and_query.as_str());
    format!("{scheme}://{host}{path}")
}

/// Converts `request` for the runtime; the body stays a stream.
pub fn to_handler_request(
    request: Request<Incoming>,
    id: RequestId,
    scheme: &str,
) -> HandlerRequest {
    let url = absolute_url(&request, scheme);
    let (parts, body) = request.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                Bytes::copy_from_slice(name.as_str().as_bytes()),
                Bytes::copy_from_slice(value.as_bytes()),
            )
        })
        .collect();
    let body = (!body.is_end_stream()).then(|| {
        let stream = BodyDataStream::new(body).map_err(|error| -> BodyError { Box::new(error) });
        Box::pin(stream) as isogate_runtime::BodyStream
    });
    HandlerRequest {
        id,
        method: parts.method.as_str().to_owned(),
        url,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_keeps_sane_client_ids_and_replaces_others() {
        let with = Request::builder()
            .header(REQUEST_ID_HEADER, "abc-123")
            .body(())
            .unwrap();
        assert_eq!(request_id(&with).0, "abc-123");
        let bad = Request::builder()
            .header(REQUEST_ID_HEADER, "has space")
            .body(())
            .unwrap();
        assert_ne!(request_id(&bad).0, "has space");
    }

    #[test]
    fn absolute_url_uses_host_header_and_query() {
        let request = Request::builder()
            .uri("/a/b?x=1")
            .header(HOST, "example.test:8787")
            .body(())
            .unwrap();
        assert_eq!(
            absolute_url(&request, "http"),
            "http://example.test:8787/a/b?x=1"
        );
    }
}
