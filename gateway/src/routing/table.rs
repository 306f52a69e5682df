//! The live routing table: the router over workers, the tenants, and the edge settings that
//! come with a config version. A reload builds a new table and swaps it in whole, so a
//! request finishes on the table it started with.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::OnceLock;
use std::time::Duration;

use http::HeaderValue;
use ipnet::IpNet;
use isogate_runtime::CacheHandle;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerSpec;
use isogate_runtime::IsolatePool;
use isogate_runtime::LoadState;
use isogate_runtime::UsageMeters;
use isogate_runtime::WorkerHandle;
use tokio::sync::Semaphore;

use super::units::Context;
use super::units::Unit;
use super::versions::Versions;
use super::workers::Placement;
use super::workers::Workers;
use super::Router;
use super::TenantRoutes;
use crate::cache::ResponseCache;
use crate::cache::RoutePolicy;
use crate::cache::TenantCache;
use crate::config::GatewayConfig;
use crate::config::LimitsConfig;
use crate::config::RouteConfig;
use crate::config::TenantConfig;
use crate::deploy::ApiTenant;
use crate::error::SetupError;
use crate::geo::Geo;
use crate::metrics::Metrics;
use crate::metrics::TenantMeters;
use crate::tls::load_certified_key;
use crate::tls::sni::CertStore;

/// How long `waitUntil` work may run after a worker is replaced.
const DRAIN: Duration = Duration::from_secs(30);

/// A tenant's name, as it appears in logs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TenantId(pub Arc<str>);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a route leads to: the handler's isolates and how its responses are cached.
#[derive(Clone, Debug)]
pub struct RouteTarget {
    /// The handler.
    pub worker: WorkerHandle,
    /// The route's cache overrides.
    pub cache: RoutePolicy,
}

/// A tenant's use of the response cache.
#[derive(Clone, Debug)]
pub struct TenantCaching {
    /// Its share of the cache.
    pub cache: Arc<TenantCache>,
    /// Whether a client's `no-cache` skips the cache.
    pub honor_client_no_cache: bool,
}

/// A tenant as the live gateway sees it.
#[derive(Debug)]
pub struct Tenant {
    /// Its name.
    pub id: TenantId,
    /// Its share of the response cache, unless caching is off for it.
    pub caching: Option<TenantCaching>,
    /// Largest request body accepted, in bytes.
    pub max_body: u64,
    /// Requests in flight at once, when limited: the permits and their number.
    pub concurrency: Option<(Arc<Semaphore>, u32)>,
    /// How its plain-HTTP and HTTPS answers differ.
    pub https: HttpsPolicy,
    /// Its deployed versions, when it is a tenant of the API.
    pub versions: Versions,
    /// Its metric handles, looked up on its first request.
    pub(super) meters: OnceLock<Arc<TenantMeters>>,
}

impl Tenant {
    /// Where its requests' figures go in `metrics`.
    pub fn meters(&self, metrics: &Metrics) -> &Arc<TenantMeters> {
        self.meters.get_or_init(|| metrics.tenant(&self.id.0))
    }
}

/// A tenant's `https_only` and `hsts`.
#[derive(Clone, Debug, Default)]
pub struct HttpsPolicy {
    /// Plain-HTTP requests are redirected to HTTPS.
    pub only: bool,
    /// The `Strict-Transport-Security` value of its HTTPS answers.
    pub hsts: Option<HeaderValue>,
}

/// What a tenant's handlers used, counted by the runtime.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Consumption {
    /// CPU time of its JavaScript (zero unless metered).
    pub cpu: Duration,
    /// Outbound http(s) fetches.
    pub subrequests: u64,
}

/// Edge behaviour that comes with a config version.
#[derive(Clone, Debug, Default)]
pub struct EdgePolicy {
    /// Put stacks and load errors in error bodies (dev mode, or `server.expose_errors`).
    pub expose_errors: bool,
    /// Peers whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Where `request.cf`'s geolocation comes from, if anywhere.
    pub geo: Option<Arc<Geo>>,
}

