//! Tenants and code versions given over the `/v1` API, kept in a [`Store`] and followed by
//! every node.
//!
//! # Layout
//! - `spec.rs`: [`spec::TenantSpec`] and [`spec::Manifest`], span-free, checked without
//!   I/O by the config's own checks, turned into `TenantConfig`s for the routing table.
//! - `records.rs`: the store's keys and values, and [`records::State`], the followed view.
//! - `archive.rs`: `.tar.gz` uploads and stored bundles, unpacked within caps.
//! - `bundles.rs`: bundles stored content-addressed in chunks, loaded and mounted.
//! - `credentials.rs`: the admin and tenant tokens ([`Caller`]), and secrets sealed at rest.
//! - `writes.rs`: the API's writes (tenants, versions after a load check, deployments).
//! - `merge.rs`: the API's tenants as the routing table takes them ([`ApiTenant`]), made
//!   once per change of a tenant.
//! - `rollback.rs`: automatic rollback of gradual deployments whose new versions fail more.
//! - this file: [`Platform`]: the store, the followed state, the mounted bundles, and what
//!   the routing table is built from.
//!
//! # Flow
//! A write commits to the store and is acknowledged once durable. Every node (the writer
//! too) follows the store from its listing by a watch: each revision's changes update the
//! state, the bundles of live versions are loaded and mounted, and the routing table is
//! rebuilt beside the live one and swapped in once its handlers have loaded, so requests in
//! flight finish on the version they started on.

pub mod archive;
mod bundles;
mod credentials;
mod merge;
pub mod records;
mod rollback;
pub mod spec;
mod writes;

use std::collections::HashMap;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::time::Duration;

use futures::FutureExt as _;
use futures::StreamExt;
use isogate_runtime::Bundle;
use isogate_store::EtcdStore;
use isogate_store::Revision;
use isogate_store::SqliteStore;
use isogate_store::Store;
use isogate_store::StoreError;
use tokio::sync::watch;

pub use credentials::Caller;
pub use merge::ApiTenant;
pub use merge::Merged;
pub use writes::ApiError;
pub use writes::DeployRequest;

use crate::config::GatewayConfig;
use crate::config::LimitsConfig;
use crate::error::SetupError;
use records::State;
use records::STATE;

/// How long a follower waits before listing again after the store failed it.
const RETRY: Duration = Duration::from_secs(1);

/// The store, the state followed from it and the bundles its live versions run.
pub struct Platform {
    store: Arc<dyn Store>,
    /// Where the store is, for logs.
    location: String,
    /// Versions kept per tenant.
    keep_versions: usize,
    /// Largest upload, compressed, unless a tenant sets its own.
    max_version_bytes: u64,
    /// `[limits]`, under which uploads are load-checked.
    defaults: LimitsConfig,
    /// The state as of the last revision followed.
    state: Mutex<Arc<State>>,
    /// Mounted bundles of the versions the state deploys, by digest.
    mounted: Mutex<HashMap<String, Arc<Bundle>>>,
    /// The revision the state is as of.
    followed: watch::Sender<Revision>,
    /// The revision the live routing table serves.
    served: watch::Sender<Revision>,
    /// The config file's tenants (their names and hosts), which the API's may not claim.
    file_tenants: Mutex<FileTenants>,
    /// What seals secrets (`[store] secret_key`), if set.
    cipher: Option<aes_gcm::Aes256Gcm>,
    /// The configs last made of each tenant, kept while it is unchanged.
    merged: Mutex<HashMap<String, merge::Made>>,
}

/// The config file's tenants, as of the last table built.
#[derive(Debug, Default)]
struct FileTenants {
    /// The file.
    file: String,
    /// Names.
    names: HashSet<String>,
    /// Hosts (lower case) and the tenant serving each.
    hosts: HashMap<String, String>,
}

impl FileTenants {
    fn of(config: &GatewayConfig) -> Self {
        Self {
            file: config.file.display().to_string(),
            names: config
                .tenants
                .iter()
                .map(|tenant| tenant.name.get_ref().clone())
                .collect(),
            hosts: config
                .tenants
                .iter()
                .flat_map(|tenant| {
                    tenant.hosts.get_ref().iter().map(|host| {
                        (
                            host.get_ref().to_ascii_lowercase(),
                            tenant.name.get_ref().clone(),
                        )
                    })
                })
                .collect(),
        }
    }
}

impl std::fmt::Debug for Platform {
    // The cipher is left out: it holds the secret key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Platform")
            .field("store", &self.location)
            .finish_non_exhaustive()
    }
}

