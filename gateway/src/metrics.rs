//! Every metric isogate exports, defined once, and the per-tenant usage figures a provider
//! bills on. Names are `isogate_<subsystem>_<name>_<unit>`; `/metrics` on the admin listener
//! renders them in the Prometheus text format.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::RwLock;
use std::time::Duration;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::exponential_buckets;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use serde::Serialize;

use crate::cache::CacheFigures;
use crate::routing::table::Consumption;

/// A tenant label.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabel {
    tenant: String,
}

/// A tenant and a status class (`2xx`...).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    tenant: String,
    class: String,
}

/// A tenant and the limit that stopped a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    tenant: String,
    limit: String,
}

/// The status classes counted, in order.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// One counter per status class, `1xx` to `5xx`, from `counter`.
fn by_class(counter: impl Fn(&str) -> Counter) -> [Counter; 5] {
    CLASSES.map(counter)
}

/// Where `status` counts in a [`by_class`] array.
fn class_of(status: u16) -> usize {
    usize::from(status / 100).clamp(1, 5) - 1
}

/// A tenant's version and a status class.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    tenant: String,
    version: String,
    class: String,
}

/// One version's requests within one deployment, kept across config versions: by status
/// class for `/metrics` (shared by the version's deployments), and in all and 5xx since the
/// deployment went live, which automatic rollback compares.
#[derive(Debug)]
pub struct VersionMeters {
    /// The version's id.
    pub id: u64,
    requests: [Counter; 5],
    answered: AtomicU64,
    failed: AtomicU64,
}

