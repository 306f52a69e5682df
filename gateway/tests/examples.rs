//! The examples users copy from, run as their READMEs say: `examples/multi-tenant` with
//! certificates from its own script, three tenants over HTTPS with SNI.

mod common;

use std::path::Path;
use std::process::Command;

use common::tls::https;
use common::*;
use http::Request;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

/// Copies the files of `from` (and its subfolders) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "certs" {
                copy_tree(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> Request<TestBody> {
    let mut builder = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(
            Full::new(bytes::Bytes::from(body.to_owned()))
                .map_err(|never| match never {})
                .boxed(),
        )
        .unwrap()
}

#[tokio::test]
async fn example_multi_tenant_serves_three_tenants_over_tls() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/multi-tenant");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&example, dir.path());
    let generated = Command::new("bash")
        .arg(dir.path().join("gen-certs.sh"))
        .output()
        .unwrap();
    assert!(generated.status.success(), "{generated:?}");
    let config = dir.path().join("isogate.toml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(":8080\"", ":0\"")
        .replace(":8443\"", ":0\"")
        .replace(":9901\"", ":0\"");
    std::fs::write(&config, text).unwrap();

    let mut command = Command::new(env!("CARGO_BIN_EXE_isogate"));
    command
        .args(["serve", "--config"])
        .arg(&config)
        .env("EXAMPLE_API_TOKEN", "s3cret");
    let server = DevServer::launch(command, 3);
    let tls = server.addresses[1]
        .trim_start_matches("https://")
        .to_owned();
    let ca = CertificateDer::from_pem_file(dir.path().join("certs/ca.pem")).unwrap();

    let shop = https(
        &ca,
        &tls,
        "shop.test",
        true,
        request("GET", "https://shop.test/products/42", &[], ""),
    )
    .await
    .unwrap();
    assert_eq!(shop.status, StatusCode::OK);
    assert_eq!(
        shop.body,
        r#"{"id":42,"name":"Product 42","price":126,"currency":"EUR"}"#
    );
    let bad = https(
        &ca,
        &tls,
        "www.shop.test",
        true,
        request("GET", "https://www.shop.test/products/x", &[], ""),
    )
    .await
    .unwrap();
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let blog = https(
        &ca,
        &tls,
        "blog.test",
        false,
        request("GET", "/hello-edge-world", &[("host", "blog.test")], ""),
    )
    .await
    .unwrap();
    assert_eq!(blog.status, StatusCode::OK);
    assert!(
        blog.body.contains("<h1>hello edge world</h1>"),
        "{}",
        blog.body
    );

    let api = https(
        &ca,
        &tls,
        "api.test",
        true,
        request(
            "POST",
            "https://api.test/v1/echo",
            &[("authorization", "Bearer s3cret")],
            r#"{"hi":1}"#,
        ),
    )
    .await
    .unwrap();
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.body, r#"{"echo":{"hi":1},"client":"127.0.0.1"}"#);
    let denied = https(
        &ca,
        &tls,
        "api.test",
        true,
        request("POST", "https://api.test/v1/echo", &[], "{}"),
    )
    .await
    .unwrap();
    assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
}
