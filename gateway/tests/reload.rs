//! What starts a reload: code, the config, certificates and secrets change; a log file or a
//! database written next to a handler does not (a reload that logs into the folder would
//! otherwise loop forever).

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;

#[tokio::test]
async fn files_that_are_not_code_do_not_reload_and_code_does() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tenant/handler.js");
    std::fs::create_dir(dir.path().join("acme")).unwrap();
    std::fs::copy(&fixture, dir.path().join("acme/handler.js")).unwrap();
    std::fs::write(
        dir.path().join("isogate.toml"),
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"acme\"\n\
         hosts = [\"acme.test\"]\nenv = { NAME = \"acme\" }\n[[tenants.routes]]\n\
         path = \"/{*rest}\"\nhandler = \"acme/handler.js\"\n",
    )
    .unwrap();
    let server = DevServer::serve(&dir.path().join("isogate.toml"), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let (status, _, _) = host_get(&addr, "acme.test", "/").await;
    assert_eq!(status, http::StatusCode::OK);

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
        source.replace("tenant: env.NAME,", "tenant: env.NAME, edited: true,"),
    )
    .unwrap();
    let logs = server.logs_when(|logs| logs.contains("configuration reloaded"));
    assert!(logs.contains("change detected"), "{logs}");
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