impl Platform {
    /// Opens `config`'s `[store]` (the embedded one in its folder, or etcd), reads the
    /// state and mounts the bundles of its live versions.
    pub async fn open(config: &GatewayConfig) -> Result<Arc<Self>, SetupError> {
        let settings = &config.store;
        let (store, location): (Arc<dyn Store>, String) = if settings.etcd.is_empty() {
            let base = config
                .file
                .parent()
                .filter(|parent| !parent.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let file = settings.folder(base).join("store.sqlite");
            let store = SqliteStore::open(&file).map_err(|error| SetupError::Store {
                location: file.display().to_string(),
                error,
            })?;
            (Arc::new(store), file.display().to_string())
        } else {
            let endpoints: Vec<String> = settings
                .etcd
                .iter()
                .map(|url| url.get_ref().clone())
                .collect();
            let location = format!("etcd {}", endpoints.join(","));
            let store = EtcdStore::connect(&endpoints, &settings.namespace)
                .await
                .map_err(|error| SetupError::Store {
                    location: location.clone(),
                    error,
                })?;
            (Arc::new(store), location)
        };
        let key = settings
            .secret_key_bytes()
            .map_err(|message| SetupError::Secret {
                tenant: "[store]".to_owned(),
                message,
            })?;
        let (entries, revision) = store.list(STATE).await.map_err(|error| SetupError::Store {
            location: location.clone(),
            error,
        })?;
        let platform = Arc::new(Self {
            store,
            location,
            keep_versions: *settings.keep_versions.get_ref(),
            max_version_bytes: settings.max_version_mb.get_ref().saturating_mul(1 << 20),
            defaults: config.limits.clone(),
            state: Mutex::new(Arc::new(State::default())),
            mounted: Mutex::new(HashMap::new()),
            followed: watch::channel(revision).0,
            served: watch::channel(0).0,
            file_tenants: Mutex::new(FileTenants::of(config)),
            cipher: key.as_ref().map(credentials::cipher),
            merged: Mutex::new(HashMap::new()),
        });
        platform
            .adopt(State::from_listing(&entries, revision))
            .await;
        Ok(platform)
    }

    /// Where the store is, for logs.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The state as of the last revision followed.
    pub fn state(&self) -> Arc<State> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Follows the store for the life of the process: each committed revision updates the
    /// state, which [`Self::changes`] then announces. When the store
    /// fails the watch (etcd unreachable, history compacted), the last state keeps serving
    /// and the follower lists again once it can.
    pub fn follow(self: &Arc<Self>) {
        let platform = self.clone();
        tokio::spawn(async move {
            let mut after = platform.state().revision;
            loop {
                let mut events = platform.store.watch(STATE, after);
                let mut failed = None;
                let mut complete = platform.complete();
                loop {
                    // A deployed bundle that could not be read is tried again every second.
                    let event = if complete {
                        events.next().await
                    } else {
                        tokio::select! {
                            event = events.next() => event,
                            () = tokio::time::sleep(RETRY) => {
                                complete = platform.adopt((*platform.state()).clone()).await;
                                continue;
                            }
                        }
                    };
                    let Some(event) = event else {
                        break;
                    };
                    let event = match event {
                        Ok(event) => event,
                        Err(error) => {
                            failed = Some(error);
                            break;
                        }
                    };
                    let mut state = (*platform.state()).clone();
                    state.apply(&event);
                    // The rest of the revision's events, and any that are already here.
                    while let Some(Some(Ok(more))) = events.next().now_or_never() {
                        state.apply(&more);
                    }
                    let dropped = std::mem::take(&mut state.dropped);
                    complete = platform.adopt(state).await;
                    if !dropped.is_empty() {
                        tokio::spawn(platform.clone().collect(dropped));
                    }
                }
                let why = failed.map_or_else(|| "the watch ended".to_owned(), |e| e.to_string());
                tracing::warn!(store = %platform.location, "following the store: {why}; the last state keeps serving");
                loop {
                    tokio::time::sleep(RETRY).await;
                    match platform.store.list(STATE).await {
                        Ok((entries, revision)) => {
                            after = revision;
                            platform
                                .adopt(State::from_listing(&entries, revision))
                                .await;
                            break;
                        }
                        Err(error) => {
                            tracing::debug!(store = %platform.location, "listing again: {error}");
                        }
                    }
                }
            }
        });
    }

    /// Deletes from the store each bundle of `dropped` that no version of the followed
    /// state names. Every node tries; the store's conditions let one succeed, and never
    /// while an upload holds the bundle.
    async fn collect(self: Arc<Self>, dropped: Vec<String>) {
        let unique: HashSet<String> = dropped.into_iter().collect();
        for digest in unique {
            let state = self.state();
            if state.names_bundle(&digest) {
                continue;
            }
            match bundles::collect(&*self.store, &digest, state.revision).await {
                Ok(true) => {
                    tracing::info!(store = %self.location, bundle = %digest, "no version names this bundle any more: deleted from the store");
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(store = %self.location, bundle = %digest, "an unnamed bundle stays in the store: {error}");
                }
            }
        }
    }

    /// Whether every bundle the followed state deploys is mounted.
    fn complete(&self) -> bool {
        let wanted = live_digests(&self.state());
        let mounted = self.mounted.lock().unwrap_or_else(PoisonError::into_inner);
        wanted.iter().all(|digest| mounted.contains_key(digest))
    }

    /// Makes `state` the followed one: mounts the bundles its live versions need (a bundle
    /// that cannot be read keeps its version out of the table, logged) and drops the others;
    /// whether every one it needs is mounted.
    async fn adopt(&self, state: State) -> bool {
        let wanted: HashSet<String> = live_digests(&state);
        let missing: Vec<String> = {
            let mounted = self.mounted.lock().unwrap_or_else(PoisonError::into_inner);
            wanted
                .iter()
                .filter(|digest| !mounted.contains_key(*digest))
                .cloned()
                .collect()
        };
        let mut newly_mounted = false;
        for digest in missing {
            match bundles::load(&*self.store, &digest).await {
                Ok(bundle) => {
                    newly_mounted = true;
                    self.mounted
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(digest, bundle);
                }
                Err(error) => {
                    tracing::error!(store = %self.location, bundle = %digest, "cannot load a deployed bundle: {error}");
                }
            }
        }
        let complete = {
            let mut mounted = self.mounted.lock().unwrap_or_else(PoisonError::into_inner);
            mounted.retain(|digest, _| wanted.contains(digest));
            mounted.len() == wanted.len()
        };
        let revision = state.revision;
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(state);
        if newly_mounted || revision != *self.followed.borrow() {
            self.followed.send_replace(revision);
        }
        complete
    }

    /// The revisions followed, as they come.
    pub fn changes(&self) -> watch::Receiver<Revision> {
        self.followed.subscribe()
    }

    /// Waits until the state followed is as of `revision` (or later), a few seconds at most.
    async fn wait_followed_to(&self, revision: Revision) {
        let mut followed = self.changes();
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            followed.wait_for(|followed| *followed >= revision),
        )
        .await;
    }

