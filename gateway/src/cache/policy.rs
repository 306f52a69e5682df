//! Shared-cache rules of RFC 9111: what may be stored, for how long it is fresh, how long it
//! may be served stale, and whether a conditional request is answered with 304.

use std::time::Duration;
use std::time::SystemTime;

use http::header;
use http::HeaderMap;
use http::HeaderValue;

/// The directives of the `Cache-Control` header lines of a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Directives {
    /// `no-store`.
    pub no_store: bool,
    /// `no-cache` (with or without a field list: a field list is treated as the bare form).
    pub no_cache: bool,
    /// `private` (with or without a field list).
    pub private: bool,
    /// `public`.
    pub public: bool,
    /// `must-revalidate` or `proxy-revalidate`: never serve stale.
    pub must_revalidate: bool,
    /// `max-age`.
    pub max_age: Option<Duration>,
    /// `s-maxage`.
    pub s_maxage: Option<Duration>,
    /// `stale-while-revalidate`.
    pub stale_while_revalidate: Option<Duration>,
    /// `stale-if-error`.
    pub stale_if_error: Option<Duration>,
}

impl Directives {
    /// Parses every `Cache-Control` line of `headers`. Unknown directives are ignored; a
    /// malformed delta-seconds makes `max-age` and `s-maxage` zero (RFC 9111 §4.2.1) and
    /// the stale windows absent.
    pub(super) fn parse(headers: &HeaderMap) -> Self {
        let mut directives = Self::default();
        for line in headers.get_all(header::CACHE_CONTROL) {
            let Ok(line) = line.to_str() else { continue };
            for item in split_list(line) {
                let (name, value) = match item.split_once('=') {
                    Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
                    None => (item, None),
                };
                let seconds = || {
                    value
                        .and_then(|value| value.parse::<u64>().ok())
                        .map(Duration::from_secs)
                };
                let is = |directive: &str| name.eq_ignore_ascii_case(directive);
                if is("no-store") {
                    directives.no_store = true;
                } else if is("no-cache") {
                    directives.no_cache = true;
                } else if is("private") {
                    directives.private = true;
                } else if is("public") {
                    directives.public = true;
                } else if is("must-revalidate") || is("proxy-revalidate") {
                    directives.must_revalidate = true;
                } else if is("max-age") {
                    directives.max_age = Some(seconds().unwrap_or_default());
                } else if is("s-maxage") {
                    directives.s_maxage = Some(seconds().unwrap_or_default());
                } else if is("stale-while-revalidate") {
                    directives.stale_while_revalidate = seconds();
                } else if is("stale-if-error") {
                    directives.stale_if_error = seconds();
                }
            }
        }
        directives
    }
}

/// Splits a comma-separated header list, leaving commas inside quotes alone.
fn split_list(line: &str) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    line.split(move |c: char| {
        if c == '"' {
            quoted = !quoted;
        }
        c == ',' && !quoted
    })
    .map(str::trim)
    .filter(|item| !item.is_empty())
}

/// A route's override of the handler's caching headers (`routes.cache`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoutePolicy {
    /// Freshness lifetime for every storable response, replacing the handler's.
    pub ttl: Option<Duration>,
    /// Neither look up nor store.
    pub bypass: bool,
    /// Sort the query parameters in the key, so `?a=1&b=2` and `?b=2&a=1` share an entry.
    pub sort_query: bool,
}

/// How a stored response may be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Freshness {
    /// How long it is fresh, counted from when it was generated.
    pub lifetime: Duration,
    /// Its age when it arrived (the `Age` header the handler set).
    pub initial_age: Duration,
    /// How long past `lifetime` it may be served while one refresh runs in the background.
    pub stale_while_revalidate: Duration,
    /// How long past `lifetime` it may be served when the handler fails.
    pub stale_if_error: Duration,
    /// Every use needs a successful revalidation first (`no-cache`).
    pub always_revalidate: bool,
}

impl Freshness {
    /// How long past `lifetime` the entry is worth keeping: the longer stale window, or,
    /// when it carries a validator, a while longer for a conditional refresh.
    pub fn retention(&self, has_validator: bool) -> Duration {
        const REVALIDATION_WINDOW: Duration = Duration::from_secs(300);
        let stale = self.stale_while_revalidate.max(self.stale_if_error);
        if has_validator {
            stale.max(REVALIDATION_WINDOW)
        } else {
            stale
        }
    }
}

