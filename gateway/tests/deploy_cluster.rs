//! Two gateways on one real etcd (Debian's `etcd-server`, started here on free loopback
//! ports with a data folder of its own): a deploy made through either is served by both;
//! with etcd gone both keep serving their last state and writes answer 503.

mod common;

use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

use common::deploy::*;
use common::*;
use http::StatusCode;
use serde_json::json;

/// One etcd server; killed when dropped.
struct Etcd {
    child: Child,
    endpoint: String,
    peer: String,
    data: tempfile::TempDir,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap()
}

/// Runs etcd on `endpoint` and `peer` with its data in `data`, once it listens.
fn run_etcd(endpoint: &str, peer: &str, data: &std::path::Path) -> Child {
    let child = Command::new("etcd")
        .args(["--name", "gateway-test", "--data-dir"])
        .arg(data)
        .args([
            "--listen-client-urls",
            endpoint,
            "--advertise-client-urls",
            endpoint,
        ])
        .args([
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
        ])
        .args(["--initial-cluster", &format!("gateway-test={peer}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("etcd is missing: install Debian's etcd-server (`make test` does)");
    let started = Instant::now();
    let address = endpoint.trim_start_matches("http://").to_owned();
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "etcd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

impl Etcd {
    fn start() -> Self {
        let data = tempfile::tempdir().unwrap();
        let endpoint = format!("http://127.0.0.1:{}", free_port());
        let peer = format!("http://127.0.0.1:{}", free_port());
        let child = run_etcd(&endpoint, &peer, data.path());
        Self {
            child,
            endpoint,
            peer,
            data,
        }
    }

    /// Kills it (its data stays).
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Runs it again on its ports and data.
    fn resume(&mut self) {
        self.child = run_etcd(&self.endpoint, &self.peer, self.data.path());
    }
}

/// A node: a config of its own, on `etcd`.
fn node(dir: &std::path::Path, etcd: &str) -> DevServer {
    let file = config(dir);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{text}\n[store]\netcd = [\"{etcd}\"]\nnamespace = \"cluster-test/\"\n"),
    )
    .unwrap();
    DevServer::serve(&file, 2, &[])
}

/// Polls `addr` until `host` answers `text`; how long it took.
async fn until_served(addr: &str, text: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (status, _, body) = host_get(addr, "shared.test", "/").await;
        if status == StatusCode::OK && body == text {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{addr} never served {text:?}: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_deploy_through_either_node_is_served_by_both_and_etcd_going_away_stops_only_writes() {
    let mut etcd = Etcd::start();
    let (one_dir, two_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let one = node(one_dir.path(), &etcd.endpoint);
    let two = node(two_dir.path(), &etcd.endpoint);
    let (one_addr, one_admin) = (
        one.base.trim_start_matches("http://").to_owned(),
        one.addresses[1].clone(),
    );
    let (two_addr, two_admin) = (
        two.base.trim_start_matches("http://").to_owned(),
        two.addresses[1].clone(),
    );

    let (status, _) = api(
        &one_admin,
        "PUT",
        "/v1/tenants/shared",
        br#"{"hosts":["shared.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let version = |text: &str| {
        let handler =
            format!("export default {{ fetch() {{ return new Response({text:?}); }} }};\n");
        upload(
            &json!({ "main": "index.js" }),
            &[("index.js", handler.as_str())],
        )
    };
    let deploy = |admin: String, body: Vec<u8>| async move {
        let (status, created) = api(&admin, "POST", "/v1/tenants/shared/versions", body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let request = json!({ "versions": [{ "id": created["id"], "percentage": 100 }] });
        let (status, deployed) = api(
            &admin,
            "POST",
            "/v1/tenants/shared/deployments",
            request.to_string().into_bytes(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{deployed}");
        assert_eq!(deployed["served"], true);
    };

    deploy(one_admin.clone(), version("one")).await;
    until_served(&one_addr, "one").await;
    until_served(&two_addr, "one").await;
    // The other way round: node two's deploy reaches node one.
    deploy(two_admin.clone(), version("two")).await;
    until_served(&two_addr, "two").await;
    until_served(&one_addr, "two").await;
    let (_, listed) = api(&one_admin, "GET", "/v1/tenants/shared/versions", Vec::new()).await;
    assert_eq!(listed["versions"].as_array().unwrap().len(), 2, "{listed}");

    // etcd gone: both serve what they have; writes are 503 and say why.
    etcd.stop();
    for addr in [&one_addr, &two_addr] {
        let (status, _, body) = host_get(addr, "shared.test", "/").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "two"));
    }
    let (status, body) = api(
        &two_admin,
        "PUT",
        "/v1/tenants/other",
        br#"{"hosts":["other.test"]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "store_unavailable");
    let (status, _, body) = host_get(&one_addr, "shared.test", "/").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "two"));

    // etcd back: both follow it again, and a deploy through one reaches the other.
    etcd.resume();
    let started = Instant::now();
    loop {
        let body = br#"{"hosts":["shared.test"]}"#.to_vec();
        if try_call(&one_admin, "PUT", "/v1/tenants/shared", body, TOKEN)
            .await
            .is_ok_and(|(status, _)| status == StatusCode::OK)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "writes did not come back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    deploy(one_admin.clone(), version("three")).await;
    until_served(&one_addr, "three").await;
    until_served(&two_addr, "three").await;
}
