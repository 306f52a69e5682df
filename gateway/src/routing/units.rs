//! A routing table's tenants, each built into a [`Unit`]: its [`Tenant`], one route table
//! per deployed version, and its handlers. A tenant of the API is built from configs the
//! store's follower makes once per change of that tenant, and the next table takes the unit
//! whole while they are the same ones, so a deployment to one tenant rebuilds that tenant,
//! not every tenant of the node.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::OnceLock;

use http::HeaderValue;
use isogate_runtime::CacheHandle;
use isogate_runtime::IsolatePool;
use isogate_runtime::WorkerHandle;
use isogate_runtime::BUNDLES;
use tokio::sync::Semaphore;

use super::table::handler_spec;
use super::table::HttpsPolicy;
use super::table::RouteTarget;
use super::table::RoutingTable;
use super::table::Tenant;
use super::table::TenantCaching;
use super::table::TenantId;
use super::versions::VersionSlot;
use super::versions::Versions;
use super::workers::Placement;
use super::workers::Workers;
use super::TenantRoutes;
use crate::cache::edge_of_version;
use crate::cache::ResponseCache;
use crate::config::resolve_secrets;
use crate::config::GatewayConfig;
use crate::config::TenantConfig;
use crate::error::SetupError;

/// One tenant, built.
#[derive(Debug)]
pub(super) struct Unit {
    /// The tenant.
    pub(super) tenant: Arc<Tenant>,
    /// The hosts it serves.
    pub(super) hosts: Vec<String>,
    /// One route table per config it was built from (per deployed version), in order.
    pub(super) routes: Vec<Arc<TenantRoutes<RouteTarget>>>,
    /// Its handlers.
    pub(super) workers: Workers,
    /// The configs it was built from, when they are the API's (compared by identity).
    pub(super) source: Option<Arc<[TenantConfig]>>,
}

/// What every unit of one table is built with.
pub(super) struct Context<'a> {
    /// The config (its defaults).
    pub(super) config: &'a GatewayConfig,
    /// Where handlers start.
    pub(super) pool: &'a IsolatePool,
    /// Where tenants' caches come from.
    pub(super) cache: &'a ResponseCache,
    /// The table before this one, whose handlers are reused when unchanged.
    pub(super) previous: Option<&'a RoutingTable>,
    /// Files known to have changed (`None`: reuse nothing).
    pub(super) changed: Option<&'a [PathBuf]>,
}

impl Context<'_> {
    /// The previous table's unit of tenant `name`, when this table may take it whole: it
    /// was built from `configs` themselves, and nothing it depends on beyond them changed.
    pub(super) fn reusable(&self, name: &str, configs: &Arc<[TenantConfig]>) -> Option<Arc<Unit>> {
        self.changed?;
        let previous = self.previous?;
        if previous.defaults() != &self.config.limits {
            return None;
        }
        previous
            .unit(name)
            .filter(|unit| {
                unit.source
                    .as_ref()
                    .is_some_and(|source| Arc::ptr_eq(source, configs))
            })
            .cloned()
    }

    /// Builds the tenant of `configs` (one per deployed version, or the file's one); `None`
    /// when there are none.
    pub(super) fn build(
        &self,
        configs: &[TenantConfig],
        source: Option<Arc<[TenantConfig]>>,
    ) -> Result<Option<Unit>, SetupError> {
        let Some(first) = configs.first() else {
            return Ok(None);
        };
        let name = first.name.get_ref();
        let limits = first.limits.or(&self.config.limits);
        let caching = first.cache.enabled.then(|| TenantCaching {
            cache: self
                .cache
                .tenant(name, first.cache.max_bytes.unwrap_or(u64::MAX)),
            honor_client_no_cache: first.cache.honor_client_no_cache,
        });
        let handler_cache = caching
            .as_ref()
            .map(|caching| CacheHandle(caching.cache.clone()));
        let before = self.previous.and_then(|previous| previous.unit(name));
        let mut workers = Workers::default();
        let mut routes = Vec::with_capacity(configs.len());
        let mut slots = Vec::new();
        for (offset, tenant) in configs.iter().enumerate() {
            let env = tenant_env(tenant)?;
            let limits = tenant.limits.or(&self.config.limits);
            let mut table = TenantRoutes::default();
            for route in &tenant.routes {
                let spec = handler_spec(tenant, route, &limits, &env, handler_cache.clone());
                let placement = Placement {
                    spec,
                    isolates: (*tenant.max_isolates.get_ref()).min(self.pool.workers()),
                };
                let worker = match workers.find(&placement) {
                    Some(worker) => worker,
                    None => {
                        let worker = self.start(&placement, before)?;
                        workers.push(placement, worker.clone());
                        worker
                    }
                };
                let methods = route.method_list();
                table
                    .add(
                        route.path.get_ref(),
                        methods.as_deref(),
                        RouteTarget {
                            worker,
                            cache: route.cache.policy(),
                        },
                    )
                    .map_err(|conflict| SetupError::Route {
                        tenant: name.clone(),
                        conflict,
                    })?;
            }
            routes.push(Arc::new(table));
            if let Some(share) = &tenant.version {
                slots.push(VersionSlot::new(share, offset));
            }
        }
        // The versions of a split answer from caches of their own.
        if slots.len() > 1 {
            for slot in &mut slots {
                slot.edge = Some(edge_of_version(slot.id));
            }
        }
        let concurrency = limits.max_concurrency.map(|max| {
            let permits = usize::try_from(max).unwrap_or(usize::MAX);
            (Arc::new(Semaphore::new(permits)), max)
        });
        let tenant = Tenant {
            id: TenantId(Arc::from(name.as_str())),
            caching,
            max_body: limits.max_body_bytes(),
            concurrency,
            https: HttpsPolicy {
                only: first.https_only,
                hsts: first
                    .hsts
                    .as_ref()
                    .and_then(|hsts| HeaderValue::try_from(hsts.value()).ok()),
            },
            versions: Versions {
                slots,
                stickiness: first.stickiness.clone(),
            },
            meters: OnceLock::new(),
        };
        Ok(Some(Unit {
            tenant: Arc::new(tenant),
            hosts: first
                .hosts
                .get_ref()
                .iter()
                .map(|host| host.get_ref().clone())
                .collect(),
            routes,
            workers,
            source,
        }))
    }

    /// The handler of `placement`: the one `before` (the tenant's previous unit) runs when
    /// its project did not change, else a new one.
    fn start(
        &self,
        placement: &Placement,
        before: Option<&Arc<Unit>>,
    ) -> Result<WorkerHandle, SetupError> {
        let unchanged = |_: &WorkerHandle| {
            self.changed
                .is_some_and(|changed| !touched(&placement.spec.entry, changed))
        };
        let reusable = before
            .and_then(|unit| unit.workers.find(placement))
            .filter(unchanged);
        Ok(match reusable {
            Some(worker) => worker,
            // A version of the API's starts on its first request: a node holding many
            // tenants keeps isolates only for those in use.
            None if placement.spec.entry.starts_with(BUNDLES) => self
                .pool
                .spawn_lazily(&placement.spec, placement.isolates)?,
            None => self
                .pool
                .spawn_replicated(&placement.spec, placement.isolates)?,
        })
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
    if changed.is_empty() {
        return false;
    }
    // Its project holds all it may load: its tsconfig and packages too.
    let real = entry.canonicalize().unwrap_or_else(|_| entry.to_path_buf());
    let folder = isogate_runtime::project_root(&real);
    changed.iter().any(|path| path.starts_with(&folder))
}