/// Why a response is not stored (for logs and tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Skip {
    /// The status is not final, or is one the cache does not handle (206, 304).
    Status,
    /// `Cache-Control: no-store`.
    NoStore,
    /// `Cache-Control: private`.
    Private,
    /// `Vary: *`.
    VaryAny,
    /// It sets a cookie and is not marked `public`.
    SetCookie,
    /// The request carried `Authorization` and the response does not allow sharing it.
    Authorization,
    /// Nothing says how long it is fresh.
    NoFreshness,
}

/// Statuses a shared cache may store without explicit freshness (RFC 9110 §15.1), less 206:
/// ranges are not cached.
fn heuristically_cacheable(status: u16) -> bool {
    matches!(
        status,
        200 | 203 | 204 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501
    )
}

/// Decides whether a response to a GET may be stored, and how fresh it is.
pub(super) fn storable(
    status: u16,
    request_had_authorization: bool,
    response: &HeaderMap,
    route: &RoutePolicy,
    now: SystemTime,
) -> Result<Freshness, Skip> {
    if !(200..600).contains(&status) || status == 206 || status == 304 {
        return Err(Skip::Status);
    }
    let directives = Directives::parse(response);
    if directives.no_store {
        return Err(Skip::NoStore);
    }
    if directives.private {
        return Err(Skip::Private);
    }
    if vary_names(response).is_none() {
        return Err(Skip::VaryAny);
    }
    if response.contains_key(header::SET_COOKIE) && !directives.public {
        return Err(Skip::SetCookie);
    }
    if request_had_authorization
        && !(directives.public || directives.s_maxage.is_some() || directives.must_revalidate)
    {
        return Err(Skip::Authorization);
    }
    let explicit = route
        .ttl
        .or(directives.s_maxage)
        .or(directives.max_age)
        .or_else(|| expires_lifetime(response, now));
    let lifetime = match explicit {
        Some(lifetime) => lifetime,
        None if directives.no_cache && heuristically_cacheable(status) => Duration::ZERO,
        None => return Err(Skip::NoFreshness),
    };
    let (stale_while_revalidate, stale_if_error) = if directives.must_revalidate {
        (Duration::ZERO, Duration::ZERO)
    } else {
        (
            directives.stale_while_revalidate.unwrap_or_default(),
            directives.stale_if_error.unwrap_or_default(),
        )
    };
    let freshness = Freshness {
        lifetime,
        initial_age: age(response),
        stale_while_revalidate,
        stale_if_error,
        always_revalidate: directives.no_cache && route.ttl.is_none(),
    };
    let useful = freshness.lifetime > freshness.initial_age
        || freshness.retention(has_validator(response)) > Duration::ZERO;
    if !useful {
        return Err(Skip::NoFreshness);
    }
    Ok(freshness)
}

/// `Expires` minus `Date` (or now, without a `Date`); an invalid `Expires` means already
/// expired (RFC 9111 §5.3).
fn expires_lifetime(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let expires = headers.get(header::EXPIRES)?;
    let Some(expires) = http_date(expires) else {
        return Some(Duration::ZERO);
    };
    let date = headers.get(header::DATE).and_then(http_date).unwrap_or(now);
    Some(expires.duration_since(date).unwrap_or_default())
}

