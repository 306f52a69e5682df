//! The stores: one moka cache per tenant, bounded by the tenant's quota, and one global
//! ledger bounded by `[cache] max_bytes`. An entry lives in its tenant's store and has a line
//! of the same weight in the ledger; whichever of the two evicts it first removes it from
//! the other, so both bounds hold at once and tenants never see each other's entries.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::Weak;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderName;
use http::StatusCode;
use moka::notification::RemovalCause;
use moka::policy::EvictionPolicy;
use moka::sync::Cache;
use moka::Expiry;

use super::flight::Flights;
use super::index::CacheNames;
use super::index::Variants;
use super::key::CacheKey;
use super::key::KeyParts;
use super::key::KeyRef;
use super::lazy::Lazy;
use super::policy;
use super::policy::Freshness;

/// How long requests for a URL whose last answer could not be stored skip coalescing.
const PASS_WINDOW: Duration = Duration::from_secs(30);

/// Most URLs one tenant keeps marked as uncacheable.
const MOST_PASSES: u64 = 10_000;

/// How long a URL whose answer could not be stored is remembered as such, for coalescing:
/// its concurrent misses run side by side, not one after another.
const UNCACHEABLE_MEMORY: Duration = Duration::from_secs(600);

/// A response kept in a cache.
#[derive(Debug)]
pub struct Stored {
    /// Its status.
    pub status: StatusCode,
    /// Its headers, less those that describe one exchange (`Age`, `Cache-Status`,
    /// `Set-Cookie`, `Cache-Tag`).
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
    /// When it was received.
    pub stored_at: Instant,
    /// How it may be used.
    pub freshness: Freshness,
    /// Its `Cache-Tag` values, for purges by tag.
    pub tags: Box<[Box<str>]>,
    /// A background refresh (`stale-while-revalidate`) is running.
    pub refreshing: AtomicBool,
}

/// A stored response as of one moment.
#[derive(Clone, Copy, Debug)]
pub struct Aged<'a> {
    /// The response.
    pub stored: &'a Stored,
    /// Its age at that moment.
    pub age: Duration,
}

impl Aged<'_> {
    /// Whether it may answer without revalidation.
    pub fn is_fresh(&self) -> bool {
        !self.stored.freshness.always_revalidate && self.age < self.stored.freshness.lifetime
    }

    /// Seconds of freshness left, negative once stale (whole seconds, as `Age` counts).
    pub fn ttl(&self) -> i64 {
        let seconds = |duration: Duration| i64::try_from(duration.as_secs()).unwrap_or(i64::MAX);
        seconds(self.stored.freshness.lifetime) - seconds(self.age)
    }

    /// How long past being fresh it is, when stale.
    pub fn staleness(&self) -> Option<Duration> {
        self.age.checked_sub(self.stored.freshness.lifetime)
    }
}

/// The response header listing tags to purge by; kept by the cache, not sent on.
pub(super) const CACHE_TAG: &str = "cache-tag";

impl Stored {
    /// A response to keep, received `now`: its `Cache-Tag` values are taken off as its tags,
    /// and the headers that describe one exchange are dropped.
    pub fn new(
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
        freshness: Freshness,
        now: Instant,
    ) -> Self {
        let tags = headers
            .get_all(CACHE_TAG)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(Box::from)
            .collect();
        for name in [CACHE_TAG, "set-cookie", "age", "cache-status"] {
            headers.remove(name);
        }
        Self {
            status,
            headers,
            body,
            stored_at: now,
            freshness,
            tags,
            refreshing: AtomicBool::new(false),
        }
    }

    /// It as of `now`, its age (RFC 9111 §4.2.3, with the cache's own clock for the
    /// resident time) worked out once.
    pub fn at(&self, now: Instant) -> Aged<'_> {
        Aged {
            age: self.freshness.initial_age + now.saturating_duration_since(self.stored_at),
            stored: self,
        }
    }

    /// How long the store keeps it from now on.
    fn keep(&self) -> Duration {
        let retention = self
            .freshness
            .retention(policy::has_validator(&self.headers));
        (self.freshness.lifetime + retention).saturating_sub(self.freshness.initial_age)
    }

    fn weight(&self, key: &CacheKey) -> u64 {
        const OVERHEAD: usize = 256;
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        (OVERHEAD + key.size() + headers + self.body.len()) as u64
    }
}

/// What a store holds under a key.
#[derive(Clone, Debug)]
pub(super) enum Entry {
    /// A response.
    Response(Arc<Stored>),
    /// The URL's responses vary on these request headers; each is under its variant key.
    Vary {
        /// The header names, sorted.
        names: Arc<[HeaderName]>,
        /// How long to keep the pointer (as long as the variant that set it).
        keep: Duration,
        /// The variants stored under it, for purges.
        variants: Arc<Variants>,
    },
}

