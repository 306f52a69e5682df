//! The accept loop: `run(listener, dispatcher, shutdown)` is the seam tests and `main` drive.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::dispatch::Dispatcher;
use crate::http::serve_connection;

/// Accepts connections on `listener` and serves each on its own task until `shutdown`
/// resolves; then stops accepting and lets open connections finish.
pub async fn run(
    listener: TcpListener,
    dispatcher: Arc<Dispatcher>,
    shutdown: impl Future<Output = ()>,
) {
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, dispatcher.clone()));
                }
                Err(error) => tracing::warn!(%error, "accept failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}
