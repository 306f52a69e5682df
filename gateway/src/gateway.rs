//! The gateway as one value: [`Gateway::start`] does all that `isogate serve` does before it
//! serves (reads the config, opens the store, starts the isolate pool, builds the routing
//! table, binds the listeners, starts the admin API, reloads and the store's follower), and
//! [`Gateway::run_until`] serves until a signal, then drains. The binary runs one; tests
//! drive one in-process through its addresses and its [`Platform`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use isogate_runtime::IsolatePool;
use isogate_runtime::PoolOptions;
use isogate_runtime::ProcessOptions;
use isogate_runtime::Retirement;
use isogate_runtime::WorkerCommand;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::admin;
use crate::cache::Bounds;
use crate::cache::ResponseCache;
use crate::config;
use crate::config::GatewayConfig;
use crate::config::Isolation;
use crate::config::ServerConfig;
use crate::deploy::Platform;
use crate::dispatch::Dispatcher;
use crate::error::SetupError;
use crate::http::ConnectionLimits;
use crate::http::Reclaim;
use crate::metrics::Metrics;
use crate::reload::Reloader;
use crate::routing::table::cert_store;
use crate::routing::table::RoutingTable;
use crate::server;
use crate::server::Listener;
use crate::server::ServerSettings;
use crate::tls;
use crate::tls::sni::SniResolver;

/// How a gateway starts, beyond its config file.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The config file (`isogate.toml`).
    pub config: PathBuf,
    /// The embedded store's folder, over `[store] path`.
    pub store: Option<PathBuf>,
    /// Worker threads or processes, over `[pool] workers` / `processes`.
    pub workers: Option<usize>,
    /// Warm spare isolates per worker, over `[pool] spares`.
    pub spares: Option<usize>,
    /// Fail the start when a handler does not load.
    pub require_ready: bool,
    /// Reload when the config, a handler or a certificate changes.
    pub watch: bool,
    /// How worker processes are started (`[pool] isolation = "process"` needs it).
    pub worker: Option<WorkerCommand>,
}

/// A started gateway: bound, following its store, ready to serve.
pub struct Gateway {
    http: Option<SocketAddr>,
    https: Option<SocketAddr>,
    admin: Option<SocketAddr>,
    listeners: Vec<Listener>,
    dispatcher: Arc<Dispatcher>,
    platform: Arc<Platform>,
    reloader: Arc<Reloader>,
    pool: Arc<IsolatePool>,
    settings: ServerSettings,
    workers: usize,
    tenants: usize,
    /// The admin listener's and the reloads' tasks, ended with the gateway.
    tasks: Vec<JoinHandle<()>>,
    watcher: Option<notify::RecommendedWatcher>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("http", &self.http)
            .field("https", &self.https)
            .field("admin", &self.admin)
            .field("store", &self.platform.location())
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// Starts the gateway of `options.config`. Returns once every listener is bound and the
    /// store's state is served (with `require_ready`, once every handler has loaded).
    pub async fn start(options: Options) -> Result<Self, SetupError> {
        let file = options
            .config
            .canonicalize()
            .unwrap_or_else(|_| options.config.clone());
        let mut file_config = config::load(&file)?;
        if let Some(folder) = &options.store {
            file_config.store.path = Some(toml::Spanned::new(0..0, folder.clone()));
        }
        let platform = Platform::open(&file_config).await?;
        let config = file_config.clone();
        let merged = platform.merge(&config);
        let resolver = Arc::new(SniResolver::new(cert_store(&config)?));
        let (pool, workers) = start_pool(&config, &options)?;
        let pool = Arc::new(pool);
        let cache = ResponseCache::new(Bounds {
            max_bytes: config.cache.max_bytes,
            max_object_bytes: config.cache.max_object_bytes,
        });
        let table = RoutingTable::build(&config, &merged.tenants, &pool, &cache, None, None)?;
        table.commit_caches(&cache);
        platform.mark_served(merged.revision);
        if options.require_ready {
            require_ready(&table).await?;
        }
        let mut listeners = Vec::new();
        let mut bound = |tcp: TcpListener, tls| {
            let local = tcp.local_addr().ok();
            listeners.push(Listener { tcp, tls });
            local
        };
        let http = match config.server.http {
            Some(addr) => bound(bind(addr).await?, None),
            None => None,
        };
        let https = match config.server.https {
            Some(addr) => bound(bind(addr).await?, Some(tls::acceptor(resolver.clone())?)),
            None => None,
        };
        let metrics = Arc::new(Metrics::new());
        platform.guard_rollouts(metrics.clone());
        let dispatcher = Arc::new(
            Dispatcher::new(table, metrics.clone()).with_https_port(https.map(|addr| addr.port())),
        );
        let mut tasks = Vec::new();
        let admin = match config.server.admin {
            Some(addr) => {
                let tcp = bind(addr).await?;
                let local = tcp.local_addr().ok();
                let endpoints = Arc::new(admin::Admin {
                    dispatcher: dispatcher.clone(),
                    metrics: metrics.clone(),
                    pool: pool.clone(),
                    cache: cache.clone(),
                    token: config::admin_token(&config.server).map_err(|message| {
                        SetupError::Secret {
                            tenant: "[server] admin_token".to_owned(),
                            message,
                        }
                    })?,
                    platform: Some(platform.clone()),
                    throttle: admin::Throttle::default(),
                });
                let limits = server_settings(&config.server, metrics.clone()).limits;
                tasks.push(tokio::spawn(admin::run(tcp, endpoints, limits)));
                local
            }
            None => None,
        };
        let reloader = Arc::new(
            Reloader::new(
                file,
                file_config.clone(),
                pool.clone(),
                cache,
                dispatcher.clone(),
                resolver,
            )
            .with_platform(platform.clone()),
        );
        #[cfg(unix)]
        tasks.push(tokio::spawn(reloader.clone().on_sighup()));
        tasks.push(tokio::spawn(reloader.clone().on_state_changes()));
        platform.follow();
        tracing::info!(store = %platform.location(), "following the store");
        let watcher = if options.watch {
            Some(reloader.clone().watch(&file_config)?)
        } else {
            None
        };
        Ok(Self {
            http,
            https,
            admin,
            listeners,
            dispatcher,
            platform,
            reloader,
            pool,
            settings: server_settings(&config.server, metrics),
            workers,
            tenants: config.tenants.len() + merged.tenants.len(),
            tasks,
            watcher,
        })
    }

