use std::path::Path;

use super::*;

/// Writes `config` and an `app.js` handler into a temp folder and parses it.
fn parse_in_folder(config: &str) -> (tempfile::TempDir, Result<GatewayConfig, ConfigErrors>) {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("app.js"), "export default {}").unwrap();
    let file = folder.path().join("isogate.toml");
    std::fs::write(&file, config).unwrap();
    let parsed = load(&file);
    (folder, parsed)
}

fn errors(config: &str) -> Vec<ConfigError> {
    let (_folder, parsed) = parse_in_folder(config);
    parsed.expect_err("config should be rejected").0
}

const VALID: &str = r#"
[server]
http = "127.0.0.1:0"
trusted_proxies = ["10.0.0.0/8", "127.0.0.1"]

[[tenants]]
name = "acme"
hosts = ["acme.test", "*.acme.test"]
env = { GREETING = "hello" }
limits = { cpu_ms = 50, body_mb = 2 }

  [[tenants.routes]]
  path = "/api/users/{id}"
  methods = ["GET", "POST"]
  handler = "app.js"

  [[tenants.routes]]
  path = "/{*rest}"
  handler = "app.js"
"#;

#[test]
fn config_parses_tenants_routes_and_resolves_paths() {
    let (folder, parsed) = parse_in_folder(VALID);
    let config = parsed.unwrap();
    assert_eq!(config.tenants.len(), 1);
    let tenant = &config.tenants[0];
    assert_eq!(tenant.name.get_ref(), "acme");
    assert_eq!(tenant.limits.max_body_bytes(), 2 * 1024 * 1024);
    assert_eq!(
        tenant.routes[0].handler.get_ref(),
        &folder.path().join("app.js")
    );
    assert_eq!(
        tenant.routes[0].method_list(),
        Some(vec![http::Method::GET, http::Method::POST])
    );
    assert_eq!(config.server.trusted_proxy_nets().len(), 2);
    assert_eq!(config.server.max_header_bytes, 32 * 1024);
}

#[test]
fn config_error_names_line_column_and_key_of_unknown_key() {
    let config = VALID.replace("name = \"acme\"", "name = \"acme\"\ncolour = \"red\"");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 8);
    assert_eq!(errors[0].column, 1);
    assert_eq!(errors[0].key, "tenants[0].colour");
    assert!(
        errors[0].message.contains("unknown field `colour`"),
        "{}",
        errors[0]
    );
    assert!(errors[0]
        .to_string()
        .contains("isogate.toml:8:1: tenants[0].colour: "));
}

#[test]
fn config_error_names_key_of_bad_type() {
    let config = VALID.replace("cpu_ms = 50", "cpu_ms = \"fast\"");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "tenants[0].limits.cpu_ms");
    assert_eq!(errors[0].line, 10);
    assert!(errors[0].message.contains("invalid type"), "{}", errors[0]);
}

#[test]
fn config_reports_every_problem_not_just_the_first() {
    let config = format!(
        "{VALID}\n[[tenants]]\nname = \"acme\"\nhosts = [\"ACME.test\"]\nbogus = 1\n\n\
         [[tenants]]\nname = \"other\"\nhosts = [\"acme.test\", \"bad host\"]\n\
         [[tenants.routes]]\npath = \"/api/users/{{name}}\"\nhandler = \"missing.ts\"\n\
         [[tenants.routes]]\npath = \"/api/users/{{id}}\"\nhandler = \"app.txt\"\n"
    );
    let errors = errors(&config);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let text = messages.join("\n");
    assert!(text.contains("unknown field `bogus`"), "{text}");
    assert!(
        text.contains("tenants[1]: missing field `routes`") || text.contains("needs at least one"),
        "{text}"
    );
    assert!(text.contains("duplicate host \"acme.test\""), "{text}");
    assert!(text.contains("invalid host \"bad host\""), "{text}");
    assert!(text.contains("missing.ts does not exist"), "{text}");
    assert!(text.contains("conflicts with"), "{text}");
    assert!(text.contains("must be a .js"), "{text}");
    assert!(errors.windows(2).all(|w| w[0].line <= w[1].line), "{text}");
}

#[test]
fn config_rejects_duplicate_names_and_overlapping_methods() {
    let config = format!(
        "{VALID}\n[[tenants]]\nname = \"acme\"\nhosts = [\"b.test\"]\n\
         [[tenants.routes]]\npath = \"/x\"\nmethods = [\"GET\"]\nhandler = \"app.js\"\n\
         [[tenants.routes]]\npath = \"/x\"\nmethods = [\"get\", \"GET\"]\nhandler = \"app.js\"\n"
    );
    let text = errors(&config)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("duplicate tenant name \"acme\""), "{text}");
    assert!(text.contains("invalid method \"get\""), "{text}");
    assert!(!text.contains("already routed"), "{text}");
}

