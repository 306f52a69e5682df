//! Helpers of the deploy tests: a config with the API's token, `/v1` calls, uploads.

use std::path::Path;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use isogate_gateway::deploy::archive;
use serde_json::Value;

use super::client;

pub(crate) const TOKEN: &str = "deploy-test-token";

/// A config with an HTTP and an admin listener, the API's token, and one file tenant.
pub(crate) fn config(dir: &Path) -> std::path::PathBuf {
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
pub(crate) async fn call(
    admin: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
    token: &str,
) -> (StatusCode, Value) {
    try_call(admin, method, path, body, token)
        .await
        .unwrap_or_else(|error| panic!("{method} {path}: {error}"))
}

/// One `/v1` call with the admin token; the error when the connection fails.
pub(crate) async fn try_call(
    admin: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
    token: &str,
) -> Result<(StatusCode, Value), String> {
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
    let response = client()
        .request(request)
        .await
        .map_err(|error| error.to_string())?;
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|error| error.to_string())?
        .to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
    Ok((status, value))
}

pub(crate) async fn api(
    admin: &str,
    method: &str,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    call(admin, method, path, body, TOKEN).await
}

/// A version upload: `files` and a manifest.
pub(crate) fn upload(manifest: &Value, files: &[(&str, &str)]) -> Vec<u8> {
    let manifest = serde_json::to_vec(manifest).unwrap();
    archive::pack(
        files.iter().map(|(name, text)| (*name, text.as_bytes())),
        Some(&manifest),
    )
    .unwrap()
}

pub(crate) fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

/// Runs `isogate ARGS` against `admin`; its exit status, stdout and stderr.
pub(crate) fn cli(admin: &str, args: &[&str]) -> (bool, String, String) {
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
