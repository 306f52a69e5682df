//! `@isogate/sdk` installed as its README says, from the repository folder and from
//! `npm pack`'s tarball, each into a fresh project whose TypeScript handler imports it and
//! runs under `isogate dev`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use http::StatusCode;

const HANDLER: &str = r#"import { json, error, type ExportedHandler } from "@isogate/sdk";

export default {
  fetch(request) {
    if (request.method !== "GET") return error(405);
    return json({ from: "sdk", path: new URL(request.url).pathname });
  },
} satisfies ExportedHandler;
"#;

/// Runs `npm ARGS` in `dir`; panics with npm's output when it fails.
fn npm(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("npm")
        .args(args)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "npm {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A project in `dir` with the handler, `npm install`ing `package`.
async fn serve_with(dir: &Path, package: &str, extra: &[&str]) {
    std::fs::write(
        dir.join("package.json"),
        r#"{ "name": "app", "private": true, "type": "module" }"#,
    )
    .unwrap();
    std::fs::write(dir.join("handler.ts"), HANDLER).unwrap();
    let mut args = vec!["install"];
    args.extend_from_slice(extra);
    args.push(package);
    npm(dir, &args);
    assert!(dir
        .join("node_modules/@isogate/sdk/dist/index.js")
        .is_file());

    let server = DevServer::start(&dir.join("handler.ts"), &[]);
    let (status, _, body) = get(&server.url("/hello")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, r#"{"from":"sdk","path":"/hello"}"#);
}

#[tokio::test]
async fn the_sdk_installs_from_the_repository_and_from_its_tarball() {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sdk-js")
        .canonicalize()
        .unwrap();

    // From the folder: copied into node_modules (a link would point outside the project,
    // where a handler may not import from), built by its `prepare` script.
    let project = tempfile::tempdir().unwrap();
    serve_with(project.path(), sdk.to_str().unwrap(), &["--install-links"]).await;

    // From `npm pack`'s tarball, which carries the built files.
    let packed = tempfile::tempdir().unwrap();
    let destination = packed.path().to_str().unwrap();
    let name = npm(&sdk, &["pack", "--pack-destination", destination]);
    let tarball = packed.path().join(name.trim().lines().last().unwrap());
    assert!(tarball.is_file(), "{}", tarball.display());
    let project = tempfile::tempdir().unwrap();
    serve_with(project.path(), tarball.to_str().unwrap(), &[]).await;
}