#[test]
fn config_syntax_error_is_located() {
    let errors = errors("[server]\nhttp = \"127.0.0.1:0\"\n[[tenants]\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 3, "{}", errors[0]);
}

#[test]
fn config_without_listener_or_with_https_but_no_cert_is_rejected() {
    let text = errors("[server]\nhttps = \"127.0.0.1:0\"\n")
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("needs at least one tenant with `tls`"),
        "{text}"
    );
    let text = errors("[server]\nadmin = \"127.0.0.1:0\"\n")
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("no listener"), "{text}");
}

#[test]
fn config_missing_file_names_it() {
    let error = load(Path::new("/nonexistent/isogate.toml")).unwrap_err();
    assert!(error
        .to_string()
        .starts_with("/nonexistent/isogate.toml: cannot read"));
}

#[test]
fn config_refuses_memory_below_the_floor_naming_it() {
    let config = VALID.replace("cpu_ms = 50", "memory_mb = 4");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "tenants[0].limits.memory_mb");
    assert!(
        errors[0].message.contains("below 10"),
        "{}",
        errors[0].message
    );
}

#[test]
fn limits_are_finite_by_default_and_zero_opts_out() {
    let defaults = LimitsConfig::default().runtime();
    assert_eq!(
        defaults.cpu,
        Some(std::time::Duration::from_millis(DEFAULT_CPU_MS))
    );
    assert_eq!(defaults.memory, Some(DEFAULT_MEMORY_MB << 20));
    assert_eq!(
        defaults.wall,
        Some(std::time::Duration::from_millis(DEFAULT_WALL_MS))
    );
    let unlimited = LimitsConfig {
        cpu_ms: Some(0),
        memory_mb: Some(0),
        wall_ms: Some(0),
        ..LimitsConfig::default()
    }
    .runtime();
    assert_eq!(
        (unlimited.cpu, unlimited.memory, unlimited.wall),
        (None, None, None)
    );
}

#[test]
fn config_refuses_tenants_whose_code_folders_overlap_naming_both() {
    let second = |handler: &str| {
        format!(
            "{VALID}\n[[tenants]]\nname = \"other\"\nhosts = [\"other.test\"]\n\
             [[tenants.routes]]\npath = \"/{{*rest}}\"\nhandler = \"{handler}\"\n"
        )
    };
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("app.js"), "export default {}").unwrap();
    std::fs::write(folder.path().join("sibling.js"), "export default {}").unwrap();
    std::fs::create_dir(folder.path().join("nested")).unwrap();
    std::fs::write(folder.path().join("nested/app.js"), "export default {}").unwrap();
    let file = folder.path().join("isogate.toml");
    let real = folder.path().canonicalize().unwrap();

    // The same folder (another file in it), and a folder inside acme's, are both refused.
    for handler in ["sibling.js", "nested/app.js"] {
        std::fs::write(&file, second(handler)).unwrap();
        let errors = load(&file).expect_err(handler).0;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].key, "tenants[1].routes[0].handler");
        let message = &errors[0].message;
        assert!(
            message.contains("overlaps tenant \"acme\"'s code folder")
                && message.contains(&real.display().to_string()),
            "{message}"
        );
    }

    // Folders side by side are fine.
    std::fs::create_dir(folder.path().join("acme")).unwrap();
    std::fs::write(folder.path().join("acme/app.js"), "export default {}").unwrap();
    let separate =
        second("nested/app.js").replace("handler = \"app.js\"", "handler = \"acme/app.js\"");
    std::fs::write(&file, separate).unwrap();
    load(&file).expect("side-by-side folders");
}

#[test]
fn config_names_the_fix_for_express_style_parameters() {
    let config = VALID.replace("/api/users/{id}", "/api/users/:id");
    let errors = errors(&config);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "tenants[0].routes[0].path");
    assert!(
        errors[0].message.contains("written `{id}`"),
        "{}",
        errors[0].message
    );
    // A colon inside a segment is a literal some APIs use.
    let custom = VALID.replace("/api/users/{id}", "/v1/items:batchGet");
    let (_folder, parsed) = parse_in_folder(&custom);
    parsed.expect("a colon inside a segment");
}