/// The `Age` header, when valid; of a list (`Age: 7200, 0`, as proxies that append send
/// it), the first value.
fn age(headers: &HeaderMap) -> Duration {
    headers
        .get(header::AGE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or_default()
}

/// An HTTP date, read as recipients do (RFC 9110 §5.6.7): IMF-fixdate, RFC 850 or asctime,
/// with names in any case and the weekday not checked.
fn http_date(value: &HeaderValue) -> Option<SystemTime> {
    let text = value.to_str().ok()?;
    httpdate::parse_http_date(text)
        .ok()
        .or_else(|| lenient_date(text))
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A date in any of the three formats, by its parts: day, month name, year (two digits
/// mean 1970 to 2069), `hh:mm:ss`; a weekday and the zone name are ignored.
fn lenient_date(text: &str) -> Option<SystemTime> {
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    let tokens = text
        .split([' ', ',', '-'])
        .filter(|token| !token.is_empty());
    for token in tokens {
        if token.contains(':') {
            let parts: Vec<u64> = token
                .split(':')
                .map(|part| part.parse().ok())
                .collect::<Option<_>>()?;
            time = match parts[..] {
                [h, m, s] if h < 24 && m < 60 && s < 61 => Some(h * 3600 + m * 60 + s),
                _ => return None,
            };
        } else if let Ok(number) = token.parse::<u32>() {
            match (token.len(), day, year) {
                (4, _, None) => year = Some(i64::from(number)),
                (1 | 2, None, _) if (1..=31).contains(&number) => day = Some(number),
                (2, Some(_), None) => {
                    year = Some(i64::from(number) + if number < 70 { 2000 } else { 1900 });
                }
                _ => return None,
            }
        } else if let Some(index) = MONTHS.iter().position(|name| {
            token.len() >= 3 && token.is_char_boundary(3) && token[..3].eq_ignore_ascii_case(name)
        }) {
            month = Some(u32::try_from(index).ok()? + 1);
        }
    }
    let days = days_from_civil(year?, month?, day?);
    let seconds = u64::try_from(days).ok()? * 86_400 + time?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let march_based = i64::from((month + 9) % 12);
    let day_of_year = (153 * march_based + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The request header names a response varies on, lower case and sorted; `None` for
/// `Vary: *`.
pub(super) fn vary_names(headers: &HeaderMap) -> Option<Vec<http::HeaderName>> {
    let mut names = Vec::new();
    for line in headers.get_all(header::VARY) {
        let Ok(line) = line.to_str() else { continue };
        for name in split_list(line) {
            if name == "*" {
                return None;
            }
            if let Ok(name) = http::HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()) {
                names.push(name);
            }
        }
    }
    names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    names.dedup();
    Some(names)
}

/// Whether a response carries a validator (`ETag` or `Last-Modified`) to revalidate with.
pub(super) fn has_validator(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ETAG) || headers.contains_key(header::LAST_MODIFIED)
}

/// What the client asked of the cache in its own `Cache-Control` / `Pragma`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ClientDirectives {
    /// `no-cache`, `max-age=0` or `Pragma: no-cache`: go to the handler.
    pub reload: bool,
    /// `no-store`: do not store the answer.
    pub no_store: bool,
}

impl ClientDirectives {
    /// Reads a request's directives.
    pub(super) fn parse(request: &HeaderMap) -> Self {
        let directives = Directives::parse(request);
        let pragma_no_cache = !request.contains_key(header::CACHE_CONTROL)
            && request
                .get_all(header::PRAGMA)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .any(|value| split_list(value).any(|item| item.eq_ignore_ascii_case("no-cache")));
        Self {
            reload: directives.no_cache
                || directives.max_age == Some(Duration::ZERO)
                || pragma_no_cache,
            no_store: directives.no_store,
        }
    }
}

/// Whether a conditional request is satisfied by a stored response with these headers, so
/// that 304 answers it (RFC 9110 §13.2.2: `If-None-Match` wins over `If-Modified-Since`).
pub(super) fn not_modified(request: &HeaderMap, stored: &HeaderMap) -> bool {
    if request.contains_key(header::IF_NONE_MATCH) {
        let Some(etag) = stored.get(header::ETAG).and_then(|tag| tag.to_str().ok()) else {
            return false;
        };
        let etag = opaque_tag(etag);
        return request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(split_list)
            .any(|candidate| candidate == "*" || opaque_tag(candidate) == etag);
    }
    let Some(since) = request.get(header::IF_MODIFIED_SINCE).and_then(http_date) else {
        return false;
    };
    let Some(modified) = stored.get(header::LAST_MODIFIED).and_then(http_date) else {
        return false;
    };
    modified <= since
}

/// An entity tag without its weakness prefix (weak comparison).
fn opaque_tag(tag: &str) -> &str {
    tag.trim().strip_prefix("W/").unwrap_or(tag.trim())
}

/// Whether a request is conditional (so a miss must not forward its validators blindly).
pub(super) fn is_conditional(request: &HeaderMap) -> bool {
    request.contains_key(header::IF_NONE_MATCH) || request.contains_key(header::IF_MODIFIED_SINCE)
}

#[cfg(test)]
mod tests;
