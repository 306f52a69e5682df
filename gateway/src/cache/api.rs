//! The handlers' Cache API (`caches.default`, `await caches.open(name)`) over the tenant's
//! share of the response cache: the same store, quota and RFC 9111 rules, under cache names
//! of its own, so that neither it nor the edge cache sees the other's entries.

use std::sync::Arc;
use std::time::Instant;
use std::time::SystemTime;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderName;
use http::HeaderValue;
use http::StatusCode;
use http::Uri;
use isogate_runtime::CacheRequest;
use isogate_runtime::CachedResponse;
use isogate_runtime::HandlerCache;

use super::exchange::not_modified_headers;
use super::key::CacheKey;
use super::policy;
use super::policy::RoutePolicy;
use super::store::Found;
use super::store::Purge;
use super::store::Stored;
use super::store::TenantCache;
use crate::http::request::header_pairs;
use crate::routing::normalize_host;

impl HandlerCache for TenantCache {
    fn lookup(&self, cache: &str, request: &CacheRequest) -> Option<CachedResponse> {
        let (key, headers) = self.api_key(cache, request)?;
        let (_, Found::Response(stored)) = self.find(&key.parts(), &headers) else {
            return None;
        };
        let aged = stored.at(Instant::now());
        if !aged.is_fresh() {
            return None;
        }
        let conditional = stored.status == StatusCode::OK
            && policy::is_conditional(&headers)
            && policy::not_modified(&headers, &stored.headers);
        let (status, mut answer_headers, body) = if conditional {
            (
                StatusCode::NOT_MODIFIED,
                not_modified_headers(&stored.headers),
                Bytes::new(),
            )
        } else {
            (stored.status, stored.headers.clone(), stored.body.clone())
        };
        answer_headers.insert(http::header::AGE, HeaderValue::from(aged.age.as_secs()));
        Some(CachedResponse {
            status: status.as_u16(),
            headers: header_pairs(&answer_headers),
            body,
        })
    }

    fn store(&self, cache: &str, request: &CacheRequest, response: CachedResponse) -> bool {
        let Some((key, request_headers)) = self.api_key(cache, request) else {
            return false;
        };
        let Ok(status) = StatusCode::from_u16(response.status) else {
            return false;
        };
        let headers = header_map(&response.headers);
        let Ok(freshness) = policy::storable(
            status.as_u16(),
            false,
            &headers,
            &RoutePolicy::default(),
            SystemTime::now(),
        ) else {
            return false;
        };
        let vary = policy::vary_names(&headers).unwrap_or_default();
        let stored = Stored::new(status, headers, response.body, freshness, Instant::now());
        self.insert(&key, &request_headers, &vary, stored)
    }

    fn delete(&self, cache: &str, request: &CacheRequest) -> bool {
        let Some((key, _)) = self.api_key(cache, request) else {
            return false;
        };
        let purge = Purge::Entry {
            cache: key.cache.clone(),
            host: key.host.to_string(),
            target: key.target.to_string(),
        };
        self.purge(&purge) > 0
    }
}

impl TenantCache {
    /// The key of a Cache API request in the tenant's cache `cache`, and its headers.
    fn api_key(&self, cache: &str, request: &CacheRequest) -> Option<(CacheKey, HeaderMap)> {
        let uri: Uri = request.url.parse().ok()?;
        let host = normalize_host(uri.authority()?.as_str());
        let target = uri.path_and_query().map_or("/", |target| target.as_str());
        let key = CacheKey::new(
            self.tenant.clone(),
            Arc::from(cache),
            uri.scheme_str() == Some("https"),
            &host,
            target,
            false,
        );
        Some((key, header_map(&request.headers)))
    }
}

/// Header pairs as a map; pairs that are not valid headers are left out.
fn header_map(pairs: &[(Bytes, Bytes)]) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            map.append(name, value);
        }
    }
    map
}
