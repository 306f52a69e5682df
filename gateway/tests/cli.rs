//! The command line as users type it: `isogate check FILE`, and errors as one plain line
//! however `RUST_BACKTRACE` is set.

use std::process::Command;

#[test]
fn check_takes_the_file_as_an_argument_and_errors_carry_no_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/handler.js"), "export default {}").unwrap();
    let config = dir.path().join("isogate.toml");
    std::fs::write(
        &config,
        "[server]\nhttp = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"app\"\nhosts = [\"app.test\"]\n\
         [[tenants.routes]]\npath = \"/users/:id\"\nhandler = \"app/handler.js\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("check")
        .arg(&config)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("tenants[0].routes[0].path: `:id` would match the text"),
        "{stderr}"
    );
    assert!(stderr.contains("written `{id}`"), "{stderr}");
    assert!(stderr.trim_end().ends_with("1 problem(s)"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");

    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace(":id", "{id}"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("check")
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("ok (1 tenants, 1 routes)"));
}
