//! Tenants, versions and deployments over `/v1` with the real binary: created, uploaded,
//! load-checked, deployed, served, refused when hostile, and kept across `kill -9`.

mod common;

use std::time::Duration;

use common::deploy::*;
use common::*;
use http::StatusCode;
use serde_json::json;

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
    // A deployed version takes an isolate on its first request, not before.
    let isolates = |metrics: &str| {
        metrics
            .lines()
            .find(|line| line.starts_with("isogate_tenant_isolates{tenant=\"acme\"}"))
            .map(|line| line.rsplit(' ').next().unwrap().to_owned())
    };
    let (_, _, metrics) = get(&format!("{admin}/metrics")).await;
    assert_eq!(isolates(&metrics).as_deref(), Some("0"), "{metrics}");
    let (status, _, text) = host_get(&addr, "acme.test", "/anything").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "hello world, v1"));
    let (_, _, metrics) = get(&format!("{admin}/metrics")).await;
    assert_eq!(isolates(&metrics).as_deref(), Some("1"), "{metrics}");
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
    // The API's description needs no token, and names every path the API serves.
    let (status, openapi) = call(&admin, "GET", "/v1/openapi.json", Vec::new(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(openapi["openapi"], "3.1.0");
    for path in [
        "/v1/tenants/{name}/versions",
        "/v1/tenants/{name}/deployments",
        "/v1/tenants/{name}/secrets/{key}",
    ] {
        assert!(openapi["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn a_tenant_token_reaches_only_its_tenant_and_secrets_are_sealed_and_never_returned() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let text = std::fs::read_to_string(&file).unwrap();
    let key = "7f".repeat(32);
    std::fs::write(dir.path().join("secret.key"), &key).unwrap();
    std::fs::write(
        &file,
        format!("{text}\n[store]\nsecret_key = {{ file = \"secret.key\" }}\n"),
    )
    .unwrap();
    let server = DevServer::serve(&file, 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    for (name, host) in [("alpha", "alpha.test"), ("beta", "beta.test")] {
        let (status, _) = api(
            &admin,
            "PUT",
            &format!("/v1/tenants/{name}"),
            json!({ "hosts": [host] }).to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, created) = api(
        &admin,
        "POST",
        "/v1/tenants/alpha/tokens",
        br#"{"name":"ci"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let (status, _) = api(
        &admin,
        "POST",
        "/v1/tenants/alpha/tokens",
        br#"{"name":"ci"}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The tenant's token: its own tenant's versions, deployments and secrets.
    let handler = "export default { fetch(_r, env) { return new Response(`${env.DB_PASSWORD}|${env.PLAIN}`); } };\n";
    let body = upload(
        &json!({ "main": "index.js", "vars": { "PLAIN": "p" } }),
        &[("index.js", handler)],
    );
    let (status, version) = call(
        &admin,
        "POST",
        "/v1/tenants/alpha/versions",
        body.clone(),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    assert_eq!(version["by"], "alpha/ci");
    let (status, _) = call(
        &admin,
        "PUT",
        "/v1/tenants/alpha/secrets/DB_PASSWORD",
        b"hunter2".to_vec(),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &admin,
        "POST",
        "/v1/tenants/alpha/deployments",
        br#"{"versions":[{"id":1,"percentage":100}]}"#.to_vec(),
        &token,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, text) = host_get(&addr, "alpha.test", "/").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "hunter2|p"));
    let (status, listed) = call(&admin, "GET", "/v1/tenants", Vec::new(), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["tenants"].as_array().unwrap().len(), 1, "{listed}");

    // ... and nothing of another tenant, nor the admin's own operations.
    for (method, path, body) in [
        ("GET", "/v1/tenants/beta", Vec::new()),
        ("POST", "/v1/tenants/beta/versions", body.clone()),
        ("PUT", "/v1/tenants/beta/secrets/X", b"x".to_vec()),
        (
            "POST",
            "/v1/tenants/beta/deployments",
            br#"{"versions":[{"id":1,"percentage":100}]}"#.to_vec(),
        ),
        (
            "PUT",
            "/v1/tenants/alpha",
            br#"{"hosts":["alpha.test","stolen.test"]}"#.to_vec(),
        ),
        ("DELETE", "/v1/tenants/alpha", Vec::new()),
        (
            "POST",
            "/v1/tenants/alpha/tokens",
            br#"{"name":"more"}"#.to_vec(),
        ),
    ] {
        let (status, answer) = call(&admin, method, path, body, &token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
    }

    // Secrets are write-only: listings name them, nothing returns a value, and the store
    // holds them sealed.
    let (_, secrets) = api(&admin, "GET", "/v1/tenants/alpha/secrets", Vec::new()).await;
    assert_eq!(secrets, json!({ "secrets": ["DB_PASSWORD"] }));
    let (_, tenant) = api(&admin, "GET", "/v1/tenants/alpha", Vec::new()).await;
    assert!(!tenant.to_string().contains("hunter2"));
    let (_, tokens) = api(&admin, "GET", "/v1/tenants/alpha/tokens", Vec::new()).await;
    assert_eq!(tokens, json!({ "tokens": ["ci"] }));
    assert!(!tokens.to_string().contains(&token));
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.path().join(".isogate")).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(
        !stored.contains("hunter2") && !stored.contains(&token),
        "plaintext in the store"
    );

    // A revoked token is refused.
    let (status, _) = api(&admin, "DELETE", "/v1/tenants/alpha/tokens/ci", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&admin, "GET", "/v1/tenants/alpha", Vec::new(), &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn without_a_secret_key_the_secrets_api_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let server = DevServer::serve(&config(dir.path()), 2, &[]);
    let admin = server.addresses[1].clone();
    let (status, _) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme",
        br#"{"hosts":["acme.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = api(
        &admin,
        "PUT",
        "/v1/tenants/acme/secrets/TOKEN",
        b"plain".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "secrets_disabled");
    let (_, secrets) = api(&admin, "GET", "/v1/tenants/acme/secrets", Vec::new()).await;
    assert_eq!(secrets, json!({ "secrets": [] }));
}

#[tokio::test]
async fn kill_9_during_uploads_and_deployments_leaves_a_store_that_serves_its_live_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path());
    let mut acknowledged: Option<(u64, String)> = None;
    for round in 0..20u64 {
        let mut server = DevServer::serve(&file, 2, &[]);
        let addr = server.base.trim_start_matches("http://").to_owned();
        let admin = server.addresses[1].clone();
        // What the store says is live must be what is served, and name stored versions.
        let (_, deployments) =
            api(&admin, "GET", "/v1/tenants/crash/deployments", Vec::new()).await;
        if let Some(live) = deployments["deployments"].get(0) {
            let id = live["versions"][0]["id"].as_u64().unwrap();
            let (status, version) = api(
                &admin,
                "GET",
                &format!("/v1/tenants/crash/versions/{id}"),
                Vec::new(),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "round {round}: the live deployment names a missing version: {version}"
            );
            let (status, _, text) = host_get(&addr, "crash.test", "/").await;
            assert_eq!(
                (status, text),
                (
                    StatusCode::OK,
                    version["message"].as_str().unwrap().to_owned()
                ),
                "round {round}"
            );
            if let Some((acked, _)) = &acknowledged {
                assert!(
                    live["id"].as_u64().unwrap() >= *acked,
                    "round {round}: an acknowledged deployment was lost"
                );
            }
        } else {
            assert!(
                acknowledged.is_none(),
                "round {round}: the acknowledged deployment was lost"
            );
        }
        if round == 0 {
            let (status, _) = api(
                &admin,
                "PUT",
                "/v1/tenants/crash",
                br#"{"hosts":["crash.test"]}"#.to_vec(),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        // Uploads and deployments until killed, at a different moment each round.
        let done = std::sync::Arc::new(std::sync::Mutex::new(acknowledged.clone()));
        let writer = {
            let (admin, done) = (admin.clone(), done.clone());
            tokio::spawn(async move {
                for n in 0.. {
                    let text = format!("round {round} n {n}");
                    let handler = format!(
                        "export default {{ fetch() {{ return new Response({text:?}); }} }};\n"
                    );
                    let body = upload(
                        &json!({ "main": "index.js", "message": text }),
                        &[("index.js", handler.as_str())],
                    );
                    let Ok((StatusCode::CREATED, version)) =
                        try_call(&admin, "POST", "/v1/tenants/crash/versions", body, TOKEN).await
                    else {
                        break;
                    };
                    let request =
                        json!({ "versions": [{ "id": version["id"], "percentage": 100 }] });
                    let Ok((StatusCode::CREATED, deployed)) = try_call(
                        &admin,
                        "POST",
                        "/v1/tenants/crash/deployments",
                        request.to_string().into_bytes(),
                        TOKEN,
                    )
                    .await
                    else {
                        break;
                    };
                    *done.lock().unwrap() = Some((deployed["id"].as_u64().unwrap(), text));
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(150 + round * 37 % 400)).await;
        server.signal("KILL");
        server.wait_exit(Duration::from_secs(10)).expect("killed");
        // The writer stops once the process is gone; keep what it had acknowledged.
        tokio::time::timeout(Duration::from_secs(10), writer)
            .await
            .unwrap()
            .unwrap();
        acknowledged = done.lock().unwrap().clone();
    }
    assert!(
        acknowledged.is_some(),
        "no deployment was ever acknowledged"
    );
}

#[tokio::test]
async fn bundles_no_version_names_any_more_are_deleted_from_the_store() {
    use isogate_store::Store as _;
    let dir = tempfile::tempdir().unwrap();
    let server = DevServer::serve(&config(dir.path()), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    let bundle = |text: &str| {
        let handler = format!("export default {{ fetch: () => new Response({text:?}) }};\n");
        upload(
            &json!({ "main": "index.js" }),
            &[("index.js", handler.as_str())],
        )
    };
    let mut digests = Vec::new();
    for (tenant, text) in [("alpha", "shared"), ("beta", "shared"), ("alpha", "own")] {
        let spec = json!({ "hosts": [format!("{tenant}.test")] }).to_string();
        let path = format!("/v1/tenants/{tenant}");
        api(&admin, "PUT", &path, spec.into_bytes()).await;
        let (status, version) =
            api(&admin, "POST", &format!("{path}/versions"), bundle(text)).await;
        assert_eq!(status, StatusCode::CREATED, "{version}");
        digests.push(version["sha256"].as_str().unwrap().to_owned());
    }
    let (shared, own) = (digests[0].clone(), digests[2].clone());
    assert_eq!(digests[1], shared, "identical bundles are one");
    let deleted = |digest: &str| {
        let digest = digest.to_owned();
        move |logs: &str| {
            logs.lines()
                .any(|line| line.contains(&digest) && line.contains("deleted from the store"))
        }
    };

    // Alpha's own bundle goes with it; the one beta names too stays.
    let (status, _) = api(&admin, "DELETE", "/v1/tenants/alpha", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let logs = server.logs_when(deleted(&own));
    assert!(deleted(&own)(&logs), "{logs}");
    assert!(!deleted(&shared)(&logs), "{logs}");
    let body = json!({ "versions": [{ "id": 1, "percentage": 100 }] }).to_string();
    let (status, _) = api(
        &admin,
        "POST",
        "/v1/tenants/beta/deployments",
        body.clone().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, text) = host_get(&addr, "beta.test", "/").await;
    assert_eq!(text, "shared");

    // Then the shared one, with beta; uploaded again later, it is stored afresh.
    let (status, _) = api(&admin, "DELETE", "/v1/tenants/beta", Vec::new()).await;
    assert_eq!(status, StatusCode::OK);
    let logs = server.logs_when(deleted(&shared));
    assert!(deleted(&shared)(&logs), "{logs}");
    api(
        &admin,
        "PUT",
        "/v1/tenants/gamma",
        br#"{"hosts":["gamma.test"]}"#.to_vec(),
    )
    .await;
    let (status, version) = api(
        &admin,
        "POST",
        "/v1/tenants/gamma/versions",
        bundle("shared"),
    )
    .await;
    assert_eq!(
        (status, version["sha256"].as_str()),
        (StatusCode::CREATED, Some(shared.as_str()))
    );
    let (status, _) = api(
        &admin,
        "POST",
        "/v1/tenants/gamma/deployments",
        body.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, _, text) = host_get(&addr, "gamma.test", "/").await;
    assert_eq!(text, "shared");
    drop(server);

    let store =
        isogate_store::SqliteStore::open(&dir.path().join(".isogate/store.sqlite")).unwrap();
    let (entries, _) = store.list("bundles/").await.unwrap();
    let keys: Vec<&str> = entries.iter().map(|entry| entry.key.as_str()).collect();
    assert!(
        keys.iter()
            .all(|key| key.starts_with(&format!("bundles/{shared}/"))),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("bundles/{shared}/meta").as_str()),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_tenant_token_uploading_past_its_limit_is_told_to_wait_and_the_admin_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = DevServer::serve(&config(dir.path()), 2, &[]);
    let admin = server.addresses[1].clone();
    api(
        &admin,
        "PUT",
        "/v1/tenants/alpha",
        br#"{"hosts":["alpha.test"]}"#.to_vec(),
    )
    .await;
    let (_, created) = api(
        &admin,
        "POST",
        "/v1/tenants/alpha/tokens",
        br#"{"name":"ci"}"#.to_vec(),
    )
    .await;
    let token = created["token"].as_str().unwrap().to_owned();
    let bundle = |n: usize| {
        let handler = format!("export default {{ fetch: () => new Response('v{n}') }};\n");
        upload(
            &json!({ "main": "index.js" }),
            &[("index.js", handler.as_str())],
        )
    };
    // Ten at once, then one every 3 s: an upload loop hits the limit within a few more.
    let mut accepted = 0;
    let refused = loop {
        let (status, body) = call(
            &admin,
            "POST",
            "/v1/tenants/alpha/versions",
            bundle(accepted),
            &token,
        )
        .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break body;
        }
        assert_eq!(status, StatusCode::CREATED, "{body}");
        accepted += 1;
        assert!(accepted < 20, "20 uploads in a row were all accepted");
    };
    assert!(accepted >= 10, "refused after {accepted}");
    assert_eq!(refused["error"]["code"], "rate_limited");
    assert!(message(&refused).contains("retry in"), "{refused}");
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("{admin}/v1/tenants/alpha/versions"))
        .header("authorization", format!("Bearer {token}"))
        .body(http_body_util::BodyExt::boxed(
            http_body_util::BodyExt::map_err(
                http_body_util::Full::new(bytes::Bytes::from(bundle(99))),
                |never| match never {},
            ),
        ))
        .unwrap();
    let response = client().request(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&wait), "{wait}");
    // Nothing was stored for the refused uploads; the operator is not limited.
    let (_, versions) = api(&admin, "GET", "/v1/tenants/alpha/versions", Vec::new()).await;
    assert_eq!(versions["versions"].as_array().unwrap().len(), accepted);
    let (status, _) = api(&admin, "POST", "/v1/tenants/alpha/versions", bundle(100)).await;
    assert_eq!(status, StatusCode::CREATED);
}
