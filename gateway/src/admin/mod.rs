//! The admin listener (loopback by default): `/healthz` (the process serves) and `/readyz`
//! (every handler module of the current config has loaded). Metrics and the admin API
//! join it later.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use http::Request;
use http::Response;
use http::StatusCode;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto;
use isogate_runtime::LoadState;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::dispatch::Dispatcher;

/// Serves the admin endpoints on `listener` until the task is dropped.
pub async fn run(listener: TcpListener, dispatcher: Arc<Dispatcher>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let dispatcher = dispatcher.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| {
                        let dispatcher = dispatcher.clone();
                        async move { Ok::<_, Infallible>(answer(&request, &dispatcher)) }
                    });
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn answer(request: &Request<Incoming>, dispatcher: &Dispatcher) -> Response<Full<Bytes>> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".to_owned());
    }
    match request.uri().path() {
        "/healthz" => text(StatusCode::OK, "ok\n".to_owned()),
        "/readyz" => readiness(dispatcher),
        _ => text(StatusCode::NOT_FOUND, "not found\n".to_owned()),
    }
}

/// 200 when every handler has loaded; otherwise 503 listing those that have not.
fn readiness(dispatcher: &Dispatcher) -> Response<Full<Bytes>> {
    let mut waiting = String::new();
    for (tenant, entry, state) in dispatcher.table().load_states() {
        let state = match state {
            LoadState::Ready => continue,
            LoadState::Loading => "loading".to_owned(),
            LoadState::Failed(error) => format!("failed: {error}"),
        };
        let _ = writeln!(waiting, "{tenant} {}: {state}", entry.display());
    }
    if waiting.is_empty() {
        text(StatusCode::OK, "ready\n".to_owned())
    } else {
        text(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready\n{waiting}"),
        )
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
