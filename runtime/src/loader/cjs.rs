//! CommonJS, as bundlers and Node load it: which files are CommonJS, the ES module facade
//! an `import` of one gets (its `module.exports` as the default export, and the names
//! cjs-module-lexer would find, re-exports followed), and `require` for `js/07_cjs.js`.
//!
//! A `.cjs` file is CommonJS; so is a `.js` file inside `node_modules` that has no
//! `import`/`export` (a package's own `.js` files are what its `type` says, but packages
//! ship ESM builds without `"type": "module"` often enough that the syntax decides, as
//! esbuild's does). The project's own `.js` files are ES modules.

use std::collections::BTreeSet;
use std::path::Path;

use deno_ast::MediaType;
use deno_ast::ParseParams;
use deno_ast::ParsedSource;
use deno_core::ModuleSpecifier;

use super::packages;
use super::project;
use super::HandlerLoader;
use crate::error::LoaderError;
use crate::ext::cjs::CommonJsFiles;

/// How deep `module.exports = require(...)` re-exports are followed for names.
const MOST_REEXPORTS: usize = 8;

/// Node.js built-ins a `require` may name without the `node:` prefix.
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "async_hooks",
    "buffer",
    "child_process",
    "cluster",
    "console",
    "constants",
    "crypto",
    "dgram",
    "diagnostics_channel",
    "dns",
    "domain",
    "events",
    "fs",
    "http",
    "http2",
    "https",
    "inspector",
    "module",
    "net",
    "os",
    "path",
    "perf_hooks",
    "process",
    "punycode",
    "querystring",
    "readline",
    "repl",
    "stream",
    "string_decoder",
    "sys",
    "timers",
    "tls",
    "trace_events",
    "tty",
    "url",
    "util",
    "v8",
    "vm",
    "wasi",
    "worker_threads",
    "zlib",
];

/// Whether the module at `path` with `code` is CommonJS.
pub(super) fn is_commonjs(path: &Path, code: &str) -> bool {
    match MediaType::from_path(path) {
        MediaType::Cjs => true,
        MediaType::JavaScript if in_node_modules(path) => {
            // Cheap first: code that never says `exports` or `require(` is no CommonJS.
            (code.contains("exports") || code.contains("require("))
                && parse(path, code).is_some_and(|parsed| parsed.compute_is_script())
        }
        _ => false,
    }
}

fn in_node_modules(path: &Path) -> bool {
    path.components()
        .any(|part| part.as_os_str() == "node_modules")
}

fn parse(path: &Path, code: &str) -> Option<ParsedSource> {
    let specifier = ModuleSpecifier::from_file_path(path).ok()?;
    deno_ast::parse_program(ParseParams {
        specifier,
        text: code.into(),
        media_type: MediaType::Cjs,
        capture_tokens: false,
        scope_analysis: false,
        maybe_syntax: None,
    })
    .ok()
}

/// The ES module an `import` of the CommonJS module at `url` gets.
pub(super) fn facade(url: &str, names: &BTreeSet<String>) -> String {
    let url = serde_json::to_string(url).unwrap_or_default();
    let mut code = format!(
        "const cjs = globalThis[Symbol.for(\"isogate.cjs\")];\n\
         const exported = cjs.load({url}).exports;\n\
         export default cjs.defaultExport(exported);\n"
    );
    if !names.is_empty() {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        code.push_str(&format!(
            "export const {{ {} }} = exported;\n",
            names.join(", ")
        ));
    }
    code
}

/// Whether `name` can be exported as it is.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_' || first == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !matches!(name, "default" | "__esModule")
        && !is_reserved(name)
}

fn is_reserved(name: &str) -> bool {
    matches!(
        name,
        "break"
            | "case"
            | "catch"
            | "class"
            | "const"
            | "continue"
            | "debugger"
            | "delete"
            | "do"
            | "else"
            | "enum"
            | "export"
            | "extends"
            | "false"
            | "finally"
            | "for"
            | "function"
            | "if"
            | "import"
            | "in"
            | "instanceof"
            | "new"
            | "null"
            | "return"
            | "super"
            | "switch"
            | "this"
            | "throw"
            | "true"
            | "try"
            | "typeof"
            | "var"
            | "void"
            | "while"
            | "with"
            | "yield"
            | "let"
            | "static"
            | "implements"
            | "interface"
            | "package"
            | "private"
            | "protected"
            | "public"
            | "await"
    )
}

