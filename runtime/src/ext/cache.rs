//! The Cache API's backing store (`caches.default`, `await caches.open(name)`): the ops the
//! JS classes in `js/05_cache.js` call, and the [`HandlerCache`] trait the embedder
//! implements over its own response cache, partitioned per tenant.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use deno_core::convert::ByteString;
use deno_core::op2;
use deno_core::v8;
use deno_core::OpState;
use deno_core::ToV8;
use deno_error::JsErrorBox;

/// A request as the Cache API keys it: its URL and the headers a stored response may vary
/// on (or that make a lookup conditional).
#[derive(Clone, Debug)]
pub struct CacheRequest {
    /// The absolute URL.
    pub url: String,
    /// Header pairs (names lower case).
    pub headers: Vec<(Bytes, Bytes)>,
}

/// A complete response, as stored or found.
#[derive(Clone, Debug)]
pub struct CachedResponse {
    /// HTTP status.
    pub status: u16,
    /// Header pairs.
    pub headers: Vec<(Bytes, Bytes)>,
    /// The whole body.
    pub body: Bytes,
}

/// One tenant's named caches. The embedder decides what may be stored and for how long
/// (the response's `Cache-Control`), and bounds the memory they take.
pub trait HandlerCache: Send + Sync + fmt::Debug {
    /// A fresh response stored in `cache` for `request`, if any.
    fn lookup(&self, cache: &str, request: &CacheRequest) -> Option<CachedResponse>;
    /// Stores `response` in `cache` for `request`; false when its headers or size keep it
    /// out.
    fn store(&self, cache: &str, request: &CacheRequest, response: CachedResponse) -> bool;
    /// Removes what `cache` holds for `request`'s URL; whether there was anything.
    fn delete(&self, cache: &str, request: &CacheRequest) -> bool;
}

/// A handler's caches, as its [`HandlerSpec`](crate::HandlerSpec) carries them. Two handles
/// are equal when they share the same store.
#[derive(Clone, Debug)]
pub struct CacheHandle(pub Arc<dyn HandlerCache>);

impl PartialEq for CacheHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for CacheHandle {}

/// The isolate's caches, in its op state (absent: every lookup misses, nothing is stored).
pub(crate) struct Caches(pub(crate) Option<CacheHandle>);

fn request(url: String, headers: Vec<(ByteString, ByteString)>) -> CacheRequest {
    CacheRequest {
        url,
        headers: headers
            .into_iter()
            .map(|(name, value)| (Bytes::from(name.to_vec()), Bytes::from(value.to_vec())))
            .collect(),
    }
}

fn store(state: &OpState) -> Option<Arc<dyn HandlerCache>> {
    state
        .try_borrow::<Caches>()
        .and_then(|caches| caches.0.as_ref())
        .map(|handle| handle.0.clone())
}

/// A found response for JS: `[status, [name, value, ...], body]`.
pub(crate) struct Found(CachedResponse);

impl<'a> ToV8<'a> for Found {
    type Error = JsErrorBox;

    fn to_v8<'i>(
        self,
        scope: &mut v8::PinScope<'a, 'i>,
    ) -> Result<v8::Local<'a, v8::Value>, Self::Error> {
        let too_long = || JsErrorBox::range_error("cached header too long for a JS string");
        let mut headers = Vec::with_capacity(self.0.headers.len() * 2);
        for (name, value) in &self.0.headers {
            for raw in [name, value] {
                let text = v8::String::new_from_one_byte(scope, raw, v8::NewStringType::Normal)
                    .ok_or_else(too_long)?;
                headers.push(text.into());
            }
        }
        let length = self.0.body.len();
        let store = v8::ArrayBuffer::new_backing_store_from_vec(self.0.body.to_vec()).make_shared();
        let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
        let body = v8::Uint8Array::new(scope, buffer, 0, length)
            .ok_or_else(|| JsErrorBox::range_error("cached body too large"))?;
        let fields = [
            v8::Integer::new_from_unsigned(scope, u32::from(self.0.status)).into(),
            v8::Array::new_with_elements(scope, &headers).into(),
            body.into(),
        ];
        Ok(v8::Array::new_with_elements(scope, &fields).into())
    }
}

/// `cache.match`: the fresh response stored for the request, or `null`.
#[op2]
pub(crate) fn op_isogate_cache_match(
    state: &mut OpState,
    #[string] cache: &str,
    #[string] url: String,
    #[scoped] headers: Vec<(ByteString, ByteString)>,
) -> Option<Found> {
    let store = store(state)?;
    store.lookup(cache, &request(url, headers)).map(Found)
}

/// `cache.put`: stores a complete response; whether it was kept.
#[op2]
#[allow(
    clippy::too_many_arguments,
    reason = "an op's arguments are its JS signature"
)]
pub(crate) fn op_isogate_cache_put(
    state: &mut OpState,
    #[string] cache: &str,
    #[string] url: String,
    #[scoped] headers: Vec<(ByteString, ByteString)>,
    #[smi] status: u16,
    #[scoped] response_headers: Vec<(ByteString, ByteString)>,
    #[buffer] body: &[u8],
) -> bool {
    let Some(store) = store(state) else {
        return false;
    };
    let response = CachedResponse {
        status,
        headers: request(String::new(), response_headers).headers,
        body: Bytes::copy_from_slice(body),
    };
    store.store(cache, &request(url, headers), response)
}

/// `cache.delete`: whether anything was removed.
#[op2]
pub(crate) fn op_isogate_cache_delete(
    state: &mut OpState,
    #[string] cache: &str,
    #[string] url: String,
    #[scoped] headers: Vec<(ByteString, ByteString)>,
) -> bool {
    store(state).is_some_and(|store| store.delete(cache, &request(url, headers)))
}
