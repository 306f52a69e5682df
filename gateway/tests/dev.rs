//! `isogate dev` end to end: the built binary on 127.0.0.1:0, real HTTP, real isolates.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use http_body_util::StreamBody;
use hyper::body::Frame;
use sha2::Digest;

#[tokio::test]
async fn dev_serves_js_example_hello() {
    let hello =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/handler.js");
    let server = DevServer::start(&hello, &[]);
    let (status, headers, body) = get(&server.url("/abc")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "Hello from isogate! You asked for /abc\n");
    assert!(headers.contains_key("x-request-id"));
    let logs = server.logs_when(|logs| logs.contains("isogate::access"));
    assert!(logs.contains("isogate::access"), "{logs}");
}

#[tokio::test]
async fn dev_ts_handler_sees_env_json_imports_and_real_url() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("vars.env");
    std::fs::write(&env_file, "# comment\nFROM_FILE=\"from the file\"\n").unwrap();
    let server = DevServer::start(
        &fixture("app"),
        &[
            "--env",
            "GREETING=hello",
            "--env-file",
            env_file.to_str().unwrap(),
        ],
    );
    let (status, _, body) = get(&server.url("/env")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["greeting"], "hello");
    assert_eq!(json["fromFile"], "from the file");
    assert_eq!(json["config"]["name"], "fixture-app");

    let request = http::Request::get(server.url("/echo?q=1"))
        .header("x-test", "yes")
        .header("x-request-id", "echo-req-7")
        .body(empty())
        .unwrap();
    let response = client().request(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["method"], "GET");
    assert_eq!(json["url"], server.url("/echo?q=1"));
    assert_eq!(json["header"], "yes");
    // console.* lines reach the gateway's log tagged with the request id, across awaits.
    let logged = |logs: &str, message: &str| {
        logs.lines()
            .any(|l| l.contains(message) && l.contains("echo-req-7"))
    };
    let logs = server.logs_when(|logs| logged(logs, "echo after await"));
    for message in ["echo handler ran", "echo after await"] {
        assert!(
            logged(&logs, message),
            "{message} not logged with its request id:\n{logs}"
        );
    }
}

#[tokio::test]
async fn dev_handler_sees_no_host_globals() {
    let server = DevServer::start(&fixture("app"), &[]);
    let (_, _, body) = get(&server.url("/globals")).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["Deno"], "undefined");
    assert_eq!(json["process"], "undefined");
    assert_eq!(json["require"], "undefined");
    assert_eq!(json["self"], true);
    assert_eq!(json["userAgent"], "Cloudflare-Workers");
}

#[tokio::test]
async fn dev_thrown_error_gives_500_with_source_mapped_stack() {
    let server = DevServer::start(&fixture("app"), &[]);
    let (status, headers, body) = get(&server.url("/throw")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["isogate-error"], "handler-threw");
    assert!(body.contains("RangeError: deliberate failure"), "{body}");
    // The throw is on line 15 of the TypeScript source, not of the transpiled JS.
    assert!(body.contains("handler.ts:15:"), "{body}");
    let request_id = headers["x-request-id"].to_str().unwrap().to_owned();
    let threw_logged = |logs: &str| {
        logs.lines()
            .any(|l| l.contains("handler threw") && l.contains(&request_id))
    };
    let logs = server.logs_when(threw_logged);
    assert!(threw_logged(&logs), "{logs}");
}

#[tokio::test]
async fn dev_streamed_response_first_chunk_arrives_before_producer_finishes() {
    let server = DevServer::start(&fixture("app"), &[]);
    let response = client()
        .get(server.url("/stream").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
        .await
        .expect("first chunk before the producer is released")
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(&first[..], b"first;");
    // The producer is still waiting: only now let it finish.
    let (_, _, released) = get(&server.url("/release")).await;
    assert_eq!(released, "released");
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"last");
}

