//! Hot reload for `isogate serve`: on SIGHUP or a change to the config file, a handler's
//! code (a module, JSON or Wasm file in its folder), a certificate or a secret file, the
//! config is read again and a new routing table and
//! certificate store are built beside the live ones. They are swapped in only once every
//! new handler has loaded; an invalid config, or a module that no longer loads, is logged
//! and the old version keeps serving. A change to the store's state (a deployment through
//! the API, on this node or another) rebuilds the table the same way, from the last valid
//! config file and the state followed.

use std::collections::HashSet;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use isogate_runtime::IsolatePool;
use notify::RecursiveMode;
use notify::Watcher;
use tokio::sync::mpsc;
use tokio::sync::Mutex;

use crate::cache::ResponseCache;
use crate::config;
use crate::config::GatewayConfig;
use crate::deploy::Platform;
use crate::dispatch::Dispatcher;
use crate::error::SetupError;
use crate::routing::table::cert_store;
use crate::routing::table::RoutingTable;
use crate::tls::sni::SniResolver;

/// How long to wait for a burst of file events (an editor's save) to settle.
const SETTLE: Duration = Duration::from_millis(150);

/// Rebuilds and swaps the live configuration.
#[derive(Debug)]
pub struct Reloader {
    file: PathBuf,
    /// The config the process started with (listeners are bound once).
    started: GatewayConfig,
    /// The last valid config read from the file (the API's tenants not merged in).
    current: std::sync::Mutex<GatewayConfig>,
    /// The store whose tenants are served beside the file's, if any.
    platform: Option<Arc<Platform>>,
    dispatcher: Arc<Dispatcher>,
    resolver: Arc<SniResolver>,
    pool: Arc<IsolatePool>,
    cache: ResponseCache,
    /// One reload at a time.
    running: Mutex<()>,
}

impl Reloader {
    /// A reloader for `started` (the config at `file` the process started with), starting
    /// handlers on `pool`, sharing `cache` out, and swapping into `dispatcher` and
    /// `resolver`.
    pub fn new(
        file: PathBuf,
        started: GatewayConfig,
        pool: Arc<IsolatePool>,
        cache: ResponseCache,
        dispatcher: Arc<Dispatcher>,
        resolver: Arc<SniResolver>,
    ) -> Self {
        Self {
            file,
            current: std::sync::Mutex::new(started.clone()),
            started,
            platform: None,
            dispatcher,
            resolver,
            pool,
            cache,
            running: Mutex::new(()),
        }
    }

    /// Serves `platform`'s tenants beside the file's.
    #[must_use]
    pub fn with_platform(mut self, platform: Arc<Platform>) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Reloads now. `changed` lists the files known to have changed: handlers in their
    /// folders are loaded afresh, others are kept when their settings did not change.
    /// `None` (SIGHUP) loads every handler afresh. On error nothing is swapped.
    pub async fn reload(&self, changed: Option<&[PathBuf]>) -> Result<(), SetupError> {
        let _one_at_a_time = self.running.lock().await;
        let config = config::load(&self.file)?;
        self.swap(config, changed).await
    }

    /// Rebuilds the table from the last valid config file and the store's state now,
    /// reusing every handler whose settings did not change.
    pub async fn reload_state(&self) -> Result<(), SetupError> {
        let _one_at_a_time = self.running.lock().await;
        let config = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        self.swap(config, Some(&[])).await
    }

