//! Bare specifiers (`hono`, `hono/cors`, `@scope/pkg/sub`) resolved through `node_modules`
//! folders, from the importing module's folder up to the project root (npm workspaces'
//! hoisted packages, and packages linked to folders inside the project), by the package's
//! `exports` (conditions `workerd`, `worker`, `browser`, `import`, `module`, `default`,
//! preferred in that order, as wrangler builds), then its `browser` field (the string form,
//! and the object form's remapping of its entry), `module`, then `main`. Only ES modules are
//! loaded: a package that offers CommonJS only is refused, naming the package.

use std::path::Path;
use std::path::PathBuf;

use serde_json::Value;

use super::files::files;
use crate::error::LoaderError;

/// Export conditions isogate satisfies, most preferred first.
const CONDITIONS: &[&str] = &[
    "workerd", "worker", "browser", "import", "module", "default",
];

/// Conditions that mean CommonJS or Node; seeing only these names the package CommonJS-only.
const FOREIGN_CONDITIONS: &[&str] = &["require", "node"];

/// A bare specifier split into the package name and the subpath (`.` or `./sub`).
fn split(specifier: &str) -> Option<(&str, String)> {
    let mut parts = specifier.splitn(3, '/');
    let first = parts.next()?;
    let (name_len, rest) = if first.starts_with('@') {
        let second = parts.next()?;
        (first.len() + 1 + second.len(), parts.next())
    } else {
        let rest = specifier.split_once('/').map(|(_, rest)| rest);
        (first.len(), rest)
    };
    let name = &specifier[..name_len];
    if name.is_empty() || name.starts_with('.') || name.contains('\\') {
        return None;
    }
    let subpath = match rest {
        Some(rest) if !rest.is_empty() => format!("./{rest}"),
        _ => ".".to_owned(),
    };
    Some((name, subpath))
}

/// Resolves `specifier` imported by the module in `from` (a folder), looking in
/// `node_modules` folders no higher than `root`.
pub(crate) fn resolve(specifier: &str, from: &Path, root: &Path) -> Result<PathBuf, LoaderError> {
    let not_found = || LoaderError::PackageNotFound {
        specifier: specifier.to_owned(),
        from: from.display().to_string(),
        root: root.display().to_string(),
    };
    let (name, subpath) = split(specifier).ok_or_else(not_found)?;
    let mut folder = Some(from);
    while let Some(current) = folder {
        if !current.starts_with(root) {
            break;
        }
        let package = current.join("node_modules").join(name);
        if files().is_file(&package.join("package.json")) {
            return entry(name, &package, &subpath);
        }
        folder = current.parent();
    }
    Err(not_found())
}

/// The file `subpath` of the package in `folder` names.
fn entry(name: &str, folder: &Path, subpath: &str) -> Result<PathBuf, LoaderError> {
    let manifest_path = folder.join("package.json");
    let (_, text) = files()
        .read(&manifest_path)
        .map_err(|source| LoaderError::Read {
            path: manifest_path.display().to_string(),
            source,
        })?;
    let manifest: Value =
        serde_json::from_slice(&text).map_err(|error| LoaderError::PackageManifest {
            package: name.to_owned(),
            message: error.to_string(),
        })?;
    let is_module = manifest.get("type").and_then(Value::as_str) == Some("module");
    if let Some(exports) = manifest.get("exports") {
        let (target, esm_condition) = match exported(exports, subpath) {
            Export::Found(target, esm_condition) => (target, esm_condition),
            Export::CommonJsOnly => {
                return Err(LoaderError::CommonJs {
                    package: name.to_owned(),
                })
            }
            Export::Missing => {
                return Err(LoaderError::PackageSubpath {
                    package: name.to_owned(),
                    subpath: subpath.to_owned(),
                })
            }
        };
        let file = folder.join(target.trim_start_matches("./"));
        return esm_file(name, file, is_module || esm_condition);
    }
    if subpath != "." {
        // No `exports`: a deep import names a file of the package.
        let file = with_extension(folder.join(subpath.trim_start_matches("./")));
        return esm_file(name, file, is_module);
    }
    let browser = manifest.get("browser");
    if let Some(Value::String(entry)) = browser {
        return esm_file(name, with_extension(folder.join(entry)), true);
    }
    let (main, esm) = match manifest.get("module").and_then(Value::as_str) {
        Some(module) => (module, true),
        None => (
            manifest
                .get("main")
                .and_then(Value::as_str)
                .unwrap_or("index.js"),
            is_module,
        ),
    };
    // The object form of `browser` swaps files for browsers, the entry among them.
    let remapped = browser
        .and_then(Value::as_object)
        .and_then(|map| {
            let plain = main.trim_start_matches("./");
            [main.to_owned(), format!("./{plain}"), plain.to_owned()]
                .iter()
                .find_map(|key| map.get(key.as_str()))
        })
        .and_then(Value::as_str);
    match remapped {
        Some(file) => esm_file(name, with_extension(folder.join(file)), true),
        None => esm_file(name, with_extension(folder.join(main)), esm),
    }
}

