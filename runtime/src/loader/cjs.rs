//! CommonJS, as bundlers and Node load it: which files are CommonJS, and the ES modules
//! that stand for one. Each file has a body (its URL with the query `?cjs`): an ES module
//! that imports the bodies of what the file `require`s with a literal specifier (found
//! ahead of time, resolved with the `require` export conditions) and exports a loader that
//! runs the file's code on its first call, as Node's `require` does: so a module runs only
//! when required, in the order Node runs it, and a cycle of requires sees the partial
//! `module.exports` Node gives. An `import` of the file gets its view, which calls the
//! loader and exports what the code exported, by the names cjs-module-lexer would find
//! (re-exports followed). A required Node.js built-in is an object that throws, naming the
//! module, when it is used.
//!
//! A `.cjs` file is CommonJS; so is a `.js` file inside `node_modules` that has no
//! `import`/`export` (packages ship ESM builds without `"type": "module"` often enough that
//! the syntax decides, as esbuild's does). The project's own `.js` files are ES modules.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use deno_ast::MediaType;
use deno_ast::ParseParams;
use deno_ast::ParsedSource;
use deno_core::ModuleSpecifier;

use deno_ast::swc::ast::CallExpr;
use deno_ast::swc::ast::Callee;
use deno_ast::swc::ast::Expr;
use deno_ast::swc::ast::Lit;
use deno_ast::swc::ecma_visit::noop_visit_type;
use deno_ast::swc::ecma_visit::Visit;
use deno_ast::swc::ecma_visit::VisitWith;
use deno_ast::ProgramRef;

use super::node;
use super::packages;
use super::project;
use super::HandlerLoader;
use crate::error::LoaderError;

/// How deep `module.exports = require(...)` re-exports are followed for names.
const MOST_REEXPORTS: usize = 8;

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

/// Whether the module at `path` with `code`, which a `require` names, is CommonJS: as
/// [`is_commonjs`], but a package's file with no `import`/`export` is CommonJS even when
/// it never says `exports` or `require(` (a file run for its effects).
pub(super) fn is_required_commonjs(path: &Path, code: &str) -> bool {
    match MediaType::from_path(path) {
        MediaType::Cjs => true,
        MediaType::JavaScript if in_node_modules(path) => {
            parse(path, code).is_some_and(|parsed| parsed.compute_is_script())
        }
        _ => false,
    }
}

fn in_node_modules(path: &Path) -> bool {
    path.components()
        .any(|part| part.as_os_str() == "node_modules")
}

/// A file's text, and its program (`None`: it does not parse).
type Parsed = (Arc<str>, Option<ParsedSource>);

thread_local! {
    /// The programs parsed while the module graph loading on this thread loads: a file is
    /// asked about up to four times (is it CommonJS, its names, its body's requires), and a
    /// large package file (lodash's 540 KB) is parsed once instead. Emptied by [`forget`].
    static PARSED: RefCell<HashMap<PathBuf, Parsed>> = RefCell::new(HashMap::new());
}

/// Forgets the programs parsed while a module graph loaded (see [`PARSED`]).
pub(crate) fn forget() {
    PARSED.with(|parsed| parsed.borrow_mut().clear());
}

fn parse(path: &Path, code: &str) -> Option<ParsedSource> {
    let known = PARSED.with(|parsed| {
        parsed
            .borrow()
            .get(path)
            .filter(|(text, _)| &**text == code)
            .map(|(_, program)| program.clone())
    });
    if let Some(program) = known {
        return program;
    }
    let text: Arc<str> = code.into();
    let program = ModuleSpecifier::from_file_path(path)
        .ok()
        .and_then(|specifier| {
            deno_ast::parse_program(ParseParams {
                specifier,
                text: text.clone(),
                media_type: MediaType::Cjs,
                capture_tokens: false,
                scope_analysis: false,
                maybe_syntax: None,
            })
            .ok()
        });
    PARSED.with(|parsed| {
        parsed
            .borrow_mut()
            .insert(path.to_path_buf(), (text, program.clone()))
    });
    program
}

/// What a `require()` with a literal specifier names.
enum Required {
    /// A Node.js built-in isogate does not give the handler, `node:NAME`.
    Builtin(String),
    /// A Node.js built-in's polyfill (`nodejs_compat`), by URL.
    Polyfill(ModuleSpecifier),
    /// A module file, by URL.
    File(ModuleSpecifier),
    /// A file its package's `browser` map sets to `false`: an empty object.
    Empty,
}

/// The `require("...")` calls of a module with a literal specifier, in order.
#[derive(Default)]
struct Requires(Vec<String>);

impl Visit for Requires {
    noop_visit_type!();

    fn visit_call_expr(&mut self, call: &CallExpr) {
        if let (Callee::Expr(callee), [argument]) = (&call.callee, call.args.as_slice()) {
            if let (Expr::Ident(name), Expr::Lit(Lit::Str(text))) = (&**callee, &*argument.expr) {
                if name.sym == *"require" && argument.spread.is_none() {
                    if let Some(text) = text.value.as_str() {
                        if !self.0.iter().any(|known| known == text) {
                            self.0.push(text.to_owned());
                        }
                    }
                }
            }
        }
        call.visit_children_with(self);
    }
}

