//! wrangler projects: a folder with `wrangler.toml`, `wrangler.json` or `wrangler.jsonc`
//! names its entry module (`main`), its `vars` and its `compatibility_flags`, and may have a
//! `.dev.vars` of local secrets for `isogate dev`. What isogate does not act on (bindings,
//! build steps, routes, environments) is listed once, by key.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use serde_json::Value;

/// The config file names wrangler reads, in its order of preference.
const CONFIG_FILES: &[&str] = &["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// Keys read, or harmless to ignore.
const UNDERSTOOD: &[&str] = &[
    "$schema",
    "name",
    "main",
    "vars",
    "compatibility_date",
    "compatibility_flags",
    "account_id",
    "workers_dev",
    "preview_urls",
    "send_metrics",
    "keep_vars",
    "minify",
    "no_bundle",
    "upload_source_maps",
    "observability",
    "logpush",
];

/// Compatibility flags isogate honours (or that change nothing here).
pub const FLAGS: &[&str] = &[
    "nodejs_compat",
    "nodejs_compat_v2",
    "global_fetch_strictly_public",
];

/// A wrangler project, as isogate serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WranglerProject {
    /// The config file.
    pub config: PathBuf,
    /// The entry module (`main`), resolved against the config's folder.
    pub main: PathBuf,
    /// `vars`, as the handler's env sees them (values that are not strings as JSON).
    pub vars: BTreeMap<String, String>,
    /// `compatibility_flags`.
    pub compatibility_flags: Vec<String>,
    /// `.dev.vars`, when the project has one.
    pub dev_vars: Option<PathBuf>,
    /// What isogate does not act on: one line per key or flag.
    pub unsupported: Vec<String>,
}

/// The wrangler config in `folder`, if it has one.
pub fn config_in(folder: &Path) -> Option<PathBuf> {
    CONFIG_FILES
        .iter()
        .map(|name| folder.join(name))
        .find(|path| path.is_file())
}

/// Reads the wrangler project in `folder`; the error names the file and what is wrong.
pub fn load(folder: &Path) -> Result<WranglerProject, String> {
    load_with_main(folder, None)
}

/// [`load`], with `main` (a module named on the command line) in place of the config's own,
/// which then need not be set.
pub fn load_with_main(folder: &Path, main: Option<PathBuf>) -> Result<WranglerProject, String> {
    let config = config_in(folder).ok_or_else(|| {
        format!(
            "{} has no wrangler.toml, wrangler.json or wrangler.jsonc",
            folder.display()
        )
    })?;
    let text = std::fs::read_to_string(&config)
        .map_err(|error| format!("reading {}: {error}", config.display()))?;
    let value: Value = if config.extension().is_some_and(|ext| ext == "toml") {
        let parsed: toml::Value =
            toml::from_str(&text).map_err(|error| format!("{}: {error}", config.display()))?;
        serde_json::to_value(parsed).map_err(|error| format!("{}: {error}", config.display()))?
    } else {
        jsonc_parser::parse_to_serde_value(&text, &jsonc_parser::ParseOptions::default())
            .map_err(|error| format!("{}: {error}", config.display()))?
    };
    let Value::Object(table) = value else {
        return Err(format!(
            "{}: expected a table of settings",
            config.display()
        ));
    };
    let main = match main {
        Some(main) => main,
        None => table
            .get("main")
            .and_then(Value::as_str)
            .map(|main| folder.join(main))
            .ok_or_else(|| format!("{}: `main` (the entry module) is not set", config.display()))?,
    };
    let vars = table
        .get("vars")
        .and_then(Value::as_object)
        .map(|vars| {
            vars.iter()
                .map(|(name, value)| {
                    let text = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (name.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    let compatibility_flags: Vec<String> = table
        .get("compatibility_flags")
        .and_then(Value::as_array)
        .map(|flags| {
            flags
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut unsupported: Vec<String> = table
        .keys()
        .filter(|key| !UNDERSTOOD.contains(&key.as_str()))
        .map(|key| format!("`{key}` is not supported by isogate and is ignored"))
        .collect();
    unsupported.extend(
        compatibility_flags
            .iter()
            .filter(|flag| !FLAGS.contains(&flag.as_str()))
            .map(|flag| format!("compatibility flag `{flag}` is not supported by isogate")),
    );
    let dev_vars = Some(folder.join(".dev.vars")).filter(|path| path.is_file());
    Ok(WranglerProject {
        main,
        config,
        vars,
        compatibility_flags,
        dev_vars,
        unsupported,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_project_gives_main_vars_and_what_is_not_supported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("wrangler.toml"),
            "name = \"app\"\nmain = \"src/index.ts\"\ncompatibility_flags = [\"nodejs_compat\", \"nodejs_als\"]\n\
             [vars]\nGREETING = \"hi\"\nLIMIT = 3\n\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"x\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join(".dev.vars"), "SECRET=s\n").unwrap();
        let project = load(dir.path()).unwrap();
        assert_eq!(project.main, dir.path().join("src/index.ts"));
        assert_eq!(project.vars["GREETING"], "hi");
        assert_eq!(project.vars["LIMIT"], "3");
        assert_eq!(project.dev_vars, Some(dir.path().join(".dev.vars")));
        assert_eq!(
            project.unsupported,
            [
                "`kv_namespaces` is not supported by isogate and is ignored",
                "compatibility flag `nodejs_als` is not supported by isogate",
            ]
        );
    }

    #[test]
    fn a_jsonc_project_reads_with_comments_and_a_missing_main_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("wrangler.jsonc"),
            "{\n  // the entry\n  \"main\": \"worker.js\",\n  \"vars\": { \"A\": \"1\", },\n}\n",
        )
        .unwrap();
        let project = load(dir.path()).unwrap();
        assert_eq!(project.main, dir.path().join("worker.js"));
        assert!(project.unsupported.is_empty());
        std::fs::write(dir.path().join("wrangler.jsonc"), "{ \"name\": \"x\" }").unwrap();
        let error = load(dir.path()).unwrap_err();
        assert!(
            error.ends_with("`main` (the entry module) is not set"),
            "{error}"
        );
        // A module named on the command line stands in for it.
        let named = dir.path().join("other.js");
        let project = load_with_main(dir.path(), Some(named.clone())).unwrap();
        assert_eq!(project.main, named);
    }
}
