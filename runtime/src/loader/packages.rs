//! Bare specifiers (`hono`, `hono/cors`, `@scope/pkg/sub`) resolved through `node_modules`
//! folders, from the importing module's folder up to the project root (npm workspaces'
//! hoisted packages, and packages linked to folders inside the project), by the package's
//! `exports` (conditions `workerd`, `worker`, `browser`, `import`, `module`, `default`,
//! preferred in that order, as wrangler builds; `require` and `node` last), then its
//! `browser` field (the string form, and the object form's remapping of its entry and,
//! for imports inside the package, of its files: [`browser_swap`]),
//! `module`, then `main`. A `require()` prefers `require` to `import`. What a file is (ES
//! module or CommonJS) is the loader's to find out.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Component;
use std::path::Path;
use std::path::PathBuf;
use std::rc::Rc;

use serde_json::Value;

use super::files::files;
use crate::error::LoaderError;

/// Export conditions of an `import`, most preferred first.
pub(crate) const IMPORT: &[&str] = &[
    "workerd", "worker", "browser", "import", "module", "default", "require", "node",
];

/// Export conditions of a `require()`, most preferred first.
pub(crate) const REQUIRE: &[&str] = &[
    "workerd", "worker", "browser", "require", "default", "node", "module", "import",
];

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
pub(crate) fn resolve(
    specifier: &str,
    from: &Path,
    root: &Path,
    conditions: &[&str],
) -> Result<PathBuf, LoaderError> {
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
            return entry(name, &package, &subpath, conditions);
        }
        folder = current.parent();
    }
    Err(not_found())
}

/// The file `subpath` of the package in `folder` names.
fn entry(
    name: &str,
    folder: &Path,
    subpath: &str,
    conditions: &[&str],
) -> Result<PathBuf, LoaderError> {
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
    if let Some(exports) = manifest.get("exports") {
        let Some(target) = exported(exports, subpath, conditions) else {
            return Err(LoaderError::PackageSubpath {
                package: name.to_owned(),
                subpath: subpath.to_owned(),
            });
        };
        return Ok(folder.join(target.trim_start_matches("./")));
    }
    if subpath != "." {
        // No `exports`: a deep import names a file of the package.
        return Ok(with_extension(
            folder.join(subpath.trim_start_matches("./")),
        ));
    }
    let browser = manifest.get("browser");
    if let Some(Value::String(entry)) = browser {
        return Ok(with_extension(folder.join(entry)));
    }
    let main = manifest
        .get("module")
        .or_else(|| manifest.get("main"))
        .and_then(Value::as_str)
        .unwrap_or("index.js");
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
    Ok(with_extension(folder.join(remapped.unwrap_or(main))))
}

/// Resolves `subpath` in an `exports` value (Node's PACKAGE_EXPORTS_RESOLVE, with the
/// `conditions` given, most preferred first).
fn exported(exports: &Value, subpath: &str, conditions: &[&str]) -> Option<String> {
    let is_subpath_map = exports
        .as_object()
        .is_some_and(|map| map.keys().any(|key| key.starts_with('.')));
    if !is_subpath_map {
        return if subpath == "." {
            target(exports, "", conditions)
        } else {
            None
        };
    }
    let map = exports.as_object()?;
    if let Some(value) = map.get(subpath) {
        return target(value, "", conditions);
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
    let (_, value, middle) = best?;
    target(value, &middle, conditions)
}

/// Picks a target from a string, an array of fallbacks, or a conditions object.
fn target(value: &Value, pattern: &str, conditions: &[&str]) -> Option<String> {
    match value {
        Value::String(path) if path.starts_with("./") => Some(path.replace('*', pattern)),
        Value::Array(candidates) => candidates
            .iter()
            .find_map(|candidate| target(candidate, pattern, conditions)),
        Value::Object(map) => conditions.iter().find_map(|wanted| {
            map.get(*wanted)
                .and_then(|inner| target(inner, pattern, conditions))
        }),
        _ => None,
    }
}

/// What a package's `browser` map (its object form) makes of one of its files, or of a
/// package it imports.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Swapped {
    /// A file of the package.
    File(PathBuf),
    /// Another package, by name.
    Package(String),
    /// Nothing: mapped to `false` (an empty module).
    Empty,
}

/// What the `browser` map of the package holding `file` (found by a relative import inside
/// `node_modules`) swaps it for, as bundlers read it: keys are paths from the package's
/// folder, with or without `./` and the file's extension.
pub(crate) fn browser_swap(file: &Path) -> Option<Swapped> {
    let (package, map) = browser_map_above(file)?;
    let relative = file
        .strip_prefix(&package)
        .ok()?
        .to_str()?
        .replace('\\', "/");
    let stem = Path::new(&relative).with_extension("");
    let stem = stem.to_str()?;
    let keys = [
        format!("./{relative}"),
        relative,
        format!("./{stem}"),
        stem.to_owned(),
    ];
    let target = keys.iter().find_map(|key| map.get(key.as_str()))?;
    swapped(&package, target)
}