/// What a CommonJS module's code sees as `process`, and a Node.js built-in that throws
/// when used. Declared inside the body's loader function, so that a `require` reaching the
/// module before its ES module has been evaluated (a cycle) finds them.
const PRELUDE: &str =
    "const process = Object.freeze({ env: Object.freeze({ NODE_ENV: \"production\" }), \
argv: [], browser: true, platform: \"isogate\", version: \"\", versions: {}, cwd: () => \"/\", \
nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)) }); \
const __builtin = (name) => { const refuse = () => { throw new TypeError(`${name} is not \
available in isogate (it is a Node.js built-in)`); }; return new Proxy(function () {}, { \
get: (_, key) => (key === \"__esModule\" || typeof key === \"symbol\" ? undefined : refuse()), \
apply: refuse, construct: refuse }); };";

/// The query that names a module's CommonJS body (its code, run when first required)
/// rather than the ES module an `import` of the file gets.
const BODY_QUERY: &str = "cjs";

/// The export under which a body gives its loader: a function that runs the module's code
/// on its first call (as Node's `require` does) and returns its `module.exports`, as it is
/// so far while the code runs (a cycle sees a partial object, as in Node).
const LOADER_EXPORT: &str = "isogate:cjs";

/// Whether `url` names a CommonJS body (see [`BODY_QUERY`]).
pub(super) fn is_body(url: &ModuleSpecifier) -> bool {
    url.query() == Some(BODY_QUERY)
}

/// The body URL of the file at `url`: what a `require` of it imports.
fn body_url(url: &ModuleSpecifier) -> ModuleSpecifier {
    let mut body = url.clone();
    body.set_query(Some(BODY_QUERY));
    body
}