/// What `exports` says about a subpath.
enum Export {
    /// The target, and whether an ESM-only condition (`import`, `module`, `worker`,
    /// `workerd`) chose it.
    Found(String, bool),
    CommonJsOnly,
    Missing,
}

/// Resolves `subpath` in an `exports` value (Node's PACKAGE_EXPORTS_RESOLVE, with isogate's
/// conditions).
fn exported(exports: &Value, subpath: &str) -> Export {
    let is_subpath_map = exports
        .as_object()
        .is_some_and(|map| map.keys().any(|key| key.starts_with('.')));
    if !is_subpath_map {
        return if subpath == "." {
            target(exports, "")
        } else {
            Export::Missing
        };
    }
    let Some(map) = exports.as_object() else {
        return Export::Missing;
    };
    if let Some(value) = map.get(subpath) {
        return target(value, "");
    }
    // Patterns (`./*`, `./utils/*.js`): the longest matching prefix wins.
    let mut best: Option<(&str, &Value, String)> = None;
    for (key, value) in map {
        let Some((prefix, suffix)) = key.split_once('*') else {
            continue;
        };
        if subpath.len() >= key.len() - 1
            && subpath.starts_with(prefix)
            && subpath.ends_with(suffix)
            && best.as_ref().is_none_or(|(b, _, _)| prefix.len() > b.len())
        {
            let middle = subpath[prefix.len()..subpath.len() - suffix.len()].to_owned();
            best = Some((prefix, value, middle));
        }
    }
    match best {
        Some((_, value, middle)) => target(value, &middle),
        None => Export::Missing,
    }
}

/// Picks a target from a string, an array of fallbacks, or a conditions object.
fn target(value: &Value, pattern: &str) -> Export {
    match value {
        Value::String(path) if path.starts_with("./") => {
            Export::Found(path.replace('*', pattern), false)
        }
        Value::Array(candidates) => {
            let mut saw_foreign = false;
            for candidate in candidates {
                match target(candidate, pattern) {
                    found @ Export::Found(..) => return found,
                    Export::CommonJsOnly => saw_foreign = true,
                    Export::Missing => {}
                }
            }
            if saw_foreign {
                Export::CommonJsOnly
            } else {
                Export::Missing
            }
        }
        Value::Object(conditions) => {
            for wanted in CONDITIONS {
                if let Some(inner) = conditions.get(*wanted) {
                    if let Export::Found(path, esm) = target(inner, pattern) {
                        return Export::Found(path, esm || *wanted != "default");
                    }
                }
            }
            if conditions
                .keys()
                .any(|key| FOREIGN_CONDITIONS.contains(&key.as_str()))
            {
                Export::CommonJsOnly
            } else {
                Export::Missing
            }
        }
        _ => Export::Missing,
    }
}

/// Adds `.js` (or `/index.js`) to a path that names no existing file, as `main` may.
fn with_extension(path: PathBuf) -> PathBuf {
    if files().is_file(&path) {
        return path;
    }
    let with_js = path.with_extension("js");
    if files().is_file(&with_js) {
        return with_js;
    }
    let index = path.join("index.js");
    if files().is_file(&index) {
        return index;
    }
    path
}

