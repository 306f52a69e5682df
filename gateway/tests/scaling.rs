//! Scaling by demand with no `max_isolates` in the config: a busy tenant spreads over the
//! worker processes by itself, a quiet one keeps to one isolate.

mod common;

use std::time::Duration;

use common::*;
use http::StatusCode;

#[tokio::test]
async fn a_busy_tenant_spreads_over_the_workers_and_a_quiet_one_keeps_to_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("busy")).unwrap();
    // About 20 ms of CPU per request: eight clients keep more than two requests waiting.
    std::fs::write(
        dir.path().join("busy/handler.js"),
        "export default { fetch() { const end = Date.now() + 20; let n = 0; \
         while (Date.now() < end) n++; return new Response(String(n > 0)); } }",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("quiet")).unwrap();
    std::fs::write(
        dir.path().join("quiet/handler.js"),
        "export default { fetch() { return new Response('quiet') } }",
    )
    .unwrap();
    let config = "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n\
                  [pool]\nisolation = \"process\"\nprocesses = 2\n\n\
                  [[tenants]]\nname = \"busy\"\nhosts = [\"busy.test\"]\n\n  \
                  [[tenants.routes]]\n  path = \"/{*rest}\"\n  handler = \"busy/handler.js\"\n\n\
                  [[tenants]]\nname = \"quiet\"\nhosts = [\"quiet.test\"]\n\n  \
                  [[tenants.routes]]\n  path = \"/{*rest}\"\n  handler = \"quiet/handler.js\"\n";
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();

    let clients: Vec<_> = (0..8)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let mut answered = 0;
                for _ in 0..15 {
                    let (status, _, body) = host_get(&addr, "busy.test", "/").await;
                    if (status, body.as_str()) == (StatusCode::OK, "true") {
                        answered += 1;
                    }
                }
                answered
            })
        })
        .collect();
    for _ in 0..5 {
        let (status, _, body) = host_get(&addr, "quiet.test", "/").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "quiet"));
    }
    for client in clients {
        assert_eq!(client.await.unwrap(), 15);
    }
    let (status, text) = poll_until(
        &format!("{admin}/metrics"),
        Duration::from_secs(5),
        |_, text| text.contains(r#"isogate_tenant_isolates{tenant="busy"} 2"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        r#"isogate_tenant_isolates{tenant="busy"} 2"#,
        r#"isogate_tenant_isolates{tenant="quiet"} 1"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}