impl HandlerLoader {
    /// The names an `import` of the CommonJS module at `path` gets, as cjs-module-lexer
    /// finds them, following `module.exports = require(...)` re-exports.
    pub(super) fn commonjs_names(&self, path: &Path, code: &str) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut pending = vec![(path.to_path_buf(), code.to_owned())];
        let mut seen = BTreeSet::new();
        while let Some((path, code)) = pending.pop() {
            if !seen.insert(path.clone()) || seen.len() > MOST_REEXPORTS {
                continue;
            }
            let Some(parsed) = parse(&path, &code) else {
                continue;
            };
            let analysis = parsed.analyze_cjs();
            names.extend(
                analysis
                    .exports
                    .into_iter()
                    .filter(|name| is_identifier(name)),
            );
            let Ok(referrer) = ModuleSpecifier::from_file_path(&path) else {
                continue;
            };
            for reexport in analysis.reexports {
                let Ok(url) = self.resolve_require(&reexport, referrer.as_str()) else {
                    continue;
                };
                let Some(file) = ModuleSpecifier::parse(&url)
                    .ok()
                    .and_then(|url| url.to_file_path().ok())
                else {
                    continue;
                };
                if let Ok((_, bytes)) = super::files::files().read(&file) {
                    if let Ok(text) = String::from_utf8(bytes) {
                        pending.push((file, text));
                    }
                }
            }
        }
        names
    }
}

impl CommonJsFiles for HandlerLoader {
    fn resolve_require(&self, specifier: &str, referrer: &str) -> Result<String, String> {
        let name = specifier.strip_prefix("node:").unwrap_or(specifier);
        let top = name.split('/').next().unwrap_or(name);
        if specifier.starts_with("node:") || NODE_BUILTINS.contains(&top) {
            return Ok(format!("node:{name}"));
        }
        let file = if Self::is_bare(specifier) {
            self.resolve_package(specifier, referrer, packages::REQUIRE)
                .map_err(|error| error.to_string())?
                .to_file_path()
                .map_err(|()| format!("cannot require \"{specifier}\""))?
        } else {
            let resolved = deno_core::resolve_import(specifier, referrer)
                .map_err(|error| error.to_string())?;
            let path = resolved
                .to_file_path()
                .map_err(|()| format!("cannot require \"{specifier}\" from {referrer}"))?;
            project::relative_file(&path).map_err(|tried| {
                LoaderError::ModuleNotFound {
                    specifier: specifier.to_owned(),
                    referrer: referrer.to_owned(),
                    tried: tried
                        .iter()
                        .map(|path| path.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
                .to_string()
            })?
        };
        self.confine(specifier, &file)
            .map_err(|error| error.to_string())?;
        ModuleSpecifier::from_file_path(&file)
            .map(|url| url.to_string())
            .map_err(|()| format!("cannot require \"{specifier}\" from {referrer}"))
    }

    fn require_source(&self, url: &str, referrer: &str) -> Result<String, String> {
        let specifier = ModuleSpecifier::parse(url).map_err(|error| error.to_string())?;
        let path = specifier
            .to_file_path()
            .map_err(|()| format!("cannot require {url}"))?;
        if path.extension().is_some_and(|ext| ext == "node") {
            return Err(format!(
                "{url} is a native addon, required by {referrer}: isogate runs JavaScript \
                 and WebAssembly only"
            ));
        }
        let bytes = self
            .read(&specifier, &path)
            .map_err(|error| error.to_string())?;
        let code = String::from_utf8(bytes).map_err(|error| format!("{url}: {error}"))?;
        let media = MediaType::from_path(&path);
        if media == MediaType::Json || is_commonjs(&path, &code) {
            return Ok(code);
        }
        Err(format!(
            "require() of the ES module {url} from {referrer} is not supported: import it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn commonjs_is_told_by_extension_and_by_syntax_in_packages() {
        let package = PathBuf::from("/p/node_modules/ms/index.js");
        assert!(is_commonjs(&package, "module.exports = function ms() {};"));
        assert!(!is_commonjs(&package, "export default function ms() {}"));
        assert!(!is_commonjs(&package, "globalThis.x = 1;"));
        assert!(is_commonjs(Path::new("/p/src/a.cjs"), "exports.a = 1;"));
        // The project's own .js files are ES modules.
        assert!(!is_commonjs(
            Path::new("/p/src/a.js"),
            "module.exports = 1;"
        ));
    }

    #[test]
    fn the_facade_exports_the_default_and_the_names() {
        let names: BTreeSet<String> = ["a".to_owned(), "b".to_owned()].into();
        let code = facade("file:///p/node_modules/x/index.js", &names);
        assert!(code.contains("cjs.load(\"file:///p/node_modules/x/index.js\")"));
        assert!(code.contains("export default cjs.defaultExport(exported);"));
        assert!(code.contains("export const { a, b } = exported;"));
        assert!(is_identifier("camelCase$1"));
        assert!(!is_identifier("default"));
        assert!(!is_identifier("with-dash"));
        assert!(!is_identifier("class"));
    }
}