/// One config version, live.
#[derive(Debug)]
pub struct RoutingTable {
    /// Host → tenant → path → handler.
    pub router: Router<RouteTarget>,
    /// Every tenant, once.
    pub tenants: Vec<Arc<Tenant>>,
    /// The index in `tenants` of each of the router's tables (a tenant of the API has one
    /// per deployed version).
    owners: Vec<usize>,
    /// Edge behaviour.
    pub policy: EdgePolicy,
    /// Each tenant built, as `tenants` orders them; the next version takes a tenant of the
    /// API's whole while it is unchanged, and reuses every handler whose handler, env and
    /// policy are unchanged.
    units: Vec<Arc<Unit>>,
    /// The index in `units` of each tenant, by name.
    by_name: HashMap<Arc<str>, usize>,
    /// The `[limits]` its tenants were built under.
    defaults: LimitsConfig,
    /// What tenants' handlers of earlier versions used, so that usage runs on across
    /// reloads: totals of those long gone, and the meters of those this version replaced
    /// (still counting while they drain).
    carried: BTreeMap<String, Consumption>,
    retired: Vec<(String, UsageMeters)>,
}

/// The tables being filled in by a build.
#[derive(Default)]
struct Tables {
    router: Router<RouteTarget>,
    tenants: Vec<Arc<Tenant>>,
    owners: Vec<usize>,
    units: Vec<Arc<Unit>>,
    by_name: HashMap<Arc<str>, usize>,
}

impl Tables {
    /// Adds `unit`: its hosts to its first route table, its further tables (versions) after.
    fn add(&mut self, unit: Arc<Unit>) {
        let owner = self.tenants.len();
        let mut tables = unit.routes.iter();
        if let Some(first) = tables.next() {
            self.router
                .add_tenant(unit.hosts.iter().map(String::as_str), first.clone());
            self.owners.push(owner);
        }
        for more in tables {
            self.router.add_tenant(std::iter::empty(), more.clone());
            self.owners.push(owner);
        }
        self.tenants.push(unit.tenant.clone());
        self.by_name
            .insert(unit.tenant.id.0.clone(), self.units.len());
        self.units.push(unit);
    }
}

impl RoutingTable {
    /// A table for `isogate dev`: one handler, started on `pool`, serving every host and
    /// path.
    pub fn single(spec: HandlerSpec, pool: &IsolatePool) -> Result<Self, SetupError> {
        let worker = pool.spawn(&spec)?;
        let mut routes = TenantRoutes::default();
        routes.set_fallback(RouteTarget {
            worker: worker.clone(),
            cache: RoutePolicy::default(),
        });
        let mut router = Router::default();
        router.add_any_host_tenant(routes);
        let tenant = Arc::new(Tenant {
            id: TenantId(Arc::from("dev")),
            caching: None,
            max_body: u64::MAX,
            concurrency: None,
            https: HttpsPolicy::default(),
            versions: Versions::default(),
            meters: OnceLock::new(),
        });
        let mut workers = Workers::default();
        workers.push(Placement { spec, isolates: 1 }, worker);
        Ok(Self {
            router,
            tenants: vec![tenant.clone()],
            owners: vec![0],
            policy: EdgePolicy {
                expose_errors: true,
                trusted_proxies: Vec::new(),
                geo: None,
            },
            units: vec![Arc::new(Unit {
                tenant,
                hosts: Vec::new(),
                routes: Vec::new(),
                workers,
                source: None,
            })],
            by_name: HashMap::new(),
            defaults: LimitsConfig::default(),
            carried: BTreeMap::new(),
            retired: Vec::new(),
        })
    }