    /// The plain-HTTP listener's address, if it has one.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http
    }

    /// The HTTPS listener's address, if it has one.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https
    }

    /// The admin listener's address (`/healthz`, `/metrics`, `/v1`), if it has one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin
    }

    /// The store and the state followed from it.
    pub fn platform(&self) -> &Arc<Platform> {
        &self.platform
    }

    /// The isolate pool (uploads are load-checked on it).
    pub fn pool(&self) -> &Arc<IsolatePool> {
        &self.pool
    }

    /// Reads the config file again and swaps in its table (what SIGHUP does).
    pub async fn reload(&self) -> Result<(), SetupError> {
        self.reloader.reload(None).await
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets requests in flight
    /// finish for up to `[server] shutdown_timeout`.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tracing::info!(tenants = self.tenants, workers = self.workers, "serving");
        let Self {
            listeners,
            dispatcher,
            pool,
            settings,
            tasks,
            watcher,
            ..
        } = self;
        server::run(listeners, dispatcher, settings, pool, shutdown).await;
        drop(watcher);
        for task in tasks {
            task.abort();
        }
    }
}

/// The isolate pool `config` asks for (threads, or sandboxed worker processes), and its
/// number of workers.
fn start_pool(
    config: &GatewayConfig,
    options: &Options,
) -> Result<(IsolatePool, usize), SetupError> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let pool_options = |workers| pool_options(config, workers, options.spares);
    match config.pool.isolation {
        Isolation::Thread => {
            let workers = options.workers.or(config.pool.workers).unwrap_or(cores);
            Ok((IsolatePool::new(pool_options(workers))?, workers))
        }
        Isolation::Process => {
            let command = options.worker.clone().ok_or(SetupError::NoWorkerCommand)?;
            let processes = ProcessOptions {
                processes: options.workers.or(config.pool.processes).unwrap_or(cores),
                command,
                rss_ceiling: Some(config.pool.process_rss_mb.saturating_mul(1024 * 1024)),
                sandbox: config.pool.sandbox,
                cordon_parole: (config.pool.cordon_parole_s > 0)
                    .then(|| Duration::from_secs(config.pool.cordon_parole_s)),
            };
            let count = processes.processes;
            Ok((
                IsolatePool::with_processes(pool_options(1), &processes)?,
                count,
            ))
        }
    }
}

/// Waits for every handler of `table` to load; an error naming each that failed.
async fn require_ready(table: &RoutingTable) -> Result<(), SetupError> {
    table.settled().await;
    let failed: Vec<String> = table
        .failures()
        .into_iter()
        .map(|(tenant, entry, error)| format!("tenant {tenant}: {}: {error}", entry.display()))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(SetupError::NotReady(failed.join("\n")))
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SetupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SetupError::Listen { addr, source })
}

/// The pool's settings from `[pool]` and `[limits]`, with `workers` per pool and `spares`
/// over `[pool] spares`.
pub fn pool_options(config: &GatewayConfig, workers: usize, spares: Option<usize>) -> PoolOptions {
    let mebibytes = |mb: u64| mb.saturating_mul(1024 * 1024);
    let pool = &config.pool;
    // Spares are made with the memory most tenants run with: the default one.
    let spare_memory = config.limits.runtime().memory;
    PoolOptions {
        workers,
        spares: spares.unwrap_or(pool.spares),
        spare_memory,
        isolates_per_worker: pool.isolates_per_worker,
        retirement: Retirement {
            idle: (pool.idle_timeout_s > 0).then(|| Duration::from_secs(pool.idle_timeout_s)),
            after_requests: pool.recycle_after_requests,
            heap: pool.recycle_heap_mb.map(mebibytes),
        },
        meter_cpu: pool.meter_cpu,
    }
}

/// The listeners' settings from `[server]`, reporting to `metrics`.
pub fn server_settings(config: &ServerConfig, metrics: Arc<Metrics>) -> ServerSettings {
    ServerSettings {
        limits: ConnectionLimits {
            header_timeout: config.header_timeout(),
            idle_timeout: config.idle_timeout(),
            max_header_bytes: config.max_header_bytes,
            max_requests: config.max_requests_per_connection,
        },
        max_connections: config.max_connections,
        handshake_timeout: config.handshake_timeout(),
        shutdown_timeout: config.shutdown_timeout(),
        metrics,
        reclaim: Arc::new(Reclaim::default()),
    }
}