    /// Records that the live routing table serves the state as of `revision`.
    pub fn mark_served(&self, revision: Revision) {
        self.served.send_if_modified(|served| {
            let newer = revision > *served;
            if newer {
                *served = revision;
            }
            newer
        });
    }

    /// Waits until the live routing table serves `revision` (or later), at most `limit`;
    /// whether it does.
    pub async fn served(&self, revision: Revision, limit: Duration) -> bool {
        let mut served = self.served.subscribe();
        tokio::time::timeout(limit, served.wait_for(|served| *served >= revision))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// The config file and its tenants' names and hosts.
    pub fn file_tenant_list(&self) -> (String, Vec<(String, Vec<String>)>) {
        let file = self
            .file_tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut tenants: Vec<(String, Vec<String>)> = file
            .names
            .iter()
            .map(|name| {
                let mut hosts: Vec<String> = file
                    .hosts
                    .iter()
                    .filter(|(_, owner)| *owner == name)
                    .map(|(host, _)| host.clone())
                    .collect();
                hosts.sort();
                (name.clone(), hosts)
            })
            .collect();
        tenants.sort();
        (file.file.clone(), tenants)
    }

    /// Where the config file defines a tenant named `name`, if it does.
    fn file_owner_of_name(&self, name: &str) -> Option<String> {
        let file = self
            .file_tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        file.names.contains(name).then(|| file.file.clone())
    }

    /// The config file's tenant serving `host`, if one does.
    fn file_owner_of_host(&self, host: &str) -> Option<String> {
        let file = self
            .file_tenants
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        file.hosts
            .get(host)
            .map(|owner| format!("tenant {owner:?} of {}", file.file))
    }

    fn store_error(&self, error: &StoreError) -> ApiError {
        ApiError::store(&self.location, error)
    }
}

/// The digests of the bundles of every version a live deployment names.
fn live_digests(state: &State) -> HashSet<String> {
    state
        .tenants
        .keys()
        .filter_map(|name| state.live(name).map(|live| (name, live)))
        .flat_map(|(name, live)| {
            live.versions
                .iter()
                .filter_map(|share| state.version(name, share.id))
                .map(|version| version.sha256.clone())
        })
        .collect()
}
