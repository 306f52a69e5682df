//! `CacheKey`: what identifies a stored response. HEAD shares GET's entries, so the method is
//! not part of it.

use std::borrow::Borrow;
use std::borrow::Cow;
use std::hash::Hash;
use std::hash::Hasher;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderName;

/// The name of the cache the gateway's own response cache lives in; handler caches
/// (`caches.default`, `caches.open(name)`) have names of their own, so they never meet it.
pub(crate) const EDGE: &str = "";

/// What starts the name of the edge cache of one deployed version of a split
/// ([`edge_of_version`]); handler caches are `default` and `open:…`.
const VERSION_EDGE: &str = "version:";

/// The edge cache of version `id` while it shares its tenant with other versions, so that
/// what one version answered is never served for another.
pub fn edge_of_version(id: u64) -> Arc<str> {
    Arc::from(format!("{VERSION_EDGE}{id}"))
}

/// Whether the cache called `name` is an edge cache (the tenant's, or one version's).
pub(crate) fn is_edge(name: &str) -> bool {
    name == EDGE || name.starts_with(VERSION_EDGE)
}

/// Identifies one stored response (or, without `variant`, the URL's entry point, which may
/// list the headers its responses vary on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    /// The tenant that owns it.
    pub tenant: Arc<str>,
    /// Which cache: [`EDGE`], or a handler cache's name.
    pub cache: Arc<str>,
    /// `https` or not.
    pub secure: bool,
    /// Host, lower case, without a default port.
    pub host: Box<str>,
    /// Path and query, the query as sent or with its parameters sorted.
    pub target: Box<str>,
    /// The request's values of the headers the stored response varies on, in name order.
    pub variant: Option<Box<[Option<Bytes>]>>,
}

impl CacheKey {
    /// The key of a URL in `cache`; `sort_query` puts the query parameters in order.
    pub fn new(
        tenant: Arc<str>,
        cache: Arc<str>,
        secure: bool,
        host: &str,
        path_and_query: &str,
        sort_query: bool,
    ) -> Self {
        Self {
            tenant,
            cache,
            secure,
            host: if host.bytes().any(|b| b.is_ascii_uppercase()) {
                host.to_ascii_lowercase().into_boxed_str()
            } else {
                Box::from(host)
            },
            target: Box::from(target(path_and_query, sort_query)),
            variant: None,
        }
    }

    /// The key's parts, borrowed.
    pub fn parts(&self) -> KeyRef<'_> {
        KeyRef {
            tenant: &self.tenant,
            cache: &self.cache,
            secure: self.secure,
            host: &self.host,
            target: &self.target,
            variant: self.variant.as_deref(),
        }
    }

    /// The key of this URL's variant for a request with `headers`, varying on `names`.
    pub fn variant(&self, names: &[HeaderName], headers: &HeaderMap) -> Self {
        self.parts().variant(names, headers)
    }

    /// The URL without the variant: `host` + `target`.
    pub fn url_matches(&self, host: &str, target: &str) -> bool {
        *self.host == *host && *self.target == *target
    }

    /// Whether the URL starts with `host` + `prefix`.
    pub fn prefix_matches(&self, host: &str, prefix: &str) -> bool {
        *self.host == *host && self.target.starts_with(prefix)
    }

    /// An estimate of the memory the key takes, for the entry's weight.
    pub fn size(&self) -> usize {
        let variant = self.variant.as_ref().map_or(0, |values| {
            values
                .iter()
                .map(|value| value.as_ref().map_or(8, |value| value.len() + 32))
                .sum()
        });
        std::mem::size_of::<Self>() + self.host.len() + self.target.len() + variant
    }
}

/// A key's parts, borrowed: what a lookup hashes and compares, so that a hit builds no
/// key. The host is normalised (see `routing::normalize_host`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyRef<'a> {
    /// The tenant.
    pub tenant: &'a Arc<str>,
    /// The cache's name.
    pub cache: &'a Arc<str>,
    /// `https` or not.
    pub secure: bool,
    /// Host, lower case, without a default port.
    pub host: &'a str,
    /// Path and query, as keyed (see [`target`]).
    pub target: &'a str,
    /// The variant's header values, for a variant.
    pub variant: Option<&'a [Option<Bytes>]>,
}

