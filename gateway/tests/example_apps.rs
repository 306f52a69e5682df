//! Every single-tenant example under `examples/`, served by `isogate serve` from its own
//! `isogate.toml` (ports set to 0) and exercised with the curl lines of its README. The
//! examples with npm dependencies need `npm ci` first (`make examples`, which `make test`
//! runs).

mod common;

use std::convert::Infallible;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use common::*;
use http::HeaderMap;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// Serves `examples/<name>` with `env` in isogate's environment: its config, written to a
/// temporary folder with free ports and the handler and project paths made absolute.
fn serve_example(name: &str, env: &[(&str, &str)]) -> (DevServer, tempfile::TempDir) {
    serve_example_with(name, env, &[])
}

/// [`serve_example`], with each `(from, to)` of `replace` applied to the config first.
fn serve_example_with(
    name: &str,
    env: &[(&str, &str)],
    replace: &[(&str, &str)],
) -> (DevServer, tempfile::TempDir) {
    let folder = example(name);
    if folder.join("package.json").is_file() {
        assert!(
            folder.join("node_modules").is_dir(),
            "examples/{name} needs its npm packages: run `make examples` (npm ci)"
        );
    }
    let mut config = std::fs::read_to_string(folder.join("isogate.toml")).unwrap();
    for (from, to) in replace {
        assert!(
            config.contains(from),
            "{from} not in examples/{name}/isogate.toml"
        );
        config = config.replace(from, to);
    }
    let config = config
        .replace("127.0.0.1:8080", "127.0.0.1:0")
        .replace("127.0.0.1:9901", "127.0.0.1:0")
        .replace(
            "handler = \"",
            &format!("handler = \"{}/", folder.display()),
        )
        .replace(
            "project = \"",
            &format!("project = \"{}/", folder.display()),
        );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("isogate.toml"), config).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_isogate"));
    command
        .args(["serve", "--no-watch", "--config"])
        .arg(dir.path().join("isogate.toml"));
    for (key, value) in env {
        command.env(key, value);
    }
    (DevServer::launch(command, 2), dir)
}

