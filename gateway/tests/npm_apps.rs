//! Handlers over unmodified npm packages, installed from the committed lockfile of
//! `tests/fixtures/npm-apps` (`make examples` runs `npm ci` there) and served by
//! `isogate dev` with no bundler: the auth, GraphQL, OpenAPI and server-rendering stacks
//! Workers projects are built on.

mod common;

use std::path::PathBuf;

use common::*;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;

/// `tests/fixtures/npm-apps/src/<file>`, checking that its packages are installed.
fn app(file: &str) -> PathBuf {
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/npm-apps");
    assert!(
        project.join("node_modules").is_dir(),
        "tests/fixtures/npm-apps needs its npm packages: run `make examples` (npm ci)"
    );
    project.join("src").join(file)
}

/// POSTs `body` as JSON to `url`; the status and the body.
async fn post_json(url: &str, body: &str) -> (StatusCode, String) {
    let request = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", "application/json")
        .body(
            Full::new(bytes::Bytes::from(body.to_owned()))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap();
    let response = client().request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[tokio::test]
async fn jsonwebtoken_and_jose_sign_and_verify() {
    let server = DevServer::start(&app("jwt.js"), &["--compatibility-flag", "nodejs_compat"]);
    let (status, _, body) = get(&server.url("/jsonwebtoken")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = json(&body);
    // The token Node's jsonwebtoken makes for these claims and secret.
    assert_eq!(
        answer["token"],
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.60QupXMGCynE77qnu-Ah9s4hn-1YS8AW7Az7cpBYYQw"
    );
    assert_eq!(answer["claims"], serde_json::json!({ "sub": "alice" }));
    assert_eq!(answer["forged"], "invalid signature");
    let (status, _, body) = get(&server.url("/jose")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["payload"], serde_json::json!({ "sub": "bob" }));
}

#[tokio::test]
async fn graphql_yoga_answers_queries() {
    let server = DevServer::start(&app("yoga.ts"), &[]);
    let (status, body) = post_json(
        &server.url("/graphql"),
        r#"{"query":"{ hello(name: \"isogate\") add(a: 2, b: 3) }"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, r#"{"data":{"hello":"hello isogate","add":5}}"#);
    let (status, _, body) = get(&server.url("/graphql?query=%7Bhello%7D")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"data":{"hello":"hello world"}}"#)
    );
}

#[tokio::test]
async fn chanfana_validates_requests_and_documents_its_routes() {
    let server = DevServer::start(&app("openapi.ts"), &[]);
    let (status, _, body) = get(&server.url("/api/tasks?page=2")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"success":true,"page":2,"tasks":[]}"#)
    );
    let task = r#"{"name":"a","slug":"b","due_date":"2025-01-01T00:00:00Z"}"#;
    let (status, body) = post_json(&server.url("/api/tasks"), task).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["task"]["completed"], false);
    // zod refuses what the schema does not allow.
    let (status, body) = post_json(&server.url("/api/tasks"), r#"{"name":1}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = get(&server.url("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        json(&body)["paths"]["/api/tasks"]["post"].is_object(),
        "{body}"
    );
}

#[tokio::test]
async fn react_and_vue_render_on_the_server() {
    let server = DevServer::start(&app("ssr.tsx"), &[]);
    let (status, headers, body) = get(&server.url("/")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["content-type"], "text/html");
    assert!(
        body.contains("<h1>Hello <!-- -->isogate</h1>") && body.contains("<b>streamed</b>"),
        "{body}"
    );
    let (status, _, body) = get(&server.url("/vue")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "<ul><li>item 1</li><li>item 2</li></ul>")
    );
    let (status, _, body) = get(&server.url("/misc")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"date":true,"uuid":36}"#)
    );
}
