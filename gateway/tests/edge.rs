//! Protocol input at the edge, over raw connections: the host a request names is parsed
//! before anything routes, keys or forwards by it, and request heads are bounded by bytes,
//! not by a small count of fields.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use tokio::io::AsyncReadExt;
use tokio::io::AsyncWriteExt;

fn start() -> (DevServer, tempfile::TempDir) {
    start_with("")
}

/// Starts `isogate serve` with one tenant and `server_extra` lines in `[server]`.
fn start_with(server_extra: &str) -> (DevServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/handler.js");
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::copy(fixture, dir.path().join("acme/handler.js")).unwrap();
    let config = r#"
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"
EXTRA

[[tenants]]
name = "acme"
hosts = ["acme.test", "*.acme.test"]
env = { NAME = "acme" }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "acme/handler.js"
"#
    .replace("EXTRA", server_extra);
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    (server, dir)
}

/// Sends `head` (a whole request head) and returns the response as text.
async fn exchange(addr: &str, head: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut response))
        .await
        .expect("no answer")
        .unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn hosts_that_are_not_hosts_and_second_host_fields_get_400() {
    let (server, _dir) = start();
    let addr = server.base.trim_start_matches("http://").to_owned();
    let request = |hosts: &[&str]| {
        let mut head = "GET /x HTTP/1.1\r\nconnection: close\r\n".to_owned();
        for host in hosts {
            head.push_str(&format!("host: {host}\r\n"));
        }
        head + "\r\n"
    };

    let served = exchange(&addr, &request(&["www.acme.test"])).await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert!(
        served.contains(r#""url":"http://www.acme.test/x""#),
        "{served}"
    );

    for hosts in [
        &["x\";for=_spoof;by=\"y.acme.test"][..],
        &["a b.acme.test"],
        &["acme.test:99999"],
        &["acme.test", "acme.test"],
        &["acme.test", "other.acme.test"],
    ] {
        let refused = exchange(&addr, &request(hosts)).await;
        assert!(refused.starts_with("HTTP/1.1 400"), "{hosts:?}: {refused}");
        assert!(
            refused
                .to_ascii_lowercase()
                .contains("isogate-error: invalid-host"),
            "{hosts:?}: {refused}"
        );
    }
}

#[tokio::test]
async fn a_head_of_many_fields_under_the_byte_cap_is_served() {
    let (server, _dir) = start();
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut head = "GET /x HTTP/1.1\r\nhost: acme.test\r\nconnection: close\r\n".to_owned();
    for i in 0..150 {
        head.push_str(&format!("x-field-{i}: {i}\r\n"));
    }
    head.push_str("\r\n");
    let served = exchange(&addr, &head).await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

#[tokio::test]
async fn at_the_connection_cap_the_longest_idle_connection_makes_room() {
    let (server, _dir) = start_with("max_connections = 8");
    let addr = server.base.trim_start_matches("http://").to_owned();
    // Eight keep-alive connections, each served once and then left open.
    let mut idle = Vec::new();
    for _ in 0..8 {
        let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
        stream
            .write_all(b"GET /x HTTP/1.1\r\nhost: acme.test\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        idle.push(stream);
    }
    // A new client is served, not refused: an idle connection gave up its place.
    let served = exchange(
        &addr,
        "GET /x HTTP/1.1\r\nhost: acme.test\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    let mut closed = 0;
    for stream in &mut idle {
        let mut buf = [0u8; 16];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert!(closed >= 1, "no idle connection was closed");
}

#[tokio::test]
async fn the_admin_listener_has_the_main_listeners_protections() {
    let (server, _dir) = start_with("header_timeout_ms = 500\nmax_header_bytes = 8192");
    let admin = server.addresses[1].trim_start_matches("http://").to_owned();
    let healthy = exchange(
        &admin,
        "GET /healthz HTTP/1.1\r\nhost: admin\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(healthy.starts_with("HTTP/1.1 200"), "{healthy}");

    // A head that never ends is cut off at the header timeout.
    let mut slow = tokio::net::TcpStream::connect(&admin).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: admin\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let cut = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(cut.is_ok(), "a head that never ended was waited for");

    // A head past max_header_bytes is refused.
    let big = format!(
        "GET /healthz HTTP/1.1\r\nhost: admin\r\nx-big: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(16 * 1024)
    );
    let refused = exchange(&admin, &big).await;
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");
}

/// Asks `path` on a raw connection, waits `for_ms`, and closes the connection.
async fn ask_and_leave(addr: &str, host: &str, path: &str, for_ms: u64) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(for_ms)).await;
    drop(stream);
}

/// Polls `/report` on `host` until `field` is no longer "no"; its value.
async fn reported(addr: &str, host: &str, field: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, _, body) = host_get(addr, host, "/report").await;
        let report: serde_json::Value = serde_json::from_str(&body).unwrap();
        let value = report[field].as_str().unwrap().to_owned();
        if value != "no" || std::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_client_that_goes_away_aborts_the_signal_and_cancels_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/disconnect/handler.js");
    for mode in ["process", "thread"] {
        let folder = dir.path().join(mode);
        std::fs::create_dir_all(folder.join("app")).unwrap();
        std::fs::copy(&fixture, folder.join("app/handler.js")).unwrap();
        let config = format!(
            "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n[pool]\nisolation = \"{mode}\"\n\n\
             [[tenants]]\nname = \"app\"\nhosts = [\"app.test\"]\n[[tenants.routes]]\n\
             path = \"/{{*rest}}\"\nhandler = \"app/handler.js\"\n"
        );
        std::fs::write(folder.join("isogate.toml"), config).unwrap();
        let server = DevServer::serve(&folder.join("isogate.toml"), 2, &[]);
        let addr = server.base.trim_start_matches("http://").to_owned();

        ask_and_leave(&addr, "app.test", "/wait", 300).await;
        assert_eq!(
            reported(&addr, "app.test", "aborted").await,
            "AbortError",
            "{mode}"
        );
        ask_and_leave(&addr, "app.test", "/stream", 300).await;
        assert_eq!(
            reported(&addr, "app.test", "cancelled").await,
            "yes",
            "{mode}"
        );
    }
}