    /// Builds the table for `config`'s tenants and then `api`'s, starting handlers on
    /// `pool`. A tenant of the API whose configs are the ones `previous` was built from is
    /// taken from it whole; otherwise `previous`'s handlers are reused where their handler,
    /// env and policy are unchanged and their folder holds none of the `changed` paths
    /// (`None`: reuse nothing). Tenants keep their share of `cache` across versions; nothing
    /// changes in `cache` until [`Self::commit_caches`].
    pub fn build(
        config: &GatewayConfig,
        api: &[ApiTenant],
        pool: &IsolatePool,
        cache: &ResponseCache,
        previous: Option<&Self>,
        changed: Option<&[PathBuf]>,
    ) -> Result<Self, SetupError> {
        let geo = Geo::open(
            &config.server.geoip_paths(),
            previous.and_then(|previous| previous.policy.geo.as_deref()),
        )
        .map_err(SetupError::Geo)?
        .map(Arc::new);
        let context = Context {
            config,
            pool,
            cache,
            previous,
            changed,
        };
        let mut tables = Tables::default();
        for tenant in &config.tenants {
            if let Some(unit) = context.build(std::slice::from_ref(tenant), None)? {
                tables.add(Arc::new(unit));
            }
        }
        for tenant in api {
            let unit = match context.reusable(&tenant.name, &tenant.configs) {
                Some(unit) => unit,
                None => match context.build(&tenant.configs, Some(tenant.configs.clone()))? {
                    Some(unit) => Arc::new(unit),
                    None => continue,
                },
            };
            tables.add(unit);
        }
        let mut table = Self {
            router: tables.router,
            tenants: tables.tenants,
            owners: tables.owners,
            policy: EdgePolicy {
                expose_errors: config.server.expose_errors,
                trusted_proxies: config.server.trusted_proxy_nets(),
                geo,
            },
            units: tables.units,
            by_name: tables.by_name,
            defaults: config.limits.clone(),
            carried: BTreeMap::new(),
            retired: Vec::new(),
        };
        if let Some(previous) = previous {
            (table.carried, table.retired) = previous.carry_over(&table.identities());
        }
        Ok(table)
    }

    /// The unit of tenant `name`.
    pub(super) fn unit(&self, name: &str) -> Option<&Arc<Unit>> {
        self.by_name
            .get(name)
            .and_then(|index| self.units.get(*index))
    }

    /// The `[limits]` its tenants were built under.
    pub(super) fn defaults(&self) -> &LimitsConfig {
        &self.defaults
    }

    /// Every handler, tenant by tenant.
    fn workers(&self) -> impl Iterator<Item = &(Placement, WorkerHandle)> {
        self.units.iter().flat_map(|unit| unit.workers.iter())
    }

    /// The identities of every handler ([`WorkerHandle::identity`]).
    fn identities(&self) -> HashSet<usize> {
        self.workers()
            .map(|(_, worker)| worker.identity())
            .collect()
    }

    /// The tenant of the router's table `index`.
    pub fn tenant(&self, index: usize) -> Option<&Arc<Tenant>> {
        self.owners
            .get(index)
            .and_then(|owner| self.tenants.get(*owner))
    }

    /// Makes this version's tenant caches the live ones (once it is committed): caches it
    /// replaced, or of tenants it no longer caches, are emptied.
    pub fn commit_caches(&self, cache: &ResponseCache) {
        let caches: Vec<_> = self
            .tenants
            .iter()
            .filter_map(|tenant| tenant.caching.as_ref().map(|caching| caching.cache.clone()))
            .collect();
        cache.commit(&caches);
    }