    /// Builds the table of `config` (with the store's tenants), waits for its handlers and
    /// swaps it in.
    async fn swap(
        &self,
        config: GatewayConfig,
        changed: Option<&[PathBuf]>,
    ) -> Result<(), SetupError> {
        let merged = self
            .platform
            .as_ref()
            .map(|platform| platform.merge(&config));
        let previous_server = &self.started.server;
        if (config.server.http, config.server.https, config.server.admin)
            != (
                previous_server.http,
                previous_server.https,
                previous_server.admin,
            )
        {
            tracing::warn!("listener addresses changed; they take effect on restart");
        }
        if config.cache != self.started.cache {
            tracing::warn!("[cache] bounds changed; they take effect on restart");
        }
        let store = cert_store(&config)?;
        let previous = self.dispatcher.table();
        let api = merged
            .as_ref()
            .map_or(&[][..], |merged| merged.tenants.as_slice());
        let table = RoutingTable::build(
            &config,
            api,
            &self.pool,
            &self.cache,
            Some(&previous),
            changed,
        )?;
        table.settled().await;
        let was_failing: HashSet<(String, PathBuf)> = previous
            .failures()
            .into_iter()
            .map(|(tenant, entry, _)| (tenant, entry))
            .collect();
        for (tenant, entry, error) in table.failures() {
            if !was_failing.contains(&(tenant.clone(), entry.clone())) {
                return Err(SetupError::Reload {
                    tenant,
                    entry,
                    error,
                });
            }
        }
        self.resolver.replace(store);
        table.commit_caches(&self.cache);
        purge_redeployed(&previous, &table);
        self.dispatcher.replace(table);
        let tenants = config.tenants.len() + api.len();
        *self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
        if let (Some(platform), Some(merged)) = (&self.platform, &merged) {
            platform.mark_served(merged.revision);
        }
        tracing::info!(config = %self.file.display(), tenants, "configuration reloaded");
        Ok(())
    }

    /// Reloads and logs the outcome.
    pub async fn reload_logged(&self, changed: Option<&[PathBuf]>) {
        if let Err(error) = self.reload(changed).await {
            tracing::error!(config = %self.file.display(), "reload rejected; the previous version keeps serving: {error}");
        }
    }

    /// Rebuilds the table after each change to the store's state, for the life of the
    /// process.
    pub async fn on_state_changes(self: Arc<Self>) {
        let Some(platform) = self.platform.clone() else {
            return;
        };
        let mut changes = platform.changes();
        while changes.changed().await.is_ok() {
            changes.mark_unchanged();
            if let Err(error) = self.reload_state().await {
                tracing::error!(store = %platform.location(), "the store's change is not served; the previous version keeps serving: {error}");
            }
        }
    }

    /// Reloads on every SIGHUP, for the life of the process.
    #[cfg(unix)]
    pub async fn on_sighup(self: Arc<Self>) {
        use tokio::signal::unix::signal;
        use tokio::signal::unix::SignalKind;
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload on file changes only");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the configuration");
            self.reload_logged(None).await;
        }
    }

    /// Watches the config file, the handler folders and the certificate files, and
    /// reloads after each settled burst of changes. Returns the watcher; dropping it stops.
    pub fn watch(
        self: Arc<Self>,
        config: &GatewayConfig,
    ) -> Result<notify::RecommendedWatcher, SetupError> {
        let (events, mut changes) = mpsc::unbounded_channel::<Vec<PathBuf>>();
        let inputs = watched_files(config);
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    if event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove() {
                        // A log, a database or an editor's swap file in a watched folder is
                        // no reason to reload (a reload that logs into the folder would loop).
                        let paths: Vec<PathBuf> = event
                            .paths
                            .into_iter()
                            .filter(|path| inputs.contains(path) || is_code(path))
                            .collect();
                        if !paths.is_empty() {
                            let _ = events.send(paths);
                        }
                    }
                }
            })
            .map_err(|source| SetupError::Watch {
                path: self.file.display().to_string(),
                source,
            })?;
        let folders = watched_folders(config);
        for folder in &folders {
            watcher
                .watch(folder, RecursiveMode::Recursive)
                .map_err(|source| SetupError::Watch {
                    path: folder.display().to_string(),
                    source,
                })?;
        }
        // A handler's project root holds its tsconfig.json, package.json and wrangler
        // config: watched on its own (not its node_modules), when no folder above has it.
        for root in project_roots(config) {
            if !folders.iter().any(|folder| root.starts_with(folder)) {
                watcher
                    .watch(&root, RecursiveMode::NonRecursive)
                    .map_err(|source| SetupError::Watch {
                        path: root.display().to_string(),
                        source,
                    })?;
            }
        }
        tokio::spawn(async move {
            while let Some(mut paths) = changes.recv().await {
                tokio::time::sleep(SETTLE).await;
                while let Ok(more) = changes.try_recv() {
                    paths.extend(more);
                }
                tracing::info!(files = paths.len(), "change detected: reloading");
                self.reload_logged(Some(&paths)).await;
            }
        });
        Ok(watcher)
    }
}

