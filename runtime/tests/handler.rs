//! Handlers running in real isolates, called through a worker handle (no sockets).

mod common;

use common::*;

#[tokio::test]
async fn handler_ts_with_imports_json_and_env_answers() {
    let worker = spawn(fixture("hello", "handler.ts"), &[("GREETING", "hello")]);
    let (status, body) = call(&worker, get("http://example.test/some/path"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["path"], "/some/path");
    assert_eq!(json["greeting"], "hello, world");
    assert_eq!(json["data"]["answer"], 42);
    assert_eq!(json["hasDeno"], false);
    assert_eq!(json["ua"], "isogate");
}