impl KeyRef<'_> {
    /// The owned key.
    pub fn to_key(self) -> CacheKey {
        CacheKey {
            tenant: self.tenant.clone(),
            cache: self.cache.clone(),
            secure: self.secure,
            host: Box::from(self.host),
            target: Box::from(self.target),
            variant: self.variant.map(Box::from),
        }
    }

    /// The key of this URL's variant for a request with `headers`, varying on `names`.
    pub fn variant(&self, names: &[HeaderName], headers: &HeaderMap) -> CacheKey {
        let values = names
            .iter()
            .map(|name| {
                // Compared as a list: the field lines joined, and the whitespace around each
                // member dropped, so `gzip,br` and `gzip, br` are one variant.
                let mut values = headers.get_all(name).iter().peekable();
                values.peek()?;
                let mut joined = Vec::new();
                let members = values
                    .flat_map(|value| value.as_bytes().split(|&b| b == b','))
                    .map(<[u8]>::trim_ascii)
                    .filter(|member| !member.is_empty());
                for member in members {
                    if !joined.is_empty() {
                        joined.extend_from_slice(b", ");
                    }
                    joined.extend_from_slice(member);
                }
                Some(Bytes::from(joined))
            })
            .collect();
        CacheKey {
            variant: Some(values),
            ..self.to_key()
        }
    }
}

/// What a key's parts are to lookups: [`CacheKey`] and [`KeyRef`] hash and compare alike.
pub trait KeyParts {
    /// The parts.
    fn parts(&self) -> KeyRef<'_>;
}

impl KeyParts for CacheKey {
    fn parts(&self) -> KeyRef<'_> {
        CacheKey::parts(self)
    }
}

impl KeyParts for KeyRef<'_> {
    fn parts(&self) -> KeyRef<'_> {
        *self
    }
}

impl Hash for CacheKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl<'a> Borrow<dyn KeyParts + 'a> for CacheKey {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        self
    }
}

impl Hash for dyn KeyParts + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyParts + '_ {}

/// The request target as keyed: as sent, or with its query parameters sorted.
pub fn target(path_and_query: &str, sort_query: bool) -> Cow<'_, str> {
    match path_and_query.split_once('?') {
        Some((path, query)) if sort_query => {
            let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
            pairs.sort_unstable();
            if pairs.is_empty() {
                Cow::Borrowed(path)
            } else {
                Cow::Owned(format!("{path}?{}", pairs.join("&")))
            }
        }
        _ => Cow::Borrowed(path_and_query),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(target: &str, sort: bool) -> CacheKey {
        CacheKey::new(
            Arc::from("t"),
            Arc::from(EDGE),
            true,
            "A.Test",
            target,
            sort,
        )
    }

    #[test]
    fn key_sorts_query_only_when_asked() {
        assert_eq!(&*key("/p?b=2&a=1", true).target, "/p?a=1&b=2");
        assert_eq!(&*key("/p?b=2&a=1", false).target, "/p?b=2&a=1");
        assert_eq!(&*key("/p?", true).target, "/p");
        assert_eq!(&*key("/p?b=2&a=1", true).host, "a.test");
    }

    #[test]
    fn key_parts_find_what_the_owned_key_stored() {
        use std::collections::HashMap;

        let stored = key("/p?b=2&a=1", true);
        let state = ahash::RandomState::new();
        let mut map = HashMap::with_hasher(state.clone());
        map.insert(stored.clone(), 1);
        let target = target("/p?b=2&a=1", true);
        let tenant = Arc::from("t");
        let edge = Arc::from(EDGE);
        let parts = KeyRef {
            tenant: &tenant,
            cache: &edge,
            secure: true,
            host: "a.test",
            target: &target,
            variant: None,
        };
        let lookup: &dyn KeyParts = &parts;
        assert_eq!(state.hash_one(&stored), state.hash_one(lookup));
        assert_eq!(map.get(lookup), Some(&1));
        assert_eq!(parts.to_key(), stored);
        let other = KeyRef {
            target: "/p?b=2&a=1",
            ..parts
        };
        assert_eq!(map.get(&other as &dyn KeyParts), None);
    }

    #[test]
    fn key_variants_differ_by_vary_header_values() {
        let base = key("/", false);
        let names = [HeaderName::from_static("accept-language")];
        let mut english = HeaderMap::new();
        english.insert("accept-language", "en".parse().unwrap());
        let mut french = HeaderMap::new();
        french.insert("accept-language", "fr".parse().unwrap());
        assert_ne!(
            base.variant(&names, &english),
            base.variant(&names, &french)
        );
        assert_eq!(
            base.variant(&names, &english),
            base.variant(&names, &english)
        );
        assert_ne!(base.variant(&names, &HeaderMap::new()), base);
    }

    #[test]
    fn key_variants_compare_lists_without_their_whitespace() {
        let base = key("/", false);
        let names = [HeaderName::from_static("accept-encoding")];
        let with = |lines: &[&str]| {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append("accept-encoding", line.parse().unwrap());
            }
            base.variant(&names, &headers)
        };
        assert_eq!(with(&["gzip,br"]), with(&["gzip, br"]));
        assert_eq!(with(&["gzip ,  br "]), with(&["gzip", "br"]));
        assert_ne!(with(&["gzip"]), with(&["br"]));
        assert_ne!(with(&[""]), base.variant(&names, &HeaderMap::new()));
    }
}
