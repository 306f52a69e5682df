//! The command line against a real gateway: tenants, deploy (packing only what the module
//! graph reaches), listings, rollback, secrets and tokens, and errors that say what to fix.

mod common;

use common::deploy::*;
use common::*;
use http::StatusCode;
use serde_json::json;
use serde_json::Value;
use std::io::Write as _;

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

    // Secrets from stdin (refused without [store] secret_key), tokens shown once.
    let mut put = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["secret", "put", "API_KEY", "--tenant", "app"])
        .env("ISOGATE_SERVER", &admin)
        .env("ISOGATE_TOKEN", TOKEN)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    put.stdin.take().unwrap().write_all(b"s3cret\n").unwrap();
    let output = put.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && err.contains("set [store] secret_key"),
        "{err}"
    );
    let (ok, out, err) = cli(&admin, &["tokens", "create", "ci", "--tenant", "app"]);
    assert!(
        ok && out.starts_with("isg_") && out.contains("not shown again"),
        "{out}{err}"
    );
    let token = out.lines().next().unwrap().to_owned();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["versions", "list", "--tenant", "app", "--json"])
        .env("ISOGATE_SERVER", &admin)
        .env("ISOGATE_TOKEN", &token)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (ok, out, _) = cli(&admin, &["tokens", "list", "--tenant", "app"]);
    assert!(ok && out.trim() == "ci", "{out}");
    let (ok, _, _) = cli(&admin, &["tokens", "delete", "ci", "--tenant", "app"]);
    assert!(ok);

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
