//! `console.*` from handlers goes to the gateway's log, tagged with the handler and request id.

use deno_core::op2;
use deno_core::OpState;

/// Names the handler whose isolate this is, for log lines.
pub(crate) struct HandlerLabel(pub(crate) String);

/// Writes one console line to the `isogate::handler` tracing target.
#[op2(fast)]
pub(crate) fn op_isogate_console(
    state: &mut OpState,
    #[smi] level: u8,
    #[string] request_id: &str,
    #[string] message: &str,
) {
    let handler = state
        .try_borrow::<HandlerLabel>()
        .map_or("", |label| label.0.as_str());
    let message = message.strip_suffix('\n').unwrap_or(message);
    match level {
        0 => tracing::debug!(target: "isogate::handler", handler, request_id, "{message}"),
        1 => tracing::info!(target: "isogate::handler", handler, request_id, "{message}"),
        2 => tracing::warn!(target: "isogate::handler", handler, request_id, "{message}"),
        _ => tracing::error!(target: "isogate::handler", handler, request_id, "{message}"),
    }
}