/// `file` when it is an ES module: `.mjs`, or a `.js` of a package that says it is (by
/// `"type": "module"`, a `module` field or an `import` condition).
fn esm_file(name: &str, file: PathBuf, esm_package: bool) -> Result<PathBuf, LoaderError> {
    let extension = file.extension().and_then(|ext| ext.to_str()).unwrap_or("");
    match extension {
        "cjs" => Err(LoaderError::CommonJs {
            package: name.to_owned(),
        }),
        "js" if !esm_package => Err(LoaderError::CommonJs {
            package: name.to_owned(),
        }),
        _ => Ok(file),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn found(exports: &Value, subpath: &str) -> Option<String> {
        match exported(exports, subpath) {
            Export::Found(path, _) => Some(path),
            _ => None,
        }
    }

    #[test]
    fn packages_split_names_and_subpaths() {
        assert_eq!(split("hono"), Some(("hono", ".".to_owned())));
        assert_eq!(split("hono/cors"), Some(("hono", "./cors".to_owned())));
        assert_eq!(split("@a/b"), Some(("@a/b", ".".to_owned())));
        assert_eq!(split("@a/b/c/d"), Some(("@a/b", "./c/d".to_owned())));
        assert_eq!(split("@a"), None);
    }

    #[test]
    fn packages_pick_conditions_in_isogate_order() {
        let exports = json!({
            ".": { "require": "./a.cjs", "import": "./a.mjs", "workerd": "./w.js" },
            "./sub": { "node": "./n.cjs", "default": "./d.js" },
            "./utils/*": { "import": "./dist/utils/*.js" },
            "./cjs": { "require": "./c.cjs" }
        });
        assert_eq!(found(&exports, ".").as_deref(), Some("./w.js"));
        assert_eq!(found(&exports, "./sub").as_deref(), Some("./d.js"));
        assert_eq!(
            found(&exports, "./utils/date").as_deref(),
            Some("./dist/utils/date.js")
        );
        assert!(matches!(exported(&exports, "./cjs"), Export::CommonJsOnly));
        assert!(matches!(exported(&exports, "./none"), Export::Missing));
        assert_eq!(
            found(&json!("./index.mjs"), ".").as_deref(),
            Some("./index.mjs")
        );
        assert_eq!(
            found(&json!({ "import": "./esm.js", "require": "./cjs.js" }), ".").as_deref(),
            Some("./esm.js")
        );
    }

    #[test]
    fn packages_resolve_through_node_modules_and_refuse_commonjs() {
        let root = tempfile::tempdir().unwrap();
        let modules = root.path().join("node_modules");
        let write = |path: &str, text: &str| {
            let path = modules.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "esm/package.json",
            r#"{"name":"esm","exports":{".":{"import":"./dist/index.js"}}}"#,
        );
        write("esm/dist/index.js", "export const x = 1;");
        write("old/package.json", r#"{"name":"old","main":"lib/index"}"#);
        write("old/lib/index.js", "module.exports = 1;");
        write(
            "typed/package.json",
            r#"{"name":"typed","type":"module","main":"main.js"}"#,
        );
        write("typed/main.js", "export default 1;");
        let from = root.path().join("src");
        std::fs::create_dir_all(&from).unwrap();
        assert_eq!(
            resolve("esm", &from, root.path()).unwrap(),
            modules.join("esm/dist/index.js")
        );
        assert_eq!(
            resolve("typed", &from, root.path()).unwrap(),
            modules.join("typed/main.js")
        );
        assert!(matches!(
            resolve("old", &from, root.path()),
            Err(LoaderError::CommonJs { package }) if package == "old"
        ));
        assert!(matches!(
            resolve("missing", &from, root.path()),
            Err(LoaderError::PackageNotFound { .. })
        ));
        // node_modules above the handler's folder are not searched.
        assert!(resolve("esm", &from, &from).is_err());
    }
}
