//! Gradual deployments with the real binary: a split within binomial bounds, one client on
//! one version, `isogate-version`, rollback, and automatic rollback of a failing version.

mod common;

use std::time::Duration;

use common::deploy::*;
use common::*;
use http::StatusCode;
use serde_json::json;
use serde_json::Value;

use http_body_util::BodyExt;

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
    // Clients behind a trusted proxy are told apart by the address it reports.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replacen(
            "[server]\n",
            "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n",
            1,
        ),
    )
    .unwrap();
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

    let (_, _, usage) = get(&format!("{admin}/admin/usage?tenant=split")).await;
    let usage: Value = serde_json::from_str(&usage).unwrap();
    assert_eq!(usage["versions"][1]["version"], 2, "{usage}");
    assert!(
        usage["versions"][1]["requests"].as_u64().unwrap() >= 55,
        "{usage}"
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

    // By default a split is sticky by the client's address (behind the trusted proxy, the
    // one it reports).
    let (status, _) = api(
        &admin,
        "PUT",
        "/v1/tenants/byclient",
        br#"{"hosts":["byclient.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    for text in ["a", "b"] {
        let (status, _) = api(
            &admin,
            "POST",
            "/v1/tenants/byclient/versions",
            version(Some(text)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = api(
        &admin,
        "POST",
        "/v1/tenants/byclient/deployments",
        br#"{"versions":[{"id":1,"percentage":50},{"id":2,"percentage":50}]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let from = |client: String| {
        let addr = addr.clone();
        async move {
            let request = http::Request::builder()
                .uri(format!("http://{addr}/"))
                .header("host", "byclient.test")
                .header("x-forwarded-for", client)
                .body(empty())
                .unwrap();
            client_request(request).await.1
        }
    };
    let mut seen = std::collections::BTreeMap::new();
    for n in 0..200 {
        let client = format!("10.0.{}.{}", n / 250, n % 250 + 1);
        let first = from(client.clone()).await;
        assert_eq!(from(client).await, first, "one client, one version");
        *seen.entry(first).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen.values().all(|count| (60..=140).contains(count)),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_new_deployment_never_answers_from_what_the_previous_one_cached() {
    let dir = tempfile::tempdir().unwrap();
    let server = DevServer::serve(&config(dir.path()), 2, &[]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let admin = server.addresses[1].clone();
    let (status, _) = api(
        &admin,
        "PUT",
        "/v1/tenants/cached",
        br#"{"hosts":["cached.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    for text in ["one", "two"] {
        let handler = format!(
            "export default {{ fetch() {{ return new Response({text:?}, {{ headers: {{ 'cache-control': 'max-age=3600' }} }}); }} }};\n"
        );
        let body = upload(
            &json!({ "main": "index.js" }),
            &[("index.js", handler.as_str())],
        );
        let (status, version) = api(&admin, "POST", "/v1/tenants/cached/versions", body).await;
        assert_eq!(status, StatusCode::CREATED);
        let request = json!({ "versions": [{ "id": version["id"], "percentage": 100 }] });
        let (status, _) = api(
            &admin,
            "POST",
            "/v1/tenants/cached/deployments",
            request.to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, _, first) = host_get(&addr, "cached.test", "/page").await;
        let (_, headers, again) = host_get(&addr, "cached.test", "/page").await;
        assert_eq!((first.as_str(), again.as_str()), (text, text));
        let cache_status = headers
            .get("cache-status")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cache_status.contains("hit"), "{cache_status}");
    }

    // A split: each version answers from its own entries, and a write through either one
    // invalidates the URL in both.
    let request =
        json!({ "versions": [{ "id": 1, "percentage": 50 }, { "id": 2, "percentage": 50 }] });
    let (status, _) = api(
        &admin,
        "POST",
        "/v1/tenants/cached/deployments",
        request.to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let ask = |version: &'static str, method: &'static str| {
        let addr = addr.clone();
        async move {
            let request = http::Request::builder()
                .method(method)
                .uri(format!("http://{addr}/page"))
                .header("host", "cached.test")
                .header("isogate-version", version)
                .body(empty())
                .unwrap();
            let response = client().request(request).await.unwrap();
            let status = response
                .headers()
                .get("cache-status")
                .map(|value| value.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (String::from_utf8_lossy(&body).into_owned(), status)
        }
    };
    for (version, text) in [("1", "one"), ("2", "two"), ("1", "one"), ("2", "two")] {
        let (body, _) = ask(version, "GET").await;
        assert_eq!(body, text, "version {version}");
    }
    for (version, text) in [("1", "one"), ("2", "two")] {
        let (body, status) = ask(version, "GET").await;
        assert_eq!(body, text);
        assert!(status.contains("hit"), "version {version}: {status}");
    }
    let (_, _) = ask("1", "POST").await;
    for version in ["1", "2"] {
        let (_, status) = ask(version, "GET").await;
        assert!(
            !status.contains("hit"),
            "version {version} after a write: {status}"
        );
    }
}