fn json(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The body of a file that is not CommonJS, for a `require` of it: its loader gives the ES
/// module's namespace (or its `"module.exports"` export, as Node reads one).
pub(super) fn required_es_module(body: &ModuleSpecifier) -> String {
    let mut module = body.clone();
    module.set_query(None);
    format!(
        "import * as __ns from {};\n\
         function __load() {{ return \"module.exports\" in __ns ? __ns[\"module.exports\"] : __ns; }}\n\
         export {{ __load as {} }};\n",
        json(module.as_str()),
        json(LOADER_EXPORT)
    )
}

impl HandlerLoader {
    /// The ES module an `import` of the CommonJS module at `url` (`path`, `code`) gets: it
    /// runs the module's body and exports `module.exports` as its default (or
    /// `exports.default` for a module compiled from ESM that says `__esModule`), under the
    /// name `"module.exports"` (as Node does), and as the names cjs-module-lexer would find.
    pub(super) fn commonjs_view(&self, url: &ModuleSpecifier, path: &Path, code: &str) -> String {
        let mut view = format!(
            "import {{ {} as __load }} from {};\n\
             const __value = __load();\n\
             export {{ __value as \"module.exports\" }};\n\
             export default __value !== null && typeof __value === \"object\" && __value.__esModule === true && \"default\" in __value ? __value.default : __value;\n",
            json(LOADER_EXPORT),
            json(body_url(url).as_str())
        );
        let names = self.commonjs_names(path, code);
        if !names.is_empty() {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            view.push_str(&format!(
                "export const {{ {} }} = __value;\n",
                names.join(", ")
            ));
        }
        view
    }

    /// The body of the CommonJS module at `body` (`path`, `code`): an ES module that imports
    /// what the code `require`s with a literal specifier (their bodies, which run only when
    /// required) and exports the module's loader (see [`LOADER_EXPORT`]). The loader runs the
    /// code in a function given `exports`, `require`, `module`, `__filename`, `__dirname`,
    /// `process` and `global`.
    pub(super) fn commonjs_body(&self, body: &ModuleSpecifier, path: &Path, code: &str) -> String {
        let mut url = body.clone();
        url.set_query(None);
        let filename = json(&path.display().to_string());
        let dirname = json(
            &path
                .parent()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default(),
        );
        let mut requires = Requires::default();
        if let Some(parsed) = parse(path, code) {
            match parsed.program_ref() {
                ProgramRef::Module(module) => module.visit_with(&mut requires),
                ProgramRef::Script(script) => script.visit_with(&mut requires),
            }
        }
        let loader = json(LOADER_EXPORT);
        // Everything before the module's code is on its first line, so that its line
        // numbers stay those of the file in stacks.
        let mut imports = Vec::new();
        let mut table = Vec::new();
        for (index, specifier) in requires.0.iter().enumerate() {
            let entry = match self.resolve_require(specifier, url.as_str()) {
                Ok(Required::Builtin(name)) => format!("() => __builtin({})", json(&name)),
                Ok(Required::Empty) => "() => ({})".to_owned(),
                Ok(Required::Polyfill(module)) => {
                    imports.push(format!("import * as __r{index} from {};", json(module.as_str())));
                    format!("() => __r{index}.default ?? __r{index}")
                }
                Ok(Required::File(file)) if file.path().ends_with(".node") => format!(
                    "() => {{ throw new TypeError({}); }}",
                    json(&format!(
                        "{file} is a native addon, required by {url}: isogate runs JavaScript and WebAssembly only"
                    ))
                ),
                Ok(Required::File(file)) if file.path().ends_with(".json") => {
                    imports.push(format!(
                        "import __r{index} from {} with {{ type: \"json\" }};",
                        json(file.as_str())
                    ));
                    format!("() => __r{index}")
                }
                Ok(Required::File(file)) => {
                    imports.push(format!(
                        "import {{ {loader} as __r{index} }} from {};",
                        json(body_url(&file).as_str())
                    ));
                    format!("__r{index}")
                }
                Err(message) => format!("() => {{ throw new TypeError({}); }}", json(&message)),
            };
            table.push(format!("[{}, {entry}]", json(specifier)));
        }
        let mut head = imports;
        head.push("var __module; function __load() { if (__module !== undefined) return __module.exports;".to_owned());
        head.push(PRELUDE.to_owned());
        head.push(format!(
            "const __required = new Map([{}]);",
            table.join(", ")
        ));
        head.push(format!(
            "const module = {{ id: {filename}, filename: {filename}, path: {dirname}, exports: {{}}, loaded: false, children: [] }}; __module = module;"
        ));
        head.push(format!(
            "const require = (specifier) => {{ const entry = __required.get(specifier); if (entry === undefined) {{ throw new TypeError(`require(${{JSON.stringify(specifier)}}) in ${{{filename}}}: isogate finds only require() calls with a literal specifier, ahead of time`); }} return entry(); }};"
        ));
        head.push("require.cache = Object.freeze({});".to_owned());
        head.push(
            "(function (exports, require, module, __filename, __dirname, process, global) {"
                .to_owned(),
        );
        let mut source = head.join(" ");
        source.push_str(code);
        source.push_str(&format!(
            "\n}}).call(module.exports, module.exports, require, module, {filename}, {dirname}, process, globalThis);\n\
             module.loaded = true;\n\
             return module.exports;\n\
             }}\n\
             export {{ __load as {loader} }};\n"
        ));
        source
    }
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
                let Ok(Required::File(url)) = self.resolve_require(&reexport, referrer.as_str())
                else {
                    continue;
                };
                let Ok(file) = url.to_file_path() else {
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

impl HandlerLoader {
    /// What `require(specifier)` in the module at `referrer` names: a Node.js built-in, or
    /// a file inside the project (by the `require` export conditions).
    fn resolve_require(&self, specifier: &str, referrer: &str) -> Result<Required, String> {
        let polyfilled = self.node_compat.get() && node::is_builtin(specifier);
        if Self::is_bare(specifier) && !polyfilled {
            if let Some(swapped) = Self::browser_alias(specifier, referrer) {
                return self.swapped_require(swapped, specifier, referrer);
            }
        }
        if node::is_builtin(specifier) {
            let name = specifier.strip_prefix("node:").unwrap_or(specifier);
            if self.node_compat.get() {
                if let Ok(module) = node::builtin(specifier) {
                    return Ok(Required::Polyfill(module));
                }
            }
            return Ok(Required::Builtin(format!("node:{name}")));
        }
        if Self::is_bare(specifier) {
            return self
                .resolve_package(specifier, referrer, packages::REQUIRE)
                .map(Required::File)
                .map_err(|error| error.to_string());
        }
        let resolved =
            deno_core::resolve_import(specifier, referrer).map_err(|error| error.to_string())?;
        let path = resolved
            .to_file_path()
            .map_err(|()| format!("cannot require \"{specifier}\" from {referrer}"))?;
        let file = project::relative_file(&path).map_err(|tried| {
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
        })?;
        if let Some(swapped) = packages::browser_swap(&file) {
            return self.swapped_require(swapped, specifier, referrer);
        }
        self.confine(specifier, &file)
            .map_err(|error| error.to_string())?;
        ModuleSpecifier::from_file_path(&file)
            .map(Required::File)
            .map_err(|()| format!("cannot require \"{specifier}\" from {referrer}"))
    }

    /// What `require(specifier)` gives when a package's `browser` map swaps it.
    fn swapped_require(
        &self,
        swapped: packages::Swapped,
        specifier: &str,
        referrer: &str,
    ) -> Result<Required, String> {
        match self.swap_target(swapped, specifier, referrer, packages::REQUIRE) {
            Ok(Some(file)) => Ok(Required::File(file)),
            Ok(None) => Ok(Required::Empty),
            Err(error) => Err(error.to_string()),
        }
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
    fn only_plain_identifiers_become_named_exports() {
        assert!(is_identifier("camelCase$1"));
        assert!(!is_identifier("default"));
        assert!(!is_identifier("with-dash"));
        assert!(!is_identifier("class"));
    }
}