impl VersionMeters {
    /// Records one finished request.
    pub fn record(&self, status: u16) {
        let class = class_of(status);
        self.requests[class].inc();
        self.answered.fetch_add(1, Ordering::Relaxed);
        if status >= 500 {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests answered within the deployment, and of them those answered 5xx.
    pub fn figures(&self) -> (u64, u64) {
        (
            self.answered.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// A pool worker.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WorkerLabel {
    worker: String,
}

/// One tenant's metric handles and usage counters, looked up by name once per tenant of a
/// config version (on its first request), so that a request records its figures without a
/// lookup.
#[derive(Debug)]
pub struct TenantMeters {
    /// Requests by status class, `1xx` to `5xx`.
    requests: [Counter; 5],
    duration: Histogram,
    cpu: Histogram,
    egress: Counter,
    ingress: Counter,
    usage: UsageCounters,
}

/// Usage counters since the process started.
#[derive(Debug, Default)]
struct UsageCounters {
    requests: AtomicU64,
    wall_ms: AtomicU64,
    egress_bytes: AtomicU64,
    ingress_bytes: AtomicU64,
    limit_stops: AtomicU64,
}

impl TenantMeters {
    /// Records one finished request.
    pub fn record(&self, request: &RequestFigures) {
        let RequestFigures {
            status,
            elapsed,
            egress,
            ingress,
            cpu,
        } = *request;
        let class = class_of(status);
        self.requests[class].inc();
        self.duration.observe(elapsed.as_secs_f64());
        if let Some(cpu) = cpu {
            self.cpu.observe(cpu.as_secs_f64());
        }
        self.egress.inc_by(egress);
        self.ingress.inc_by(ingress);
        let usage = &self.usage;
        let wall_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        usage.requests.fetch_add(1, Ordering::Relaxed);
        usage.wall_ms.fetch_add(wall_ms, Ordering::Relaxed);
        usage.egress_bytes.fetch_add(egress, Ordering::Relaxed);
        usage.ingress_bytes.fetch_add(ingress, Ordering::Relaxed);
    }
}

impl UsageCounters {
    fn read(&self) -> Usage {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Usage {
            requests: read(&self.requests),
            wall_ms: read(&self.wall_ms),
            egress_bytes: read(&self.egress_bytes),
            ingress_bytes: read(&self.ingress_bytes),
            limit_stops: read(&self.limit_stops),
        }
    }
}

/// What one tenant used since the window opened.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Usage {
    /// Requests answered (any status).
    pub requests: u64,
    /// Time from arrival to the end of the response body, summed, in milliseconds.
    pub wall_ms: u64,
    /// Response body bytes sent.
    pub egress_bytes: u64,
    /// Request body bytes received.
    pub ingress_bytes: u64,
    /// Requests stopped by a limit.
    pub limit_stops: u64,
}

/// What one finished request adds to its tenant's figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestFigures {
    /// The status sent.
    pub status: u16,
    /// From arrival to the end of the response body.
    pub elapsed: Duration,
    /// Response body bytes sent.
    pub egress: u64,
    /// Request body bytes received.
    pub ingress: u64,
    /// CPU time charged to it, when the handler answered and its isolate is metered.
    pub cpu: Option<Duration>,
}

/// The registry and its metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<StatusLabels, Counter>,
    duration: Family<TenantLabel, Histogram>,
    request_cpu: Family<TenantLabel, Histogram>,
    egress: Family<TenantLabel, Counter>,
    ingress: Family<TenantLabel, Counter>,
    limit_stops: Family<LimitLabels, Counter>,
    connections_open: Gauge,
    connections_refused: Counter,
    tls_handshakes: Counter,
    tls_failures: Counter,
    isolates_live: Family<WorkerLabel, Gauge>,
    isolates_spare: Family<WorkerLabel, Gauge>,
    isolate_creations: Family<WorkerLabel, Counter>,
    isolate_retirements: Family<WorkerLabel, Counter>,
    isolate_creating: Family<WorkerLabel, Counter<f64, AtomicU64>>,
    tenant_cpu: Family<TenantLabel, Counter<f64, AtomicU64>>,
    tenant_subrequests: Family<TenantLabel, Counter>,
    tenant_cordoned: Family<TenantLabel, Gauge>,
    tenant_isolates: Family<TenantLabel, Gauge>,
    cache: CacheGauges,
    tenants: RwLock<HashMap<String, Arc<TenantMeters>>>,
    version_requests: Family<VersionLabels, Counter>,
    versions: RwLock<HashMap<(String, u64, u64), Arc<VersionMeters>>>,
    window_start: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every isogate metric, all at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("isogate");
        let requests = Family::<StatusLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by tenant and status class",
            requests.clone(),
        );
        let duration = Family::<TenantLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to the end of its response body",
            duration.clone(),
        );
        let request_cpu = Family::<TenantLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
        });
        registry.register(
            "tenant_request_cpu_seconds",
            "CPU time charged to each request the handler answered, up to its response head: \
             its share of the isolate's event-loop turns while it was in flight (when metered)",
            request_cpu.clone(),
        );
        let egress = Family::<TenantLabel, Counter>::default();
        registry.register(
            "http_response_body_bytes",
            "Response body bytes sent",
            egress.clone(),
        );
        let ingress = Family::<TenantLabel, Counter>::default();
        registry.register(
            "http_request_body_bytes",
            "Request body bytes received",
            ingress.clone(),
        );
        let limit_stops = Family::<LimitLabels, Counter>::default();
        registry.register(
            "limits_stops",
            "Requests stopped by a limit, by tenant and limit",
            limit_stops.clone(),
        );
        let connections_open = Gauge::default();
        registry.register(
            "server_connections_open",
            "Client connections open",
            connections_open.clone(),
        );
        let connections_refused = Counter::default();
        registry.register(
            "server_connections_refused",
            "Connections refused over the connection cap",
            connections_refused.clone(),
        );
        let tls_handshakes = Counter::default();
        registry.register(
            "tls_handshakes",
            "TLS handshakes completed",
            tls_handshakes.clone(),
        );
        let tls_failures = Counter::default();
        registry.register(
            "tls_handshake_failures",
            "TLS handshakes that failed or timed out",
            tls_failures.clone(),
        );
        let isolates_live = Family::<WorkerLabel, Gauge>::default();
        registry.register(
            "pool_isolates_live",
            "Tenant isolates alive, by worker",
            isolates_live.clone(),
        );
        let isolates_spare = Family::<WorkerLabel, Gauge>::default();
        registry.register(
            "pool_isolates_spare",
            "Warm spare isolates ready, by worker",
            isolates_spare.clone(),
        );
        let isolate_creations = Family::<WorkerLabel, Counter>::default();
        registry.register(
            "pool_isolate_creations",
            "Isolates created from the snapshot, by worker",
            isolate_creations.clone(),
        );
        let isolate_retirements = Family::<WorkerLabel, Counter>::default();
        registry.register(
            "pool_isolate_retirements",
            "Isolates retired (idle, evicted, recycled), by worker",
            isolate_retirements.clone(),
        );
        let isolate_creating = Family::<WorkerLabel, Counter<f64, AtomicU64>>::default();
        registry.register(
            "pool_isolate_creation_seconds",
            "Time spent creating isolates from the snapshot, by worker (divide by \
             isogate_pool_isolate_creations_total for the mean)",
            isolate_creating.clone(),
        );
        let tenant_cpu = Family::<TenantLabel, Counter<f64, AtomicU64>>::default();
        registry.register(
            "tenant_cpu_seconds",
            "CPU time the tenant's JavaScript used (when metered), across reloads",
            tenant_cpu.clone(),
        );
        let tenant_subrequests = Family::<TenantLabel, Counter>::default();
        registry.register(
            "tenant_subrequests",
            "Outbound fetches the tenant's handlers made, across reloads",
            tenant_subrequests.clone(),
        );
        let tenant_cordoned = Family::<TenantLabel, Gauge>::default();
        registry.register(
            "tenant_cordoned",
            "1 while the tenant is kept in a worker process of its own at idle CPU priority, \
             for crashing its worker process or hitting its CPU limit again and again",
            tenant_cordoned.clone(),
        );
        let tenant_isolates = Family::<TenantLabel, Gauge>::default();
        registry.register(
            "tenant_isolates",
            "Isolates the tenant's handlers have been started on: one, and more while busy",
            tenant_isolates.clone(),
        );
        let version_requests = Family::<VersionLabels, Counter>::default();
        registry.register(
            "version_requests",
            "Requests answered by a deployed version of a tenant of the API, by status class",
            version_requests.clone(),
        );
        let cache = CacheGauges::register(&mut registry);
        Self {
            registry,
            cache,
            requests,
            duration,
            request_cpu,
            egress,
            ingress,
            limit_stops,
            connections_open,
            connections_refused,
            tls_handshakes,
            tls_failures,
            isolates_live,
            isolates_spare,
            isolate_creations,
            isolate_retirements,
            isolate_creating,
            tenant_cpu,
            tenant_subrequests,
            tenant_cordoned,
            tenant_isolates,
            tenants: RwLock::new(HashMap::new()),
            version_requests,
            versions: RwLock::new(HashMap::new()),
            window_start: unix_seconds(),
        }
    }

    /// The handles of `tenant`, created on first use; the same ones across config versions.
    pub fn tenant(&self, tenant: &str) -> Arc<TenantMeters> {
        if let Some(meters) = read(&self.tenants).get(tenant) {
            return meters.clone();
        }
        let label = TenantLabel {
            tenant: tenant.to_owned(),
        };
        let class = |class: &str| {
            self.requests
                .get_or_create(&StatusLabels {
                    tenant: tenant.to_owned(),
                    class: class.to_owned(),
                })
                .clone()
        };
        let meters = Arc::new(TenantMeters {
            requests: by_class(class),
            duration: self.duration.get_or_create(&label).clone(),
            cpu: self.request_cpu.get_or_create(&label).clone(),
            egress: self.egress.get_or_create(&label).clone(),
            ingress: self.ingress.get_or_create(&label).clone(),
            usage: UsageCounters::default(),
        });
        write(&self.tenants)
            .entry(tenant.to_owned())
            .or_insert(meters)
            .clone()
    }

    /// The handles of version `id` of `tenant` within its deployment `deployment`, created
    /// on first use.
    pub fn version(&self, tenant: &str, deployment: u64, id: u64) -> Arc<VersionMeters> {
        let key = (tenant.to_owned(), deployment, id);
        if let Some(meters) = read(&self.versions).get(&key) {
            return meters.clone();
        }
        let class = |class: &str| {
            self.version_requests
                .get_or_create(&VersionLabels {
                    tenant: tenant.to_owned(),
                    version: id.to_string(),
                    class: class.to_owned(),
                })
                .clone()
        };
        let meters = Arc::new(VersionMeters {
            id,
            requests: by_class(class),
            answered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        write(&self.versions).entry(key).or_insert(meters).clone()
    }

    /// Records a request of `tenant` stopped by `limit` (its `isogate-error` code).
    pub fn record_limit_stop(&self, tenant: &str, limit: &str) {
        self.limit_stops
            .get_or_create(&LimitLabels {
                tenant: tenant.to_owned(),
                limit: limit.to_owned(),
            })
            .inc();
        if !tenant.is_empty() {
            let meters = self.tenant(tenant);
            meters.usage.limit_stops.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A connection opened (`true`) or closed (`false`).
    pub fn connection(&self, open: bool) {
        if open {
            self.connections_open.inc();
        } else {
            self.connections_open.dec();
        }
    }

    /// A connection refused over the cap.
    pub fn connection_refused(&self) {
        self.connections_refused.inc();
    }

    /// A TLS handshake finished, well or not.
    pub fn tls_handshake(&self, ok: bool) {
        if ok {
            self.tls_handshakes.inc();
        } else {
            self.tls_failures.inc();
        }
    }

    /// Sets the pool gauges from a fresh reading.
    pub fn record_pool(&self, workers: &[isogate_runtime::WorkerStats]) {
        for (index, stats) in workers.iter().enumerate() {
            let label = WorkerLabel {
                worker: index.to_string(),
            };
            let set = |family: &Family<WorkerLabel, Gauge>, value: u64| {
                family
                    .get_or_create(&label)
                    .set(i64::try_from(value).unwrap_or(i64::MAX));
            };
            set(&self.isolates_live, stats.live);
            set(&self.isolates_spare, stats.spare);
            advance(&self.isolate_creations.get_or_create(&label), stats.created);
            advance(
                &self.isolate_retirements.get_or_create(&label),
                stats.retired,
            );
            advance_seconds(
                &self.isolate_creating.get_or_create(&label),
                stats.creating.as_secs_f64(),
            );
        }
    }

    /// Sets the per-tenant CPU and subrequest gauges from a fresh reading.
    pub fn record_consumption(&self, used: &BTreeMap<String, Consumption>) {
        for (tenant, consumption) in used {
            let label = TenantLabel {
                tenant: tenant.clone(),
            };
            advance_seconds(
                &self.tenant_cpu.get_or_create(&label),
                consumption.cpu.as_secs_f64(),
            );
            advance(
                &self.tenant_subrequests.get_or_create(&label),
                consumption.subrequests,
            );
        }
    }

    /// Sets each tenant's isolate count (over its handlers).
    pub fn record_isolates(&self, isolates: &BTreeMap<String, usize>) {
        self.tenant_isolates.clear();
        for (tenant, count) in isolates {
            self.tenant_isolates
                .get_or_create(&TenantLabel {
                    tenant: tenant.clone(),
                })
                .set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
    }

    /// Marks the `cordoned` tenants (paroled ones lose their series).
    pub fn record_cordoned(&self, cordoned: &[String]) {
        // A paroled tenant's series goes.
        self.tenant_cordoned.clear();
        for tenant in cordoned {
            self.tenant_cordoned
                .get_or_create(&TenantLabel {
                    tenant: tenant.clone(),
                })
                .set(1);
        }
    }

    /// Sets the cache gauges from a fresh reading of each tenant's cache.
    pub fn record_cache(&self, figures: &[(String, CacheFigures)]) {
        let as_gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        for (tenant, figures) in figures {
            let label = TenantLabel {
                tenant: tenant.clone(),
            };
            let gauges = &self.cache;
            for (family, value) in [
                (&gauges.hits, figures.hits),
                (&gauges.misses, figures.misses),
                (&gauges.stale, figures.stale),
                (&gauges.stores, figures.stores),
                (&gauges.evictions, figures.evictions),
            ] {
                advance(&family.get_or_create(&label), value);
            }
            for (family, value) in [
                (&gauges.bytes, figures.bytes),
                (&gauges.entries, figures.entries),
            ] {
                family.get_or_create(&label).set(as_gauge(value));
            }
        }
    }

    /// Every metric, in OpenMetrics text (`openmetrics`) or in Prometheus' classic text
    /// format 0.0.4, where a counter's family is named as its `_total` samples are and
    /// there is no `# EOF`.
    pub fn render(&self, openmetrics: bool) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
        }
        if openmetrics {
            text
        } else {
            classic(&text)
        }
    }

    /// A tenant's usage since the window opened, and when it opened (Unix seconds).
    pub fn usage(&self, tenant: &str) -> (Usage, u64) {
        let usage = read(&self.tenants)
            .get(tenant)
            .map(|meters| meters.usage.read())
            .unwrap_or_default();
        (usage, self.window_start)
    }
}

/// The response cache's per-tenant gauges (running totals read from the cache at scrape).
#[derive(Debug)]
struct CacheGauges {
    hits: Family<TenantLabel, Counter>,
    misses: Family<TenantLabel, Counter>,
    stale: Family<TenantLabel, Counter>,
    stores: Family<TenantLabel, Counter>,
    evictions: Family<TenantLabel, Counter>,
    bytes: Family<TenantLabel, Gauge>,
    entries: Family<TenantLabel, Gauge>,
}

impl CacheGauges {
    fn register(registry: &mut Registry) -> Self {
        let mut counter = |name: &str, help: &str| {
            let family = Family::<TenantLabel, Counter>::default();
            registry.register(name, help, family.clone());
            family
        };
        let hits = counter(
            "cache_hits",
            "Requests answered from the response cache, fresh or stale",
        );
        let misses = counter(
            "cache_misses",
            "Cacheable requests that went to the handler",
        );
        let stale = counter("cache_stale", "Requests answered with a stale entry");
        let stores = counter("cache_stores", "Responses stored");
        let evictions = counter(
            "cache_evictions",
            "Entries evicted for room under a quota or the global bound",
        );
        let mut gauge = |name: &str, help: &str| {
            let family = Family::<TenantLabel, Gauge>::default();
            registry.register(name, help, family.clone());
            family
        };
        Self {
            hits,
            misses,
            stale,
            stores,
            evictions,
            bytes: gauge("cache_bytes", "Bytes the tenant's cache entries take"),
            entries: gauge("cache_entries", "Entries in the tenant's cache"),
        }
    }
}

/// OpenMetrics text as Prometheus' text format 0.0.4: counter families take their samples'
/// `_total` name in `# HELP` and `# TYPE`, and the `# EOF` line goes.
fn classic(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.strip_suffix(" counter"))
        .collect();
    let mut text = String::with_capacity(openmetrics.len() + 16 * counters.len());
    for line in openmetrics.lines() {
        if line == "# EOF" {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|prefix| Some((prefix, line.strip_prefix(prefix)?)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let total = if counters.contains(name) {
                    "_total"
                } else {
                    ""
                };
                text.push_str(&format!("{prefix}{name}{total} {tail}"));
            }
            None => text.push_str(line),
        }
        text.push('\n');
    }
    text
}

/// Brings `counter` up to a running total read elsewhere (a total that restarted lower, as a
/// restarted worker's, leaves it where it is: counters never go down).
fn advance(counter: &Counter, total: u64) {
    let now = counter.get();
    if total > now {
        counter.inc_by(total - now);
    }
}

/// [`advance`] for a total in seconds.
fn advance_seconds(counter: &Counter<f64, AtomicU64>, total: f64) {
    let now = counter.get();
    if total > now {
        counter.inc_by(total - now);
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    match lock.read() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    match lock.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_render_requests_and_usage_per_tenant() {
        let metrics = Metrics::new();
        let answered = RequestFigures {
            status: 200,
            elapsed: Duration::from_millis(3),
            egress: 100,
            ingress: 10,
            cpu: Some(Duration::from_micros(300)),
        };
        metrics.tenant("acme").record(&answered);
        let stopped = RequestFigures {
            status: 503,
            elapsed: Duration::from_millis(1),
            egress: 20,
            ingress: 0,
            cpu: None,
        };
        metrics.tenant("acme").record(&stopped);
        metrics.record_limit_stop("acme", "cpu-limit");
        let text = metrics.render(false);
        assert!(
            text.contains("# TYPE isogate_http_requests_total counter"),
            "{text}"
        );
        assert!(!text.contains("# EOF"), "{text}");
        assert!(metrics
            .render(true)
            .contains("# TYPE isogate_http_requests counter"));
        assert!(metrics.render(true).ends_with("# EOF\n"));
        assert!(
            text.contains(r#"isogate_http_requests_total{tenant="acme",class="2xx"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"isogate_limits_stops_total{tenant="acme",limit="cpu-limit"} 1"#),
            "{text}"
        );
        assert!(text.contains("isogate_http_request_duration_seconds_bucket"));
        assert!(
            text.contains(r#"isogate_tenant_request_cpu_seconds_count{tenant="acme"} 1"#),
            "{text}"
        );
        let (usage, _) = metrics.usage("acme");
        assert_eq!(usage.requests, 2);
        assert_eq!(usage.egress_bytes, 120);
        assert_eq!(usage.limit_stops, 1);
        assert_eq!(metrics.usage("other").0, Usage::default());
    }
}
