//! Turns a hyper request into the runtime's `HandlerRequest`: request id, absolute URL with
//! the real host, headers, and the body as a stream.

use std::sync::atomic::Ordering;

use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::sync::LazyLock;
use std::time::Duration;

use bytes::Bytes;
use http::header::FORWARDED;
use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;
use http::Request;
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::body::Incoming;
use isogate_runtime::BodyError;
use isogate_runtime::HandlerRequest;
use isogate_runtime::RequestId;

use super::host::quoted;
use crate::geo::Geo;

/// Header carrying the request id in and out.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

const X_FORWARDED_FOR: &str = "x-forwarded-for";
/// The scheme the client used, as a proxy in front reports it.
pub const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const X_FORWARDED_HOST: &str = "x-forwarded-host";

/// Longest client-supplied request id that is kept as is.
const MAX_CLIENT_REQUEST_ID: usize = 128;

static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// A random prefix drawn once per process, so ids stay unique across restarts without a
/// random draw (a system call) per request; kept as the hex digits ids start with.
static ID_PREFIX: LazyLock<[u8; 16]> =
    LazyLock::new(|| hex_digits(uuid::Uuid::new_v4().as_u64_pair().0));

/// A request's id, as the `X-Request-Id` header carries it: a client's id is shared with
/// its request, a fresh one takes one allocation, and copies (for the response header, the
/// log) take none.
#[derive(Clone, Debug)]
pub struct RequestIdValue(HeaderValue);

impl RequestIdValue {
    /// The id.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    pub fn header(&self) -> HeaderValue {
        self.0.clone()
    }

    /// The id as the runtime carries it, with `suffix`.
    pub fn to_runtime(&self, suffix: &str) -> RequestId {
        RequestId(format!("{}{suffix}", self.as_str()))
    }

    /// The id of work done on the request's behalf (a background refresh): this id with
    /// `suffix`.
    pub fn suffixed(&self, suffix: &str) -> Self {
        HeaderValue::try_from(format!("{}{suffix}", self.as_str()))
            .map_or_else(|_| self.clone(), Self)
    }
}

impl std::fmt::Display for RequestIdValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The client's `X-Request-Id` if it is short and printable, else a fresh one.
pub fn request_id<B>(request: &Request<B>) -> RequestIdValue {
    let supplied = request
        .headers()
        .get(REQUEST_ID_HEADER)
        .filter(|id| !id.is_empty() && id.len() <= MAX_CLIENT_REQUEST_ID)
        .filter(|id| id.as_bytes().iter().all(u8::is_ascii_graphic));
    match supplied {
        Some(id) => RequestIdValue(id.clone()),
        None => fresh_id(&ID_PREFIX, NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)),
    }
}

/// `prefix` (16 hex digits) then the low 32 bits of `sequence` as 8.
fn fresh_id(prefix: &[u8; 16], sequence: u64) -> RequestIdValue {
    let mut id = [0; 24];
    id[..16].copy_from_slice(prefix);
    id[16..].copy_from_slice(&hex_digits(sequence)[8..]);
    // Hex digits are always a valid value.
    let value = HeaderValue::from_maybe_shared(Bytes::from_owner(id))
        .unwrap_or_else(|_| HeaderValue::from_static("0"));
    RequestIdValue(value)
}

/// `number` as 16 lower-case hex digits.
fn hex_digits(number: u64) -> [u8; 16] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0; 16];
    for (index, digit) in digits.iter_mut().enumerate() {
        *digit = HEX[((number >> ((15 - index) * 4)) & 0xf) as usize];
    }
    digits
}

/// The absolute URL the handler sees: scheme, `host` (the one the client asked for), path
/// and query.
pub fn absolute_url<B>(request: &Request<B>, scheme: &str, host: &str) -> String {
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path_and_query| path_and_query.as_str());
    format!("{scheme}://{host}{path}")
}

