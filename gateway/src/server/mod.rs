//! The accept loops: `run(listeners, dispatcher, settings, pool, shutdown)` is the seam
//! `main` drives. Every connection takes a permit from one semaphore shared by all
//! listeners; over the cap the longest idle connection is closed to make room, and only when
//! none is idle is the new one refused (a plain-HTTP client gets a 503).
//! With isolates in worker processes, connections are served on the gateway's own runtime;
//! with isolates on threads of this process (`isolation = "thread"`, `isogate dev`), on the
//! isolate pool's worker threads, in turn, so that a request for an isolate living on the same
//! thread never crosses threads.

pub mod shutdown;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use isogate_runtime::IsolatePool;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::sync::watch;
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::dispatch::Connection;
use crate::dispatch::Dispatcher;
use crate::http::request::PeerAddress;
use crate::http::request::TlsSession;
use crate::http::serve_connection;
use crate::http::ConnectionLimits;
use crate::http::Reclaim;
use crate::metrics::Metrics;
use crate::tls;

/// How long a client over the connection cap waits for the longest idle connection to
/// close before it is refused.
const RECLAIM_WAIT: Duration = Duration::from_millis(250);

/// Sent to a plain-HTTP client when the connection cap is reached.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\
isogate-error: connection-limit\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

/// One bound socket, and the TLS acceptor when it is the HTTPS listener.
pub struct Listener {
    /// The socket.
    pub tcp: TcpListener,
    /// TLS termination, for the HTTPS listener.
    pub tls: Option<TlsAcceptor>,
}

/// Connection-level settings from `[server]`.
#[derive(Clone, Debug)]
pub struct ServerSettings {
    /// Per-connection limits.
    pub limits: ConnectionLimits,
    /// Open connections at most, across listeners.
    pub max_connections: usize,
    /// Time a client has to finish the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time connections get to finish after shutdown begins.
    pub shutdown_timeout: Duration,
    /// Where connection and TLS figures go.
    pub metrics: Arc<Metrics>,
    /// The open connections, for room at the cap.
    pub reclaim: Arc<Reclaim>,
}

/// Accepts on every listener until `shutdown` resolves; then stops accepting and lets
/// requests in flight finish for up to `settings.shutdown_timeout` before returning.
pub async fn run(
    listeners: Vec<Listener>,
    dispatcher: Arc<Dispatcher>,
    settings: ServerSettings,
    pool: Arc<IsolatePool>,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let settings = Arc::new(settings);
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut loops = JoinSet::new();
    for listener in listeners {
        loops.spawn(accept_loop(
            listener,
            dispatcher.clone(),
            settings.clone(),
            pool.clone(),
            permits.clone(),
            stopped.clone(),
        ));
    }
    shutdown.await;
    let _ = stop.send(true);
    while loops.join_next().await.is_some() {}
}

async fn accept_loop(
    listener: Listener,
    dispatcher: Arc<Dispatcher>,
    settings: Arc<ServerSettings>,
    pool: Arc<IsolatePool>,
    permits: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.tcp.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some(permit) = permit(&permits, &settings.reclaim).await else {
                        settings.metrics.connection_refused();
                        refuse(stream, listener.tls.is_none(), &mut connections);
                        continue;
                    };
                    let connection = Accepted {
                        peer,
                        acceptor: listener.tls.clone(),
                        dispatcher: dispatcher.clone(),
                        settings: settings.clone(),
                        stopped: stopped.clone(),
                        permit,
                    };
                    if !pool.hosts_isolates() {
                        // Isolates live in worker processes: connections are served on the
                        // gateway's own threads, which tenant code never runs on.
                        connections.spawn(serve(stream, connection));
                    } else if let Some(done) = hand_over(&pool, stream, connection) {
                        connections.spawn(async move {
                            let _ = done.await;
                        });
                    }
                }
                Err(error) => accept_failed(&error).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    shutdown::drain(connections, settings.shutdown_timeout).await;
}

