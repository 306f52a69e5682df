//! The live routing table: the router over workers, the tenants, and the edge settings that
//! come with a config version. A reload builds a new table and swaps it in whole, so a
//! request finishes on the table it started with.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
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
use isogate_runtime::BUNDLES;
use tokio::sync::Semaphore;

use super::versions::VersionSlot;
use super::versions::Versions;
use super::workers::Placement;
use super::workers::Workers;
use super::Router;
use super::TenantRoutes;
use crate::cache::ResponseCache;
use crate::cache::RoutePolicy;
use crate::cache::TenantCache;
use crate::config::resolve_secrets;
use crate::config::GatewayConfig;
use crate::config::LimitsConfig;
use crate::config::RouteConfig;
use crate::config::TenantConfig;
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
    meters: OnceLock<Arc<TenantMeters>>,
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
    /// Every handler, with what it runs and on how many isolates; reused by the next
    /// version when unchanged.
    workers: Workers,
    /// What tenants' handlers of earlier versions used, so that usage runs on across
    /// reloads: totals of those long gone, and the meters of those this version replaced
    /// (still counting while they drain).
    carried: BTreeMap<String, Consumption>,
    retired: Vec<(String, UsageMeters)>,
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
        Ok(Self {
            router,
            tenants: vec![Arc::new(Tenant {
                id: TenantId(Arc::from("dev")),
                caching: None,
                max_body: u64::MAX,
                concurrency: None,
                https: HttpsPolicy::default(),
                versions: Versions::default(),
                meters: OnceLock::new(),
            })],
            owners: vec![0],
            policy: EdgePolicy {
                expose_errors: true,
                trusted_proxies: Vec::new(),
                geo: None,
            },
            workers: {
                let mut workers = Workers::default();
                workers.push(Placement { spec, isolates: 1 }, worker);
                workers
            },
            carried: BTreeMap::new(),
            retired: Vec::new(),
        })
    }

    /// Builds the table for `config`, starting handlers on `pool`, reusing `previous`'s
    /// workers whose handler, env and policy are unchanged and whose folder holds none of the
    /// `changed` paths (`None`: reuse nothing). Tenants keep their share of `cache` across
    /// versions; nothing changes in `cache` until [`Self::commit_caches`].
    pub fn build(
        config: &GatewayConfig,
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
        let mut router = Router::default();
        let mut tenants: Vec<Tenant> = Vec::new();
        let mut owners = Vec::new();
        let mut workers = Workers::default();
        for tenant in &config.tenants {
            let env = tenant_env(tenant)?;
            let limits = tenant.limits.or(&config.limits);
            let caching = tenant.cache.enabled.then(|| TenantCaching {
                cache: cache.tenant(
                    tenant.name.get_ref(),
                    tenant.cache.max_bytes.unwrap_or(u64::MAX),
                ),
                honor_client_no_cache: tenant.cache.honor_client_no_cache,
            });
            let handler_cache = caching
                .as_ref()
                .map(|caching| CacheHandle(caching.cache.clone()));
            let mut routes = TenantRoutes::default();
            for route in &tenant.routes {
                let spec = handler_spec(tenant, route, &limits, &env, handler_cache.clone());
                let placement = Placement {
                    spec,
                    isolates: (*tenant.max_isolates.get_ref()).min(pool.workers()),
                };
                let worker = match workers.find(&placement) {
                    Some(worker) => worker,
                    None => {
                        let unchanged = |_: &WorkerHandle| {
                            changed.is_some_and(|changed| !touched(&placement.spec.entry, changed))
                        };
                        let reusable = previous
                            .and_then(|table| table.workers.find(&placement))
                            .filter(unchanged);
                        let worker = match reusable {
                            Some(worker) => worker,
                            // A version of the API's starts on its first request: a node
                            // holding many tenants keeps isolates only for those in use.
                            None if placement.spec.entry.starts_with(BUNDLES) => {
                                pool.spawn_lazily(&placement.spec, placement.isolates)?
                            }
                            None => pool.spawn_replicated(&placement.spec, placement.isolates)?,
                        };
                        workers.push(placement, worker.clone());
                        worker
                    }
                };
                let methods = route.method_list();
                routes
                    .add(
                        route.path.get_ref(),
                        methods.as_deref(),
                        RouteTarget {
                            worker,
                            cache: route.cache.policy(),
                        },
                    )
                    .map_err(|conflict| SetupError::Route {
                        tenant: tenant.name.get_ref().clone(),
                        conflict,
                    })?;
            }
            // A further version of the tenant just built: its routes, without hosts.
            let grouped = tenant.version.is_some()
                && tenants.last().is_some_and(|last: &Tenant| {
                    *last.id.0 == **tenant.name.get_ref() && !last.versions.slots.is_empty()
                });
            if grouped {
                let index = router.add_tenant(std::iter::empty(), routes);
                owners.push(tenants.len() - 1);
                if let (Some(last), Some(share)) = (tenants.last_mut(), &tenant.version) {
                    last.versions.slots.push(VersionSlot::new(share, index));
                }
                continue;
            }
            let index = router.add_tenant(
                tenant
                    .hosts
                    .get_ref()
                    .iter()
                    .map(|host| host.get_ref().as_str()),
                routes,
            );
            owners.push(tenants.len());
            let versions = Versions {
                slots: tenant
                    .version
                    .iter()
                    .map(|share| VersionSlot::new(share, index))
                    .collect(),
                stickiness: tenant.stickiness.clone(),
            };
            let concurrency = limits.max_concurrency.map(|max| {
                let permits = usize::try_from(max).unwrap_or(usize::MAX);
                (Arc::new(Semaphore::new(permits)), max)
            });
            tenants.push(Tenant {
                id: TenantId(Arc::from(tenant.name.get_ref().as_str())),
                caching,
                max_body: limits.max_body_bytes(),
                concurrency,
                https: HttpsPolicy {
                    only: tenant.https_only,
                    hsts: tenant
                        .hsts
                        .as_ref()
                        .and_then(|hsts| HeaderValue::try_from(hsts.value()).ok()),
                },
                versions,
                meters: OnceLock::new(),
            });
        }
        let tenants = tenants.into_iter().map(Arc::new).collect();
        let (carried, retired) =
            previous.map_or_else(Default::default, |previous| previous.carry_over(&workers));
        Ok(Self {
            router,
            tenants,
            owners,
            policy: EdgePolicy {
                expose_errors: config.server.expose_errors,
                trusted_proxies: config.server.trusted_proxy_nets(),
                geo,
            },
            workers,
            carried,
            retired,
        })
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
    /// its replaced handlers have used by now, and the meters of its handlers that `kept`
    /// (the next version's) does not reuse.
    fn carry_over(
        &self,
        kept: &Workers,
    ) -> (BTreeMap<String, Consumption>, Vec<(String, UsageMeters)>) {
        let kept = kept.identities();
        let mut carried = self.carried.clone();
        for (tenant, meters) in &self.retired {
            let entry = carried.entry(tenant.clone()).or_default();
            entry.cpu += meters.cpu_time();
            entry.subrequests += meters.subrequests();
        }
        let retired = self
            .workers
            .iter()
            .filter(|(_, worker)| !kept.contains(&worker.identity()))
            .map(|(placement, worker)| (placement.spec.label.clone(), worker.usage_meters()))
            .collect();
        (carried, retired)
    }

    /// Each handler's label, module and load state, for readiness.
    pub fn load_states(&self) -> Vec<(String, PathBuf, LoadState)> {
        self.workers
            .iter()
            .map(|(placement, worker)| {
                let spec = &placement.spec;
                (spec.label.clone(), spec.entry.clone(), worker.load_state())
            })
            .collect()
    }

    /// How many isolates each tenant's handlers run on now.
    pub fn isolates(&self) -> BTreeMap<String, usize> {
        let mut isolates = BTreeMap::new();
        for (placement, worker) in self.workers.iter() {
            *isolates.entry(placement.spec.label.clone()).or_insert(0) += worker.isolates();
        }
        isolates
    }

    /// What each tenant's handlers have used since the gateway started, across reloads:
    /// CPU time (when metered, see `[pool] meter_cpu`) and outbound fetches.
    pub fn consumption(&self) -> BTreeMap<String, Consumption> {
        let mut used = self.carried.clone();
        let meters = self
            .workers
            .iter()
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
        for (_, worker) in self.workers.iter() {
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

fn tenant_env(tenant: &TenantConfig) -> Result<BTreeMap<String, String>, SetupError> {
    let mut env = tenant.env.clone();
    env.extend(
        resolve_secrets(tenant).map_err(|message| SetupError::Secret {
            tenant: tenant.name.get_ref().clone(),
            message,
        })?,
    );
    Ok(env)
}

/// Whether any changed path lies in the project of the handler `entry`.
fn touched(entry: &Path, changed: &[PathBuf]) -> bool {
    // Its project holds all it may load: its tsconfig and packages too.
    let real = entry.canonicalize().unwrap_or_else(|_| entry.to_path_buf());
    let folder = isogate_runtime::project_root(&real);
    changed.iter().any(|path| path.starts_with(&folder))
}