/// A client address as the forwarding headers spell it, worked out once per connection.
#[derive(Clone, Debug)]
pub struct PeerAddress {
    /// The address.
    pub ip: IpAddr,
    /// As in `X-Forwarded-For`: `203.0.113.9`, `::1`.
    text: String,
    /// As a `Forwarded` node: `203.0.113.9`, `"[::1]"`.
    node: String,
}

impl PeerAddress {
    /// The spellings of `ip`.
    pub fn new(ip: IpAddr) -> Self {
        let node = match ip {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => format!("\"[{v6}]\""),
        };
        Self {
            ip,
            text: ip.to_string(),
            node,
        }
    }
}

/// Sets `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and `Forwarded` for the
/// handler. A trusted proxy's values are extended with the peer; anyone else's are replaced,
/// so a client cannot pass itself off as another address.
pub fn set_forwarded(
    headers: &mut HeaderMap,
    peer: &PeerAddress,
    scheme: &'static str,
    host: &str,
    trusted: bool,
) {
    let element = format!("for={};host={};proto={scheme}", peer.node, quoted(host));
    let (xff, forwarded) = if trusted {
        let joined = |name| {
            let earlier: Vec<&str> = headers
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .collect();
            (!earlier.is_empty()).then(|| earlier.join(", "))
        };
        (
            joined(X_FORWARDED_FOR)
                .map_or_else(|| peer.text.clone(), |e| format!("{e}, {}", peer.text)),
            joined(FORWARDED.as_str())
                .map_or_else(|| element.clone(), |e| format!("{e}, {element}")),
        )
    } else {
        (peer.text.clone(), element)
    };
    // Room for the four fields at once: the map grows (and rehashes) once at most.
    headers.reserve(4);
    let keep_proto = trusted && headers.contains_key(X_FORWARDED_PROTO);
    let keep_host = trusted && headers.contains_key(X_FORWARDED_HOST);
    if let Ok(value) = HeaderValue::try_from(xff) {
        headers.insert(HeaderName::from_static(X_FORWARDED_FOR), value);
    }
    if let Ok(value) = HeaderValue::try_from(forwarded) {
        headers.insert(FORWARDED, value);
    }
    if !keep_proto {
        headers.insert(
            HeaderName::from_static(X_FORWARDED_PROTO),
            HeaderValue::from_static(scheme),
        );
    }
    if !keep_host {
        if let Ok(value) = HeaderValue::from_str(host) {
            headers.insert(HeaderName::from_static(X_FORWARDED_HOST), value);
        }
    }
}

/// Where the route match put the request, for `ctx.route` and `ctx.params`.
#[derive(Debug, Default)]
pub struct Routed {
    /// The matched pattern.
    pub route: String,
    /// Captured parameters.
    pub params: Vec<(String, String)>,
}

/// What became of a request body on its way into the isolate.
#[derive(Debug, Default)]
pub struct BodyMeter {
    tripped: AtomicBool,
    read: AtomicU64,
}

impl BodyMeter {
    /// Whether the body went past its cap (and was cut off).
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Relaxed)
    }

    /// Body bytes received so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// Converts `request` (for `host`) for the runtime; the body stays a stream, cut off with an error past
/// `max_body` bytes (the returned meter tells that, and how much came).
pub fn to_handler_request(
    request: Request<Incoming>,
    id: RequestId,
    scheme: &str,
    host: &str,
    routed: Routed,
    max_body: u64,
) -> (HandlerRequest, Arc<BodyMeter>) {
    let url = absolute_url(&request, scheme, host);
    let (parts, body) = request.into_parts();
    let headers = header_pairs(&parts.headers);
    let meter = Arc::new(BodyMeter::default());
    let body = (!body.is_end_stream()).then(|| capped(body, max_body, meter.clone()));
    let request = HandlerRequest {
        id,
        method: parts.method.as_str().to_owned(),
        url,
        headers,
        body,
        route: routed.route,
        params: routed.params,
        cf: String::new(),
    };
    (request, meter)
}