/// A connection permit: a free one, else the one the longest idle connection gives back
/// when asked to close; `None` when no connection is idle (or none closes in time).
pub(crate) async fn permit(
    permits: &Arc<Semaphore>,
    reclaim: &Reclaim,
) -> Option<OwnedSemaphorePermit> {
    if let Ok(permit) = permits.clone().try_acquire_owned() {
        return Some(permit);
    }
    if !reclaim.close_longest_idle() {
        return None;
    }
    tokio::time::timeout(RECLAIM_WAIT, permits.clone().acquire_owned())
        .await
        .ok()?
        .ok()
}

/// Backs off after a failed `accept` (out of file descriptors and the like) instead of
/// spinning on it.
pub(crate) async fn accept_failed(error: &std::io::Error) {
    tracing::warn!(%error, "accept failed");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// An accepted connection on its way to a worker thread.
struct Accepted {
    peer: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    dispatcher: Arc<Dispatcher>,
    settings: Arc<ServerSettings>,
    stopped: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
}

/// Moves `stream` to the next worker thread and serves it there; the receiver resolves
/// when the connection is done. `None` when no worker could take it (it is closed).
fn hand_over(
    pool: &IsolatePool,
    stream: TcpStream,
    connection: Accepted,
) -> Option<oneshot::Receiver<()>> {
    // A tokio socket belongs to the runtime that registered it: cross as a std socket and
    // register again on the worker's runtime.
    let stream = match stream.into_std() {
        Ok(stream) => stream,
        Err(error) => {
            tracing::warn!(%error, "cannot hand a connection over");
            return None;
        }
    };
    let (done, finished) = oneshot::channel();
    let ran = pool.run(move || async move {
        match TcpStream::from_std(stream) {
            Ok(stream) => serve(stream, connection).await,
            Err(error) => tracing::warn!(%error, "cannot adopt a connection"),
        }
        let _ = done.send(());
    });
    match ran {
        Ok(()) => Some(finished),
        Err(error) => {
            tracing::error!(%error, "no worker to serve a connection");
            None
        }
    }
}

async fn serve(stream: TcpStream, accepted: Accepted) {
    let Accepted {
        peer,
        acceptor,
        dispatcher,
        settings,
        stopped,
        permit: _permit,
    } = accepted;
    let _ = stream.set_nodelay(true);
    let _open = OpenConnection::new(&settings.metrics);
    let Some(acceptor) = acceptor else {
        let connection = Connection {
            peer: PeerAddress::new(peer.ip()),
            tls: false,
            sni: None,
            tls_session: None,
        };
        let io = hyper_util::rt::TokioIo::new(stream);
        let (limits, reclaim) = (&settings.limits, &settings.reclaim);
        serve_connection(io, connection, dispatcher, limits, reclaim, stopped).await;
        return;
    };
    let handshake = tls::handshake(&acceptor, stream, settings.handshake_timeout).await;
    settings.metrics.tls_handshake(handshake.is_some());
    let Some(stream) = handshake else {
        return;
    };
    let session = stream.get_ref().1;
    let connection = Connection {
        peer: PeerAddress::new(peer.ip()),
        tls: true,
        sni: session.server_name().map(str::to_owned),
        tls_session: Some(TlsSession::of(session)),
    };
    let io = hyper_util::rt::TokioIo::new(stream);
    let (limits, reclaim) = (&settings.limits, &settings.reclaim);
    serve_connection(io, connection, dispatcher, limits, reclaim, stopped).await;
}

/// Counts a connection as open while it lives.
struct OpenConnection<'m>(&'m Metrics);

impl<'m> OpenConnection<'m> {
    fn new(metrics: &'m Metrics) -> Self {
        metrics.connection(true);
        Self(metrics)
    }
}

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.connection(false);
    }
}

/// Closes a connection over the cap; a plain-HTTP client is told why first.
pub(crate) fn refuse(mut stream: TcpStream, plain: bool, connections: &mut JoinSet<()>) {
    tracing::warn!("connection limit reached; refusing a connection");
    if plain {
        connections.spawn(async move {
            let write = stream.write_all(OVER_CAPACITY);
            let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
            let _ = stream.shutdown().await;
        });
    }
}