/// Empties the response cache of each tenant of the API whose live deployment `next`
/// changes, so that a new version never answers with what an earlier one stored.
fn purge_redeployed(previous: &RoutingTable, next: &RoutingTable) {
    let kept: HashSet<*const crate::routing::table::Tenant> =
        previous.tenants.iter().map(Arc::as_ptr).collect();
    let deployment = |tenant: &crate::routing::table::Tenant| {
        tenant.versions.slots.first().map(|slot| slot.deployment)
    };
    let before: std::collections::HashMap<&str, u64> = previous
        .tenants
        .iter()
        .filter_map(|old| Some((&*old.id.0, deployment(old)?)))
        .collect();
    for tenant in &next.tenants {
        if kept.contains(&Arc::as_ptr(tenant)) {
            continue;
        }
        let Some(now) = deployment(tenant) else {
            continue;
        };
        let before = before.get(&*tenant.id.0).copied();
        if before.is_some_and(|before| before != now) {
            if let Some(caching) = &tenant.caching {
                let purged = caching.cache.purge(&crate::cache::Purge::All);
                tracing::info!(tenant = %tenant.id, deployment = now, purged, "a new deployment: the tenant's cached responses are purged");
            }
        }
    }
}

/// File extensions of what a module graph may load (modules, JSON, Wasm, `package.json`).
const CODE_EXTENSIONS: &[&str] = &[
    "js", "mjs", "cjs", "ts", "mts", "cts", "jsx", "tsx", "json", "wasm",
];

/// Whether a change to `path` can change a handler: a file a module graph may load.
pub(crate) fn is_code(path: &Path) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| CODE_EXTENSIONS.contains(&extension))
}

/// The files other than code whose changes are reloaded: the config file, certificates,
/// keys and secret files (real paths, as file events carry them).
fn watched_files(config: &GatewayConfig) -> HashSet<PathBuf> {
    let mut files = vec![config.file.clone()];
    for tenant in &config.tenants {
        if let Some(tls) = &tenant.tls {
            files.push(tls.cert.get_ref().clone());
            files.push(tls.key.get_ref().clone());
        }
        if let Some(project) = &tenant.project {
            files.extend(crate::wrangler::config_in(project.get_ref()));
        }
        for secret in tenant.secrets.values() {
            if let config::SecretSource::File(path) = secret.get_ref() {
                files.push(path.clone());
            }
        }
    }
    if let Some(token) = &config.server.admin_token {
        if let config::SecretSource::File(path) = token.get_ref() {
            files.push(path.clone());
        }
    }
    files
        .into_iter()
        .map(|file| file.canonicalize().unwrap_or(file))
        .collect()
}

/// The project roots of every handler (real paths).
fn project_roots(config: &GatewayConfig) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for route in config.tenants.iter().flat_map(|tenant| &tenant.routes) {
        if let Ok(real) = route.handler.get_ref().canonicalize() {
            let root = isogate_runtime::project_root(&real);
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
    }
    roots
}

/// The folders holding the config file, every handler module and every certificate; a
/// folder inside another one is watched through it.
fn watched_folders(config: &GatewayConfig) -> Vec<PathBuf> {
    let parent = |path: &Path| {
        path.parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let mut folders = vec![parent(&config.file)];
    for tenant in &config.tenants {
        folders.extend(
            tenant
                .routes
                .iter()
                .map(|route| parent(route.handler.get_ref())),
        );
        if let Some(tls) = &tenant.tls {
            folders.push(parent(tls.cert.get_ref()));
            folders.push(parent(tls.key.get_ref()));
        }
    }
    let folders: Vec<PathBuf> = folders
        .into_iter()
        .map(|folder| folder.canonicalize().unwrap_or(folder))
        .collect();
    let mut kept: Vec<PathBuf> = Vec::new();
    for folder in &folders {
        let covered = folders
            .iter()
            .any(|other| other != folder && folder.starts_with(other));
        if !covered && !kept.contains(folder) {
            kept.push(folder.clone());
        }
    }
    kept
}
