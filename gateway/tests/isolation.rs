//! Tenant isolation end to end: a hostile tenant's worst plain JavaScript, and `kill -9` of a
//! worker process, against `isogate serve` with worker processes, while a victim tenant is
//! served throughout. Each attack gets its exact status and `isogate-error`; the gateway
//! process survives all of them and the victim never fails.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use std::time::Instant;

use common::*;
use http::StatusCode;

/// A config with the hostile tenant, the victim, tenants whose modules loop or fetch at load
/// and one whose bodies never end, each with its own code folder, on two worker processes.
fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    site_with("")
}

/// [`site`], with `hostile` lines added to the hostile tenant.
fn site_with(hostile: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let config = format!(
        r#"[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[pool]
processes = 2
spares = 1

[[tenants]]
name = "hostile"
hosts = ["hostile.test"]
limits = {{ memory_mb = 32 }}
{hostile_extra}
  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "{hostile}"

[[tenants]]
name = "victim"
hosts = ["victim.test"]
  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "{victim}"

[[tenants]]
name = "stuck"
hosts = ["stuck.test"]
  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "{stuck}"

[[tenants]]
name = "eager"
hosts = ["eager.test"]
  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "{eager}"

[[tenants]]
name = "streamer"
hosts = ["streamer.test"]
limits = {{ wall_ms = 2000, memory_mb = 32 }}
  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "{streamer}"
"#,
        hostile = fixtures.join("hostile/handler.js").display(),
        hostile_extra = hostile,
        victim = fixtures.join("victim/handler.js").display(),
        stuck = fixtures.join("loops-at-load/handler.js").display(),
        streamer = fixtures.join("streamer/handler.js").display(),
        eager = fixtures.join("fetches-at-load/handler.js").display(),
    );
    let path = dir.path().join("isogate.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// Resident memory of the gateway and its workers, in bytes.
fn tree_rss(pid: u32) -> u64 {
    std::iter::once(pid)
        .chain(workers_of(pid))
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/statm")).ok())
        .filter_map(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map(|pages| pages * 4096)
        .sum()
}

/// Waits until the gateway has `count` worker processes.
async fn await_workers(pid: u32, count: usize) -> Vec<u32> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let workers = workers_of(pid);
        if workers.len() == count || Instant::now() > deadline {
            return workers;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Requests to the victim, one after another until stopped: each status and latency.
struct Victim {
    seen: Arc<Mutex<Vec<(StatusCode, Duration)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Victim {
    fn start(addr: String) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let started = Instant::now();
                let (status, _, body) = host_get(&addr, "victim.test", "/").await;
                let status = if body == "victim ok\n" {
                    status
                } else {
                    StatusCode::IM_A_TEAPOT
                };
                record.lock().unwrap().push((status, started.elapsed()));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        Self { seen, task }
    }

    /// Stops; how many requests it made, and the 99th percentile latency. Fails unless every
    /// one of them was answered 200 by the victim's handler.
    fn finish(self) -> (usize, Duration) {
        self.task.abort();
        let seen = self.seen.lock().unwrap();
        let failed: Vec<_> = seen.iter().filter(|(s, _)| *s != StatusCode::OK).collect();
        assert!(failed.is_empty(), "the victim failed: {failed:?}");
        let mut latencies: Vec<Duration> = seen.iter().map(|(_, took)| *took).collect();
        latencies.sort_unstable();
        let p99 = latencies
            .get(latencies.len() * 99 / 100)
            .copied()
            .unwrap_or_default();
        (seen.len(), p99)
    }
}

#[tokio::test]
async fn hostile_tenant_attacks_are_stopped_without_hurting_the_gateway_or_the_victim() {
    let (_dir, config) = site();
    let mut server = DevServer::serve(&config, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let gateway = server.pid();
    assert_eq!(await_workers(gateway, 2).await.len(), 2);
    let (status, _, body) = host_get(&addr, "hostile.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "hostile\n"));
    let baseline = tree_rss(gateway);
    let victim = Victim::start(addr.clone());

    let expect = [
        (
            "/giant-array",
            StatusCode::SERVICE_UNAVAILABLE,
            "memory-limit",
        ),
        (
            "/giant-string",
            StatusCode::SERVICE_UNAVAILABLE,
            "memory-limit",
        ),
        (
            "/decoded-strings",
            StatusCode::SERVICE_UNAVAILABLE,
            "memory-limit",
        ),
        (
            "/array-buffer",
            StatusCode::SERVICE_UNAVAILABLE,
            "memory-limit",
        ),
        (
            "/compression-state",
            StatusCode::SERVICE_UNAVAILABLE,
            "memory-limit",
        ),
        (
            "/atomics-wait",
            StatusCode::INTERNAL_SERVER_ERROR,
            "handler-threw",
        ),
        (
            "/recursion",
            StatusCode::INTERNAL_SERVER_ERROR,
            "handler-threw",
        ),
        // No cpu_ms configured: the default of 1000 ms applies.
        ("/loop", StatusCode::SERVICE_UNAVAILABLE, "cpu-limit"),
        // The same for work off the isolate thread.
        ("/crypto-burn", StatusCode::SERVICE_UNAVAILABLE, "cpu-limit"),
        (
            "/crypto-huge",
            StatusCode::INTERNAL_SERVER_ERROR,
            "handler-threw",
        ),
    ];
    for (path, status, code) in expect {
        let started = Instant::now();
        let (got, headers, body) = host_get(&addr, "hostile.test", path).await;
        let error = headers
            .get("isogate-error")
            .map(|value| value.to_str().unwrap().to_owned());
        assert_eq!(
            (got, error.as_deref()),
            (status, Some(code)),
            "{path}: {body}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path} took {:?}",
            started.elapsed()
        );
        if path == "/crypto-huge" {
            let logs = server.logs_when(|logs| logs.contains("iteration counts above"));
            assert!(
                logs.contains("NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 2000000000)."),
                "{logs}"
            );
        }
        if code == "memory-limit" {
            assert!(
                body.contains("memory limit 32 MiB exceeded"),
                "{path}: {body}"
            );
        }
        // The tenant is served again at once.
        let (status, _, body) = host_get(&addr, "hostile.test", "/").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "hostile\n"),
            "after {path}"
        );
    }
    // Wasm memories are capped (at the default memory limit, 128 MiB: 2048 pages).
    let (status, _, pages) = host_get(&addr, "hostile.test", "/wasm-memory").await;
    assert_eq!(status, StatusCode::OK);
    let pages: u64 = pages.parse().unwrap();
    assert!(pages <= 2048, "a Wasm memory grew to {pages} pages");

    // A module whose top-level code never ends is stopped while loading, once.
    let (status, headers, _) = host_get(&addr, "stuck.test", "/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["isogate-error"], "module-load");
    let started = Instant::now();
    let (status, _, _) = host_get(&addr, "stuck.test", "/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the module ran again"
    );

    // A module that fetches from top-level code fails to load, saying why.
    let (status, headers, _) = host_get(&addr, "eager.test", "/").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["isogate-error"], "module-load");
    let logs = server.logs_when(|logs| logs.contains("Disallowed operation"));
    assert!(
        logs.contains("Disallowed operation called within global scope: fetch()"),
        "{logs}"
    );

    let (requests, p99) = victim.finish();
    assert!(requests > 20, "the victim made only {requests} requests");
    assert!(p99 < Duration::from_secs(2), "the victim's p99 was {p99:?}");
    assert!(server.running(), "the gateway process ended");
    assert_eq!(server.pid(), gateway);
    // Memory comes back: stopped isolates are discarded, crashed workers are replaced.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut rss = tree_rss(gateway);
    while rss > baseline + baseline / 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        rss = tree_rss(gateway);
    }
    assert!(
        rss <= baseline + baseline / 2,
        "resident memory {} MiB, from {} MiB before the attacks",
        rss >> 20,
        baseline >> 20
    );
}

#[tokio::test]
async fn worker_killed_under_load_fails_only_its_requests_and_is_restarted() {
    // On one worker: the other worker's tenants are the bystanders.
    workers_killed_under_load("max_isolates = 1").await;
}

/// The hostile tenant spread over both processes: killing both strikes it twice, so it is
/// cordoned while they restart; the requests that were waiting still get their answer (or
/// `worker-crashed`), never a failed load.
#[tokio::test]
async fn a_tenant_on_every_worker_killed_at_once_is_cordoned_without_failed_loads() {
    workers_killed_under_load("max_isolates = 2").await;
}

async fn workers_killed_under_load(hostile: &str) {
    let (_dir, config) = site_with(hostile);
    let mut server = DevServer::serve(&config, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let gateway = server.pid();
    let workers = await_workers(gateway, 2).await;
    assert_eq!(workers.len(), 2, "{}", server.logs_when(|_| true));
    for tenant in ["hostile.test", "victim.test"] {
        let (status, _, body) = host_get(&addr, tenant, "/").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{body}\n{}",
            server.logs_when(|_| true)
        );
    }
    // Keep the hostile tenant busy while its worker dies.
    let load: Vec<_> = (0..4)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..30 {
                    let (status, headers, _) = host_get(&addr, "hostile.test", "/").await;
                    let code = headers
                        .get("isogate-error")
                        .map(|value| value.to_str().unwrap().to_owned());
                    statuses.push((status, code));
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    for worker in &workers {
        let killed = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!("kill -9 {worker}"))
            .status()
            .unwrap();
        assert!(killed.success());
    }
    let killed_at = Instant::now();
    let mut answers = Vec::new();
    for task in load {
        answers.extend(task.await.unwrap());
    }
    for (status, code) in &answers {
        assert!(
            *status == StatusCode::OK
                || (*status == StatusCode::SERVICE_UNAVAILABLE
                    && code.as_deref() == Some("worker-crashed")),
            "{status} {code:?}"
        );
    }
    // Two new processes (and a third when the tenant on both was cordoned).
    let deadline = Instant::now() + Duration::from_secs(20);
    let restarted = loop {
        let now = workers_of(gateway);
        let renewed = now.len() >= 2 && now.iter().all(|pid| !workers.contains(pid));
        if renewed || Instant::now() > deadline {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let spread = hostile.contains("max_isolates = 2");
    assert!(restarted.len() == 2 || spread, "{restarted:?}");
    assert!(restarted.iter().all(|pid| !workers.contains(pid)));
    let (status, body) = poll_until(
        &format!("http://{addr}/"),
        Duration::from_secs(1),
        |_, _| true,
    )
    .await;
    let _ = (status, body);
    for tenant in ["hostile.test", "victim.test"] {
        let (status, _, _) = host_get(&addr, tenant, "/").await;
        assert_eq!(status, StatusCode::OK, "{tenant} after the restart");
    }
    assert!(killed_at.elapsed() < Duration::from_secs(30));
    assert!(server.running());
    let logs = server.logs_when(|logs| logs.contains("worker process ended"));
    assert!(
        logs.contains("was killed by SIGKILL (9)"),
        "no crash line in the log:\n{logs}"
    );
}

#[tokio::test]
async fn worker_processes_run_sandboxed() {
    let (_dir, config) = site();
    let server = DevServer::serve(&config, 2, &[]);
    let workers = await_workers(server.pid(), 2).await;
    assert_eq!(workers.len(), 2);
    for worker in workers {
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            let status =
                std::fs::read_to_string(format!("/proc/{worker}/status")).unwrap_or_else(|error| {
                    let logs = server.logs_when(|_| true);
                    panic!("worker {worker}: {error}; logs:\n{logs}")
                });
            if status.contains("Seccomp:\t2") || Instant::now() > deadline {
                break status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(status.contains("Seccomp:\t2"), "{status}");
        assert!(status.contains("NoNewPrivs:\t1"), "{status}");
    }
}

/// Sends a GET for `path` to `host` over a raw connection; returns it after the head.
async fn raw_get(addr: &str, host: &str, path: &str) -> (tokio::net::TcpStream, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the head");
        received.extend_from_slice(&buf[..n]);
    }
    (stream, received)
}

#[tokio::test]
async fn streamed_bodies_are_cut_at_the_wall_limit_and_held_back_for_a_client_that_stops_reading() {
    use tokio::io::AsyncReadExt;
    let (_dir, config) = site();
    let server = DevServer::serve(&config, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let gateway = server.pid();
    assert_eq!(await_workers(gateway, 2).await.len(), 2);
    let (status, _, body) = host_get(&addr, "streamer.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "streamer\n"));
    let baseline = tree_rss(gateway);
    let victim = Victim::start(addr.clone());

    // A body that never ends is cut at the 2 s wall limit: the chunked encoding never gets
    // its last chunk, so the client sees a truncated body, and the log says why.
    let started = Instant::now();
    let (mut stream, mut received) = raw_get(&addr, "streamer.test", "/forever").await;
    assert!(received.starts_with(b"HTTP/1.1 200"), "{received:?}");
    let read_all =
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut received)).await;
    let took = started.elapsed();
    assert!(read_all.is_ok(), "the endless body was not cut");
    let text = String::from_utf8_lossy(&received);
    assert!(text.contains("tick"), "{text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "the body ended cleanly: {text}"
    );
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(10),
        "cut after {took:?}"
    );
    let logs = server.logs_when(|logs| logs.contains("while streaming the response body"));
    assert!(
        logs.contains("wall limit exceeded while streaming the response body"),
        "{logs}"
    );

    // A 2 GiB body to a client that reads only the head: backpressure holds the producer,
    // so memory stays near where it was; the wall limit then ends it.
    let (mut stream, _) = raw_get(&addr, "streamer.test", "/flood").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let held = tree_rss(gateway);
    assert!(
        held < baseline + (64 << 20),
        "resident memory grew from {} MiB to {} MiB for one unread body",
        baseline >> 20,
        held >> 20
    );
    let mut sink = Vec::new();
    let drained =
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut sink)).await;
    assert!(drained.is_ok(), "the unread body was not cut");
    assert!(sink.len() < 256 << 20, "{} MiB arrived", sink.len() >> 20);

    let (requests, p99) = victim.finish();
    assert!(requests > 20, "the victim made only {requests} requests");
    assert!(p99 < Duration::from_secs(1), "the victim's p99 was {p99:?}");
    assert_eq!(server.pid(), gateway);
}

/// A config with a tenant that crashes its worker, one that spins into its CPU limit, and
/// the victim, on two worker processes with a 512 MiB resident memory ceiling.
fn offenders_site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let tenant = |name: &str, limits: &str| {
        format!(
            "[[tenants]]\nname = \"{name}\"\nhosts = [\"{name}.test\"]\nlimits = {{ {limits} }}\n\
             [[tenants.routes]]\npath = \"/{{*rest}}\"\nhandler = \"{}\"\n\n",
            fixtures.join(name).join("handler.js").display()
        )
    };
    let config = format!(
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n\
         [pool]\nprocesses = 2\nspares = 1\nprocess_rss_mb = 512\ncordon_parole_s = 5\n\n{}{}{}",
        tenant("crasher", "memory_mb = 0, cpu_ms = 5000"),
        tenant("spinner", "cpu_ms = 50"),
        tenant("victim", "cpu_ms = 1000"),
    );
    let path = dir.path().join("isogate.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// The scheduling policy of process `pid` (field 41 of `/proc/PID/stat`; 5 is SCHED_IDLE).
fn policy_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(38)?.parse().ok()
}

/// Asserts a `worker-crashed` answer for the crasher.
async fn crash(addr: &str) {
    let (status, headers, body) = host_get(addr, "crasher.test", "/crash").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["isogate-error"], "worker-crashed", "{body}");
}

#[tokio::test]
async fn repeat_offenders_are_cordoned_in_worker_processes_of_their_own_at_idle_priority() {
    let (_dir, config) = offenders_site();
    let server = DevServer::serve(&config, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    let gateway = server.pid();
    assert_eq!(await_workers(gateway, 2).await.len(), 2);
    for tenant in ["crasher.test", "spinner.test", "victim.test"] {
        let (status, _, body) = host_get(&addr, tenant, "/").await;
        assert_eq!(status, StatusCode::OK, "{tenant}: {body}");
    }

    // Two crashes of its worker cordon the crasher: a third process, at idle priority.
    crash(&addr).await;
    let (status, _, body) = host_get(&addr, "crasher.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "crasher\n"));
    crash(&addr).await;
    let logs = server.logs_when(|logs| logs.contains("tenant cordoned"));
    assert!(
        logs.contains("tenant cordoned") && logs.contains("crashed its worker process 2 times"),
        "{logs}"
    );
    let workers = await_workers(gateway, 3).await;
    assert_eq!(workers.len(), 3, "{workers:?}");
    // The new process lowers itself once it has its settings.
    let deadline = Instant::now() + Duration::from_secs(10);
    let (idle, regular) = loop {
        let (idle, regular): (Vec<u32>, Vec<u32>) =
            workers.iter().partition(|pid| policy_of(**pid) == Some(5));
        if !idle.is_empty() || Instant::now() > deadline {
            break (idle, regular);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let policies: Vec<_> = workers.iter().map(|pid| policy_of(*pid)).collect();
    assert_eq!(idle.len(), 1, "policies: {policies:?}");
    let (status, _, body) = host_get(&addr, "crasher.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "crasher\n"));

    // From now on its crashes end only its own process.
    let victim = Victim::start(addr.clone());
    crash(&addr).await;
    let (status, _, body) = host_get(&addr, "crasher.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "crasher\n"));
    let mut after = workers_of(gateway);
    after.retain(|pid| regular.contains(pid));
    assert_eq!(after, regular, "a regular worker process was restarted");

    // A tenant stopped by its CPU limit three times in a row is cordoned too.
    for _ in 0..3 {
        let (status, headers, body) = host_get(&addr, "spinner.test", "/spin").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(headers["isogate-error"], "cpu-limit", "{body}");
    }
    let logs = server.logs_when(|logs| logs.contains("stopped by its CPU limit 3 times"));
    assert!(logs.contains("stopped by its CPU limit 3 times"), "{logs}");
    assert_eq!(await_workers(gateway, 4).await.len(), 4);
    let (status, _, body) = host_get(&addr, "spinner.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "spinner\n"));

    let (status, body) = poll_until(
        &format!("{admin}/metrics"),
        Duration::from_secs(5),
        |_, _| true,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for tenant in ["crasher", "spinner"] {
        assert!(
            body.contains(&format!("isogate_tenant_cordoned{{tenant=\"{tenant}\"}} 1")),
            "{body}"
        );
    }
    assert!(
        !body.contains("isogate_tenant_cordoned{tenant=\"victim\"}"),
        "{body}"
    );

    let (requests, p99) = victim.finish();
    assert!(requests > 5, "the victim made only {requests} requests");
    assert!(p99 < Duration::from_secs(1), "the victim's p99 was {p99:?}");

    // Quiet for `cordon_parole_s`, both are let back among their neighbours.
    let paroled = |logs: &str| logs.matches("tenant paroled").count() >= 2;
    let mut logs = server.logs_when(paroled);
    for _ in 0..2 {
        if !paroled(&logs) {
            logs = server.logs_when(paroled);
        }
    }
    assert_eq!(logs.matches("tenant paroled").count(), 2, "{logs}");
    let (_, body) = poll_until(
        &format!("{admin}/metrics"),
        Duration::from_secs(5),
        |_, _| true,
    )
    .await;
    assert!(!body.contains("isogate_tenant_cordoned{"), "{body}");
    for tenant in ["crasher.test", "spinner.test"] {
        let (status, _, body) = host_get(&addr, tenant, "/").await;
        assert_eq!(status, StatusCode::OK, "{tenant}: {body}");
    }
}

#[tokio::test]
async fn a_tenant_that_crashes_its_worker_after_answering_is_blamed_and_cordoned() {
    let (_dir, config) = offenders_site();
    let server = DevServer::serve(&config, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let gateway = server.pid();
    assert_eq!(await_workers(gateway, 2).await.len(), 2);
    for tenant in ["crasher.test", "victim.test"] {
        let (status, _, body) = host_get(&addr, tenant, "/").await;
        assert_eq!(status, StatusCode::OK, "{tenant}: {body}");
    }

    // Each answer is a 200; the work it leaves behind ends the process with nothing in
    // flight. The end is still blamed on the crasher, twice, and it is cordoned.
    for round in 1..=2 {
        let (status, _, body) = host_get(&addr, "crasher.test", "/crash-later").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "later\n"));
        let ended = |logs: &str| logs.matches("worker process ended").count() >= round;
        let logs = server.logs_when(ended);
        assert!(ended(&logs), "{logs}");
        // Served again once its process is back.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, _, body) = host_get(&addr, "crasher.test", "/").await;
            if status == StatusCode::OK || Instant::now() > deadline {
                assert_eq!((status, body.as_str()), (StatusCode::OK, "crasher\n"));
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let logs = server.logs_when(|logs| logs.contains("tenant cordoned"));
    let ends: Vec<&str> = logs
        .lines()
        .filter(|line| line.contains("worker process ended"))
        .collect();
    assert_eq!(ends.len(), 2, "{logs}");
    for line in &ends {
        assert!(
            line.contains("running=[]") && line.contains("blamed=[\"crasher\"]"),
            "{line}"
        );
    }
    assert!(
        logs.contains("tenant cordoned") && logs.contains("crashed its worker process 2 times"),
        "{logs}"
    );
    let (status, _, body) = host_get(&addr, "victim.test", "/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
