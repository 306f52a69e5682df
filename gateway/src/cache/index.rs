//! What a purge of one URL needs to find its entries without a walk over the tenant's:
//! the variant keys stored under each URL's `Vary` pointer, and the names of the caches the
//! tenant has stored into. A URL purge then costs the entries it removes. An index that
//! grew past its bound says so, and the purge walks the store instead.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;

use super::key::CacheKey;

/// Most variant keys one URL's index holds; past it, purging the URL walks the store.
const MOST_VARIANTS: usize = 1_024;

/// Most cache names one tenant's index holds (the edge cache and the Cache API's named
/// caches); past it, purging a URL in every cache walks the store.
const MOST_CACHES: usize = 64;

/// A bounded set that remembers whether it ever overflowed.
#[derive(Debug)]
struct Bounded<T> {
    items: HashSet<T, ahash::RandomState>,
    overflowed: bool,
}

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Self {
            items: HashSet::default(),
            overflowed: false,
        }
    }
}

impl<T: std::hash::Hash + Eq + Clone> Bounded<T> {
    fn add(&mut self, item: &T, most: usize) {
        if self.items.contains(item) {
            return;
        }
        if self.items.len() >= most {
            self.overflowed = true;
        } else {
            self.items.insert(item.clone());
        }
    }

    /// Every item, or `None` when some were not kept.
    fn all(&self) -> Option<Vec<T>> {
        (!self.overflowed).then(|| self.items.iter().cloned().collect())
    }
}

/// The variant keys stored under one URL's `Vary` pointer (some may have been evicted
/// since: removing those is a no-op).
#[derive(Debug, Default)]
pub(super) struct Variants(Mutex<Bounded<CacheKey>>);

impl Variants {
    /// Records a variant stored under the pointer.
    pub(super) fn add(&self, key: &CacheKey) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(key, MOST_VARIANTS);
    }

    /// Every variant key, or `None` when there were too many to keep.
    pub(super) fn all(&self) -> Option<Vec<CacheKey>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).all()
    }
}

/// The names of the caches a tenant has stored into.
#[derive(Debug, Default)]
pub(super) struct CacheNames(Mutex<Bounded<Arc<str>>>);

impl CacheNames {
    /// Records that `name` holds an entry.
    pub(super) fn add(&self, name: &Arc<str>) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .add(name, MOST_CACHES);
    }

    /// Every name, or `None` when there were too many to keep.
    pub(super) fn all(&self) -> Option<Vec<Arc<str>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).all()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;
    use std::time::Instant;

    use bytes::Bytes;
    use http::HeaderMap;
    use http::HeaderName;
    use http::HeaderValue;
    use http::StatusCode;

    use super::*;
    use crate::cache::policy::Freshness;
    use crate::cache::store::Bounds;
    use crate::cache::store::Purge;
    use crate::cache::store::ResponseCache;
    use crate::cache::store::Stored;
    use crate::cache::store::TenantCache;

    fn stored(body: &'static str) -> Stored {
        let freshness = Freshness {
            lifetime: Duration::from_secs(600),
            initial_age: Duration::ZERO,
            stale_while_revalidate: Duration::ZERO,
            stale_if_error: Duration::ZERO,
            always_revalidate: false,
        };
        let body = Bytes::from_static(body.as_bytes());
        Stored::new(
            StatusCode::OK,
            HeaderMap::new(),
            body,
            freshness,
            Instant::now(),
        )
    }

    fn key(cache: &TenantCache, name: &Arc<str>, secure: bool, target: &str) -> CacheKey {
        CacheKey::new(
            cache.tenant.clone(),
            name.clone(),
            secure,
            "a.test",
            target,
            false,
        )
    }

    fn language(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn a_url_purge_removes_its_variants_and_schemes_and_nothing_else() {
        let cache = ResponseCache::new(Bounds {
            max_bytes: 64 << 20,
            max_object_bytes: 1 << 20,
        })
        .tenant("acme", u64::MAX);
        let edge = cache.edge.clone();
        let named: Arc<str> = Arc::from("named");
        let vary = [HeaderName::from_static("accept-language")];
        let none = HeaderMap::new();
        for secure in [false, true] {
            for value in ["en", "fr", "de"] {
                let url = key(&cache, &edge, secure, "/page");
                assert!(cache.insert(&url, &language(value), &vary, stored(value)));
            }
            let url = key(&cache, &named, secure, "/page");
            assert!(cache.insert(&url, &none, &[], stored("named")));
        }
        for other in 0..100 {
            let url = key(&cache, &edge, false, &format!("/other/{other}"));
            assert!(cache.insert(&url, &none, &[], stored("other")));
        }
        assert_eq!(cache.figures().entries, 2 * 4 + 2 + 100);

        // One cache's entry of the URL: its three variants under both schemes go.
        let entry = Purge::Entry {
            cache: edge,
            host: "a.test".into(),
            target: "/page".into(),
        };
        assert_eq!(cache.purge(&entry), 6);
        assert_eq!(cache.figures().entries, 2 + 100);
        // The URL in every cache: the named cache's two remain to go.
        let url = Purge::Url {
            host: "a.test".into(),
            target: "/page".into(),
        };
        assert_eq!(cache.purge(&url), 2);
        assert_eq!(cache.purge(&url), 0);
        assert_eq!(cache.figures().entries, 100);
    }

    #[test]
    fn a_pointer_that_changes_what_it_varies_on_drops_the_old_variants() {
        let cache = ResponseCache::new(Bounds {
            max_bytes: 64 << 20,
            max_object_bytes: 1 << 20,
        })
        .tenant("acme", u64::MAX);
        let edge = cache.edge.clone();
        let url = key(&cache, &edge, true, "/page");
        let by_language = [HeaderName::from_static("accept-language")];
        let by_encoding = [HeaderName::from_static("accept-encoding")];
        assert!(cache.insert(&url, &language("en"), &by_language, stored("en")));
        assert!(cache.insert(&url, &language("fr"), &by_language, stored("fr")));
        assert!(cache.insert(&url, &HeaderMap::new(), &by_encoding, stored("any")));
        assert_eq!(cache.figures().entries, 2);
        assert!(cache.insert(&url, &HeaderMap::new(), &[], stored("plain")));
        assert_eq!(cache.figures().entries, 1);
    }

    #[test]
    fn a_bounded_set_that_overflowed_lists_nothing() {
        let mut set = Bounded::default();
        set.add(&1, 2);
        set.add(&1, 2);
        set.add(&2, 2);
        assert_eq!(set.all().map(|items| items.len()), Some(2));
        set.add(&3, 2);
        assert_eq!(set.all(), None);
    }
}