/// The protocol and cipher suite of a TLS connection, as `request.cf` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsSession {
    /// `TLSv1.3` or `TLSv1.2`.
    pub version: &'static str,
    /// The IANA name of the cipher suite (`TLS13_AES_128_GCM_SHA256`).
    pub cipher: &'static str,
}

impl TlsSession {
    /// What `connection`'s handshake settled on.
    pub fn of(connection: &rustls::ServerConnection) -> Self {
        let version = match connection.protocol_version() {
            Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3",
            Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2",
            _ => "TLS",
        };
        let cipher = connection
            .negotiated_cipher_suite()
            .and_then(|suite| suite.suite().as_str())
            .unwrap_or("");
        Self { version, cipher }
    }
}

/// This node's name, `request.cf.colo`: the host name (`isogate` when it cannot be read).
fn node_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_owned())
            .ok()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "isogate".to_owned())
    })
}

/// `request.cf` for `request` on a connection with `tls`, as JSON: `httpProtocol`,
/// `tlsVersion` and `tlsCipher` (over TLS), `colo` (this node), `clientAcceptEncoding`, and
/// what `geo` knows of the client's address.
pub fn cf<B>(
    request: &Request<B>,
    tls: Option<&TlsSession>,
    geo: Option<(&Geo, IpAddr)>,
) -> String {
    let protocol = match request.version() {
        http::Version::HTTP_09 => "HTTP/0.9",
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2",
        http::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    let mut located = serde_json::Map::new();
    if let Some((geo, client)) = geo {
        geo.annotate(client, &mut located);
    }
    let cf = Cf {
        http_protocol: protocol,
        tls_version: tls.map(|tls| tls.version),
        tls_cipher: tls.map(|tls| tls.cipher),
        colo: node_name(),
        client_accept_encoding: request
            .headers()
            .get(http::header::ACCEPT_ENCODING)
            .and_then(|value| value.to_str().ok()),
        located,
    };
    serde_json::to_string(&cf).unwrap_or_else(|_| "{}".to_owned())
}

/// What `request.cf` holds, written straight to JSON.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Cf<'a> {
    http_protocol: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_cipher: Option<&'a str>,
    colo: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_accept_encoding: Option<&'a str>,
    /// What the geolocation databases know of the client.
    #[serde(flatten)]
    located: serde_json::Map<String, serde_json::Value>,
}

/// Most of a refused body read and thrown away so that the client, still sending, gets to
/// read the refusal instead of a reset connection (nginx's lingering close).
const LINGER_BYTES: usize = 16 * 1024 * 1024;

/// How long a refused body is read and thrown away at most.
const LINGER_TIME: Duration = Duration::from_secs(5);

/// A handler request with the head of `request` and no body (a background refresh).
pub fn to_bodiless_handler_request<B>(
    request: &Request<B>,
    id: RequestId,
    scheme: &str,
    host: &str,
    routed: Routed,
) -> HandlerRequest {
    HandlerRequest {
        id,
        method: request.method().as_str().to_owned(),
        url: absolute_url(request, scheme, host),
        headers: header_pairs(request.headers()),
        body: None,
        route: routed.route,
        params: routed.params,
        cf: String::new(),
    }
}

/// Headers as the runtime's name/value pairs.
pub(crate) fn header_pairs(headers: &http::HeaderMap) -> Vec<(Bytes, Bytes)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                Bytes::copy_from_slice(name.as_str().as_bytes()),
                Bytes::copy_from_slice(value.as_bytes()),
            )
        })
        .collect()
}

