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

/// Threads of the gateway's one worker process.
fn worker_threads(gateway: u32) -> usize {
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if after.split_whitespace().nth(1) == Some(&gateway.to_string()) {
            return std::fs::read_dir(format!("/proc/{pid}/task"))
                .unwrap()
                .count();
        }
    }
    panic!("gateway {gateway} has no worker process");
}

#[tokio::test]
async fn pages_are_rewritten_as_they_stream_and_stuck_handlers_cost_a_bounded_few_threads() {
    let origin = origin().await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/html_rewriter");
    std::fs::create_dir(dir.path().join("site")).unwrap();
    std::fs::copy(
        fixture.join("handler.js"),
        dir.path().join("site/handler.js"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("stuck")).unwrap();
    std::fs::copy(
        fixture.join("handler.js"),
        dir.path().join("stuck/handler.js"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("other")).unwrap();
    std::fs::write(
        dir.path().join("other/handler.js"),
        "export default { fetch() { return new Response('neighbour') } }",
    )
    .unwrap();
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
