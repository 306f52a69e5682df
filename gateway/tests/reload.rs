//! What starts a reload: code, the config, certificates and secrets change; a log file or a
//! database written next to a handler does not (a reload that logs into the folder would
//! otherwise loop forever).

mod common;

use std::time::Duration;

use common::*;

#[tokio::test]
async fn files_that_are_not_code_do_not_reload_and_code_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::write(
        dir.path().join("acme/handler.js"),
        "export default { fetch(request) {\n\
           if (new URL(request.url).pathname === \"/burn\") {\n\
             const until = Date.now() + 20; while (Date.now() < until) {}\n\
           }\n\
           return Response.json({ version: 1 });\n\
         } };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("isogate.toml"),
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"acme\"\n\
         hosts = [\"acme.test\"]\nenv = { NAME = \"acme\" }\n[[tenants.routes]]\n\
         path = \"/{*rest}\"\nhandler = \"acme/handler.js\"\n",
    )
    .unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    // About 200 ms of CPU, to see whether usage survives the reload.
    for _ in 0..10 {
        let (status, _, _) = host_get(&addr, "acme.test", "/burn").await;
        assert_eq!(status, http::StatusCode::OK);
    }
    let usage = |body: &str| -> (f64, u64) {
        let usage: serde_json::Value = serde_json::from_str(body).unwrap();
        (
            usage["cpu_ms"].as_f64().unwrap(),
            usage["requests"].as_u64().unwrap(),
        )
    };
    let (_, _, body) = get(&format!("{admin}/admin/usage?tenant=acme")).await;
    let (cpu_before, _) = usage(&body);
    assert!(cpu_before > 100.0, "{body}");

    for round in 0..5 {
        std::fs::write(dir.path().join("isogate.log"), format!("line {round}\n")).unwrap();
        std::fs::write(dir.path().join("acme/state.db"), format!("{round}")).unwrap();
        std::fs::write(dir.path().join("acme/.handler.js.swp"), "swap").unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logs = server.logs_when(|_| true);
    assert!(!logs.contains("change detected"), "{logs}");

    let source = std::fs::read_to_string(dir.path().join("acme/handler.js")).unwrap();
    std::fs::write(
        dir.path().join("acme/handler.js"),
        source.replace("version: 1", "version: 2"),
    )
    .unwrap();
    let logs = server.logs_when(|logs| logs.contains("configuration reloaded"));
    assert!(logs.contains("change detected"), "{logs}");

    // The tenant's usage runs on across the reload: it does not start again from zero.
    let (status, _, body) = host_get(&addr, "acme.test", "/").await;
    assert_eq!(status, http::StatusCode::OK);
    assert!(body.contains("\"version\":2"), "{body}");
    let (_, _, body) = get(&format!("{admin}/admin/usage?tenant=acme")).await;
    let (cpu_after, requests) = usage(&body);
    assert!(
        cpu_after >= cpu_before,
        "cpu_ms went from {cpu_before} to {cpu_after}"
    );
    assert_eq!(requests, 11, "{body}");

    // And across the next one, when the first version's figures are carried as totals.
    std::fs::write(
        dir.path().join("acme/handler.js"),
        source.replace("version: 1", "version: 3"),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, body) = host_get(&addr, "acme.test", "/").await;
        if body.contains("\"version\":3") || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, _, body) = get(&format!("{admin}/admin/usage?tenant=acme")).await;
    let (cpu_last, _) = usage(&body);
    assert!(
        cpu_last >= cpu_after,
        "cpu_ms went from {cpu_after} to {cpu_last}"
    );
}

#[tokio::test]
async fn dev_output_written_next_to_the_handler_does_not_reload_it() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.js");
    std::fs::write(
        &handler,
        "export default { fetch() { return new Response(\"ok\"); } };",
    )
    .unwrap();
    let server = DevServer::start(&handler, &[]);
    let (status, _, _) = get(&server.url("/")).await;
    assert_eq!(status, http::StatusCode::OK);
    for round in 0..5 {
        std::fs::write(dir.path().join("dev.out"), format!("line {round}\n")).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let logs = server.logs_when(|_| true);
    assert!(!logs.contains("handler reloaded"), "{logs}");
    std::fs::write(
        &handler,
        "export default { fetch() { return new Response(\"new\"); } };",
    )
    .unwrap();
    let logs = server.logs_when(|logs| logs.contains("handler reloaded"));
    assert!(logs.contains("handler reloaded"), "{logs}");
}

#[tokio::test]
async fn a_rejected_reload_leaves_the_live_cache_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::write(
        dir.path().join("acme/handler.js"),
        "export default { fetch() { return new Response(\"cached\", { headers: { \"cache-control\": \"max-age=600\" } }); } };\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("acme/broken.js"), "export default {\n").unwrap();
    let config = |cache: &str, handler: &str| {
        format!(
            "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"acme\"\n\
             hosts = [\"acme.test\"]\n{cache}\n[[tenants.routes]]\npath = \"/{{*rest}}\"\n\
             handler = \"acme/{handler}\"\n"
        )
    };
    let file = dir.path().join("isogate.toml");
    std::fs::write(&file, config("", "handler.js")).unwrap();
    let server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    host_get(&addr, "acme.test", "/page").await;
    let (_, headers, _) = host_get(&addr, "acme.test", "/page").await;
    assert!(headers["cache-status"]
        .to_str()
        .unwrap()
        .starts_with("isogate; hit"));

    // A new cache quota together with a module that does not load: the reload is rejected.
    std::fs::write(&file, config("cache = { max_bytes = 100000 }", "broken.js")).unwrap();
    let logs = server.logs_when(|logs| logs.contains("reload rejected"));
    assert!(logs.contains("reload rejected"), "{logs}");
    let (_, headers, body) = host_get(&addr, "acme.test", "/page").await;
    assert_eq!(body, "cached");
    assert!(
        headers["cache-status"]
            .to_str()
            .unwrap()
            .starts_with("isogate; hit"),
        "the live cache was emptied: {headers:?}"
    );
}

#[tokio::test]
async fn dev_reads_its_env_file_again_and_says_when_a_reload_fails() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.js");
    std::fs::write(
        &handler,
        "export default { fetch(request, env) { return new Response(env.GREETING); } };",
    )
    .unwrap();
    let env_file = dir.path().join("dev.env");
    std::fs::write(&env_file, "GREETING=hello\n").unwrap();
    let server = DevServer::start(&handler, &["--env-file", env_file.to_str().unwrap()]);
    let (_, _, body) = get(&server.url("/")).await;
    assert_eq!(body, "hello");

    std::fs::write(&env_file, "GREETING=bonjour\n").unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut body = String::new();
    while std::time::Instant::now() < deadline {
        body = get(&server.url("/")).await.2;
        if body == "bonjour" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(body, "bonjour");

    // A change that breaks the module is reported as such, not as a reload.
    let reloads = server
        .logs_when(|_| true)
        .matches("handler reloaded")
        .count();
    std::fs::write(&handler, "export default {\n").unwrap();
    let logs = server.logs_when(|logs| logs.contains("the handler failed to load"));
    assert!(logs.contains("the handler failed to load"), "{logs}");
    assert_eq!(logs.matches("handler reloaded").count(), reloads, "{logs}");
}