/// Reads and discards a refused request body in the background, up to 16 MiB and 5 s
/// (`LINGER_BYTES`, `LINGER_TIME`).
pub fn linger(body: Incoming) {
    tokio::spawn(async move {
        let drain = async {
            let mut body = body;
            let mut read = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                read += frame.data_ref().map_or(0, Bytes::len);
                if read > LINGER_BYTES {
                    return;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_TIME, drain).await;
    });
}

/// The body as a stream of chunks that fails once more than `max` bytes have come; the
/// rest is then read and thrown away in the background ([`linger`]) and the meter is tripped.
fn capped(body: Incoming, max: u64, meter: Arc<BodyMeter>) -> isogate_runtime::BodyStream {
    let state = (Some(body), 0u64);
    let stream = futures::stream::unfold(state, move |(body, read)| {
        let meter = meter.clone();
        async move {
            let mut body = body?;
            loop {
                match body.frame().await? {
                    Ok(frame) => {
                        let Ok(data) = frame.into_data() else {
                            continue;
                        };
                        let read = read + data.len() as u64;
                        meter.read.store(read, Ordering::Relaxed);
                        if read > max {
                            meter.tripped.store(true, Ordering::Relaxed);
                            linger(body);
                            let error: BodyError =
                                format!("request body larger than {max} bytes").into();
                            return Some((Err(error), (None, read)));
                        }
                        return Some((Ok(data), (Some(body), read)));
                    }
                    Err(error) => {
                        let error: BodyError = Box::new(error);
                        return Some((Err(error), (None, read)));
                    }
                }
            }
        }
    });
    Box::pin(stream)
}

/// The body's length when it is known ahead (a `Content-Length` hyper has checked, or no
/// body at all), without a header lookup.
pub fn content_length<B: Body>(request: &Request<B>) -> Option<u64> {
    request.body().size_hint().exact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_fresh_ids_are_hex_prefix_then_sequence() {
        assert_eq!(
            fresh_id(&hex_digits(0x0123_4567_89ab_cdef), 0x1_0000_002a).as_str(),
            format!("{:016x}{:08x}", 0x0123_4567_89ab_cdef_u64, 0x2a)
        );
    }

    #[test]
    fn request_id_keeps_sane_client_ids_and_replaces_others() {
        let with = Request::builder()
            .header(REQUEST_ID_HEADER, "abc-123")
            .body(())
            .unwrap();
        assert_eq!(request_id(&with).as_str(), "abc-123");
        let bad = Request::builder()
            .header(REQUEST_ID_HEADER, "has space")
            .body(())
            .unwrap();
        assert_ne!(request_id(&bad).as_str(), "has space");
    }

    #[test]
    fn absolute_url_uses_host_header_and_query() {
        use http::header::HOST;
        let request = Request::builder()
            .uri("/a/b?x=1")
            .header(HOST, "example.test:8787")
            .body(())
            .unwrap();
        assert_eq!(
            absolute_url(&request, "http", "example.test:8787"),
            "http://example.test:8787/a/b?x=1"
        );
    }
}

#[cfg(test)]
mod forwarded_tests {
    use super::*;

    #[test]
    fn forwarded_headers_replace_untrusted_and_extend_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, HeaderValue::from_static("6.6.6.6"));
        let peer = PeerAddress::new("10.1.2.3".parse().unwrap());
        set_forwarded(&mut headers, &peer, "https", "acme.test", false);
        assert_eq!(headers[X_FORWARDED_FOR], "10.1.2.3");
        assert_eq!(
            headers[FORWARDED],
            "for=10.1.2.3;host=\"acme.test\";proto=https"
        );
        assert_eq!(headers[X_FORWARDED_PROTO], "https");

        let mut headers = HeaderMap::new();
        headers.insert(X_FORWARDED_FOR, HeaderValue::from_static("203.0.113.9"));
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("https"));
        let peer = PeerAddress::new("::1".parse().unwrap());
        set_forwarded(&mut headers, &peer, "http", "acme.test", true);
        assert_eq!(headers[X_FORWARDED_FOR], "203.0.113.9, ::1");
        assert_eq!(headers[X_FORWARDED_PROTO], "https");
        assert_eq!(
            headers[FORWARDED],
            "for=\"[::1]\";host=\"acme.test\";proto=http"
        );
    }
}
