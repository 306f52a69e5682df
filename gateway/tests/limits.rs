//! Limits end to end: an abusive tenant is stopped with the status, `isogate-error` header
//! and one-line reason of each limit, while a victim tenant served at the same time on its
//! own worker answers every request.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use http::StatusCode;

fn write_config(dir: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (tenant, fixture) in [
        ("abuser", "abuser"),
        ("hog", "abuser"),
        ("victim", "tenant"),
    ] {
        std::fs::create_dir(dir.join(tenant)).unwrap();
        let source = fixtures.join(fixture).join("handler.js");
        std::fs::copy(source, dir.join(tenant).join("handler.js")).unwrap();
    }
    let config = r#"
[server]
http = "127.0.0.1:0"
admin = "127.0.0.1:0"

[limits]
cpu_ms = 50

[[tenants]]
name = "abuser"
hosts = ["abuser.test"]
allow_private_net = true
limits = { wall_ms = 1500, max_concurrency = 2, max_subrequests = 2 }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "abuser/handler.js"

# Filling a heap takes garbage collections that outlast a 50 ms CPU limit.
[[tenants]]
name = "hog"
hosts = ["hog.test"]
limits = { cpu_ms = 5000, memory_mb = 64 }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "hog/handler.js"

[[tenants]]
name = "victim"
hosts = ["victim.test"]
env = { NAME = "victim" }

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "victim/handler.js"
"#;
    std::fs::write(dir.join("isogate.toml"), config).unwrap();
}

/// Asserts a limit response: status, code, and a body `<noun> limit <limit> exceeded (<figure>)`.
fn assert_stopped(
    (status, headers, body): &(StatusCode, http::HeaderMap, String),
    expected: StatusCode,
    code: &str,
    prefix: &str,
) {
    assert_eq!(*status, expected, "{body}");
    assert_eq!(headers["isogate-error"], code, "{body}");
    assert!(body.starts_with(prefix), "{body}");
    assert!(
        body.ends_with(")\n") && body.lines().count() == 1,
        "{body:?}"
    );
}

/// Victim requests sent while `abuse` runs; every one must succeed.
async fn victim_during<F: std::future::Future>(addr: &str, abuse: F) -> F::Output {
    let victim = {
        let addr = addr.to_owned();
        tokio::spawn(async move {
            for _ in 0..20 {
                let (status, _, body) = host_get(&addr, "victim.test", "/").await;
                assert_eq!(status, StatusCode::OK, "{body}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let outcome = abuse.await;
    victim.await.unwrap();
    outcome
}

#[tokio::test]
async fn limits_stop_the_abuser_with_reasons_and_spare_the_victim() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.addresses[0].trim_start_matches("http://").to_owned();

    let looped = victim_during(&addr, host_get(&addr, "abuser.test", "/loop")).await;
    assert_stopped(
        &looped,
        StatusCode::SERVICE_UNAVAILABLE,
        "cpu-limit",
        "cpu limit 50 ms exceeded (",
    );

    let bombed = victim_during(&addr, host_get(&addr, "hog.test", "/bomb")).await;
    assert_stopped(
        &bombed,
        StatusCode::SERVICE_UNAVAILABLE,
        "memory-limit",
        "memory limit 64 MiB exceeded (heap reached ",
    );

    let hung = victim_during(&addr, host_get(&addr, "abuser.test", "/hang")).await;
    assert_stopped(
        &hung,
        StatusCode::GATEWAY_TIMEOUT,
        "wall-limit",
        "wall-clock limit 1500 ms exceeded (",
    );

    // Two slow requests hold the tenant's two permits; a third is refused at once.
    // (Distinct URLs: concurrent GETs of one URL wait for a single handler call.)
    let slow: Vec<_> = (0..2)
        .map(|i| {
            let addr = addr.clone();
            let path = format!("/slow?{i}");
            tokio::spawn(async move { host_get(&addr, "abuser.test", &path).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = host_get(&addr, "abuser.test", "/").await;
    assert_stopped(
        &refused,
        StatusCode::SERVICE_UNAVAILABLE,
        "concurrency-limit",
        "concurrency limit 2 requests exceeded (",
    );
    assert_eq!(refused.1["retry-after"], "1");
    for request in slow {
        assert_eq!(request.await.unwrap().0, StatusCode::OK);
    }

    // The victim's own listener is a fine upstream: two fetches pass, the third stops it.
    let upstream = format!("http://{addr}/");
    let fetched = host_get(&addr, "abuser.test", &format!("/fetch?url={upstream}")).await;
    assert_stopped(
        &fetched,
        StatusCode::SERVICE_UNAVAILABLE,
        "subrequest-limit",
        "subrequest limit 2 exceeded (",
    );

    let admin = &server.addresses[1];
    let (status, _, body) = get(&format!("{admin}/admin/usage?tenant=abuser")).await;
    assert_eq!(status, StatusCode::OK);
    let usage: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(usage["subrequests"], 2, "{usage}");
    assert!(usage["limit_stops"].as_u64().unwrap() >= 4, "{usage}");

    // After all that the abusers' next requests are served by fresh isolates.
    for host in ["abuser.test", "hog.test"] {
        let (status, _, body) = host_get(&addr, host, "/").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    }

    let logs = server.logs_when(|logs| logs.matches("request stopped").count() >= 5);
    let line = logs
        .lines()
        .find(|line| line.contains("request stopped: cpu limit"))
        .unwrap_or_else(|| panic!("no limit line in {logs}"));
    for field in [
        "tenant=\"abuser\"",
        "request_id=",
        "limit=\"cpu-limit\"",
        "cpu_ms=",
        "heap_mib=",
        "unit=\"ms\"",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    // The figures are numbers: the limit as configured, and what went past it.
    let number = |name: &str| -> u64 {
        let start = line.find(&format!("{name}=")).unwrap() + name.len() + 1;
        let digits: String = line[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("{name} is not a number in {line}"))
    };
    let (limit, used) = (number("limit_value"), number("used_value"));
    assert!(limit > 0 && used >= limit, "{line}");
    // The access line of a CPU-stopped request carries the CPU it used, not 0.
    let access = logs
        .lines()
        .find(|line| {
            line.contains("isogate::access")
                && line.contains("status=503")
                && line.contains("abuser")
        })
        .unwrap_or_else(|| panic!("no access line for a stopped request in {logs}"));
    assert!(!access.contains("cpu_ms=0.0"), "{access}");
}