#[tokio::test]
async fn dev_fixed_length_stream_body_is_sent_with_its_content_length() {
    let server = DevServer::start(&fixture("app"), &[]);
    let (status, headers, body) = get(&server.url("/fixed")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-length"], "11");
    assert!(headers.get("transfer-encoding").is_none(), "{headers:?}");
    assert_eq!(body, "fixed bytes");
}

#[tokio::test]
async fn dev_10mb_upload_streams_into_js_and_hashes_with_subtle_crypto() {
    let server = DevServer::start(&fixture("app"), &[]);
    const CHUNK: usize = 64 * 1024;
    const TOTAL: usize = 10 * 1024 * 1024;
    let data: Vec<u8> = (0..TOTAL).map(|i| (i * 31 % 251) as u8).collect();
    let expected = hex(&sha2::Sha256::digest(&data));
    let chunks: Vec<Result<Frame<Bytes>, std::io::Error>> = data
        .chunks(CHUNK)
        .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let body = StreamBody::new(futures::stream::iter(chunks)).boxed();
    let request = http::Request::post(server.url("/upload"))
        .body(body)
        .unwrap();
    let response = client().request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["size"], TOTAL);
    assert_eq!(json["sha256"], expected);
    assert!(
        json["chunks"].as_u64().unwrap() > 1,
        "body arrived in one piece: {json}"
    );
}

#[tokio::test]
async fn dev_wait_until_work_finishes_after_response() {
    let server = DevServer::start(&fixture("app"), &[]);
    let (status, _, _) = get(&server.url("/wait-until")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (_, body) = poll_until(
        &server.url("/wait-until/status"),
        Duration::from_secs(10),
        |_, b| b.contains("\"backgroundDone\":1"),
    )
    .await;
    assert!(body.contains("\"backgroundDone\":1"), "{body}");
}

#[tokio::test]
async fn dev_fetch_refuses_file_scheme() {
    let server = DevServer::start(&fixture("app"), &["--allow-private-net"]);
    let (status, _, body) = get(&server.url("/fetch?url=file:///etc/passwd")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("refused"), "{body}");
    assert!(!body.contains("root:"), "{body}");
}

async fn start_upstream() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"from upstream",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (format!("http://{addr}/"), task)
}

#[tokio::test]
async fn dev_fetch_reaches_loopback_upstream_only_when_allowed() {
    let (upstream, task) = start_upstream().await;
    let allowed = DevServer::start(
        &fixture("app"),
        &[
            "--allow-private-net",
            "--env",
            &format!("UPSTREAM={upstream}"),
        ],
    );
    let (status, _, body) = get(&allowed.url("/fetch")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "upstream 200: from upstream");

    let denied = DevServer::start(&fixture("app"), &["--env", &format!("UPSTREAM={upstream}")]);
    let (status, _, body) = get(&denied.url("/fetch")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body.contains("refused"), "{body}");
    task.abort();
}

#[tokio::test]
async fn dev_remote_import_is_refused_with_reason() {
    let server = DevServer::start(&fixture("remote_import"), &[]);
    let (status, headers, body) = get(&server.url("/")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["isogate-error"], "module-load");
    assert!(
        body.contains("remote import \"https://deno.land/std/http/server.ts\" is not supported"),
        "{body}"
    );
}

#[tokio::test]
async fn dev_event_listener_handler_responds() {
    let server = DevServer::start(&fixture("listener"), &[]);
    let (status, _, body) = get(&server.url("/x")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "listener saw /x");
}

