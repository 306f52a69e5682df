//! Helpers shared by the runtime tests: spawn a worker on a fixture and call it.
#![allow(dead_code, reason = "each test binary uses a subset of these helpers")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerRequest;
use isogate_runtime::HandlerResponse;
use isogate_runtime::HandlerSpec;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;
use isogate_runtime::RequestId;
use isogate_runtime::ResponseBody;
use isogate_runtime::RuntimeError;
use isogate_runtime::WorkerHandle;

pub(crate) fn fixture(name: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join(file)
}

pub(crate) fn spawn(entry: PathBuf, env: &[(&str, &str)]) -> WorkerHandle {
    spawn_limited(entry, env, Limits::default())
}

/// A worker for `entry` under `limits`.
pub(crate) fn spawn_limited(entry: PathBuf, env: &[(&str, &str)], limits: Limits) -> WorkerHandle {
    spawn_spec(entry, env, limits, false)
}

/// A worker for `entry` that may import Node.js built-ins (`nodejs_compat`).
#[allow(dead_code, reason = "each test crate uses some of these helpers")]
pub(crate) fn spawn_node(entry: PathBuf) -> WorkerHandle {
    spawn_node_with(entry, &[])
}

/// A `nodejs_compat` worker for `entry` with `env`.
#[allow(dead_code, reason = "each test crate uses some of these helpers")]
pub(crate) fn spawn_node_with(entry: PathBuf, env: &[(&str, &str)]) -> WorkerHandle {
    spawn_spec(entry, env, Limits::default(), true)
}

fn spawn_spec(
    entry: PathBuf,
    env: &[(&str, &str)],
    limits: Limits,
    node_compat: bool,
) -> WorkerHandle {
    WorkerHandle::spawn(&HandlerSpec {
        label: "test".into(),
        entry,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        fetch: FetchPolicy {
            allow_private_net: true,
        },
        drain: Duration::from_secs(1),
        limits,
        log_level: LogLevel::default(),
        cache: None,
        node_compat,
    })
    .unwrap()
}

pub(crate) fn get(url: &str) -> HandlerRequest {
    HandlerRequest {
        id: RequestId("req-1".into()),
        method: "GET".into(),
        url: url.into(),
        headers: vec![(Bytes::from_static(b"accept"), Bytes::from_static(b"*/*"))],
        body: None,
        route: String::new(),
        params: Vec::new(),
        cf: String::new(),
    }
}

pub(crate) async fn body_of(response: HandlerResponse) -> Bytes {
    match response.body {
        ResponseBody::Empty => Bytes::new(),
        ResponseBody::Full(bytes) => bytes,
        ResponseBody::Stream(mut receiver) => {
            let mut all = Vec::new();
            while let Some(chunk) = receiver.recv().await {
                all.extend_from_slice(&chunk.unwrap());
            }
            Bytes::from(all)
        }
    }
}

pub(crate) async fn call(
    worker: &WorkerHandle,
    request: HandlerRequest,
) -> Result<(u16, String), RuntimeError> {
    let response = worker.dispatch(request).await?;
    let status = response.status;
    let body = body_of(response).await;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// A loopback upstream answering every request with the `traceparent` it was sent (or
/// `none`); its address.
pub(crate) async fn echo_upstream() -> std::net::SocketAddr {
    let upstream = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = upstream.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = upstream.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                use tokio::io::AsyncWriteExt;
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                    let trace = head
                        .lines()
                        .find_map(|line| line.strip_prefix("traceparent: "))
                        .unwrap_or("none")
                        .trim()
                        .to_owned();
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{trace}",
                        trace.len()
                    );
                    if socket.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    address
}

/// A file of a test folder: its path and contents.
pub(crate) type File<'a> = (&'a str, &'a [u8]);

/// Writes `files` under a new temporary folder.
pub(crate) fn folder(files: &[File<'_>]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// The JSON answer (and its text) of one GET to the module at `entry`, run under
/// `nodejs_compat`; the answer must be a 200.
pub(crate) async fn node_json(entry: PathBuf) -> (serde_json::Value, String) {
    node_json_with(entry, &[]).await
}

/// [`node_json`] with `env`.
pub(crate) async fn node_json_with(
    entry: PathBuf,
    env: &[(&str, &str)],
) -> (serde_json::Value, String) {
    let worker = spawn_node_with(entry, env);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    (serde_json::from_str(&body).unwrap(), body)
}
