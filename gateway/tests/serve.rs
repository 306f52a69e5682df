//! `isogate serve` end to end: the built binary with a temp config on 127.0.0.1:0, an rcgen
//! CA and tenant certificates, a rustls client, real isolates.

mod common;

use std::io::Read;
use std::io::Write;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use common::tls::https;
use common::tls::TestCa;
use common::*;
use http::Request;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;

/// A temp folder with two tenants' certificates, the fixture handler and a config.
struct Site {
    dir: tempfile::TempDir,
    ca: TestCa,
    acme_cert: rustls::pki_types::CertificateDer<'static>,
    beta_cert: rustls::pki_types::CertificateDer<'static>,
}

impl Site {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new();
        let certs = dir.path().join("certs");
        std::fs::create_dir(&certs).unwrap();
        let (_, _, acme_cert) = ca.leaf(&certs, "acme", &["acme.test", "*.acme.test"]);
        let (_, _, beta_cert) = ca.leaf(&certs, "beta", &["beta.test"]);
        // Each tenant's code in a folder of its own, as `isogate check` requires.
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/handler.js");
        for tenant in ["acme", "beta"] {
            let folder = dir.path().join(tenant);
            std::fs::create_dir(&folder).unwrap();
            std::fs::copy(&fixture, folder.join("handler.js")).unwrap();
        }
        Self {
            dir,
            ca,
            acme_cert,
            beta_cert,
        }
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("isogate.toml")
    }

    /// Writes the config with `server_extra` lines in `[server]` and `beta_extra` routes.
    fn write_config(&self, server_extra: &str, beta_version: &str) {
        let config = format!(
            r#"[server]
http = "127.0.0.1:0"
https = "127.0.0.1:0"
admin = "127.0.0.1:0"
{server_extra}

[[tenants]]
name = "acme"
hosts = ["acme.test", "*.acme.test"]
env = {{ NAME = "acme" }}
tls = {{ cert = "certs/acme.pem", key = "certs/acme.key" }}
limits = {{ body_mb = 1 }}
log_level = "warn"

  [[tenants.routes]]
  path = "/api/users/{{id}}"
  methods = ["GET", "POST"]
  handler = "acme/handler.js"

  [[tenants.routes]]
  path = "/upload"
  methods = ["POST"]
  handler = "acme/handler.js"

  [[tenants.routes]]
  path = "/stream"
  handler = "acme/handler.js"

  [[tenants.routes]]
  path = "/log"
  handler = "acme/handler.js"

[[tenants]]
name = "beta"
hosts = ["beta.test", "api.acme.test"]
env = {{ NAME = "beta", VERSION = "{beta_version}" }}
tls = {{ cert = "certs/beta.pem", key = "certs/beta.key" }}

  [[tenants.routes]]
  path = "/{{*rest}}"
  handler = "beta/handler.js"
"#
        );
        std::fs::write(self.config_path(), config).unwrap();
    }

    fn start(&self) -> DevServer {
        DevServer::serve(&self.config_path(), 3, &[])
    }
}

fn addr(url: &str) -> String {
    url.split("://").nth(1).unwrap().to_owned()
}

/// A request for `host` + `path`: absolute URI for h2, `Host` header for h1.
fn request(method: &str, host: &str, path: &str, h2: bool, body: TestBody) -> Request<TestBody> {
    let builder = Request::builder().method(method);
    let builder = if h2 {
        builder.uri(format!("https://{host}{path}"))
    } else {
        builder.uri(path).header("host", host)
    };
    builder.body(body).unwrap()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"))
}