#[tokio::test]
async fn dev_syntax_error_is_reported_then_fixed_by_reload() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.ts");
    std::fs::write(
        &handler,
        "export default {\n  fetch() {\n    return new Response(\"ok\"\n  },\n};\n",
    )
    .unwrap();
    let server = DevServer::start(&handler, &[]);
    let (status, headers, body) = get(&server.url("/")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(headers["isogate-error"], "module-load");
    assert!(body.contains("handler.ts:4:"), "no file:line:col in {body}");

    std::fs::write(
        &handler,
        "export default {\n  fetch() {\n    return new Response(\"fixed\");\n  },\n};\n",
    )
    .unwrap();
    let (status, body) = poll_until(&server.url("/"), Duration::from_secs(20), |s, _| {
        s == StatusCode::OK
    })
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "fixed");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn dev_console_objects_are_logged_as_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.js");
    std::fs::write(
        &handler,
        "export default { fetch() { console.log({ a: 1, s: \"x\" }, [true]); return new Response(\"ok\"); } };",
    )
    .unwrap();
    let server = DevServer::start(&handler, &[]);
    let (status, _, _) = get(&server.url("/")).await;
    assert_eq!(status, StatusCode::OK);
    let logs = server.logs_when(|logs| logs.contains("{ a: 1"));
    assert!(logs.contains(r#"{ a: 1, s: "x" } [ true ]"#), "{logs}");
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in the log: {logs:?}"
    );
}

#[tokio::test]
async fn dev_serves_a_wrangler_project_with_its_vars_and_dev_vars() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("wrangler.toml"),
        "name = \"app\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2026-11-01\"\n\
         [vars]\nGREETING = \"hello\"\nLEVEL = 3\n\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"x\"\n",
    )
    .unwrap();
    std::fs::write(root.join(".dev.vars"), "SECRET=from-dev-vars\nLEVEL=4\n").unwrap();
    std::fs::write(
        root.join("src/index.ts"),
        "export default { fetch(_r: Request, env: Record<string, string>) { \
         return new Response(`${env.GREETING} ${env.SECRET} ${env.LEVEL} ${env.EXTRA}`); } };",
    )
    .unwrap();
    // The folder, as `isogate dev` in a wrangler project takes it; --env wins over both.
    let server = DevServer::start(root, &["--env", "EXTRA=flag"]);
    let (status, _, body) = get(&server.url("/")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "hello from-dev-vars 4 flag")
    );
    let logs = server.logs_when(|logs| logs.contains("kv_namespaces"));
    assert!(
        logs.contains("`kv_namespaces` is not supported by isogate and is ignored"),
        "{logs}"
    );

    // A module of the project named instead: the project's vars apply to it all the same.
    drop(server);
    let server = DevServer::start(&root.join("src/index.ts"), &[]);
    let (status, _, body) = get(&server.url("/")).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "hello from-dev-vars 4 undefined")
    );

    // A folder without a wrangler config is refused with what to do.
    let empty = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("dev")
        .arg(empty.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("has no wrangler.toml, wrangler.json or wrangler.jsonc"),
        "{stderr}"
    );
}

#[tokio::test]
async fn dev_reloads_when_the_projects_tsconfig_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, text) in [
        ("package.json", "{ \"name\": \"app\" }"),
        ("tsconfig.json", "{ \"compilerOptions\": { \"paths\": { \"@/*\": [\"./a/*\"] } } }"),
        ("a/value.ts", "export const value = \"from a\";"),
        ("b/value.ts", "export const value = \"from b\";"),
        (
            "src/index.ts",
            "import { value } from \"@/value\";\nexport default { fetch() { return new Response(value); } };",
        ),
    ] {
        std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
        std::fs::write(root.join(path), text).unwrap();
    }
    let server = DevServer::start(&root.join("src/index.ts"), &[]);
    let (status, _, body) = get(&server.url("/")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "from a"));
    // The tsconfig lies outside the handler's folder, at the project root.
    std::fs::write(
        root.join("tsconfig.json"),
        "{ \"compilerOptions\": { \"paths\": { \"@/*\": [\"./b/*\"] } } }",
    )
    .unwrap();
    let (status, body) = poll_until(&server.url("/"), Duration::from_secs(10), |_, body| {
        body == "from b"
    })
    .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "from b"));
}
