//! `POST /admin/cache/purge`: removes cached responses by URL, URL prefix, `Cache-Tag` or
//! tenant. The body is JSON:
//!
//! ```json
//! { "urls": ["https://acme.test/a?b=1"], "prefixes": ["https://acme.test/static/"],
//!   "tags": ["products"], "tenant": "acme", "everything": false }
//! ```
//!
//! URLs and prefixes find their tenant by host; tags and `everything` apply to `tenant`, or
//! to every tenant without one. The answer says how many responses went:
//! `{"purged": 3}`. The request needs `Authorization: Bearer <server.admin_token>`.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::Request;
use http::Response;
use http::StatusCode;
use http::Uri;
use http_body_util::BodyExt;
use http_body_util::Full;
use http_body_util::Limited;
use hyper::body::Incoming;
use serde::Deserialize;

use super::text;
use super::Admin;
use crate::cache::keyed_target;
use crate::cache::Purge;
use crate::cache::TenantCache;
use crate::routing::normalize_host;
use crate::routing::table::RoutingTable;
use crate::routing::Lookup;

/// Largest purge request body accepted.
const MOST_BODY_BYTES: usize = 1024 * 1024;

/// What to purge.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PurgeRequest {
    #[serde(default)]
    urls: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    tenant: Option<String>,
    #[serde(default)]
    everything: bool,
}

/// Serves one purge request.
pub(super) async fn handle(request: Request<Incoming>, admin: &Admin) -> Response<Full<Bytes>> {
    if request.method() != Method::POST {
        return text(StatusCode::METHOD_NOT_ALLOWED, "use POST\n".to_owned());
    }
    let Some(token) = &admin.token else {
        return text(
            StatusCode::FORBIDDEN,
            "purging is disabled: set server.admin_token\n".to_owned(),
        );
    };
    let presented = super::bearer(&request);
    if !same(presented.as_bytes(), token.as_bytes()) {
        let mut response = text(
            StatusCode::UNAUTHORIZED,
            "missing or wrong bearer token\n".to_owned(),
        );
        response.headers_mut().insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    let body = match Limited::new(request.into_body(), MOST_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            return text(
                StatusCode::BAD_REQUEST,
                format!("reading the body: {error}\n"),
            )
        }
    };
    let order: PurgeRequest = match serde_json::from_slice(&body) {
        Ok(order) => order,
        Err(error) => return text(StatusCode::BAD_REQUEST, format!("invalid JSON: {error}\n")),
    };
    match purge(&admin.dispatcher.table(), &admin.cache.tenants(), &order) {
        Ok(purged) => {
            let mut response = text(StatusCode::OK, format!("{{\"purged\":{purged}}}\n"));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(message) => text(StatusCode::BAD_REQUEST, format!("{message}\n")),
    }
}

/// Runs `order`; the number of responses removed, or what is wrong with the order (checked
/// whole before anything is removed).
fn purge(
    table: &RoutingTable,
    caches: &[Arc<TenantCache>],
    order: &PurgeRequest,
) -> Result<u64, String> {
    let named = match &order.tenant {
        Some(name) => Some(
            caches
                .iter()
                .find(|cache| *cache.tenant == **name)
                .ok_or_else(|| format!("tenant {name:?} has no cache"))?,
        ),
        None => None,
    };
    let mut work: Vec<(Arc<TenantCache>, Purge)> = Vec::new();
    for (list, prefix) in [(&order.urls, false), (&order.prefixes, true)] {
        for url in list {
            let (cache, host, target) = locate(table, url)?;
            if named.is_some_and(|named| !Arc::ptr_eq(named, &cache)) {
                return Err(format!("{url} is not served by tenant {:?}", order.tenant));
            }
            let purge = if prefix {
                Purge::Prefix {
                    host,
                    prefix: target,
                }
            } else {
                Purge::Url { host, target }
            };
            work.push((cache, purge));
        }
    }
    let scope: Vec<Arc<TenantCache>> = match named {
        Some(cache) => vec![cache.clone()],
        None => caches.to_vec(),
    };
    for tag in &order.tags {
        for cache in &scope {
            work.push((cache.clone(), Purge::Tag(tag.clone())));
        }
    }
    if order.everything {
        for cache in &scope {
            work.push((cache.clone(), Purge::All));
        }
    }
    if work.is_empty() {
        return Err("nothing to purge: give urls, prefixes, tags or everything".to_owned());
    }
    Ok(work.iter().map(|(cache, purge)| cache.purge(purge)).sum())
}

/// The cache, host and path-with-query of an absolute URL.
fn locate(table: &RoutingTable, url: &str) -> Result<(Arc<TenantCache>, String, String), String> {
    let uri: Uri = url
        .parse()
        .map_err(|error| format!("invalid URL {url:?}: {error}"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url:?} is not an absolute URL"))?;
    // Keyed as a request for it is: the host without its port, the query sorted where the
    // route sorts it.
    let host = normalize_host(authority.as_str());
    let index = table.router.tenant_for_host(&host);
    let cache = index
        .and_then(|index| table.tenant(index))
        .ok_or_else(|| format!("no tenant serves host {host}"))?
        .caching
        .as_ref()
        .ok_or_else(|| format!("caching is off for host {host}"))?
        .cache
        .clone();
    let target = uri.path_and_query().map_or("/", |target| target.as_str());
    let sort_query = match table.router.route(index, &Method::GET, uri.path()) {
        Lookup::Found { target, .. } => target.cache.sort_query,
        _ => false,
    };
    let target = keyed_target(target, sort_query).into_owned();
    Ok((cache, host.into_owned(), target))
}

/// Compares secrets in time independent of where they differ.
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
