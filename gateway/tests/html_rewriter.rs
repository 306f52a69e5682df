//! `HTMLRewriter` in a sandboxed worker process: a page streamed from an origin is rewritten
//! on its way through, and handlers that never answer cost their tenant a bounded number of
//! rewriter threads, which the wall limit gives back.

mod common;

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::StatusCode;
use http_body_util::BodyExt;

/// Links on the origin's page.
const LINKS: usize = 2000;

/// A loopback origin serving one large HTML page in chunks of 50 links.
async fn origin() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_request| async {
                    let mut chunks: Vec<Result<hyper::body::Frame<Bytes>, std::io::Error>> =
                        vec![Ok(hyper::body::Frame::data(Bytes::from_static(
                            b"<!DOCTYPE html><html><head><title>t</title></head><body>",
                        )))];
                    for group in 0..LINKS / 50 {
                        let links: String = (group * 50..(group + 1) * 50)
                            .map(|i| {
                                format!("<p><a href=\"http://origin/page/{i}\">page {i}</a></p>")
                            })
                            .collect();
                        chunks.push(Ok(hyper::body::Frame::data(Bytes::from(links))));
                    }
                    chunks.push(Ok(hyper::body::Frame::data(Bytes::from_static(
                        b"</body></html>",
                    ))));
                    let body = http_body_util::StreamBody::new(futures::stream::iter(chunks));
                    let response = http::Response::builder()
                        .header("content-type", "text/html; charset=utf-8")
                        .body(body)
                        .unwrap();
                    Ok::<_, hyper::Error>(response)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A folder with the handler of fixture `fixture` in a folder of its own for each of
/// `tenants`, and a neighbour's plain handler in `other/`.
fn tenant_folders(fixture: &str, tenants: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let handler = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture)
        .join("handler.js");
    for tenant in tenants {
        std::fs::create_dir(dir.path().join(tenant)).unwrap();
        std::fs::copy(&handler, dir.path().join(tenant).join("handler.js")).unwrap();
    }
    std::fs::create_dir(dir.path().join("other")).unwrap();
    std::fs::write(
        dir.path().join("other/handler.js"),
        "export default { fetch() { return new Response('neighbour') } }",
    )
    .unwrap();
    dir
}

/// The process id of the gateway's one worker process.
fn worker(gateway: u32) -> u32 {
    workers_of(gateway)
        .first()
        .copied()
        .unwrap_or_else(|| panic!("gateway {gateway} has no worker process"))
}

/// Threads of the gateway's one worker process.
fn worker_threads(gateway: u32) -> usize {
    std::fs::read_dir(format!("/proc/{}/task", worker(gateway)))
        .unwrap()
        .count()
}

/// CPU time the gateway's one worker process has used, user and system.
fn worker_cpu(gateway: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", worker(gateway))).unwrap();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // /proc counts in USER_HZ, 100 a second on Linux.
    Duration::from_millis(ticks * 10)
}

#[tokio::test]
async fn pages_are_rewritten_as_they_stream_and_stuck_handlers_cost_a_bounded_few_threads() {
    let origin = origin().await;
    let dir = tenant_folders("html_rewriter", &["site", "stuck"]);
    let config = r#"[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[pool]
isolation = "process"
processes = 1

[[tenants]]
name = "site"
hosts = ["site.test"]
allow_private_net = true

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "site/handler.js"

[[tenants]]
name = "stuck"
hosts = ["stuck.test"]
limits = { wall_ms = 400 }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "stuck/handler.js"

[[tenants]]
name = "other"
hosts = ["other.test"]

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "other/handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 1, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();

    // The origin's page, rewritten link by link, with the count added before `</body>`.
    let started = std::time::Instant::now();
    let request = http::Request::builder()
        .uri(format!("http://{addr}/proxy?u=http://{origin}/"))
        .header("host", "site.test")
        .body(empty())
        .unwrap();
    let response = client().request(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = match response.into_body().collect().await {
        Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
        Err(error) => panic!(
            "{error} after {:?}; logs:\n{}",
            started.elapsed(),
            server.logs_when(|_| true)
        ),
    };
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(body.matches("<a href=\"/page/").count(), LINKS);
    assert!(!body.contains("http://origin/"));
    assert!(
        body.ends_with(&format!("<footer>{LINKS} links</footer></body></html>")),
        "{}",
        &body[body.len().saturating_sub(200)..]
    );

    // Handlers that never answer: each request is cut at the wall limit; while they wait,
    // the tenant holds at most 16 rewriter threads, and they end with their requests, after
    // which the tenant rewrites again.
    let idle = worker_threads(server.pid());
    let stuck: Vec<_> = (0..40)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let request = http::Request::builder()
                    .uri(format!("http://{addr}/stuck"))
                    .header("host", "stuck.test")
                    .body(empty())
                    .unwrap();
                let response = client().request(request).await.unwrap();
                let status = response.status();
                let body = response.into_body().collect().await;
                (status, body.map(|b| b.to_bytes().len()).unwrap_or(0))
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let busy = worker_threads(server.pid());
    assert!(
        busy <= idle + 16,
        "{busy} threads with 40 stuck transforms, {idle} idle"
    );
    let (status, _, body) = host_get(&addr, "other.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "neighbour"));
    for request in stuck {
        let (status, sent) = request.await.unwrap();
        assert_eq!((status, sent), (StatusCode::OK, 0));
    }
    let logs = server.logs_when(|logs| logs.matches("wall limit exceeded").count() >= 40);
    assert!(logs.contains("limit_ms=400"), "{logs}");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while worker_threads(server.pid()) > idle && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        worker_threads(server.pid()) <= idle,
        "rewriter threads outlived their requests"
    );
    let (status, _, body) = host_get(&addr, "stuck.test", "/").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "<p>rewritten</p>")
    );
}

