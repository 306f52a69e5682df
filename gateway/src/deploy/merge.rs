//! The API's tenants as the routing table takes them: for each tenant with a live
//! deployment, one `TenantConfig` per deployed version. They are made once per change of
//! the tenant (its revision in [`State::touched`]) and shared after that, so that the table
//! can tell an unchanged tenant by identity and keep what it built of it.

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::PoisonError;

use isogate_runtime::Bundle;
use isogate_store::Revision;

use super::records::DeploymentRecord;
use super::records::State;
use super::spec::Served;
use super::spec::TenantSpec;
use super::FileTenants;
use super::Platform;
use crate::config::GatewayConfig;
use crate::config::TenantConfig;
use crate::config::VersionShare;

/// A tenant of the API, as served.
#[derive(Clone, Debug)]
pub struct ApiTenant {
    /// Its name.
    pub name: Arc<str>,
    /// One config per deployed version, in the deployment's order; the same value (by
    /// pointer) while the tenant does not change.
    pub configs: Arc<[TenantConfig]>,
}

/// What the store's state serves.
#[derive(Clone, Debug, Default)]
pub struct Merged {
    /// The revision it is as of.
    pub revision: Revision,
    /// The tenants of the API that have a live deployment, by name.
    pub tenants: Vec<ApiTenant>,
}

/// The configs made of one tenant, and what they were made from.
#[derive(Debug)]
pub(super) struct Made {
    name: Arc<str>,
    /// The tenant's revision then.
    touched: Revision,
    /// Whether every version its deployment names was in the store and mounted.
    complete: bool,
    configs: Arc<[TenantConfig]>,
}

impl Platform {
    /// The API's tenants that have a live version, beside `config`'s (the file's), and the
    /// revision they are as of. A tenant whose name or hosts a tenant of the file (or an
    /// earlier one of the API) has is left out, logged.
    pub fn merge(&self, config: &GatewayConfig) -> Merged {
        let state = self.state();
        let mounted = self.mounted.lock().unwrap_or_else(PoisonError::into_inner);
        let mut made = self.merged.lock().unwrap_or_else(PoisonError::into_inner);
        let file = FileTenants::of(config);
        let mut tenants = Vec::new();
        {
            let mut names: HashSet<&str> = file.names.iter().map(String::as_str).collect();
            let mut hosts: HashMap<String, &str> = file
                .hosts
                .iter()
                .map(|(host, owner)| (host.clone(), owner.as_str()))
                .collect();
            for (name, spec) in &state.tenants {
                let Some(live) = state.live(name) else {
                    continue;
                };
                if names.contains(name.as_str()) {
                    tracing::error!(tenant = %name, "a tenant of the config file has this name; the API's is not served");
                    continue;
                }
                let own: Vec<String> = spec.normalized_hosts().collect();
                if let Some((host, owner)) = own
                    .iter()
                    .find_map(|host| hosts.get(host).map(|owner| (host, *owner)))
                {
                    tracing::error!(tenant = %name, host = %host, owner = %owner, "another tenant serves this host; the tenant is not served");
                    continue;
                }
                let touched = state.touched.get(name).copied().unwrap_or_default();
                let kept = made
                    .get(name)
                    .filter(|made| made.touched == touched && made.complete);
                let tenant = match kept {
                    Some(made) => ApiTenant {
                        name: made.name.clone(),
                        configs: made.configs.clone(),
                    },
                    None => {
                        let (configs, complete) = self.configs(&state, &mounted, name, spec, live);
                        let tenant = ApiTenant {
                            name: Arc::from(name.as_str()),
                            configs: configs.into(),
                        };
                        made.insert(
                            name.clone(),
                            Made {
                                name: tenant.name.clone(),
                                touched,
                                complete,
                                configs: tenant.configs.clone(),
                            },
                        );
                        tenant
                    }
                };
                if !tenant.configs.is_empty() {
                    tenants.push(tenant);
                }
                names.insert(name);
                hosts.extend(own.into_iter().map(|host| (host, name.as_str())));
            }
        }
        made.retain(|name, _| state.tenants.contains_key(name));
        *self
            .file_tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = file;
        Merged {
            revision: state.revision,
            tenants,
        }
    }

    /// The configs of tenant `name`'s deployed versions that are in the store and mounted,
    /// and whether that is all of them.
    fn configs(
        &self,
        state: &State,
        mounted: &HashMap<String, Arc<Bundle>>,
        name: &str,
        spec: &TenantSpec,
        live: &DeploymentRecord,
    ) -> (Vec<TenantConfig>, bool) {
        let mut configs = Vec::with_capacity(live.versions.len());
        let mut complete = true;
        for share in &live.versions {
            let Some(version) = state.version(name, share.id) else {
                tracing::error!(tenant = %name, version = share.id, "the live deployment names a version the store lacks");
                complete = false;
                continue;
            };
            let Some(bundle) = mounted.get(&version.sha256) else {
                complete = false;
                continue;
            };
            let root = bundle.root();
            let mut env = version.vars.clone();
            env.extend(self.open_secrets(state, name));
            let served = Served {
                name,
                spec,
                routes: &version.routes,
                vars: &env,
                flags: &version.compatibility_flags,
                root: &root,
                share: Some(VersionShare {
                    id: share.id,
                    percentage: share.percentage,
                    deployment: live.id,
                }),
            };
            configs.push(served.config());
        }
        (configs, complete)
    }
}
