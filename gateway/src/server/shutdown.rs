//! Graceful shutdown: the signal that starts it, and the drain that bounds it.

use std::time::Duration;

use tokio::task::JoinSet;

/// Resolves on SIGINT or SIGTERM.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::signal;
        use tokio::signal::unix::SignalKind;
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = ctrl_c.await;
            return;
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
    tracing::info!("shutting down: no new connections; letting requests in flight finish");
}

/// Waits for `connections` to finish for up to `deadline`, then stops waiting: the
/// connections still open end with the process.
pub async fn drain(mut connections: JoinSet<()>, deadline: Duration) {
    let all_done = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(deadline, all_done).await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown deadline passed; leaving the connections still open to close with the process"
        );
        connections.abort_all();
    }
}
