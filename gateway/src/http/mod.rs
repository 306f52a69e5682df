//! HTTP edge: converting between hyper and the runtime's plain types, and serving
//! connections (HTTP/1.1 and HTTP/2 with prior knowledge) through one service into dispatch.

pub mod request;
pub mod response;

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto;
use tokio::net::TcpStream;

use crate::dispatch::Dispatcher;

/// Serves one accepted connection until the client closes it.
pub async fn serve_connection(stream: TcpStream, dispatcher: Arc<Dispatcher>) {
    let peer = stream.peer_addr().ok();
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let dispatcher = dispatcher.clone();
        async move { Ok::<_, Infallible>(dispatcher.handle(request).await) }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
    if let Err(error) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(?peer, %error, "connection ended with an error");
    }
}