impl Entry {
    fn keep(&self) -> Duration {
        match self {
            Self::Response(stored) => stored.keep(),
            Self::Vary { keep, .. } => *keep,
        }
    }
}

/// Each entry expires when its response is no longer worth keeping.
struct EntryExpiry;

impl Expiry<CacheKey, Entry> for EntryExpiry {
    fn expire_after_create(&self, _: &CacheKey, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.keep())
    }

    fn expire_after_update(
        &self,
        _: &CacheKey,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.keep())
    }
}

/// Counters of one tenant's cache, read by `/metrics` and `/admin/usage`.
#[derive(Debug, Default)]
pub struct CacheCounters {
    /// Requests answered from the cache, fresh or stale.
    pub hits: AtomicU64,
    /// Requests that went to the handler although they could have been cached.
    pub misses: AtomicU64,
    /// Requests answered with a stale entry.
    pub stale: AtomicU64,
    /// Responses stored.
    pub stores: AtomicU64,
    /// Entries evicted for room (tenant quota or global bound).
    pub evictions: AtomicU64,
}

/// A tenant's figures at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheFigures {
    /// See [`CacheCounters::hits`].
    pub hits: u64,
    /// See [`CacheCounters::misses`].
    pub misses: u64,
    /// See [`CacheCounters::stale`].
    pub stale: u64,
    /// See [`CacheCounters::stores`].
    pub stores: u64,
    /// See [`CacheCounters::evictions`].
    pub evictions: u64,
    /// Bytes held (weighted).
    pub bytes: u64,
    /// Entries held.
    pub entries: u64,
}

/// The ledger's line for an entry: whose it is and what it weighs.
#[derive(Clone, Debug)]
struct Line {
    tenant: Weak<TenantCache>,
    weight: u32,
}

/// The hasher of every map keyed by `CacheKey`: keys come from clients, so it is seeded
/// per process.
type KeyHasher = ahash::RandomState;

type Ledger = Cache<CacheKey, Line, KeyHasher>;

