//! The `isogate` binary: parse the command line, set up logging, run until a signal.

use std::collections::BTreeMap;
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
use isogate_gateway::dispatch::Dispatcher;
use isogate_gateway::dispatch::HandlerSlot;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerSpec;
use isogate_runtime::WorkerHandle;
use tokio::net::TcpListener;

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
}

#[derive(Debug, clap::Args)]
struct DevArgs {
    /// The handler module (.js, .mjs, .ts, .mts) exporting `default { fetch }`.
    handler: PathBuf,
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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    match cli.command {
        Command::Dev(args) => runtime.block_on(dev(args)),
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn dev(args: DevArgs) -> anyhow::Result<()> {
    if !args.handler.is_file() {
        bail!("handler module {} does not exist", args.handler.display());
    }
    let mut env = BTreeMap::new();
    if let Some(file) = &args.env_file {
        env.extend(read_env_file(file)?);
    }
    for pair in &args.env {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--env {pair:?}: expected KEY=VALUE"))?;
        env.insert(key.to_owned(), value.to_owned());
    }
    let spec = HandlerSpec {
        label: args.handler.file_name().map_or_else(
            || "handler".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        ),
        entry: args.handler.clone(),
        env,
        fetch: FetchPolicy {
            allow_private_net: args.allow_private_net,
        },
        drain: Duration::from_secs(30),
    };
    let slot = HandlerSlot::new(WorkerHandle::spawn(spec.clone())?);
    let _watcher = if args.no_watch {
        None
    } else {
        Some(isogate_gateway::dev::watch(spec, slot.clone())?)
    };

    let addr: SocketAddr = format!("{}:{}", args.host, args.port)
        .parse()
        .with_context(|| format!("invalid listen address {}:{}", args.host, args.port))?;
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    announce(&args.handler, local);

    let dispatcher = Arc::new(Dispatcher::new(slot, true));
    isogate_gateway::server::run(listener, dispatcher, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Tells the user (and scripts that start isogate on port 0) where it listens.
#[allow(
    clippy::print_stdout,
    reason = "the listening address is the command's output"
)]
fn announce(handler: &Path, addr: SocketAddr) {
    println!(
        "isogate dev: serving {} on http://{addr}",
        handler.display()
    );
}

/// Parses a `KEY=VALUE` file; errors name the file and line.
fn read_env_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut env = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            bail!(
                "{}:{}: expected KEY=VALUE, found {line:?}",
                path.display(),
                number + 1
            );
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!(
                "{}:{}: invalid variable name {key:?}",
                path.display(),
                number + 1
            );
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        env.insert(key.to_owned(), value.to_owned());
    }
    Ok(env)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}
