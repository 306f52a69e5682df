//! A tenant's `https_only` and `hsts`: plain-HTTP requests are redirected to the same URL
//! over HTTPS, HTTPS answers carry `Strict-Transport-Security`, and a tenant without them
//! is served over both as before. And what `request.cf` says of each connection.

mod common;

use std::path::Path;

use common::tls::https;
use common::tls::TestCa;
use common::*;
use http::Request;
use http::StatusCode;

#[tokio::test]
async fn plain_http_is_redirected_and_https_answers_carry_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    ca.leaf(&certs, "acme", &["acme.test", "*.acme.test"]);
    ca.leaf(&certs, "beta", &["beta.test"]);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/handler.js");
    for tenant in ["acme", "beta"] {
        std::fs::create_dir(dir.path().join(tenant)).unwrap();
        std::fs::copy(&fixture, dir.path().join(tenant).join("handler.js")).unwrap();
    }
    let config = r#"[server]
http = "127.0.0.1:0"
https = "127.0.0.1:0"
admin = "127.0.0.1:0"
trusted_proxies = ["127.0.0.1"]

[[tenants]]
name = "acme"
hosts = ["acme.test", "*.acme.test"]
tls = { cert = "certs/acme.pem", key = "certs/acme.key" }
https_only = true
hsts = { max_age_s = 31536000, include_subdomains = true }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "acme/handler.js"

[[tenants]]
name = "beta"
hosts = ["beta.test"]
tls = { cert = "certs/beta.pem", key = "certs/beta.key" }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "beta/handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 3, &[]);
    let plain = server.addresses[0].trim_start_matches("http://").to_owned();
    let tls = server.addresses[1]
        .trim_start_matches("https://")
        .to_owned();
    let tls_port = tls.rsplit(':').next().unwrap();

    // Plain HTTP: 308 to the same host (without the plain port), path and query.
    let (status, headers, _) = host_get(&plain, "www.ACME.test:8080", "/a/b?x=1&y=2").await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        headers["location"],
        format!("https://www.acme.test:{tls_port}/a/b?x=1&y=2").as_str()
    );
    assert!(!headers.contains_key("strict-transport-security"));
    // A POST keeps its method through a 308, so it is redirected, not run.
    let (status, _, _) = host_request(&plain, "POST", "acme.test", "/submit", empty()).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);

    // A trusted proxy that terminated TLS is believed; anyone else's claim is not (the
    // test's client is the trusted loopback, so the untrusted case is the tenant below).
    let request = http::Request::builder()
        .uri(format!("http://{plain}/behind-proxy"))
        .header("host", "acme.test")
        .header("x-forwarded-proto", "https")
        .body(empty())
        .unwrap();
    let response = client().request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    // HTTPS: served, with HSTS, over h1 and h2.
    for h2 in [false, true] {
        let builder = Request::builder();
        let request = if h2 {
            builder.uri("https://acme.test/secure")
        } else {
            builder.uri("/secure").header("host", "acme.test")
        }
        .body(empty())
        .unwrap();
        let answer = https(&ca.root, &tls, "acme.test", h2, request)
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(
            answer.headers["strict-transport-security"],
            "max-age=31536000; includeSubDomains"
        );
    }
    // A tenant without `https_only` is served over plain HTTP, without HSTS anywhere.
    let (status, headers, _) = host_get(&plain, "beta.test", "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!headers.contains_key("strict-transport-security"));
    let request = Request::builder()
        .uri("/")
        .header("host", "beta.test")
        .body(empty())
        .unwrap();
    let answer = https(&ca.root, &tls, "beta.test", false, request)
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::OK);
    assert!(!answer.headers.contains_key("strict-transport-security"));
}

#[test]
fn https_only_without_an_https_listener_is_refused_by_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("handler.js"),
        "export default { fetch() {} }",
    )
    .unwrap();
    let config = r#"[server]
http = "127.0.0.1:0"

[[tenants]]
name = "acme"
hosts = ["acme.test"]
https_only = true

  [[tenants.routes]]
  path = "/"
  handler = "handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["check", "--config"])
        .arg(dir.path().join("isogate.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("tenants[0].https_only"), "{stderr}");
    assert!(stderr.contains("needs the HTTPS listener"), "{stderr}");
}

#[tokio::test]
async fn request_cf_tells_the_protocol_and_the_tls_session() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).unwrap();
    ca.leaf(&certs, "acme", &["acme.test"]);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cf/handler.js");
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::copy(&fixture, dir.path().join("acme/handler.js")).unwrap();
    let config = r#"[server]
http = "127.0.0.1:0"
https = "127.0.0.1:0"
admin = "127.0.0.1:0"

[[tenants]]
name = "acme"
hosts = ["acme.test"]
tls = { cert = "certs/acme.pem", key = "certs/acme.key" }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "acme/handler.js"
"#;
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 3, &[]);
    let plain = server.addresses[0].trim_start_matches("http://").to_owned();
    let tls = server.addresses[1]
        .trim_start_matches("https://")
        .to_owned();

    let request = http::Request::builder()
        .uri(format!("http://{plain}/"))
        .header("host", "acme.test")
        .header("accept-encoding", "gzip, br")
        .body(empty())
        .unwrap();
    let response = client().request(request).await.unwrap();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let cf = &answer["cf"];
    assert_eq!(cf["httpProtocol"], "HTTP/1.1", "{answer}");
    assert_eq!(cf["clientAcceptEncoding"], "gzip, br");
    assert!(
        cf["colo"].as_str().is_some_and(|colo| !colo.is_empty()),
        "{answer}"
    );
    assert!(cf.get("tlsVersion").is_none(), "{answer}");
    assert_eq!(answer["enumerable"], false);

    let request = Request::builder()
        .uri("https://acme.test/")
        .body(empty())
        .unwrap();
    let answer = https(&ca.root, &tls, "acme.test", true, request)
        .await
        .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    let cf = &answer["cf"];
    assert_eq!(cf["httpProtocol"], "HTTP/2", "{answer}");
    assert_eq!(cf["tlsVersion"], "TLSv1.3", "{answer}");
    assert!(
        cf["tlsCipher"]
            .as_str()
            .is_some_and(|cipher| cipher.starts_with("TLS13_")),
        "{answer}"
    );
}
