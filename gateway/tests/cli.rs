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

#[test]
fn console_debug_lines_reach_the_log_under_the_default_log_level() {
    use std::io::BufRead;
    use std::io::Read;
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let handler = dir.path().join("handler.js");
    std::fs::write(
        &handler,
        "export default { fetch() { console.debug(\"debug from the handler\"); return new Response(\"ok\"); } };",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("dev")
        .arg(&handler)
        .args(["--port", "0", "--no-watch"])
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .expect("an address line")
        .trim()
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: dev\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = child.kill();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let _ = child.wait();
    assert!(logs.contains("debug from the handler"), "{logs}");
}

#[test]
fn serve_require_ready_exits_when_a_handler_fails_to_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(
        dir.path().join("app/handler.js"),
        "throw new Error(\"broken at load\");\nexport default { fetch() {} };\n",
    )
    .unwrap();
    let config = dir.path().join("isogate.toml");
    std::fs::write(
        &config,
        "[server]\nhttp = \"127.0.0.1:0\"\nadmin = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"app\"\n\
         hosts = [\"app.test\"]\n[[tenants.routes]]\npath = \"/{*rest}\"\nhandler = \"app/handler.js\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isogate"))
        .args(["serve", "--require-ready", "--no-watch", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("handlers failed to load (--require-ready)")
            && stderr.contains("broken at load"),
        "{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "it listened: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// `isogate check ARGS CONFIG`: success, stdout, stderr.
fn run_check(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_isogate"))
        .arg("check")
        .args(args)
        .arg(config)
        .env_remove("ISOGATE_TEST_SECRET")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_load_reports_each_handler_that_does_not_load_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    for tenant in ["good", "syntax", "import"] {
        std::fs::create_dir(dir.path().join(tenant)).unwrap();
    }
    std::fs::write(
        dir.path().join("good/handler.js"),
        "export default { fetch() { return new Response('ok'); } };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("syntax/handler.js"),
        "export default {\n  fetch() { return new Response('ok') ;; }}}\n};\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("import/handler.js"),
        "import { x } from './missing.js';\nexport default { fetch() { return x; } };\n",
    )
    .unwrap();
    let mut config = String::from("[server]\nhttp = \"127.0.0.1:0\"\n");
    for tenant in ["good", "syntax", "import"] {
        config.push_str(&format!(
            "\n[[tenants]]\nname = \"{tenant}\"\nhosts = [\"{tenant}.test\"]\n\
             [[tenants.routes]]\npath = \"/\"\nhandler = \"{tenant}/handler.js\"\n"
        ));
    }
    let file = dir.path().join("isogate.toml");
    std::fs::write(&file, &config).unwrap();

    // Without --load the file itself is fine.
    let (ok, stdout, stderr) = run_check(&file, &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ok (3 tenants, 3 routes)"), "{stdout}");

    let (ok, _, stderr) = run_check(&file, &["--load"]);
    assert!(!ok);
    let syntax = stderr
        .lines()
        .find(|line| line.starts_with("tenant \"syntax\"") || line.starts_with("tenant syntax"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(syntax.contains("does not load"), "{syntax}");
    assert!(syntax.contains("syntax/handler.js:2:"), "{syntax}");
    let import = stderr
        .lines()
        .find(|line| line.starts_with("tenant import"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(import.contains("missing.js"), "{import}");
    assert!(!stderr.contains("tenant good"), "{stderr}");
    assert!(stderr.trim_end().ends_with("2 problem(s)"), "{stderr}");

    // Fixed, every module loads.
    std::fs::write(
        dir.path().join("syntax/handler.js"),
        "export default { fetch() { return new Response('ok'); } };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("import/missing.js"),
        "export const x = 1;\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = run_check(&file, &["--load"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("3 handler module(s) loaded"), "{stdout}");
}

#[test]
fn check_can_treat_missing_secrets_as_warnings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    std::fs::write(
        dir.path().join("app/handler.js"),
        "export default { fetch(r, env) { return new Response(env.KEY); } };\n",
    )
    .unwrap();
    let file = dir.path().join("isogate.toml");
    std::fs::write(
        &file,
        "[server]\nhttp = \"127.0.0.1:0\"\n\n[[tenants]]\nname = \"app\"\nhosts = [\"app.test\"]\n\
         secrets = { KEY = { env = \"ISOGATE_TEST_SECRET\" } }\n\
         [[tenants.routes]]\npath = \"/\"\nhandler = \"app/handler.js\"\n",
    )
    .unwrap();
    let (ok, _, stderr) = run_check(&file, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("isogate.toml:7:") && stderr.contains("ISOGATE_TEST_SECRET is not set"),
        "{stderr}"
    );

    let (ok, stdout, stderr) = run_check(&file, &["--allow-missing-secrets", "--load"]);
    assert!(ok, "{stderr}");
    assert!(stderr.starts_with("warning: "), "{stderr}");
    assert!(
        stderr.contains("ISOGATE_TEST_SECRET is not set"),
        "{stderr}"
    );
    assert!(stdout.contains("1 handler module(s) loaded"), "{stdout}");
}
