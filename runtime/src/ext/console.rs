//! `console.*` from handlers goes to the gateway's log, tagged with the tenant and request id,
//! at or above the tenant's log level. In a worker process the lines go to the gateway over
//! the link ([`send_lines_to`]), which writes them; the worker's own stderr carries only the
//! worker's own diagnostics.

use std::sync::OnceLock;

use deno_core::op2;
use deno_core::OpState;

/// Where the console lines of this process's isolates go instead of its own log.
pub(crate) trait ConsoleSink: Send + Sync {
    /// One line of `tenant` at `level` (0 debug … 3 error), for `request_id`.
    fn line(&self, level: u8, tenant: &str, request_id: &str, message: &str);
}

static SINK: OnceLock<Box<dyn ConsoleSink>> = OnceLock::new();

/// Sends every console line of this process's isolates to `sink` from now on (a worker
/// process, before its first isolate).
pub(crate) fn send_lines_to(sink: Box<dyn ConsoleSink>) {
    let _ = SINK.set(sink);
}

/// Writes one console line of `tenant` to the `isogate::handler` tracing target.
pub(crate) fn write_line(level: u8, tenant: &str, request_id: &str, message: &str) {
    match level {
        0 => tracing::debug!(target: "isogate::handler", tenant, request_id, "{message}"),
        1 => tracing::info!(target: "isogate::handler", tenant, request_id, "{message}"),
        2 => tracing::warn!(target: "isogate::handler", tenant, request_id, "{message}"),
        _ => tracing::error!(target: "isogate::handler", tenant, request_id, "{message}"),
    }
}

/// Names the handler whose isolate this is (its tenant), for log lines.
pub(crate) struct HandlerLabel(pub(crate) String);

/// The handler's `env`, as JSON, for the serve loop to hand to the handler.
pub(crate) struct HandlerEnv(pub(crate) String);

/// The handler's `env` as JSON (`{}` before one is given).
#[op2]
#[string]
pub(crate) fn op_isogate_env(state: &mut OpState) -> String {
    state
        .try_borrow::<HandlerEnv>()
        .map_or_else(|| "{}".to_owned(), |env| env.0.clone())
}

/// The least severe `console` level of a handler that reaches the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Everything, `console.debug` included.
    #[default]
    Debug,
    /// `console.log` / `console.info` and up.
    Info,
    /// `console.warn` and `console.error`.
    Warn,
    /// `console.error` only.
    Error,
    /// Nothing.
    Off,
}

impl LogLevel {
    fn admits(self, level: u8) -> bool {
        let least = match self {
            Self::Debug => 0,
            Self::Info => 1,
            Self::Warn => 2,
            Self::Error => 3,
            Self::Off => return false,
        };
        level >= least
    }
}

/// Writes one console line (to the log, or where [`send_lines_to`] said).
#[op2(fast)]
pub(crate) fn op_isogate_console(
    state: &mut OpState,
    #[smi] level: u8,
    #[string] request_id: &str,
    #[string] message: &str,
) {
    if !state
        .try_borrow::<LogLevel>()
        .is_none_or(|least| least.admits(level))
    {
        return;
    }
    let tenant = state
        .try_borrow::<HandlerLabel>()
        .map_or("", |label| label.0.as_str());
    let message = message.strip_suffix('\n').unwrap_or(message);
    match SINK.get() {
        Some(sink) => sink.line(level, tenant, request_id, message),
        None => write_line(level, tenant, request_id, message),
    }
}
