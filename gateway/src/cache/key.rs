//! `CacheKey`: what identifies a stored response. HEAD shares GET's entries, so the method is
//! not part of it.

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderName;

/// The name of the cache the gateway's own response cache lives in; handler caches
/// (`caches.default`, `caches.open(name)`) have names of their own, so they never meet it.
pub(crate) const EDGE: &str = "";

/// Identifies one stored response (or, without `variant`, the URL's entry point, which may
/// list the headers its responses vary on).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
        let target = match path_and_query.split_once('?') {
            Some((path, query)) if sort_query => {
                let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
                pairs.sort_unstable();
                if pairs.is_empty() {
                    path.into()
                } else {
                    format!("{path}?{}", pairs.join("&")).into_boxed_str()
                }
            }
            _ => path_and_query.into(),
        };
        Self {
            tenant,
            cache,
            secure,
            host: if host.bytes().any(|b| b.is_ascii_uppercase()) {
                host.to_ascii_lowercase().into_boxed_str()
            } else {
                Box::from(host)
            },
            target,
            variant: None,
        }
    }

    /// The key of this URL's variant for a request with `headers`, varying on `names`.
    pub fn variant(&self, names: &[HeaderName], headers: &HeaderMap) -> Self {
        let values = names
            .iter()
            .map(|name| {
                let mut values = headers.get_all(name).iter();
                let first = values.next()?;
                let mut joined = first.as_bytes().to_vec();
                for more in values {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(more.as_bytes());
                }
                Some(Bytes::from(joined))
            })
            .collect();
        Self {
            variant: Some(values),
            ..self.clone()
        }
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
}
