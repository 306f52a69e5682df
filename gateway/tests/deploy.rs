//! Tenants, versions and deployments over `/v1` with the real binary: created, uploaded,
//! load-checked, deployed, served, refused when hostile, and kept across `kill -9`.

mod common;

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use isogate_gateway::deploy::archive;
use serde_json::json;
use serde_json::Value;

const TOKEN: &str = "deploy-test-token";

/// A config with an HTTP and an admin listener, the API's token, and one file tenant.
fn config(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::write(
        dir.join("site/handler.js"),
        "export default { fetch() { return new Response('from the file'); } };\n",
    )
    .unwrap();
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let file = dir.join("isogate.toml");
    std::fs::write(
        &file,
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\
         admin_token = { file = \"token\" }\n\n\
         [[tenants]]\nname = \"filed\"\nhosts = [\"filed.test\"]\n\
         [[tenants.routes]]\npath = \"/{*rest}\"\nhandler = \"site/handler.js\"\n",
    )
    .unwrap();
    file
}

/// One `/v1` call: its status and JSON body.
async fn call(
    admin: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
    token: &str,
) -> (StatusCode, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("{admin}{path}"))
        .header("authorization", format!("Bearer {token}"))
        .body(
            Full::new(Bytes::from(body))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap();
    let response = client().request(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, value)
}

async fn api(admin: &str, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    call(admin, method, path, body, TOKEN).await
}

/// A version upload: `files` and a manifest.
fn upload(manifest: &Value, files: &[(&str, &str)]) -> Vec<u8> {
    let manifest = serde_json::to_vec(manifest).unwrap();
    archive::pack(
        files.iter().map(|(name, text)| (*name, text.as_bytes())),
        Some(&manifest),
    )
    .unwrap()
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_tenant_deployed_over_the_api_is_served_refused_when_broken_and_kept_across_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let mut server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();

    // The spec is checked field by field; names and hosts of the file are its own.
    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test","bad..host"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid");
    assert!(
        message(&body).starts_with("hosts[1]: invalid host"),
        "{body}"
    );
    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test"],"limits":{"cpu_ms":"lots"}}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).starts_with("limits.cpu_ms: "), "{body}");
    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/filed",
        br#"{"hosts":["other.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("isogate.toml"), "{body}");
    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["FILED.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(message(&body).contains("tenant \"filed\""), "{body}");

    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test"],"limits":{"cpu_ms":200}}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["source"], "api");
    let (status, _) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test"],"limits":{"cpu_ms":200}}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // No deployment yet: nothing serves its host.
    let (status, _, _) = host_get(&addr, "acme.test", "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let v1 = upload(
        &json!({ "main": "src/index.ts", "vars": { "WHO": "world" }, "message": "first" }),
        &[
            ("src/index.ts", "import { greet } from './greet.ts';\nexport default { fetch(_r: Request, env: { WHO: string }) { return new Response(greet(env.WHO)); } };\n"),
            ("src/greet.ts", "export const greet = (who: string): string => `hello ${who}, v1`;\n"),
        ],
    );
    let (status, version) = api(&admin, "POST", "/v1/tenants/acme/versions", v1.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["id"], 1);
    assert_eq!(version["files"], 2);
    assert_eq!(version["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(version["routes"][0]["handler"], "src/index.ts");

    // A syntax error is refused naming file:line:col, and nothing is stored.
    let broken = upload(
        &json!({ "main": "src/index.ts" }),
        &[(
            "src/index.ts",
            "export default {\n  fetch() { return new Response('x' }\n};\n",
        )],
    );
    let (status, body) = api(&admin, "POST", "/v1/tenants/acme/versions", broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "load_failed");
    assert!(message(&body).contains("src/index.ts:2:"), "{body}");
    let thrown = upload(
        &json!({ "main": "main.js" }),
        &[(
            "main.js",
            "throw new Error('boom at the top');\nexport default {};\n",
        )],
    );
    let (status, body) = api(&admin, "POST", "/v1/tenants/acme/versions", thrown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        message(&body).contains("boom at the top") && message(&body).contains("main.js:1:"),
        "{body}"
    );
    let lacking = upload(
        &json!({ "main": "src/absent.ts" }),
        &[("src/index.ts", "export default {};\n")],
    );
    let (status, body) = api(&admin, "POST", "/v1/tenants/acme/versions", lacking).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        message(&body).contains("isogate.manifest.json: main"),
        "{body}"
    );
    let (_, listed) = api(&admin, "GET", "/v1/tenants/acme/versions", Vec::new()).await;
    assert_eq!(listed["versions"].as_array().unwrap().len(), 1, "{listed}");

    let (status, body) = api(
        &admin,
        "POST",
        "/v1/tenants/acme/deployments",
        br#"{"versions":[{"id":7,"percentage":100}]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(message(&body).starts_with("versions[0].id"), "{body}");
    let (status, deployment) = api(
        &admin,
        "POST",
        "/v1/tenants/acme/deployments",
        br#"{"versions":[{"id":1,"percentage":100}],"message":"go"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{deployment}");
    assert_eq!(deployment["served"], true);
    assert_eq!(deployment["by"], "admin");
    let (status, _, text) = host_get(&addr, "acme.test", "/anything").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "hello world, v1"));
    let (status, _, text) = host_get(&addr, "filed.test", "/").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "from the file"));
    let (_, listed) = api(&admin, "GET", "/v1/tenants", Vec::new()).await;
    let names: Vec<&str> = listed["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["acme", "filed"], "{listed}");

    // kill -9, then a restart serves exactly the last acknowledged deployment.
    server.signal("KILL");
    server.wait_exit(Duration::from_secs(10)).expect("killed");
    let server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let (status, _, text) = host_get(&addr, "acme.test", "/").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "hello world, v1"));
    let admin = server.addresses[1].clone();
    let (status, _) = api(&admin, "DELETE", "/v1/tenants/acme", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = host_get(&addr, "acme.test", "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api(&admin, "GET", "/v1/tenants/acme/versions", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn hostile_uploads_and_wrong_tokens_are_refused_with_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let server = DevServer::serve(&file, 2, &[]);
    let admin = server.addresses[1].clone();

    let (status, body) = call(&admin, "GET", "/v1/tenants", Vec::new(), "wrong").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = call(
        &admin,
        "PUT",
        "/v1/tenants/x",
        br#"{"hosts":["x.test"]}"#.to_vec(),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test"],"max_version_mb":1}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let manifest = br#"{"main":"index.js"}"#;
    let tar = |entries: &[(&str, tar::EntryType, &[u8])]| {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::best(),
        ));
        for (name, kind, contents) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(*kind);
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                header.set_link_name("/etc/passwd").unwrap();
            }
            // Raw names, as a hostile client writes them (the builder would refuse `..`).
            let raw = &mut header.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            builder.append(&header, *contents).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    };
    let handler: &[u8] = b"export default { fetch() { return new Response('x'); } };";
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "parent",
            tar(&[
                ("isogate.manifest.json", tar::EntryType::Regular, manifest),
                ("../escape.js", tar::EntryType::Regular, handler),
                ("index.js", tar::EntryType::Regular, handler),
            ]),
            StatusCode::BAD_REQUEST,
            "outside the root",
        ),
        (
            "absolute",
            tar(&[
                ("isogate.manifest.json", tar::EntryType::Regular, manifest),
                ("/etc/cron.js", tar::EntryType::Regular, handler),
                ("index.js", tar::EntryType::Regular, handler),
            ]),
            StatusCode::BAD_REQUEST,
            "absolute",
        ),
        (
            "link",
            tar(&[
                ("isogate.manifest.json", tar::EntryType::Regular, manifest),
                ("index.js", tar::EntryType::Symlink, b""),
            ]),
            StatusCode::BAD_REQUEST,
            "links",
        ),
        (
            "bomb",
            tar(&[
                ("isogate.manifest.json", tar::EntryType::Regular, manifest),
                ("index.js", tar::EntryType::Regular, &vec![b' '; 80 << 20]),
            ]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "bytes",
        ),
        (
            "garbage",
            b"\x1f\x8b\x08\x00garbage that is not gzip".to_vec(),
            StatusCode::BAD_REQUEST,
            "not a readable",
        ),
        (
            "no manifest",
            tar(&[("index.js", tar::EntryType::Regular, handler)]),
            StatusCode::BAD_REQUEST,
            "isogate.manifest.json",
        ),
    ];
    for (name, body, expected, said) in cases {
        let (status, answer) = api(&admin, "POST", "/v1/tenants/acme/versions", body).await;
        assert_eq!(status, expected, "{name}: {answer}");
        assert!(message(&answer).contains(said), "{name}: {answer}");
    }
    // An upload past the tenant's cap is refused from its head, its body never read.
    let mut stream = tokio::net::TcpStream::connect(admin.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /v1/tenants/acme/versions HTTP/1.1\r\nhost: admin\r\nauthorization: Bearer {TOKEN}\r\n\
         content-length: {}\r\n\r\n",
        2u64 << 30
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::io::AsyncReadExt::read(&mut stream, &mut answer),
    )
    .await
    .expect("answered without the body")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 1048576 bytes"), "{answer}");

    let (_, listed) = api(&admin, "GET", "/v1/tenants/acme/versions", Vec::new()).await;
    assert_eq!(listed["versions"], json!([]), "{listed}");
    let (status, _) = api(&admin, "GET", "/v1/nothing", Vec::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A version answering `text`, or throwing when `text` is `None`.
fn version(text: Option<&str>) -> Vec<u8> {
    let handler = match text {
        Some(text) => {
            format!("export default {{ fetch() {{ return new Response({text:?}); }} }};\n")
        }
        None => "export default { fetch() { throw new Error('v3 is broken'); } };\n".to_owned(),
    };
    upload(
        &json!({ "main": "index.js" }),
        &[("index.js", handler.as_str())],
    )
}

async fn sticky_get(addr: &str, client: &str, extra: Option<(&str, &str)>) -> (StatusCode, String) {
    let mut builder = http::Request::builder()
        .uri(format!("http://{addr}/"))
        .header("host", "split.test")
        .header("x-client", client);
    if let Some((name, value)) = extra {
        builder = builder.header(name, value);
    }
    client_request(builder.body(empty()).unwrap()).await
}

async fn client_request(request: http::Request<TestBody>) -> (StatusCode, String) {
    let response = client().request(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::test]
async fn a_split_deployment_keeps_clients_on_one_version_and_rolls_back_on_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    let spec = br#"{"hosts":["split.test"],"stickiness":{"header":"x-client"}}"#;
    let (status, _) = api(&admin, "PUT", "/v1/tenants/split", spec.to_vec()).await;
    assert_eq!(status, StatusCode::CREATED);
    for (id, text) in [(1, Some("v1")), (2, Some("v2")), (3, None)] {
        let (status, body) = api(&admin, "POST", "/v1/tenants/split/versions", version(text)).await;
        assert_eq!(
            (status, body["id"].as_u64()),
            (StatusCode::CREATED, Some(id)),
            "{body}"
        );
    }
    let deploy = |versions: Value| {
        let admin = admin.clone();
        async move {
            let (status, body) = api(
                &admin,
                "POST",
                "/v1/tenants/split/deployments",
                serde_json::to_vec(&versions).unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["served"], true, "{body}");
            body
        }
    };
    deploy(json!({ "versions": [{ "id": 1, "percentage": 90 }, { "id": 2, "percentage": 10 }] }))
        .await;

    // 1,000 clients: v2's share is binomial (n = 1000, p = 0.1: mean 100, σ ≈ 9.5).
    let mut second = 0;
    for client in 0..1000 {
        let (status, text) = sticky_get(&addr, &format!("client-{client}"), None).await;
        assert_eq!(status, StatusCode::OK);
        second += usize::from(text == "v2");
    }
    assert!((55..=145).contains(&second), "v2 served {second} of 1000");
    // One client stays on one version; a request may ask for a version of the deployment.
    let (_, first) = sticky_get(&addr, "the-same-client", None).await;
    for _ in 0..20 {
        assert_eq!(sticky_get(&addr, "the-same-client", None).await.1, first);
    }
    for (asked, answer) in [("1", "v1"), ("2", "v2")] {
        let (_, text) = sticky_get(&addr, "anyone", Some(("isogate-version", asked))).await;
        assert_eq!(text, answer);
    }
    let (_, _, metrics) = get(&format!("{admin}/metrics")).await;
    assert!(
        metrics.contains(
            "isogate_version_requests_total{tenant=\"split\",version=\"2\",class=\"2xx\"}"
        ),
        "{metrics}"
    );

    // Rollback is a deployment of an earlier version.
    deploy(json!({ "versions": [{ "id": 1, "percentage": 100 }], "message": "rollback" })).await;
    for client in 0..50 {
        assert_eq!(
            sticky_get(&addr, &format!("client-{client}"), None).await.1,
            "v1"
        );
    }

    // A v3 that throws, at half the traffic with automatic rollback: back to v1 on its own.
    deploy(json!({
        "versions": [{ "id": 1, "percentage": 50 }, { "id": 3, "percentage": 50 }],
        "auto_rollback": { "max_error_ratio": 0.1, "min_requests": 20 },
    }))
    .await;
    let mut failed = 0;
    for client in 0..200 {
        let (status, _) = sticky_get(&addr, &format!("client-{client}"), None).await;
        failed += usize::from(status.is_server_error());
    }
    assert!(failed > 20, "{failed}");
    let mut history = Value::Null;
    for _ in 0..100 {
        history = api(&admin, "GET", "/v1/tenants/split/deployments", Vec::new())
            .await
            .1;
        if history["deployments"][0]["by"] == "auto-rollback" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let latest = &history["deployments"][0];
    assert_eq!(latest["by"], "auto-rollback", "{history}");
    assert_eq!(latest["versions"], json!([{ "id": 1, "percentage": 100 }]));
    assert!(
        latest["message"]
            .as_str()
            .unwrap()
            .contains("automatic rollback of deployment 3"),
        "{latest}"
    );
    let mut all_v1 = false;
    for _ in 0..50 {
        let mut answers = Vec::new();
        for client in 0..50 {
            answers.push(sticky_get(&addr, &format!("client-{client}"), None).await.1);
        }
        all_v1 = answers.iter().all(|text| text == "v1");
        if all_v1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(all_v1, "v1 serves everyone after the rollback");
}

/// Runs `isogate ARGS` against `admin`; its exit status, stdout and stderr.
fn cli(admin: &str, args: &[&str]) -> (bool, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(args)
        .env("ISOGATE_SERVER", admin)
        .env("ISOGATE_TOKEN", TOKEN)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_creates_deploys_lists_and_rolls_back_packing_only_what_the_module_graph_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();

    let project = dir.path().join("project");
    let write = |name: &str, text: &str| {
        let path = project.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "wrangler.toml",
        "name = \"app\"\nmain = \"src/index.ts\"\n[vars]\nGREETING = \"hi\"\n",
    );
    write("package.json", "{\"name\":\"app\",\"type\":\"module\"}\n");
    write(
        "node_modules/shout/package.json",
        "{\"name\":\"shout\",\"main\":\"index.js\"}\n",
    );
    write(
        "node_modules/shout/index.js",
        "module.exports = (text) => text.toUpperCase();\n",
    );
    write("node_modules/unused/index.js", "module.exports = 1;\n");
    write("src/index.ts", "import shout from 'shout';\nimport { tail } from './tail.ts';\nexport default { fetch(_r: Request, env: { GREETING: string }) { return new Response(shout(env.GREETING) + tail); } };\n");
    write("src/tail.ts", "export const tail: string = ' v1';\n");
    write("src/notes.md", "not code\n");
    write(
        "test/big.test.ts",
        &"// a test the handler never imports\n".repeat(1000),
    );

    let (ok, out, err) = cli(&admin, &["tenants", "create", "app", "--host", "app.test"]);
    assert!(ok, "{out}{err}");
    let (ok, out, err) = cli(
        &admin,
        &[
            "deploy",
            project.to_str().unwrap(),
            "--tenant",
            "app",
            "--message",
            "one",
            "--tag",
            "r1",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("deployed version 1 to app at 100%"), "{out}");
    assert!(err.contains("uploading 5 files"), "{err}");
    let (status, _, text) = host_get(&addr, "app.test", "/").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "HI v1"));
    let (_, version) = api(&admin, "GET", "/v1/tenants/app/versions/1", Vec::new()).await;
    assert_eq!(version["files"], 5, "{version}");
    assert_eq!(version["tag"], "r1");

    std::fs::write(
        project.join("src/tail.ts"),
        "export const tail: string = ' v2';\n",
    )
    .unwrap();
    let (ok, out, err) = cli(
        &admin,
        &[
            "deploy",
            project.to_str().unwrap(),
            "--tenant",
            "app",
            "--json",
        ],
    );
    assert!(ok, "{out}{err}");
    let deployment: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        deployment["versions"],
        json!([{ "id": 2, "percentage": 100 }])
    );
    assert_eq!(host_get(&addr, "app.test", "/").await.2, "HI v2");

    let (ok, out, _) = cli(&admin, &["deployments", "list", "--tenant", "app"]);
    assert!(ok && out.lines().count() == 3, "{out}");
    let (ok, out, err) = cli(&admin, &["rollback", "--tenant", "app"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("app serves version 1"), "{out}");
    assert_eq!(host_get(&addr, "app.test", "/").await.2, "HI v1");
    let (ok, out, _) = cli(&admin, &["versions", "list", "--tenant", "app"]);
    assert!(
        ok && out.contains("r1") && out.lines().count() == 3,
        "{out}"
    );

    // A broken project is refused before upload, naming the file and line.
    std::fs::write(
        project.join("src/tail.ts"),
        "export const tail: string = ;\n",
    )
    .unwrap();
    let (ok, _, err) = cli(
        &admin,
        &["deploy", project.to_str().unwrap(), "--tenant", "app"],
    );
    assert!(!ok && err.contains("src/tail.ts:1:"), "{err}");
    let (ok, _, err) = cli(
        &admin,
        &[
            "deploy",
            dir.path().join("site").to_str().unwrap(),
            "--tenant",
            "app",
        ],
    );
    assert!(
        !ok && err.contains("no isogate.manifest.json and no wrangler config"),
        "{err}"
    );
    let (ok, _, err) = cli(&admin, &["versions", "list", "--tenant", "nobody"]);
    assert!(!ok && err.contains("no tenant \"nobody\""), "{err}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["tenants", "list", "--server", &admin])
        .env_remove("ISOGATE_TOKEN")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass --token or set ISOGATE_TOKEN"));
}