#[tokio::test]
async fn tls_sni_selects_tenant_certificate_over_h1_and_h2() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let tls = addr(&server.addresses[1]);

    for h2 in [true, false] {
        let acme = https(
            &site.ca.root,
            &tls,
            "www.acme.test",
            h2,
            request("GET", "www.acme.test", "/api/users/42?x=1", h2, empty()),
        )
        .await
        .unwrap();
        assert_eq!(acme.status, StatusCode::OK, "{}", acme.body);
        assert_eq!(acme.peer_cert, site.acme_cert);
        let expected_alpn: &[u8] = if h2 { b"h2" } else { b"http/1.1" };
        assert_eq!(acme.alpn.as_deref(), Some(expected_alpn));
        let expected_version = if h2 {
            http::Version::HTTP_2
        } else {
            http::Version::HTTP_11
        };
        assert_eq!(acme.version, expected_version);
        let body = json(&acme.body);
        assert_eq!(body["tenant"], "acme");
        assert_eq!(body["route"], "/api/users/{id}");
        assert_eq!(body["params"]["id"], "42");
        assert_eq!(body["url"], "https://www.acme.test/api/users/42?x=1");
        assert_eq!(body["proto"], "https");
        assert_eq!(body["xff"], "127.0.0.1");
    }

    let beta = https(
        &site.ca.root,
        &tls,
        "beta.test",
        true,
        request("GET", "beta.test", "/anything/here", true, empty()),
    )
    .await
    .unwrap();
    assert_eq!(beta.peer_cert, site.beta_cert);
    let body = json(&beta.body);
    assert_eq!(body["tenant"], "beta");
    assert_eq!(body["route"], "/{*rest}");
    assert_eq!(body["params"]["rest"], "anything/here");

    // A Host header naming another tenant than the handshake did is misdirected.
    let crossed = https(
        &site.ca.root,
        &tls,
        "acme.test",
        false,
        request("GET", "beta.test", "/", false, empty()),
    )
    .await
    .unwrap();
    assert_eq!(crossed.status, StatusCode::MISDIRECTED_REQUEST);
    assert_eq!(crossed.headers["isogate-error"], "misdirected");
}

