//! Where a handler's code may come from, and relative imports resolved as bundlers resolve
//! them.
//!
//! A handler belongs to a project: the nearest folder at or above its own that holds a
//! `package.json` or a wrangler config (`wrangler.toml`, `wrangler.json`, `wrangler.jsonc`),
//! or an `isogate.toml` of its own in the handler's folder (a gateway config above the
//! handler names many tenants, so it marks no project). Without any, the handler's folder
//! is the project. The project root bounds every import, `node_modules` lookups included.
//!
//! A relative import that names no file tries, as esbuild and wrangler do: the extensions
//! (`.ts .tsx .mts .js .jsx .mjs .json`), then the folder's `index.*`; a `.js`, `.jsx` or
//! `.mjs` specifier falls back to the TypeScript file of the same name (what `tsc`'s
//! `moduleResolution: "Bundler"`/`"NodeNext"` has projects write).

use std::path::Path;
use std::path::PathBuf;

use super::files::files;

/// Files that make a folder a project's root.
const MARKERS: &[&str] = &[
    "package.json",
    "wrangler.toml",
    "wrangler.json",
    "wrangler.jsonc",
];

/// Extensions an extensionless import tries, in order.
const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "js", "jsx", "mjs", "json"];

/// The project folder of the handler module at `entry` (a real, absolute path).
pub fn project_root(entry: &Path) -> PathBuf {
    // A bundle is one project: its root is the furthest its code reaches.
    if let Some(root) = super::bundle::root_of(entry) {
        return root;
    }
    let Some(own) = entry.parent() else {
        return PathBuf::from("/");
    };
    if files().is_file(&own.join("isogate.toml")) {
        return own.to_path_buf();
    }
    let mut folder = Some(own);
    while let Some(current) = folder {
        if MARKERS
            .iter()
            .any(|marker| files().is_file(&current.join(marker)))
        {
            return current.to_path_buf();
        }
        folder = current.parent();
    }
    own.to_path_buf()
}

/// The file a relative import of `path` names, trying what bundlers try when `path` itself
/// is not a file; `Err` lists every path tried.
pub(crate) fn relative_file(path: &Path) -> Result<PathBuf, Vec<PathBuf>> {
    if files().is_file(path) {
        return Ok(path.to_path_buf());
    }
    let mut tried = vec![path.to_path_buf()];
    let mut candidates = Vec::new();
    let extension = path.extension().and_then(|ext| ext.to_str());
    // `./helpers.js` written for `helpers.ts`.
    let typescript: &[&str] = match extension {
        Some("js") => &["ts", "tsx"],
        Some("jsx") => &["tsx"],
        Some("mjs") => &["mts"],
        _ => &[],
    };
    candidates.extend(typescript.iter().map(|ext| path.with_extension(ext)));
    // `./router` for `router.ts`, and `./routes` for `routes/index.ts`.
    candidates.extend(EXTENSIONS.iter().map(|ext| appended(path, ext)));
    candidates.extend(
        EXTENSIONS
            .iter()
            .map(|ext| path.join(format!("index.{ext}"))),
    );
    for candidate in candidates {
        if files().is_file(&candidate) {
            return Ok(candidate);
        }
        tried.push(candidate);
    }
    Err(tried)
}

/// `path` with `.ext` added (not replacing what follows its last dot: `./a.b` → `./a.b.ts`).
fn appended(path: &Path, ext: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "export {};").unwrap();
    }

    #[test]
    fn a_project_is_the_nearest_folder_with_a_package_or_wrangler_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        write(&root, "app/package.json");
        write(&root, "app/src/index.ts");
        write(&root, "isogate.toml");
        write(&root, "plain/handler.js");
        write(&root, "own/isogate.toml");
        write(&root, "own/handler.js");
        write(&root, "worker/wrangler.jsonc");
        write(&root, "worker/src/deep/index.ts");
        assert_eq!(
            project_root(&root.join("app/src/index.ts")),
            root.join("app")
        );
        // A gateway config above the handler marks no project.
        assert_eq!(
            project_root(&root.join("plain/handler.js")),
            root.join("plain")
        );
        assert_eq!(project_root(&root.join("own/handler.js")), root.join("own"));
        assert_eq!(
            project_root(&root.join("worker/src/deep/index.ts")),
            root.join("worker")
        );
    }

    #[test]
    fn relative_imports_try_extensions_indexes_and_typescript_for_js() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "src/router.ts");
        write(root, "src/routes/index.tsx");
        write(root, "src/helpers.ts");
        write(root, "src/data.json");
        write(root, "src/plain.js");
        write(root, "src/v1.2.ts");
        let src = root.join("src");
        assert_eq!(
            relative_file(&src.join("router")),
            Ok(src.join("router.ts"))
        );
        assert_eq!(
            relative_file(&src.join("routes")),
            Ok(src.join("routes/index.tsx"))
        );
        assert_eq!(
            relative_file(&src.join("helpers.js")),
            Ok(src.join("helpers.ts"))
        );
        assert_eq!(relative_file(&src.join("data")), Ok(src.join("data.json")));
        assert_eq!(
            relative_file(&src.join("plain.js")),
            Ok(src.join("plain.js"))
        );
        assert_eq!(relative_file(&src.join("v1.2")), Ok(src.join("v1.2.ts")));
        let tried = relative_file(&src.join("missing")).unwrap_err();
        assert!(tried.contains(&src.join("missing.ts")));
        assert!(tried.contains(&src.join("missing/index.js")));
    }
}