/// An entry's weight as moka counts it.
fn weigh(key: &CacheKey, entry: &Entry) -> u32 {
    let bytes = match entry {
        Entry::Response(stored) => stored.weight(key),
        Entry::Vary { .. } => (key.size() + 64) as u64,
    };
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// One tenant's cache: its store, quota, counters and requests in flight.
#[derive(Debug)]
pub struct TenantCache {
    /// The tenant.
    pub tenant: Arc<str>,
    /// Itself, for the ledger's lines.
    me: Weak<TenantCache>,
    /// The edge cache's name, shared by its keys.
    pub edge: Arc<str>,
    store: Lazy<Cache<CacheKey, Entry, KeyHasher>>,
    ledger: Ledger,
    quota: u64,
    max_object: u64,
    /// Its counters.
    pub counters: Arc<CacheCounters>,
    /// Misses being fetched, which others wait for.
    pub flights: Flights,
    /// URLs whose last answer could not be stored: for `PASS_WINDOW` their requests go
    /// straight to the handler, neither waiting for one another nor kept (Varnish's
    /// hit-for-pass). Bounded by count, apart from the stored bytes, so that an API with
    /// many distinct uncacheable URLs evicts no stored response.
    passes: Lazy<Cache<CacheKey, (), KeyHasher>>,
    /// URLs whose last answer could not be stored, remembered for longer than the pass
    /// window: their misses are not coalesced.
    uncacheable: Lazy<Cache<CacheKey, (), KeyHasher>>,
    /// The caches it has stored into, for purges of a URL in all of them.
    caches: CacheNames,
    /// Held while a URL's entry point is replaced, so that its variant index is never
    /// forked by two stores at once.
    writing: Mutex<()>,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Found {
    /// A response (fresh or not: the caller decides).
    Response(Arc<Stored>),
    /// Nothing for the URL.
    UriMiss,
    /// The URL varies and nothing matches this request's headers.
    VaryMiss,
    /// Recently uncacheable: forward without coalescing.
    Pass,
}

/// What to purge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purge {
    /// One URL (every variant, both schemes): host and path with query.
    Url {
        /// Lower-case host.
        host: String,
        /// Path and query.
        target: String,
    },
    /// Every URL of a host whose path starts with `prefix`.
    Prefix {
        /// Lower-case host.
        host: String,
        /// Path prefix.
        prefix: String,
    },
    /// Responses that carried this `Cache-Tag`.
    Tag(String),
    /// One URL in every edge cache (the tenant's, and each version's of a split): what a
    /// successful unsafe request invalidates.
    Edge {
        /// Lower-case host.
        host: String,
        /// Path and query.
        target: String,
    },
    /// One URL in one named cache (the Cache API's `delete`).
    Entry {
        /// The cache's name.
        cache: Arc<str>,
        /// Lower-case host.
        host: String,
        /// Path and query.
        target: String,
    },
    /// Everything the tenant has.
    All,
}

impl TenantCache {
    /// Whether `key` is marked for passing.
    fn passing(&self, key: &dyn KeyParts) -> bool {
        self.passes
            .made()
            .is_some_and(|passes| passes.contains_key(key))
    }

    /// Looks up `key` for a request with `headers`, following a `Vary` pointer; returns the
    /// key of the variant that matched (or would).
    pub fn find(&self, key: &KeyRef<'_>, headers: &HeaderMap) -> (Option<CacheKey>, Found) {
        let lookup: &dyn KeyParts = key;
        // Storing a URL clears its pass mark, so a stored URL needs no look at the marks.
        match self.store.made().and_then(|store| store.get(lookup)) {
            None if self.passing(lookup) => (None, Found::Pass),
            None => (None, Found::UriMiss),
            Some(Entry::Response(stored)) => {
                // A use, for the global bound too: it evicts the least recently used.
                self.ledger.get(lookup);
                (None, Found::Response(stored))
            }
            Some(Entry::Vary { names, .. }) => {
                let variant = key.variant(&names, headers);
                if self.passing(&variant) {
                    return (Some(variant), Found::Pass);
                }
                let found = match self.store.made().and_then(|store| store.get(&variant)) {
                    Some(Entry::Response(stored)) => {
                        self.ledger.get(&variant);
                        Found::Response(stored)
                    }
                    _ => Found::VaryMiss,
                };
                (Some(variant), found)
            }
        }
    }

    /// Stores `stored` for `key`, as the variant for `request` when it varies on `vary`.
    /// False when it is larger than an object may be or than the tenant's quota.
    pub fn insert(
        &self,
        key: &CacheKey,
        request: &HeaderMap,
        vary: &[HeaderName],
        stored: Stored,
    ) -> bool {
        let weight = stored.weight(key);
        if weight > self.max_object || weight > self.quota {
            return false;
        }
        let keep = stored.keep();
        let stored = Entry::Response(Arc::new(stored));
        if let Some(passes) = self.passes.made() {
            passes.invalidate(key);
        }
        if let Some(uncacheable) = self.uncacheable.made() {
            uncacheable.invalidate(key);
        }
        self.caches.add(&key.cache);
        let writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        // A pointer that varied on other headers (or a response that does not vary) takes
        // the place of the old pointer's variants: they go with it.
        let kept = match self.store.made().and_then(|store| store.get(key)) {
            Some(Entry::Vary {
                names, variants, ..
            }) if !vary.is_empty() && *names == *vary => Some(variants),
            Some(Entry::Vary { variants, .. }) => {
                self.remove_variants(&variants);
                None
            }
            _ => None,
        };
        if vary.is_empty() {
            self.put(key.clone(), stored);
        } else {
            let variants = kept.unwrap_or_default();
            let variant = key.variant(vary, request);
            variants.add(&variant);
            let pointer = Entry::Vary {
                names: vary.into(),
                keep,
                variants,
            };
            self.put(key.clone(), pointer);
            self.put(variant, stored);
        }
        drop(writing);
        self.counters.stores.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Removes the variants `variants` lists (or, when it could not list them all, every
    /// variant of its URL); returns how many responses went.
    fn remove_variants(&self, variants: &Variants) -> u64 {
        let Some(keys) = variants.all() else {
            return 0;
        };
        keys.iter()
            .map(|key| {
                let gone = self.store.made().and_then(|store| store.remove(key));
                u64::from(matches!(gone, Some(Entry::Response(_))))
            })
            .sum()
    }

    /// Removes one URL's entries in the caches named, both schemes and every variant,
    /// without a walk over the store; `None` when the index cannot say what they are.
    fn remove_url(&self, caches: &[Arc<str>], host: &str, target: &str) -> Option<u64> {
        let Some(store) = self.store.made() else {
            return Some(0);
        };
        let mut responses = 0;
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        for cache in caches {
            for secure in [false, true] {
                let base = KeyRef {
                    tenant: &self.tenant,
                    cache,
                    secure,
                    host,
                    target,
                    variant: None,
                };
                let lookup: &dyn KeyParts = &base;
                let Some(entry) = store.get(lookup) else {
                    continue;
                };
                if let Entry::Vary { variants, .. } = &entry {
                    let keys = variants.all()?;
                    for key in keys {
                        let gone = store.remove(&key);
                        responses += u64::from(matches!(gone, Some(Entry::Response(_))));
                    }
                }
                store.invalidate(lookup);
                responses += u64::from(matches!(entry, Entry::Response(_)));
            }
        }
        Some(responses)
    }

    /// Marks `key` as recently uncacheable for `PASS_WINDOW`.
    pub fn mark_pass(&self, key: &CacheKey) {
        self.passes.get().insert(key.clone(), ());
        self.uncacheable.get().insert(key.clone(), ());
    }

    /// Whether a miss for `key` is expected to be stored, so that concurrent misses may
    /// wait for one another: the tenant has stored answers, and this URL's last answer was
    /// not found uncacheable. An API that stores nothing runs its requests side by side.
    pub fn expects_storable(&self, key: &CacheKey) -> bool {
        self.counters.stores.load(Ordering::Relaxed) > 0
            && !self
                .uncacheable
                .made()
                .is_some_and(|uncacheable| uncacheable.contains_key(key))
    }

    fn put(&self, key: CacheKey, entry: Entry) {
        let line = Line {
            tenant: self.me.clone(),
            weight: weigh(&key, &entry),
        };
        self.store.get().insert(key.clone(), entry);
        self.ledger.insert(key, line);
        // Evict now rather than at moka's next housekeeping, so that the bounds hold
        // between writes too; a store is a miss, which has just run a handler anyway.
        self.ledger.run_pending_tasks();
        self.store.get().run_pending_tasks();
    }

    /// Removes what `purge` names; returns how many responses went. One URL (the purge a
    /// write or the Cache API's `delete` makes) costs its own entries; prefixes, tags and
    /// indexes that overflowed walk the tenant's entries.
    pub fn purge(&self, purge: &Purge) -> u64 {
        let indexed = match purge {
            Purge::Entry {
                cache,
                host,
                target,
            } => self.remove_url(std::slice::from_ref(cache), host, target),
            Purge::Url { host, target } => self
                .caches
                .all()
                .and_then(|caches| self.remove_url(&caches, host, target)),
            Purge::Edge { host, target } => self.caches.all().and_then(|caches| {
                let edges: Vec<Arc<str>> = caches
                    .into_iter()
                    .filter(|name| super::key::is_edge(name))
                    .collect();
                self.remove_url(&edges, host, target)
            }),
            _ => None,
        };
        // Every URL is looked at afresh after a purge.
        if let Some(passes) = self.passes.made() {
            passes.invalidate_all();
        }
        let Some(store) = self.store.made() else {
            return indexed.unwrap_or(0);
        };
        if let Some(responses) = indexed {
            store.run_pending_tasks();
            return responses;
        }
        let doomed: Vec<(Arc<CacheKey>, bool)> = store
            .iter()
            .filter(|(key, entry)| match purge {
                Purge::Url { host, target } => key.url_matches(host, target),
                Purge::Edge { host, target } => {
                    super::key::is_edge(&key.cache) && key.url_matches(host, target)
                }
                Purge::Prefix { host, prefix } => key.prefix_matches(host, prefix),
                Purge::Entry {
                    cache,
                    host,
                    target,
                } => key.cache == *cache && key.url_matches(host, target),
                Purge::Tag(tag) => match entry {
                    Entry::Response(stored) => stored.tags.iter().any(|t| **t == **tag),
                    Entry::Vary { .. } => false,
                },
                Purge::All => true,
            })
            .map(|(key, entry)| (key, matches!(entry, Entry::Response(_))))
            .collect();
        let mut responses = 0;
        for (key, is_response) in doomed {
            store.invalidate(&*key);
            responses += u64::from(is_response);
        }
        store.run_pending_tasks();
        responses
    }

    /// The tenant's figures now.
    pub fn figures(&self) -> CacheFigures {
        let store = self.store.made();
        if let Some(store) = store {
            store.run_pending_tasks();
        }
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        CacheFigures {
            hits: read(&self.counters.hits),
            misses: read(&self.counters.misses),
            stale: read(&self.counters.stale),
            stores: read(&self.counters.stores),
            evictions: read(&self.counters.evictions),
            bytes: store.map_or(0, Cache::weighted_size),
            entries: store.map_or(0, Cache::entry_count),
        }
    }

    /// The largest object it stores, in bytes.
    pub fn max_object(&self) -> u64 {
        self.max_object.min(self.quota)
    }
}

/// Bounds of the whole cache (`[cache]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Bytes held at most, over all tenants.
    pub max_bytes: u64,
    /// Largest single response stored.
    pub max_object_bytes: u64,
}

/// Every tenant's cache, under one global bound. Clones share it.
#[derive(Clone, Debug)]
pub struct ResponseCache {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    ledger: Ledger,
    bounds: Bounds,
    tenants: Mutex<HashMap<Arc<str>, Arc<TenantCache>>>,
}

impl ResponseCache {
    /// An empty cache within `bounds`.
    pub fn new(bounds: Bounds) -> Self {
        let ledger = Cache::builder()
            .max_capacity(bounds.max_bytes)
            .weigher(|_: &CacheKey, line: &Line| line.weight)
            .eviction_policy(EvictionPolicy::lru())
            .eviction_listener(|key: Arc<CacheKey>, line: Line, cause| {
                if cause == RemovalCause::Size {
                    if let Some(tenant) = line.tenant.upgrade() {
                        tenant.counters.evictions.fetch_add(1, Ordering::Relaxed);
                        if let Some(store) = tenant.store.made() {
                            store.invalidate(&*key);
                        }
                    }
                }
            })
            .build_with_hasher(KeyHasher::new());
        Self {
            shared: Arc::new(Shared {
                ledger,
                bounds,
                tenants: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The cache of `tenant` with `quota` bytes: the existing one when the quota is the
    /// same (a reload keeps what was cached), else a new, empty one, which takes the old
    /// one's place only when [`ResponseCache::commit`] is called with it (a reload that is
    /// rejected leaves the live caches as they are).
    pub fn tenant(&self, tenant: &str, quota: u64) -> Arc<TenantCache> {
        let quota = quota.min(self.shared.bounds.max_bytes);
        let tenants = self
            .shared
            .tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = tenants.get(tenant) {
            if existing.quota == quota {
                return existing.clone();
            }
        }
        drop(tenants);
        let ledger = self.shared.ledger.clone();
        let counters = Arc::new(CacheCounters::default());
        let evicted = counters.clone();
        let store = Lazy::new(move || {
            let (ledger, evicted) = (ledger.clone(), evicted.clone());
            Cache::builder()
                .max_capacity(quota)
                .weigher(weigh)
                .eviction_policy(EvictionPolicy::lru())
                .expire_after(EntryExpiry)
                .eviction_listener(move |key: Arc<CacheKey>, _: Entry, cause| {
                    if cause == RemovalCause::Size {
                        evicted.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                    if cause != RemovalCause::Replaced {
                        ledger.invalidate(&*key);
                    }
                })
                .build_with_hasher(KeyHasher::new())
        });
        Arc::new_cyclic(|me| TenantCache {
            tenant: Arc::from(tenant),
            me: me.clone(),
            edge: Arc::from(super::key::EDGE),
            store,
            ledger: self.shared.ledger.clone(),
            quota,
            max_object: self.shared.bounds.max_object_bytes,
            counters,
            flights: Flights::default(),
            passes: Lazy::new(|| {
                Cache::builder()
                    .max_capacity(MOST_PASSES)
                    .time_to_live(PASS_WINDOW)
                    .build_with_hasher(KeyHasher::new())
            }),
            uncacheable: Lazy::new(|| {
                Cache::builder()
                    .max_capacity(MOST_PASSES)
                    .time_to_live(UNCACHEABLE_MEMORY)
                    .build_with_hasher(KeyHasher::new())
            }),
            caches: CacheNames::default(),
            writing: Mutex::new(()),
        })
    }

    /// Makes `caches` the tenants' caches from now on (a config version is committed):
    /// those they replace, and those of tenants no longer cached, are emptied and dropped.
    pub fn commit(&self, caches: &[Arc<TenantCache>]) {
        let mut tenants = self
            .shared
            .tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let next: std::collections::HashSet<*const TenantCache> =
            caches.iter().map(Arc::as_ptr).collect();
        tenants.retain(|_, live| {
            let kept = next.contains(&Arc::as_ptr(live));
            if !kept {
                live.purge(&Purge::All);
            }
            kept
        });
        for cache in caches {
            tenants.insert(cache.tenant.clone(), cache.clone());
        }
    }

    /// Every tenant's cache.
    pub fn tenants(&self) -> Vec<Arc<TenantCache>> {
        let tenants = self
            .shared
            .tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tenants.values().cloned().collect()
    }

    /// Every tenant's figures, after pending evictions are done.
    pub fn figures(&self) -> Vec<(Arc<str>, CacheFigures)> {
        self.shared.ledger.run_pending_tasks();
        self.tenants()
            .iter()
            .map(|tenant| (tenant.tenant.clone(), tenant.figures()))
            .collect()
    }
}
