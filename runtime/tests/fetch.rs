//! Outbound fetch from handlers, against a loopback upstream (no gateway).

mod common;

use common::*;

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