/// What the `browser` map of the package holding the module `referrer` makes of its import
/// of the package `name` (`"fs": false`, `"node-fetch": "./fetch-web.js"`).
pub(crate) fn browser_alias(referrer: &Path, name: &str) -> Option<Swapped> {
    let (package, map) = browser_map_above(referrer)?;
    swapped(&package, map.get(name)?)
}

/// The nearest folder above `file`, inside its package in `node_modules`, whose
/// package.json has a `browser` map, with the map.
fn browser_map_above(file: &Path) -> Option<(PathBuf, BrowserMap)> {
    if !file
        .components()
        .any(|part| part.as_os_str() == "node_modules")
    {
        return None;
    }
    let mut folder = file.parent();
    while let Some(dir) = folder {
        if dir.file_name().is_some_and(|name| name == "node_modules") {
            return None;
        }
        if let Some(map) = browser_map(dir) {
            return Some((dir.to_path_buf(), map));
        }
        folder = dir.parent();
    }
    None
}

/// What a map's value `target` names, for the package in `package`.
fn swapped(package: &Path, target: &Value) -> Option<Swapped> {
    match target {
        Value::String(target) if target.starts_with('.') => Some(Swapped::File(with_extension(
            lexical(&package.join(target)),
        ))),
        Value::String(name) => Some(Swapped::Package(name.clone())),
        Value::Bool(false) => Some(Swapped::Empty),
        _ => None,
    }
}

type BrowserMap = Rc<serde_json::Map<String, Value>>;

thread_local! {
    /// The `browser` maps of the folders asked about while a module graph loads on this
    /// thread (every relative import inside a package asks of each folder up to the
    /// package's, each a file read in a worker process). Emptied by [`forget`].
    static BROWSER_MAPS: RefCell<HashMap<PathBuf, Option<BrowserMap>>> =
        RefCell::new(HashMap::new());
}

/// Forgets the `browser` maps read while a module graph loaded (see [`BROWSER_MAPS`]).
pub(crate) fn forget() {
    BROWSER_MAPS.with(|maps| maps.borrow_mut().clear());
}

/// The object form of the `browser` field of the package.json in `dir`, if it has one.
fn browser_map(dir: &Path) -> Option<BrowserMap> {
    if let Some(known) = BROWSER_MAPS.with(|maps| maps.borrow().get(dir).cloned()) {
        return known;
    }
    let manifest = dir.join("package.json");
    let map = files()
        .is_file(&manifest)
        .then(|| files().read(&manifest).ok())
        .flatten()
        .and_then(|(_, bytes)| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|mut manifest| match manifest.get_mut("browser")?.take() {
            Value::Object(map) => Some(Rc::new(map)),
            _ => None,
        });
    BROWSER_MAPS.with(|maps| maps.borrow_mut().insert(dir.to_path_buf(), map.clone()));
    map
}

/// `path` with its `.` and `..` parts taken out, so that where it points is plain to see
/// (a map's target may climb out of its package, and out of the project).
fn lexical(path: &Path) -> PathBuf {
    let mut plain = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                plain.pop();
            }
            other => plain.push(other),
        }
    }
    plain
}

/// Adds `.js` (or `/index.js`) to a path that names no existing file, as `main` may.
fn with_extension(path: PathBuf) -> PathBuf {
    if files().is_file(&path) {
        return path;
    }
    // Appended, not swapped: `./runtimeConfig.browser` names `runtimeConfig.browser.js`.
    let mut with_js = path.clone().into_os_string();
    with_js.push(".js");
    let with_js = PathBuf::from(with_js);
    if files().is_file(&with_js) {
        return with_js;
    }
    let index = path.join("index.js");
    if files().is_file(&index) {
        return index;
    }
    path
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn found(exports: &Value, subpath: &str) -> Option<String> {
        exported(exports, subpath, IMPORT)
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
        // An import takes a require-only export as its last resort; a require prefers it.
        assert_eq!(found(&exports, "./cjs").as_deref(), Some("./c.cjs"));
        assert_eq!(found(&exports, "./none"), None);
        assert_eq!(
            exported(&exports["."], ".", REQUIRE).as_deref(),
            Some("./w.js")
        );
        let dual = json!({ "import": "./esm.js", "require": "./cjs.js" });
        assert_eq!(exported(&dual, ".", REQUIRE).as_deref(), Some("./cjs.js"));
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
    fn packages_resolve_through_node_modules_up_to_the_root() {
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
            resolve("esm", &from, root.path(), IMPORT).unwrap(),
            modules.join("esm/dist/index.js")
        );
        assert_eq!(
            resolve("typed", &from, root.path(), IMPORT).unwrap(),
            modules.join("typed/main.js")
        );
        assert_eq!(
            resolve("old", &from, root.path(), REQUIRE).unwrap(),
            modules.join("old/lib/index.js")
        );
        assert!(matches!(
            resolve("missing", &from, root.path(), IMPORT),
            Err(LoaderError::PackageNotFound { .. })
        ));
        // node_modules above the project root are not searched.
        assert!(resolve("esm", &from, &from, IMPORT).is_err());
    }
}
