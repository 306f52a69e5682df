//! Outbound fetch from handlers, against a loopback upstream (no gateway).

mod common;

use common::*;
use isogate_runtime::RuntimeError;

#[tokio::test]
async fn trace_context_reaches_outbound_fetch_with_a_fresh_parent_id() {
    let address = echo_upstream().await;
    let worker = spawn(fixture("trace", "handler.js"), &[]);
    let url = format!("http://t.test/?url=http://{address}/");
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut request = get(&url);
    request.headers.push((
        bytes::Bytes::from_static(b"traceparent"),
        bytes::Bytes::from_static(incoming.as_bytes()),
    ));
    let (status, sent) = call(&worker, request).await.unwrap();
    assert_eq!(status, 200);
    let parts: Vec<&str> = sent.split('-').collect();
    assert_eq!(parts.len(), 4, "{sent}");
    assert_eq!(parts[1], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(parts[2], "00f067aa0ba902b7");
    assert_eq!(parts[2].len(), 16);
    assert_eq!(parts[3], "01");
    // Without one coming in, none goes out.
    let (_, sent) = call(&worker, get(&url)).await.unwrap();
    assert_eq!(sent, "none");
}

#[tokio::test]
async fn io_is_refused_outside_a_request_and_allowed_while_one_is_still_going() {
    let worker = spawn(fixture("request_scope", "handler.js"), &[]);
    for path in ["/left-behind", "/wait-until"] {
        let (status, body) = call(&worker, get(&format!("http://t.test{path}")))
            .await
            .unwrap();
        assert_eq!((status, body.as_str()), (200, "answered"), "{path}");
    }
    // A body streamed after the handler returned keeps its request going.
    let (status, body) = call(&worker, get("http://t.test/stream")).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "chunk1.chunk2.chunk3."));

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let report = loop {
        let (_, body) = call(&worker, get("http://t.test/report")).await.unwrap();
        let report: serde_json::Value = serde_json::from_str(&body).unwrap();
        if report["leftBehind"] != "pending" && report["waitedFor"] != "pending"
            || std::time::Instant::now() > deadline
        {
            break report;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(
        report["leftBehind"],
        "fetch() refused: request req-1 has finished; pass work that outlives the response to ctx.waitUntil()"
    );
    assert_eq!(report["waitedFor"], "late");
}

#[tokio::test]
async fn top_level_io_fails_the_module_load_with_the_reason() {
    let worker = spawn(fixture("top_level_io", "handler.js"), &[]);
    match call(&worker, get("http://t.test/")).await {
        Err(RuntimeError::ModuleLoad { message, .. }) => assert!(
            message.contains("Disallowed operation called within global scope: fetch() can only run while a request is handled"),
            "{message}"
        ),
        other => panic!("expected a load error, got {other:?}"),
    }
}