async fn call(
    server: &DevServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, HeaderMap, String) {
    let mut request = http::Request::builder()
        .method(method)
        .uri(server.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = Full::new(bytes::Bytes::from(body.to_owned()))
        .map_err(|never| match never {})
        .boxed();
    let response = client().request(request.body(body).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[tokio::test]
async fn example_hello_serves_as_a_tenant() {
    let (server, _dir) = serve_example("hello", &[]);
    let (status, _, body) = call(&server, "GET", "/", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Hello from isogate! You asked for /\n");
    let (_, _, body) = call(&server, "GET", "/json", &[], "").await;
    assert_eq!(json(&body)["hello"], "world");
}

#[tokio::test]
async fn example_rest_api_crud_with_validation() {
    let (server, _dir) = serve_example("rest-api", &[]);
    let (status, headers, body) =
        call(&server, "POST", "/todos", &[], r#"{"title":"write docs"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(headers["location"], "/todos/1");
    assert_eq!(body, r#"{"id":1,"title":"write docs","done":false}"#);
    let (_, _, body) = call(&server, "PATCH", "/todos/1", &[], r#"{"done":true}"#).await;
    assert_eq!(json(&body)["done"], true);
    let (_, _, body) = call(&server, "GET", "/todos", &[], "").await;
    assert_eq!(json(&body).as_array().unwrap().len(), 1);

    let (status, _, body) = call(&server, "POST", "/todos", &[], r#"{"title":""}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json(&body)["error"],
        "title must be a non-empty string of at most 200 characters"
    );
    let (status, _, body) = call(&server, "POST", "/todos", &[], "not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&body)["error"], "the body must be JSON");
    let (status, _, body) = call(&server, "GET", "/todos/9", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json(&body)["error"], "no todo 9");
    let (status, headers, _) = call(&server, "PUT", "/todos/1", &[], "").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(headers["allow"].to_str().unwrap().contains("PATCH"));
    let (status, _, _) = call(&server, "DELETE", "/todos/1", &[], "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&server, "GET", "/todos/1", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn example_jwt_auth_guards_the_protected_route() {
    let secrets = [("JWT_SECRET", "test-secret"), ("DEMO_PASSWORD", "lovelace")];
    let (server, _dir) = serve_example("jwt-auth", &secrets);
    let (status, _, body) = call(
        &server,
        "POST",
        "/login",
        &[],
        r#"{"user":"ada","password":"wrong"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = call(
        &server,
        "POST",
        "/login",
        &[],
        r#"{"user":"ada","password":"lovelace"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = json(&body)["token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {token}");
    let (status, _, body) = call(&server, "GET", "/me", &[("authorization", &bearer)], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(json(&body)["user"], "ada");

    let (status, headers, body) = call(&server, "GET", "/me", &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key("www-authenticate"));
    assert_eq!(json(&body)["reason"], "missing bearer token");
    let tampered = format!("{bearer}x");
    let (status, _, body) = call(&server, "GET", "/me", &[("authorization", &tampered)], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json(&body)["reason"], "bad signature");
}

#[tokio::test]
async fn example_hono_app_runs_hono_from_node_modules() {
    let (server, _dir) = serve_example("hono-app", &[]);
    let (status, headers, body) = call(&server, "GET", "/", &[], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "Hello from Hono on isogate\n");
    assert!(headers.contains_key("server-timing"));
    let (_, _, body) = call(&server, "GET", "/hello/ada", &[], "").await;
    assert_eq!(body, r#"{"message":"Hello, ada!"}"#);
    let (_, _, body) = call(&server, "POST", "/echo", &[], r#"{"a":1}"#).await;
    assert_eq!(body, r#"{"received":{"a":1}}"#);
    let (status, _, body) = call(&server, "POST", "/echo", &[], "nope").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = call(&server, "GET", "/nope", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, r#"{"error":"not found","path":"/nope"}"#);
}

#[tokio::test]
async fn example_wrangler_app_runs_a_wrangler_layout_unbundled() {
    let (server, _dir) = serve_example("wrangler-app", &[]);
    let (status, _, body) = call(&server, "GET", "/", &[], "").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "hello, isogate\n")
    );
    let (_, _, body) = call(&server, "GET", "/api/items/2", &[], "").await;
    assert_eq!(body, r#"{"id":"2","name":"teapot"}"#);
    let (status, _, _) = call(&server, "GET", "/api/items/9", &[], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // nanoid's browser build: 12 URL-safe characters from Web Crypto.
    let (_, _, body) = call(&server, "GET", "/id", &[], "").await;
    let id = json(&body)["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 12, "{body}");
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
    // node:buffer, by the nodejs_compat flag of the project's wrangler.toml.
    let (_, _, body) = call(&server, "GET", "/base64/hi", &[], "").await;
    assert_eq!(body, "aGk=");
    // ms is CommonJS only: its module.exports is the default export.
    let (_, _, body) = call(&server, "GET", "/ms/2h", &[], "").await;
    assert_eq!(body, r#"{"ms":7200000}"#);
    // JSX from hono/jsx by the project's tsconfig, and its `@/` alias.
    let (status, _, body) = call(&server, "GET", "/page", &[], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        "<html><body><h1>Items</h1><ul><li>kettle</li><li>teapot</li></ul></body></html>"
    );
}

/// A loopback upstream that counts the requests it serves.
async fn upstream() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: http::Request<_>| {
                    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
                    let body = format!("upstream {} #{n}", request.uri().path());
                    async move {
                        Ok::<_, Infallible>(http::Response::new(Full::new(bytes::Bytes::from(
                            body,
                        ))))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (address, served)
}

#[tokio::test]
async fn example_edge_cache_proxy_fetches_upstream_once() {
    let (origin, served) = upstream().await;
    // The example's upstream address, replaced by this test's.
    let (server, _dir) = serve_example_with(
        "edge-cache-proxy",
        &[],
        &[("http://127.0.0.1:9000", origin.as_str())],
    );

    let (status, headers, body) = call(&server, "GET", "/hello.txt", &[], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["x-proxy-cache"], "MISS");
    assert_eq!(body, "upstream /hello.txt #1");
    // The put runs after the answer (waitUntil): wait for it to land.
    let mut last = (HeaderMap::new(), String::new());
    for _ in 0..50 {
        let (_, headers, body) = call(&server, "GET", "/hello.txt", &[], "").await;
        last = (headers, body);
        if last.0["x-proxy-cache"] == "HIT" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(last.0["x-proxy-cache"], "HIT");
    assert_eq!(last.1, "upstream /hello.txt #1");
    assert_eq!(served.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn example_streaming_sends_events_as_they_come() {
    let (server, _dir) = serve_example("streaming", &[]);
    let request = http::Request::builder()
        .uri(server.url("/events?count=3"))
        .body(empty())
        .unwrap();
    let started = Instant::now();
    let response = client().request(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let first_at = started.elapsed();
    assert_eq!(first, ": stream opened\n\n");
    let rest = body.collect().await.unwrap().to_bytes();
    let total = started.elapsed();
    let text = String::from_utf8_lossy(&rest);
    assert_eq!(text.matches("data: tick").count(), 3, "{text}");
    assert!(text.ends_with("event: done\ndata: bye\n\n"), "{text}");
    // Three ticks 200 ms apart: the first chunk came well before the last.
    assert!(
        first_at + Duration::from_millis(400) <= total,
        "{first_at:?} vs {total:?}"
    );
}

#[tokio::test]
async fn example_ssr_renders_and_escapes() {
    let (server, _dir) = serve_example("ssr", &[]);
    let (status, headers, body) = call(&server, "GET", "/?name=Ada", &[], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(body.contains("<h1>Hello, Ada!</h1>"), "{body}");
    assert!(body.contains("<title>isogate SSR</title>"), "{body}");
    let (_, _, body) = call(&server, "GET", "/?name=%3Cb%3Ebold%3C/b%3E", &[], "").await;
    let name = "<h1>Hello, &#60;b&#62;bold&#60;/b&#62;!</h1>";
    assert!(body.contains(name), "{body}");
}

#[tokio::test]
async fn example_wasm_calls_the_imported_module() {
    let (server, _dir) = serve_example("wasm", &[]);
    let (status, _, body) = call(&server, "GET", "/add?a=2&b=40", &[], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, r#"{"a":2,"b":40,"sum":42}"#);
    let (status, _, _) = call(&server, "GET", "/add?a=x", &[], "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
