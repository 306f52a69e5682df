//! Test harness: the real `isogate` binary on 127.0.0.1:0 and a hyper client talking to it.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of the harness"
)]

pub(crate) mod deploy;
pub(crate) mod tls;

use std::io::BufRead;
use std::io::BufReader;
use std::io::Read;
use std::path::Path;
use std::path::PathBuf;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use http::StatusCode;
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use http_body_util::Empty;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

pub(crate) type TestBody = BoxBody<Bytes, std::io::Error>;

/// A running `isogate`, killed on drop.
pub(crate) struct DevServer {
    child: Child,
    /// The first address announced.
    pub(crate) base: String,
    /// Every announced address (`serve`: http, https, admin, in config order).
    pub(crate) addresses: Vec<String>,
    logs: Arc<Mutex<String>>,
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("handler.ts")
        .canonicalize()
        .or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name)
                .join("handler.js")
                .canonicalize()
        })
        .expect("fixture exists")
}

impl DevServer {
    /// Starts `isogate dev HANDLER --port 0 ARGS...` and waits for its listening line.
    pub(crate) fn start(handler: &Path, args: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_isogate"));
        command
            .arg("dev")
            .arg(handler)
            .args(["--port", "0"])
            .args(args);
        Self::launch(command, 1)
    }

    /// Starts `isogate ARGS... serve --config CONFIG` and waits for `listeners` address
    /// lines.
    pub(crate) fn serve(config: &Path, listeners: usize, args: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_isogate"));
        command.args(args).arg("serve").arg("--config").arg(config);
        Self::launch(command, listeners)
    }

    /// Starts `command` (an `isogate` invocation) and waits for `listeners` address lines.
    pub(crate) fn launch(mut command: Command, listeners: usize) -> Self {
        let mut child = command
            .env("RUST_LOG", "info,isogate_gateway=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning isogate");
        let logs = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut addresses = Vec::new();
        while addresses.len() < listeners {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| {
                    panic!(
                        "isogate did not announce its address; logs:\n{}",
                        logs.lock().unwrap()
                    )
                });
            addresses.push(
                line.split_whitespace()
                    .last()
                    .expect("address in the announce line")
                    .to_owned(),
            );
        }
        Self {
            child,
            base: addresses[0].clone(),
            addresses,
            logs,
        }
    }

    /// Sends `signal` (e.g. "HUP", "TERM") to the process.
    pub(crate) fn signal(&self, signal: &str) {
        // bash's builtin `kill`: no procps needed on the machine.
        let status = Command::new("bash")
            .arg("-c")
            .arg(format!("kill -{signal} {}", self.child.id()))
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its exit status.
    pub(crate) fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The process id of the `isogate` process.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the `isogate` process is still running.
    pub(crate) fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's log so far, once `accept` holds for it (stderr is read by another thread,
    /// so a line written just before a response may arrive just after it); at most 10 s.
    pub(crate) fn logs_when(&self, accept: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs.lock().unwrap().clone();
            if accept(&logs) || std::time::Instant::now() >= deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The worker processes of gateway `pid`, in pid order.
pub(crate) fn workers_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`: the command may hold spaces, so split after it.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if after.split_whitespace().nth(1) == Some(&pid.to_string()) {
            children.push(child);
        }
    }
    children.sort_unstable();
    children
}

pub(crate) fn client() -> Client<HttpConnector, TestBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

pub(crate) fn empty() -> TestBody {
    Empty::new().map_err(|never| match never {}).boxed()
}

/// GET `url`; status, headers and the whole body as text.
pub(crate) async fn get(url: &str) -> (StatusCode, HeaderMap, String) {
    let response = client()
        .get(url.parse().unwrap())
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"));
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Polls `url` until `accept` holds for the response, for at most `limit`.
pub(crate) async fn poll_until(
    url: &str,
    limit: Duration,
    accept: impl Fn(StatusCode, &str) -> bool,
) -> (StatusCode, String) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let (status, _, body) = get(url).await;
        if accept(status, &body) || tokio::time::Instant::now() >= deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends `method path` with `Host: host` to the plain listener at `addr`; status, headers
/// and the whole body as text.
pub(crate) async fn host_request(
    addr: &str,
    method: &str,
    host: &str,
    path: &str,
    body: TestBody,
) -> (StatusCode, HeaderMap, String) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .header("host", host)
        .body(body)
        .unwrap();
    let response = client().request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// `GET path` with `Host: host` to the plain listener at `addr`.
pub(crate) async fn host_get(
    addr: &str,
    host: &str,
    path: &str,
) -> (StatusCode, HeaderMap, String) {
    host_request(addr, "GET", host, path, empty()).await
}

/// Runs Prometheus' `promtool check metrics` (Debian's `prometheus` package, which
/// `.ci/run` and `make test` install) over a scrape: the exposition format, and its lints
/// (counters named `_total`, help on every metric, no reserved names).
pub(crate) fn promtool_check_metrics(text: &str) {
    use std::io::Write;
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("promtool ({error}): install Debian's `prometheus` package, as make test does")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics:\n{}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