/// A tenant's CPU time so far, as `/admin/usage` reports it.
async fn usage_cpu(admin: &str, tenant: &str) -> Duration {
    let (status, _, body) = get(&format!("{admin}/admin/usage?tenant={tenant}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let usage: serde_json::Value = serde_json::from_str(&body).unwrap();
    Duration::from_secs_f64(usage["cpu_ms"].as_f64().unwrap() / 1000.0)
}

#[tokio::test]
async fn rewriting_is_charged_to_its_tenant_and_held_to_its_cpu_limit() {
    let dir = tenant_folders("html_burner", &["burner", "greedy"]);
    let tenant = |name: &str, limits: &str| {
        format!(
            "[[tenants]]\nname = \"{name}\"\nhosts = [\"{name}.test\"]\nlimits = {{ {limits} }}\n\n  \
             [[tenants.routes]]\n  path = \"/{{*rest}}\"\n  handler = \"{name}/handler.js\"\n\n"
        )
    };
    let config = format!(
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n[pool]\nisolation = \"process\"\nprocesses = 1\n\n{}{}{}",
        tenant("burner", "cpu_ms = 60000, wall_ms = 60000, memory_mb = 256"),
        tenant("greedy", "cpu_ms = 150, wall_ms = 60000, memory_mb = 256"),
        tenant("other", "cpu_ms = 1000"),
    );
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();

    // The rewriter threads' CPU time is the tenant's: nearly all the worker used while the
    // documents were rewritten shows in the tenant's usage, though its JS only waited.
    let (status, _, body) = host_get(&addr, "burner.test", "/warm?kib=1").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let worker_before = worker_cpu(server.pid());
    let usage_before = usage_cpu(&admin, "burner").await;
    let (status, _, body) = host_get(&addr, "burner.test", "/burn?kib=1024&n=4").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let lengths = answer["lengths"].as_array().unwrap();
    assert_eq!(lengths.len(), 4);
    assert!(
        lengths
            .iter()
            .all(|length| length.as_u64().unwrap() > 1 << 20),
        "{body}"
    );
    let worker_used = worker_cpu(server.pid()) - worker_before;
    let charged = usage_cpu(&admin, "burner").await - usage_before;
    assert!(
        worker_used >= Duration::from_millis(200),
        "the rewrite was too light to tell: the worker used {worker_used:?}"
    );
    assert!(
        charged.as_secs_f64() >= 0.6 * worker_used.as_secs_f64(),
        "the worker used {worker_used:?} and the tenant was charged {charged:?}"
    );

    // The same work under a small CPU limit is stopped by it, and the neighbour is served.
    let (status, headers, body) = host_get(&addr, "greedy.test", "/burn?kib=1024&n=4").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["isogate-error"], "cpu-limit", "{body}");
    let stopped = |logs: &str| {
        logs.lines()
            .find(|line| line.contains("greedy") && line.contains("limit=\"cpu-limit\""))
            .map(str::to_owned)
    };
    let logs = server.logs_when(|logs| stopped(logs).is_some());
    let line = stopped(&logs).unwrap_or_else(|| panic!("no cpu-limit line for greedy: {logs}"));
    assert!(line.contains("limit_value=150"), "{line}");
    let (status, _, body) = host_get(&addr, "other.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "neighbour"));
}
