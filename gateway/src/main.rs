//! The `isogate` binary: parse the command line, set up logging, run until a signal.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use anyhow::Context;
use clap::Parser;
use clap::Subcommand;
use clap::ValueEnum;
use isogate_gateway::check::CheckOptions;
use isogate_gateway::client;
use isogate_gateway::config;
use isogate_gateway::config::ServerConfig;
use isogate_gateway::dev::DevEnv;
use isogate_gateway::dispatch::Dispatcher;
use isogate_gateway::gateway;
use isogate_gateway::gateway::Gateway;
use isogate_gateway::metrics::Metrics;
use isogate_gateway::routing::table::RoutingTable;
use isogate_gateway::server;
use isogate_gateway::server::shutdown;
use isogate_gateway::server::Listener;
use isogate_gateway::wrangler;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerSpec;
use isogate_runtime::IsolatePool;
use isogate_runtime::LogLevel;
use isogate_runtime::PoolOptions;
use isogate_runtime::Retirement;
use isogate_runtime::WorkerCommand;
use tokio::net::TcpListener;

// Requests cross threads (gateway ↔ isolate) with their buffers: an allocator built for
// cross-thread frees beats the system one by a wide margin there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// isogate: a serverless edge gateway running JavaScript/TypeScript handlers in V8 isolates.
#[derive(Debug, Parser)]
#[command(name = "isogate", version, about)]
struct Cli {
    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve one handler module over HTTP, reloading it when its folder changes.
    Dev(DevArgs),
    /// Serve the tenants of a config file: HTTP, HTTPS with SNI, admin; reload on change.
    Serve(ServeArgs),
    /// Validate a config file, print every problem found, and exit.
    Check(CheckArgs),
    /// Pack a project, upload it as a new version of a tenant, and deploy it.
    Deploy {
        #[command(flatten)]
        args: client::DeployArgs,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// A tenant's versions.
    Versions {
        #[command(subcommand)]
        command: ListCommand,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// A tenant's deployments, the live one first.
    Deployments {
        #[command(subcommand)]
        command: ListCommand,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// Serve an earlier version of a tenant at 100% again.
    Rollback {
        #[command(flatten)]
        args: client::RollbackArgs,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// Create, list and delete the tenants of the API.
    Tenants {
        #[command(subcommand)]
        command: client::TenantsCommand,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// Set, list and delete a tenant's secrets.
    Secret {
        #[command(subcommand)]
        command: client::SecretCommand,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// Create, list and revoke a tenant's API tokens.
    Tokens {
        #[command(subcommand)]
        command: client::TokensCommand,
        #[command(flatten)]
        remote: client::Remote,
    },
    /// Run as one of `serve`'s worker processes (started by the gateway, never by hand).
    #[command(name = "__worker", hide = true)]
    Worker,
}

/// `versions list` and `deployments list`.
#[derive(Debug, Subcommand)]
enum ListCommand {
    /// Lists them, newest first.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The configuration file (TOML).
    #[arg(long, default_value = "isogate.toml")]
    config: PathBuf,
    /// Do not reload when the config, a handler or a certificate changes (SIGHUP still does).
    #[arg(long)]
    no_watch: bool,
    /// Worker threads hosting isolates (default: `[pool] workers`, else one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Warm spare isolates each worker keeps ready (default: `[pool] spares`, else 2).
    #[arg(long)]
    spares: Option<usize>,
    /// Exit with an error at start, before listening, when a handler module fails to load.
    #[arg(long)]
    require_ready: bool,
    /// The embedded store's folder, over `[store] path` (e.g. systemd's state directory).
    #[arg(long, value_name = "FOLDER")]
    store: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The configuration file (TOML), as `--config FILE` or just `FILE`.
    #[arg(long, default_value = "isogate.toml")]
    config: PathBuf,
    /// The configuration file, given without `--config`.
    #[arg(value_name = "FILE", conflicts_with = "config")]
    file: Option<PathBuf>,
    /// Also load every handler module in an isolate of its own, reporting syntax, import
    /// and top-level errors as `file:line:col`.
    #[arg(long)]
    load: bool,
    /// Report secrets that cannot be read as warnings, not errors (checking a config on a
    /// machine without the production secrets).
    #[arg(long)]
    allow_missing_secrets: bool,
}

#[derive(Debug, clap::Args)]
struct DevArgs {
    /// The handler module (.js, .mjs, .ts, .mts) exporting `default { fetch }` (in a wrangler
    /// project, run with the project's vars and flags), or a wrangler project's folder
    /// (default: the current folder, when it has a wrangler config).
    handler: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// A variable for the handler's `env`, as KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// A file of KEY=VALUE lines for the handler's `env` (`#` starts a comment).
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// Let the handler fetch loopback and private-network addresses.
    #[arg(long)]
    allow_private_net: bool,
    /// Do not reload the handler when files change.
    #[arg(long)]
    no_watch: bool,
    /// CPU time a request's JavaScript may use, in ms (0: no limit).
    #[arg(long, default_value_t = config::DEFAULT_CPU_MS)]
    cpu_ms: u64,
    /// Memory of the handler's isolate, in MiB (0: no limit; else at least 10).
    #[arg(long, default_value_t = config::DEFAULT_MEMORY_MB)]
    memory_mb: u64,
    /// Whole-request deadline, in ms (0: no limit).
    #[arg(long, default_value_t = config::DEFAULT_WALL_MS)]
    wall_ms: u64,
    /// A Workers compatibility flag (repeatable): `nodejs_compat` lets the handler import
    /// Node.js built-ins. A wrangler project's own flags apply too.
    #[arg(long = "compatibility-flag", value_name = "FLAG")]
    compatibility_flags: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // `check` prints its verdict, which says everything the handlers it loads would log.
    let quiet = !matches!(
        cli.command,
        Command::Dev(_) | Command::Serve(_) | Command::Worker
    );
    init_tracing(cli.log_format, if quiet { "off" } else { DEFAULT_LOG });
    if let Command::Worker = cli.command {
        return isogate_runtime::serve_worker();
    }
    match run(cli.command, cli.log_format) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // The chain of causes, one line; never a backtrace, whatever RUST_BACKTRACE says.
            report(&format!("isogate: {error:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(command: Command, log_format: LogFormat) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_start(isogate_runtime::prefer_throughput)
        .build()
        .context("starting the tokio runtime")?;
    match command {
        Command::Dev(args) => runtime.block_on(dev(args)),
        Command::Serve(args) => runtime.block_on(serve(args, log_format)),
        Command::Check(args) => runtime.block_on(check(args)),
        Command::Deploy { args, remote } => runtime.block_on(client::deploy(&remote, args)),
        Command::Versions {
            command: ListCommand::List { tenant },
            remote,
        } => runtime.block_on(client::list_versions(&remote, &tenant)),
        Command::Deployments {
            command: ListCommand::List { tenant },
            remote,
        } => runtime.block_on(client::list_deployments(&remote, &tenant)),
        Command::Rollback { args, remote } => runtime.block_on(client::rollback(&remote, args)),
        Command::Tenants { command, remote } => runtime.block_on(client::tenants(&remote, command)),
        Command::Secret { command, remote } => runtime.block_on(client::secret(&remote, command)),
        Command::Tokens { command, remote } => runtime.block_on(client::tokens(&remote, command)),
        Command::Worker => Ok(()),
    }
}

/// Prints a line for the user on standard error.
#[allow(clippy::print_stderr, reason = "the error is the command's output")]
fn report(line: &str) {
    eprintln!("{line}");
}

/// The log filter without `RUST_LOG`: handlers' console lines down to debug (each tenant's
/// `log_level` filters them), isogate's own from info.
const DEFAULT_LOG: &str = "info,isogate::handler=debug";

fn init_tracing(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder
            .fmt_fields(isogate_gateway::log_line::Fields)
            .with_timer(isogate_gateway::log_line::Clock)
            .init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// What `isogate dev` serves: the handler, its env and its compatibility flags.
struct DevTarget {
    handler: PathBuf,
    env: DevEnv,
    flags: Vec<String>,
}

/// The handler `isogate dev` serves, with its env and flags: a module named on the command
/// line, or a wrangler project's `main` with its `vars`, `.dev.vars` and flags.
fn dev_target(args: &DevArgs) -> anyhow::Result<DevTarget> {
    let mut overrides = Vec::new();
    for pair in &args.env {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair:?}: expected KEY=VALUE"))?;
        overrides.push((key.to_owned(), value.to_owned()));
    }
    let mut env = DevEnv {
        overrides,
        ..DevEnv::default()
    };
    let mut flags = args.compatibility_flags.clone();
    let named = args.handler.clone().unwrap_or_else(|| PathBuf::from("."));
    let handler = if named.is_dir() {
        wrangler_project(&named, None, &mut env, &mut flags)?
    } else {
        // A module named in a wrangler project runs with the project's vars and flags, in
        // place of its `main` (as `wrangler dev SCRIPT` does).
        let root = std::fs::canonicalize(&named)
            .ok()
            .map(|real| isogate_runtime::project_root(&real))
            .filter(|root| wrangler::config_in(root).is_some());
        match root {
            Some(root) => wrangler_project(&root, Some(named), &mut env, &mut flags)?,
            None => named,
        }
    };
    env.files.extend(args.env_file.clone());
    if !handler.is_file() {
        bail!("handler module {} does not exist", handler.display());
    }
    Ok(DevTarget {
        handler,
        env,
        flags,
    })
}

/// Reads the wrangler project in `folder` into `env` and `flags`; its entry module, or
/// `module` in its place.
fn wrangler_project(
    folder: &Path,
    module: Option<PathBuf>,
    env: &mut DevEnv,
    flags: &mut Vec<String>,
) -> anyhow::Result<PathBuf> {
    let project = wrangler::load_with_main(folder, module).map_err(|error| {
        anyhow::anyhow!("{error}; name a handler module, or run in a wrangler project")
    })?;
    for line in &project.unsupported {
        tracing::warn!(config = %project.config.display(), "{line}");
    }
    env.vars = project.vars;
    env.files.extend(project.dev_vars);
    flags.extend(project.compatibility_flags);
    Ok(project.main)
}

async fn dev(args: DevArgs) -> anyhow::Result<()> {
    let DevTarget {
        handler,
        env: dev_env,
        flags,
    } = dev_target(&args)?;
    if args.memory_mb != 0 && args.memory_mb < config::MIN_MEMORY_MB {
        bail!(
            "--memory-mb {} is below {}, the smallest memory an isolate starts in (0: no limit)",
            args.memory_mb,
            config::MIN_MEMORY_MB
        );
    }
    let limits = config::LimitsConfig {
        cpu_ms: Some(args.cpu_ms),
        memory_mb: Some(args.memory_mb),
        wall_ms: Some(args.wall_ms),
        ..config::LimitsConfig::default()
    }
    .runtime();
    let env = dev_env.read().map_err(|error| anyhow::anyhow!(error))?;
    let spec = HandlerSpec {
        label: handler.file_name().map_or_else(
            || "handler".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        ),
        entry: handler.clone(),
        env,
        fetch: FetchPolicy {
            allow_private_net: args.allow_private_net,
        },
        drain: Duration::from_secs(30),
        limits,
        log_level: LogLevel::default(),
        cache: None,
        node_compat: flags.iter().any(|flag| flag.starts_with("nodejs_compat")),
    };
    // One worker thread: the handler's isolate and the connections share it.
    let pool = Arc::new(IsolatePool::new(PoolOptions {
        workers: 1,
        spares: 1,
        spare_memory: limits.memory,
        isolates_per_worker: None,
        retirement: Retirement::default(),
        meter_cpu: false,
    })?);
    let table = RoutingTable::single(spec.clone(), &pool)?;
    let metrics = Arc::new(Metrics::new());
    let dispatcher = Arc::new(Dispatcher::new(table, metrics.clone()));
    let _watcher = if args.no_watch {
        None
    } else {
        Some(isogate_gateway::dev::watch(
            spec,
            dev_env,
            pool.clone(),
            dispatcher.clone(),
        )?)
    };

    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .with_context(|| format!("invalid listen address {}:{}", args.host, args.port))?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    announce(&format!(
        "isogate dev: serving {} on http://{local}",
        handler.display()
    ));

    let listeners = vec![Listener {
        tcp: listener,
        tls: None,
    }];
    let settings = gateway::server_settings(&ServerConfig::default(), metrics);
    server::run(listeners, dispatcher, settings, pool, shutdown::signal()).await;
    tracing::info!("stopped");
    Ok(())
}

async fn serve(args: ServeArgs, log_format: LogFormat) -> anyhow::Result<()> {
    let gateway = Gateway::start(gateway::Options {
        config: args.config,
        store: args.store,
        workers: args.workers,
        spares: args.spares,
        require_ready: args.require_ready,
        watch: !args.no_watch,
        worker: Some(worker_command(log_format)?),
    })
    .await?;
    if let Some(addr) = gateway.http_addr() {
        announce(&format!("isogate serve: http on http://{addr}"));
    }
    if let Some(addr) = gateway.https_addr() {
        announce(&format!("isogate serve: https on https://{addr}"));
    }
    if let Some(addr) = gateway.admin_addr() {
        announce(&format!("isogate serve: admin on http://{addr}"));
    }
    gateway.run_until(shutdown::signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Validates a config file; prints every problem, one per line.
#[allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the verdict is the command's output"
)]
async fn check(args: CheckArgs) -> anyhow::Result<()> {
    let file = args.file.as_deref().unwrap_or(&args.config);
    let options = CheckOptions {
        load: args.load,
        missing_secrets_are_warnings: args.allow_missing_secrets,
    };
    let report = isogate_gateway::check::check(file, options).await;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for error in &report.errors {
        eprintln!("{error}");
    }
    if !report.errors.is_empty() {
        bail!("{}: {} problem(s)", file.display(), report.errors.len());
    }
    let loaded = if args.load {
        format!(", {} handler module(s) loaded", report.loaded)
    } else {
        String::new()
    };
    println!(
        "{}: ok ({} tenants, {} routes{loaded})",
        file.display(),
        report.tenants,
        report.routes
    );
    Ok(())
}

/// How the gateway starts its worker processes: this binary, `__worker`, the same log format.
fn worker_command(log_format: LogFormat) -> anyhow::Result<WorkerCommand> {
    let program = std::env::current_exe().context("locating the isogate binary")?;
    let format = match log_format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
    };
    Ok(WorkerCommand {
        program,
        args: vec!["--log-format".into(), format.into(), "__worker".into()],
    })
}

/// Tells the user (and scripts that start isogate on port 0) where it listens.
#[allow(
    clippy::print_stdout,
    reason = "the listening address is the command's output"
)]
fn announce(line: &str) {
    println!("{line}");
}
