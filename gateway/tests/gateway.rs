//! The gateway driven in-process: started from a config file, given a tenant and a version
//! through its platform, serving them on its own listener, stopped.

mod common;

use common::deploy::*;
use common::*;
use http::StatusCode;
use isogate_gateway::gateway::Gateway;
use isogate_gateway::gateway::Options;
use isogate_runtime::WorkerCommand;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_started_in_process_serves_what_its_platform_deploys_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(Options {
        config: config(dir.path()),
        workers: Some(1),
        worker: Some(WorkerCommand {
            program: env!("CARGO_BIN_EXE_isogate").into(),
            args: vec!["__worker".into()],
        }),
        ..Options::default()
    })
    .await
    .unwrap();
    let http = gateway.http_addr().unwrap().to_string();
    let platform = gateway.platform().clone();
    let (created, warnings) = platform
        .put_tenant("acme", br#"{"hosts":["acme.test"]}"#)
        .await
        .unwrap();
    assert!(created && warnings.is_empty(), "{warnings:?}");
    let bundle = upload(
        &json!({ "main": "index.js" }),
        &[(
            "index.js",
            "export default { fetch: () => new Response('acme v1') };\n",
        )],
    );
    let version = platform
        .create_version("acme", &bundle, "test", gateway.pool())
        .await
        .unwrap();
    let body = json!({ "versions": [{ "id": version.id, "percentage": 100 }] }).to_string();
    let (deployment, served) = platform
        .deploy("acme", body.as_bytes(), "test")
        .await
        .unwrap();
    assert!(served, "deployment {} not served", deployment.id);
    let pool = gateway.pool().clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(gateway.run_until(async {
        let _ = stopped.await;
    }));
    let (status, _, body) = host_get(&http, "filed.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "from the file"));
    let (status, _, body) = host_get(&http, "acme.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "acme v1"));

    // A deployment to another tenant leaves this one's isolate (and what it holds) alone.
    let counter = upload(
        &json!({ "main": "index.js" }),
        &[(
            "index.js",
            "let n = 0;\nexport default { fetch: () => new Response(String(++n)) };\n",
        )],
    );
    platform
        .put_tenant("count", br#"{"hosts":["count.test"]}"#)
        .await
        .unwrap();
    let version = platform
        .create_version("count", &counter, "test", &pool)
        .await
        .unwrap();
    let body = json!({ "versions": [{ "id": version.id, "percentage": 100 }] }).to_string();
    assert!(
        platform
            .deploy("count", body.as_bytes(), "test")
            .await
            .unwrap()
            .1
    );
    for expected in ["1", "2"] {
        let (_, _, body) = host_get(&http, "count.test", "/").await;
        assert_eq!(body, expected);
    }
    let body = json!({ "versions": [{ "id": 1, "percentage": 100 }] }).to_string();
    assert!(
        platform
            .deploy("acme", body.as_bytes(), "test")
            .await
            .unwrap()
            .1
    );
    let (_, _, body) = host_get(&http, "count.test", "/").await;
    assert_eq!(body, "3", "the counting tenant kept its isolate");
    let (_, _, body) = host_get(&http, "acme.test", "/").await;
    assert_eq!(body, "acme v1");

    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), serving)
        .await
        .expect("the gateway stops")
        .unwrap();
    assert!(
        try_call(&format!("http://{http}"), "GET", "/", Vec::new(), TOKEN)
            .await
            .is_err(),
        "the listener is closed once the gateway stops"
    );
}