#[tokio::test]
async fn routing_exact_host_beats_wildcard_and_h2c_works_on_plain_port() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);

    // Exact `api.acme.test` belongs to beta although `*.acme.test` is acme's.
    let (status, _, body) = get(&format!("http://{plain}/x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let response = host_get(&plain, "api.acme.test", "/v1").await;
    assert_eq!(json(&response.2)["tenant"], "beta");
    let response = host_get(&plain, "shop.acme.test", "/api/users/7").await;
    assert_eq!(json(&response.2)["tenant"], "acme");
    assert_eq!(
        json(&response.2)["url"],
        "http://shop.acme.test/api/users/7"
    );

    // h2c with prior knowledge.
    let stream = tokio::net::TcpStream::connect(&plain).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let response = sender
        .send_request(Request::get("http://beta.test/h2c").body(empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(json(&String::from_utf8_lossy(&bytes))["tenant"], "beta");
}

fn full(bytes: Vec<u8>) -> TestBody {
    Full::new(Bytes::from(bytes))
        .map_err(|never| match never {})
        .boxed()
}

#[tokio::test]
async fn routing_answers_404_405_and_413_with_reasons() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);

    let (status, headers, body) = host_get(&plain, "nobody.test", "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["isogate-error"], "unknown-host");
    assert!(body.contains("no tenant serves host nobody.test"), "{body}");

    let (status, headers, _) = host_get(&plain, "acme.test", "/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["isogate-error"], "no-route");

    let (status, headers, _) =
        host_request(&plain, "DELETE", "acme.test", "/api/users/1", empty()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "GET, HEAD, POST");

    let (status, _, body) =
        host_request(&plain, "POST", "acme.test", "/upload", full(vec![7; 1000])).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1000"));

    let (status, headers, _) = host_request(
        &plain,
        "POST",
        "acme.test",
        "/upload",
        full(vec![7; 2 * 1024 * 1024]),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers["isogate-error"], "body-too-large");

    // Chunked (no Content-Length): cut off while streaming, still a 413.
    let chunks = futures::stream::iter((0..40).map(|_| {
        Ok::<_, std::io::Error>(hyper::body::Frame::data(Bytes::from(vec![1u8; 64 * 1024])))
    }));
    let body = http_body_util::StreamBody::new(chunks).boxed();
    let (status, _, _) = host_request(&plain, "POST", "acme.test", "/upload", body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn slow_header_client_is_cut_off_while_others_are_served() {
    let site = Site::new();
    site.write_config("header_timeout_ms = 400", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);

    let mut slow = std::net::TcpStream::connect(&plain).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: acme.test\r\nX-Slow: ")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();

    for _ in 0..5 {
        let (status, _, _) = host_get(&plain, "acme.test", "/api/users/1").await;
        assert_eq!(status, StatusCode::OK);
    }
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(3),
        "slow client held for {waited:?}"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("200 OK"), "{text}");
}

#[tokio::test]
async fn admin_reports_health_and_readiness() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let admin = &server.addresses[2];
    let (status, _, body) = get(&format!("{admin}/healthz")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, body) = poll_until(
        &format!("{admin}/readyz"),
        Duration::from_secs(20),
        |status, _| status == StatusCode::OK,
    )
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ready\n"));
}

#[test]
fn check_reports_every_config_error_with_file_and_line() {
    let site = Site::new();
    site.write_config("colour = \"red\"\nmax_connections = \"many\"", "1");
    let config = std::fs::read_to_string(site.config_path())
        .unwrap()
        .replace("hosts = [\"beta.test\", ", "hosts = [\"acme.test\", ");
    std::fs::write(site.config_path(), config).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["check", "--config"])
        .arg(site.config_path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let file = site.config_path().display().to_string();
    // The first `[server]` problem hides the second (serde stops inside one table), but
    // problems in other parts are all reported.
    assert!(
        stderr.contains(&format!(
            "{file}:5:1: server.colour: unknown field `colour`"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("tenants[1].hosts[0]: duplicate host \"acme.test\""),
        "{stderr}"
    );

    // A tenant whose code shares another's folder, and a memory limit V8 cannot start in.
    site.write_config("", "1");
    let config = std::fs::read_to_string(site.config_path())
        .unwrap()
        .replace("beta/handler.js", "acme/handler.js")
        .replace("body_mb = 1", "body_mb = 1, memory_mb = 4");
    std::fs::write(site.config_path(), config).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["check", "--config"])
        .arg(site.config_path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let acme = site.dir.path().canonicalize().unwrap().join("acme");
    assert!(
        stderr.contains(&format!(
            "tenants[1].routes[0].handler: handler folder {0} overlaps tenant \"acme\"'s \
             code folder {0}",
            acme.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("tenants[0].limits.memory_mb") && stderr.contains("below 10"),
        "{stderr}"
    );

    site.write_config("", "1");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["check", "--config"])
        .arg(site.config_path())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok (2 tenants, 5 routes)"));
}

#[tokio::test]
async fn reload_swaps_routes_without_failing_requests() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    let (_, _, body) = host_get(&plain, "beta.test", "/").await;
    assert_eq!(json(&body)["version"], "1");

    // Light load through the reload: every request must succeed.
    let load = {
        let plain = plain.clone();
        tokio::spawn(async move {
            let mut versions = Vec::new();
            for _ in 0..300 {
                let (status, _, body) = host_get(&plain, "beta.test", "/").await;
                assert_eq!(status, StatusCode::OK, "{body}");
                versions.push(json(&body)["version"].as_str().unwrap().to_owned());
                if versions.last().map(String::as_str) == Some("2") && versions.len() > 20 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            versions
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    site.write_config("", "2");
    server.signal("HUP");
    let versions = load.await.unwrap();
    assert_eq!(versions.first().map(String::as_str), Some("1"));
    assert_eq!(
        versions.last().map(String::as_str),
        Some("2"),
        "{versions:?}"
    );

    // An invalid config is rejected and the old one keeps serving.
    std::fs::write(site.config_path(), "[server\n").unwrap();
    server.signal("HUP");
    let logs = server.logs_when(|logs| logs.contains("reload rejected"));
    assert!(logs.contains("reload rejected"), "{logs}");
    let (status, _, body) = host_get(&plain, "beta.test", "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["version"], "2");
}

#[tokio::test]
async fn graceful_shutdown_lets_streaming_response_finish() {
    let site = Site::new();
    site.write_config("", "1");
    let mut server = site.start();
    let plain = addr(&server.addresses[0]);
    let request = Request::builder()
        .uri(format!("http://{plain}/stream"))
        .header("host", "acme.test")
        .body(empty())
        .unwrap();
    let response = client().request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    server.signal("TERM");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(text.lines().count(), 10, "{text}");
    assert!(text.ends_with("chunk 9\n"), "{text}");
    let status = server.wait_exit(Duration::from_secs(10));
    assert!(status.is_some_and(|status| status.success()), "{status:?}");
    // New connections are refused once it has stopped.
    assert!(std::net::TcpStream::connect(&plain).is_err());
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_with_503_when_none_is_idle() {
    let site = Site::new();
    site.write_config("max_connections = 2", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    // Two connections busy with a streamed answer (a second long): neither is idle, so
    // neither can make room.
    let held: Vec<std::net::TcpStream> = (0..2)
        .map(|_| {
            let mut stream = std::net::TcpStream::connect(&plain).unwrap();
            stream
                .write_all(b"GET /stream HTTP/1.1\r\nhost: acme.test\r\n\r\n")
                .unwrap();
            stream
        })
        .collect();
    // Let the gateway accept both before the third arrives.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut over = std::net::TcpStream::connect(&plain).unwrap();
    over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = over.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(
        answer.contains("isogate-error: connection-limit"),
        "{answer:?}"
    );
    drop(held);
    let (status, _, _) =
        poll_host_until_ok(&plain, "acme.test", "/api/users/1", Duration::from_secs(5)).await;
    assert_eq!(status, StatusCode::OK);
}

async fn poll_host_until_ok(
    addr: &str,
    host: &str,
    path: &str,
    limit: Duration,
) -> (StatusCode, http::HeaderMap, String) {
    let deadline = Instant::now() + limit;
    loop {
        let request = Request::builder()
            .uri(format!("http://{addr}{path}"))
            .header("host", host)
            .body(empty())
            .unwrap();
        if let Ok(response) = client().request(request).await {
            let (parts, body) = response.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes();
            if parts.status == StatusCode::OK || Instant::now() >= deadline {
                return (
                    parts.status,
                    parts.headers,
                    String::from_utf8_lossy(&bytes).into_owned(),
                );
            }
        }
        assert!(Instant::now() < deadline, "no 200 within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn connection_closes_after_max_requests() {
    let site = Site::new();
    site.write_config("max_requests_per_connection = 3", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    let mut stream = std::net::TcpStream::connect(&plain).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let one = "GET /api/users/1 HTTP/1.1\r\nHost: acme.test\r\n\r\n";
    stream.write_all(one.repeat(5).as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 3, "{answer}");
}

#[tokio::test]
async fn unknown_sni_is_refused_when_configured() {
    let site = Site::new();
    site.write_config("unknown_sni = \"reject\"", "1");
    let server = site.start();
    let tls = addr(&server.addresses[1]);
    let refused = common::tls::connect(&site.ca.root, &tls, "other.test", &[b"h2"]).await;
    assert!(refused.is_err());
    let accepted = common::tls::connect(&site.ca.root, &tls, "beta.test", &[b"h2"]).await;
    assert!(accepted.is_ok());
}

#[tokio::test]
async fn access_log_is_json_with_tenant_route_status_and_bytes() {
    let site = Site::new();
    site.write_config("", "1");
    let server = DevServer::serve(&site.config_path(), 3, &["--log-format", "json"]);
    let plain = addr(&server.addresses[0]);
    let (status, _, body) = host_get(&plain, "acme.test", "/api/users/9?view=full").await;
    assert_eq!(status, StatusCode::OK);
    let logs = server.logs_when(|logs| logs.contains("isogate::access"));
    let line = logs
        .lines()
        .find(|line| line.contains("isogate::access"))
        .unwrap_or_else(|| panic!("no access line in {logs}"));
    let entry = json(line);
    let fields = &entry["fields"];
    assert_eq!(fields["tenant"], "acme");
    assert_eq!(fields["route"], "/api/users/{id}");
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["path"], "/api/users/9");
    assert_eq!(fields["status"], 200);
    assert_eq!(fields["bytes"], body.len());
    assert!(fields["request_id"].is_string());
    assert!(fields["duration_ms"].is_number());
    assert_eq!(fields["host"], "acme.test");
    assert_eq!(fields["client"], "127.0.0.1");
    assert_eq!(fields["query"], "view=full");
    assert!(
        fields["cache"].is_string() && fields["user_agent"].is_string(),
        "{fields}"
    );

    // A host no tenant serves is logged with the host it named.
    let (status, _, _) = host_get(&plain, "nobody.test", "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The refusal's own debug line names the host too, and is written first.
    let access = |line: &&str| line.contains("isogate::access") && line.contains("nobody.test");
    let logs = server.logs_when(|logs| logs.lines().any(|line| access(&line)));
    let line = logs
        .lines()
        .find(access)
        .unwrap_or_else(|| panic!("no access line for the unknown host in {logs}"));
    assert_eq!(json(line)["fields"]["status"], 404);
}

#[tokio::test]
async fn reload_on_file_change_picks_up_handler_and_certificate() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    let tls = addr(&server.addresses[1]);

    // A changed handler module is loaded afresh without a signal.
    let handler = site.dir.path().join("beta/handler.js");
    let source = std::fs::read_to_string(&handler).unwrap();
    std::fs::write(
        &handler,
        source.replace("tenant: env.NAME,", "tenant: env.NAME, edited: true,"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = host_get(&plain, "beta.test", "/").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if json(&body)["edited"] == true {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "handler change not picked up: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A rotated certificate is served to new connections.
    let (_, _, rotated) = site
        .ca
        .leaf(&site.dir.path().join("certs"), "beta", &["beta.test"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let exchange = https(
            &site.ca.root,
            &tls,
            "beta.test",
            true,
            request("GET", "beta.test", "/", true, empty()),
        )
        .await
        .unwrap();
        if exchange.peer_cert == rotated {
            assert_eq!(exchange.status, StatusCode::OK);
            break;
        }
        assert_eq!(exchange.peer_cert, site.beta_cert);
        assert!(
            Instant::now() < deadline,
            "certificate rotation not picked up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn oversized_request_head_is_refused_and_idle_connection_closed() {
    let site = Site::new();
    site.write_config("max_header_bytes = 8192\nidle_timeout_s = 1", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);

    let mut big = std::net::TcpStream::connect(&plain).unwrap();
    big.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let head = format!(
        "GET /api/users/1 HTTP/1.1\r\nHost: acme.test\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let _ = big.write_all(head.as_bytes());
    let mut answer = String::new();
    let _ = big.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");

    // A kept-alive connection with nothing in flight is closed after the idle timeout.
    let mut idle = std::net::TcpStream::connect(&plain).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    idle.write_all(b"GET /api/users/1 HTTP/1.1\r\nHost: acme.test\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    let _ = idle.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(4),
        "idle connection held for {waited:?}"
    );
}

#[tokio::test]
async fn admin_exports_metrics_and_tenant_usage() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    let admin = &server.addresses[2];
    for _ in 0..3 {
        let (status, _, _) = host_get(&plain, "acme.test", "/api/users/5").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _, _) = host_get(&plain, "acme.test", "/nothing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Figures are recorded when each response body is done; poll briefly.
    let (status, text) = poll_until(
        &format!("{admin}/metrics"),
        Duration::from_secs(10),
        |_, text| text.contains(r#"isogate_http_requests_total{tenant="acme",class="4xx"} 1"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        r#"isogate_http_requests_total{tenant="acme",class="2xx"} 3"#,
        "isogate_http_request_duration_seconds_bucket",
        "isogate_server_connections_open",
        "isogate_pool_isolates_live{worker=\"0\"}",
        "isogate_pool_isolates_spare",
        r#"isogate_tenant_cpu_seconds_total{tenant="acme"}"#,
        // One request at a time: the tenant keeps to one isolate.
        r#"isogate_tenant_isolates{tenant="acme"} 1"#,
        "# TYPE isogate_cache_hits_total counter",
        "# TYPE isogate_pool_isolate_creations_total counter",
        r#"isogate_tenant_request_cpu_seconds_count{tenant="acme"} 3"#,
        "isogate_pool_isolate_creation_seconds_total{worker=\"0\"}",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    // Every counter is exposed as one, named `_total`, as Prometheus' own linter checks.
    promtool_check_metrics(&text);

    let (status, _, body) = get(&format!("{admin}/admin/usage?tenant=acme")).await;
    assert_eq!(status, StatusCode::OK);
    let usage = json(&body);
    assert_eq!(usage["tenant"], "acme");
    assert_eq!(usage["requests"], 4);
    assert!(usage["egress_bytes"].as_u64().unwrap() > 0);
    assert!(usage["cpu_ms"].as_f64().unwrap() > 0.0, "{usage}");
    let (status, _, _) = get(&format!("{admin}/admin/usage?tenant=nobody")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Without a tenant, every tenant's figures.
    let (status, _, body) = get(&format!("{admin}/admin/usage")).await;
    assert_eq!(status, StatusCode::OK);
    let all = json(&body);
    let names: Vec<&str> = all["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tenant| tenant["tenant"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "beta"], "{all}");
    assert_eq!(all["tenants"][0]["requests"], 4);
}

#[tokio::test]
async fn console_lines_carry_tenant_and_request_id_at_the_tenants_level() {
    let site = Site::new();
    site.write_config("", "1");
    let server = site.start();
    let plain = addr(&server.addresses[0]);
    for host in ["acme.test", "beta.test"] {
        let (status, _, body) = host_get(&plain, host, "/log").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "logged"));
    }
    let logs =
        server.logs_when(|logs| logs.contains("beta warn line") && logs.contains("acme warn line"));
    let line = |needle: &str| {
        logs.lines()
            .find(|line| line.contains(needle))
            .map(str::to_owned)
    };
    let beta_info = line("beta info line").unwrap_or_else(|| panic!("no beta info line in {logs}"));
    assert!(beta_info.contains("tenant=\"beta\""), "{beta_info}");
    assert!(beta_info.contains("request_id="), "{beta_info}");
    let acme_warn = line("acme warn line").unwrap_or_else(|| panic!("no acme warn line in {logs}"));
    assert!(acme_warn.contains("tenant=\"acme\""), "{acme_warn}");
    // acme logs at warn and above only.
    assert!(line("acme info line").is_none(), "{logs}");
}
