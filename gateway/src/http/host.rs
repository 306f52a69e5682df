//! The host a request names, parsed once at the edge: before routing, the cache key, the
//! handler's URL or a forwarding header see it. RFC 9112 §3.2: one `Host` (or the URI's
//! authority), whose value is a reg-name or an IP literal with an optional port; anything
//! else is a 400.

use std::net::Ipv6Addr;

use http::header::HOST;
use http::HeaderValue;
use http::Request;

use crate::error::RequestError;

/// Longest host a request may name (a DNS name, a colon and a port).
const MOST_BYTES: usize = 253 + 6;

/// The host a client asked for, as it sent it and checked; shares the request's buffer when
/// it came in `Host`.
#[derive(Clone, Debug)]
pub struct RequestHost(HeaderValue);

impl RequestHost {
    /// The host, with its port if it had one.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

/// The host the client asked for: the URI's authority (HTTP/2, absolute-form) or `Host`.
/// Two `Host` fields, a `Host` that names another host than the authority, and a value that
/// is not a host are refused.
pub fn host<B>(request: &Request<B>) -> Result<RequestHost, RequestError> {
    let mut fields = request.headers().get_all(HOST).iter();
    let field = fields.next();
    if fields.next().is_some() {
        return Err(RequestError::InvalidHost("more than one Host field"));
    }
    let value = match (request.uri().authority(), field) {
        (Some(authority), field) => {
            if field.is_some_and(|field| {
                !field
                    .as_bytes()
                    .eq_ignore_ascii_case(authority.as_str().as_bytes())
            }) {
                return Err(RequestError::InvalidHost(
                    "Host names another host than the request's authority",
                ));
            }
            HeaderValue::from_str(authority.as_str())
                .map_err(|_| RequestError::InvalidHost("not a host"))?
        }
        (None, Some(field)) => field.clone(),
        (None, None) => return Err(RequestError::MissingHost),
    };
    if value.is_empty() {
        return Err(RequestError::MissingHost);
    }
    check(value.as_bytes()).map_err(RequestError::InvalidHost)?;
    Ok(RequestHost(value))
}

/// Checks `host [":" port]`: an IPv6 literal in brackets, or a name of letters, digits,
/// `-`, `.` and `_` (an IPv4 address is one); the port is at most five digits, at most 65535.
fn check(value: &[u8]) -> Result<(), &'static str> {
    if value.len() > MOST_BYTES {
        return Err("longer than a host name may be");
    }
    let (name, port) = if value.first() == Some(&b'[') {
        let close = value
            .iter()
            .position(|&b| b == b']')
            .ok_or("an unclosed IPv6 literal")?;
        let literal = std::str::from_utf8(&value[1..close]).map_err(|_| "not a host")?;
        literal
            .parse::<Ipv6Addr>()
            .map_err(|_| "not an IPv6 address")?;
        match &value[close + 1..] {
            [] => (&value[..=close], None),
            [b':', port @ ..] => (&value[..=close], Some(port)),
            _ => return Err("text after an IPv6 literal"),
        }
    } else {
        match value.iter().rposition(|&b| b == b':') {
            Some(colon) => (&value[..colon], Some(&value[colon + 1..])),
            None => (value, None),
        }
    };
    if !name.starts_with(b"[") {
        let valid = !name.is_empty()
            && name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !valid {
            return Err("a host name is letters, digits, '-', '.' and '_'");
        }
    }
    if let Some(port) = port {
        let valid = port.len() <= 5
            && port.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(port)
                .ok()
                .is_none_or(|digits| digits.is_empty() || digits.parse::<u16>().is_ok());
        if !valid {
            return Err("a port is a number up to 65535");
        }
    }
    Ok(())
}

/// `value` as an RFC 7230 quoted-string: in double quotes, with `"` and `\` escaped.
pub fn quoted(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_hosts(uri: &str, hosts: &[&str]) -> Request<()> {
        let mut builder = Request::builder().uri(uri);
        for host in hosts {
            builder = builder.header(HOST, *host);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn hosts_that_name_a_host_are_kept_as_sent() {
        for value in [
            "acme.test",
            "Acme.Test:8443",
            "127.0.0.1:80",
            "[::1]",
            "[2001:db8::1]:8443",
            "under_score.test",
            "acme.test.",
        ] {
            let host = host(&with_hosts("/", &[value])).unwrap();
            assert_eq!(host.as_str(), value);
        }
        let absolute = with_hosts("http://acme.test:8080/x", &["ACME.test:8080"]);
        assert_eq!(host(&absolute).unwrap().as_str(), "acme.test:8080");
    }

    #[test]
    fn hosts_that_do_not_are_refused() {
        for value in [
            "x\";for=_spoof;by=\"y.acme.test",
            "a b.acme.test",
            "acme.test:http",
            "acme.test:99999",
            "[::1",
            "[not-v6]",
            "[::1]x",
            "user@acme.test",
            "acme.test/path",
            "%61cme.test",
        ] {
            assert!(
                matches!(
                    host(&with_hosts("/", &[value])),
                    Err(RequestError::InvalidHost(_))
                ),
                "{value:?} accepted"
            );
        }
        assert!(matches!(
            host(&with_hosts("/", &["acme.test", "acme.test"])),
            Err(RequestError::InvalidHost("more than one Host field"))
        ));
        assert!(matches!(
            host(&with_hosts("http://acme.test/", &["other.test"])),
            Err(RequestError::InvalidHost(_))
        ));
        assert!(matches!(
            host(&with_hosts("/", &[])),
            Err(RequestError::MissingHost)
        ));
    }

    #[test]
    fn quoted_strings_escape_quotes_and_backslashes() {
        assert_eq!(quoted("acme.test"), "\"acme.test\"");
        assert_eq!(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