    /// The usage the version after this one carries: this one's carried totals plus what
    /// its replaced handlers have used by now, and the meters of its handlers that the next
    /// version (running `kept`) does not reuse.
    fn carry_over(
        &self,
        kept: &HashSet<usize>,
    ) -> (BTreeMap<String, Consumption>, Vec<(String, UsageMeters)>) {
        let mut carried = self.carried.clone();
        for (tenant, meters) in &self.retired {
            let entry = carried.entry(tenant.clone()).or_default();
            entry.cpu += meters.cpu_time();
            entry.subrequests += meters.subrequests();
        }
        let retired = self
            .workers()
            .filter(|(_, worker)| !kept.contains(&worker.identity()))
            .map(|(placement, worker)| (placement.spec.label.clone(), worker.usage_meters()))
            .collect();
        (carried, retired)
    }

    /// The handlers that failed to load: label, module and error.
    pub fn failures(&self) -> Vec<(String, PathBuf, String)> {
        self.workers()
            .filter_map(|(placement, worker)| match worker.load_state() {
                LoadState::Failed(error) => Some((
                    placement.spec.label.clone(),
                    placement.spec.entry.clone(),
                    error,
                )),
                _ => None,
            })
            .collect()
    }

    /// Each handler's label, module and load state, for readiness.
    pub fn load_states(&self) -> Vec<(String, PathBuf, LoadState)> {
        self.workers()
            .map(|(placement, worker)| {
                let spec = &placement.spec;
                (spec.label.clone(), spec.entry.clone(), worker.load_state())
            })
            .collect()
    }

    /// How many isolates each tenant's handlers run on now.
    pub fn isolates(&self) -> BTreeMap<String, usize> {
        let mut isolates = BTreeMap::new();
        for (placement, worker) in self.workers() {
            *isolates.entry(placement.spec.label.clone()).or_insert(0) += worker.isolates();
        }
        isolates
    }

    /// What each tenant's handlers have used since the gateway started, across reloads:
    /// CPU time (when metered, see `[pool] meter_cpu`) and outbound fetches.
    pub fn consumption(&self) -> BTreeMap<String, Consumption> {
        let mut used = self.carried.clone();
        let meters = self
            .workers()
            .map(|(placement, worker)| (&placement.spec.label, worker.usage_meters()))
            .chain(
                self.retired
                    .iter()
                    .map(|(tenant, meters)| (tenant, meters.clone())),
            );
        for (tenant, meters) in meters {
            let entry = used.entry(tenant.clone()).or_default();
            entry.cpu += meters.cpu_time();
            entry.subrequests += meters.subrequests();
        }
        used
    }

    /// Waits until every handler has loaded or failed to.
    pub async fn settled(&self) {
        for (_, worker) in self.workers() {
            worker.loaded().await;
        }
    }
}

/// The certificates of `config`'s tenants, by host.
pub fn cert_store(config: &GatewayConfig) -> Result<CertStore, SetupError> {
    let mut store = CertStore::new(config.server.unknown_sni);
    let default = config
        .server
        .default_cert
        .as_ref()
        .map(|name| name.get_ref());
    for tenant in &config.tenants {
        let Some(files) = &tenant.tls else { continue };
        let key = load_certified_key(files.cert.get_ref(), files.key.get_ref())
            .map_err(SetupError::Certificate)?;
        store.add(
            tenant
                .hosts
                .get_ref()
                .iter()
                .map(|host| host.get_ref().as_str()),
            &key,
            default == Some(tenant.name.get_ref()),
        );
    }
    Ok(store)
}

/// What a route's handler runs with: its tenant's env, limits, fetch policy and log level.
pub fn handler_spec(
    tenant: &TenantConfig,
    route: &RouteConfig,
    limits: &LimitsConfig,
    env: &BTreeMap<String, String>,
    cache: Option<CacheHandle>,
) -> HandlerSpec {
    HandlerSpec {
        label: tenant.name.get_ref().clone(),
        entry: route.handler.get_ref().clone(),
        env: env.clone(),
        fetch: FetchPolicy {
            allow_private_net: tenant.allow_private_net,
        },
        drain: DRAIN,
        limits: limits.runtime(),
        log_level: tenant.log_level.into(),
        cache,
        node_compat: tenant.node_compat(),
    }
}
