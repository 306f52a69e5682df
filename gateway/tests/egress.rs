//! Outbound fetch from worker processes goes through the gateway: the worker opens no
//! network socket of its own, and the gateway makes each request under the fetching
//! tenant's policy, which a tenant cannot borrow from another by naming it.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use http::StatusCode;
use http_body_util::BodyExt;

/// A loopback upstream that counts its requests and echoes what it was sent, with a header
/// that tries to pass for a gateway refusal.
async fn upstream() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        counter.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let probe = request.headers().contains_key("x-probe");
                            let claimed = request.headers().contains_key("isogate-egress-tenant");
                            let method = request.method().clone();
                            let body = request.into_body().collect().await?.to_bytes();
                            let text = format!(
                                "{method} probe={probe} claimed={claimed} body={}",
                                String::from_utf8_lossy(&body)
                            );
                            let response = http::Response::builder()
                                .header("x-upstream", "yes")
                                .header("isogate-egress", "private-network")
                                .body(http_body_util::Full::new(bytes::Bytes::from(text)))
                                .unwrap();
                            Ok::<_, hyper::Error>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, served)
}

/// The inodes of the TCP and UDP sockets (IPv4 and IPv6) open on this machine.
fn network_socket_inodes() -> Vec<String> {
    let mut inodes = Vec::new();
    for table in ["tcp", "tcp6", "udp", "udp6"] {
        let Ok(text) = std::fs::read_to_string(format!("/proc/net/{table}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            if let Some(inode) = line.split_whitespace().nth(9) {
                inodes.push(inode.to_owned());
            }
        }
    }
    inodes
}

/// The socket inodes process `pid` holds.
fn sockets_of(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|entry| std::fs::read_link(entry.path()).ok())
                .filter_map(|target| {
                    let target = target.to_string_lossy().into_owned();
                    let inode = target.strip_prefix("socket:[")?.strip_suffix(']')?;
                    Some(inode.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn worker_fetches_go_through_the_gateway_under_the_tenants_own_policy() {
    let (origin, served) = upstream().await;
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/egress/handler.js");
    for tenant in ["trusted", "plain"] {
        std::fs::create_dir(dir.path().join(tenant)).unwrap();
        std::fs::copy(&fixture, dir.path().join(tenant).join("handler.js")).unwrap();
    }
    let config = r#"[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[pool]
isolation = "process"
processes = 1

[[tenants]]
name = "trusted"
hosts = ["trusted.test"]
allow_private_net = true

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "trusted/handler.js"

[[tenants]]
name = "plain"
hosts = ["plain.test"]

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "plain/handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();

    // The trusted tenant reaches its loopback upstream, a POST body included; the gateway
    // takes its tenant header off, and an upstream header posing as a refusal is dropped.
    let path = format!("/?u=http://{origin}/x");
    let (status, _, body) = host_get(&addr, "trusted.test", &path).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "200 yes GET probe=true claimed=false body=")
    );
    let path = format!("/?u=http://{origin}/x&body=hello");
    let (_, _, body) = host_get(&addr, "trusted.test", &path).await;
    assert_eq!(body, "200 yes POST probe=true claimed=false body=hello");
    assert_eq!(served.load(Ordering::SeqCst), 2);

    // The other tenant, in the same worker process, is refused, by address and by name,
    // although its request claims to be the trusted tenant's; nothing reaches the upstream.
    for target in [
        format!("http://{origin}/x"),
        format!("http://localhost:{}/x", origin.rsplit(':').next().unwrap()),
    ] {
        let (status, _, body) = host_get(&addr, "plain.test", &format!("/?u={target}")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
        assert!(
            body.starts_with("threw TypeError: ") && body.contains("refused: loopback, private"),
            "{body}"
        );
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(served.load(Ordering::SeqCst), 2);

    // The worker holds no TCP or UDP socket: its way out is the gateway's Unix socket.
    let workers = workers_of(server.pid());
    assert!(!workers.is_empty());
    let network = network_socket_inodes();
    for worker in workers {
        let sockets = sockets_of(worker);
        assert!(!sockets.is_empty(), "worker {worker} has no socket at all");
        assert!(
            sockets.iter().all(|inode| !network.contains(inode)),
            "worker {worker} holds a network socket"
        );
    }
}
