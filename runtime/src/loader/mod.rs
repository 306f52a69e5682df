//! Loads a handler's module graph from disk, or from a bundle mounted in memory
//! (`bundle.rs`, a version's files by content digest): relative imports inside the handler's project
//! (`project.rs`: its root, and imports resolved as bundlers do), the project's
//! `tsconfig.json` (`tsconfig.rs`: JSX settings, `paths` aliases), bare specifiers through
//! the project's `node_modules` (`packages.rs`), `.js/.mjs` as is,
//! `.ts/.mts/.tsx/.jsx` transpiled by deno_ast with source maps (so stacks point at
//! TypeScript lines), `.json` as JSON modules, and `.wasm` as a `WebAssembly.Module` default
//! export (as Workers do), with `process.env.NODE_ENV` defined as a bundler defines it
//! (`define.rs`). CommonJS files load through ES modules that stand for them (`cjs.rs`);
//! `cloudflare:workers` is made here with the handler's env (`workers.js`); Node.js
//! built-ins come from the embedded polyfills under `nodejs_compat` (`node.rs`). Everything
//! else is refused with an error that says why. Compiled code is kept for the process
//! (`code_cache.rs`), so a module loaded again is not compiled again.

pub(crate) mod bundle;
mod cjs;
mod code_cache;
mod define;
pub(crate) mod files;
pub(crate) mod graph;
mod node;
mod packages;
pub(crate) mod project;
mod tsconfig;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::path::PathBuf;

use deno_ast::MediaType;
use deno_ast::ParseParams;
use deno_ast::SourceMapOption;
use deno_core::error::ModuleLoaderError;
use deno_core::ModuleLoadOptions;
use deno_core::ModuleLoadReferrer;
use deno_core::ModuleLoadResponse;
use deno_core::ModuleLoader;
use deno_core::ModuleSource;
use deno_core::ModuleSourceCode;
use deno_core::ModuleSpecifier;
use deno_core::ModuleType;
use deno_core::RequestedModuleType;
use deno_core::ResolutionKind;
use deno_error::JsErrorBox;

use crate::error::LoaderError;
use files::files;

/// Forgets what a module graph's load kept on this thread so that each file is parsed once
/// (call when the graph has loaded, or failed to).
pub(crate) fn graph_loaded() {
    cjs::forget();
    packages::forget();
}

const WORKERS_MODULE: &str = "isogate:workers";
/// What a file a package's `browser` map sets to `false` is: an empty module.
const EMPTY_MODULE: &str = "isogate:empty";
/// The built-in module of Workers APIs, under both of its names.
const WORKERS_ALIASES: &[&str] = &["isogate:workers", "cloudflare:workers"];

/// The Workers module's source; `__ISOGATE_ENV__` becomes the handler's env, as JSON.
const WORKERS_SOURCE: &str = include_str!("workers.js");

/// The module loader of one handler: confined to the handler's project.
pub(crate) struct HandlerLoader {
    /// The handler's project root; empty until a handler is loaded, which admits nothing.
    root: RefCell<PathBuf>,
    /// The handler's env, as JSON, for the Workers module.
    env_json: RefCell<String>,
    /// Node.js built-ins may be imported (`nodejs_compat`).
    node_compat: std::cell::Cell<bool>,
    /// The project's `tsconfig.json`, read with the root.
    tsconfig: RefCell<tsconfig::TsConfig>,
    source_maps: RefCell<HashMap<String, Vec<u8>>>,
}

impl HandlerLoader {
    /// A loader that admits nothing until [`HandlerLoader::set_root`] names the folder.
    pub(crate) fn new() -> Self {
        Self {
            root: RefCell::new(PathBuf::new()),
            env_json: RefCell::new("{}".to_owned()),
            node_compat: std::cell::Cell::new(false),
            tsconfig: RefCell::new(tsconfig::TsConfig::default()),
            source_maps: RefCell::new(HashMap::new()),
        }
    }

    /// Admits only files under `root` (an absolute, canonical folder, the project's) from
    /// now on, and compiles by the project's `tsconfig.json`.
    pub(crate) fn set_root(&self, root: PathBuf) {
        *self.tsconfig.borrow_mut() = tsconfig::TsConfig::read(&root);
        *self.root.borrow_mut() = root;
    }

    /// Lets the handler import Node.js built-ins (the `nodejs_compat` flag), or not.
    pub(crate) fn set_node_compat(&self, allowed: bool) {
        self.node_compat.set(allowed);
    }

    /// The module to evaluate before the handler's own, when it has one: the Node.js
    /// globals of a `nodejs_compat` handler.
    pub(crate) fn setup_module(&self) -> Option<ModuleSpecifier> {
        self.node_compat
            .get()
            .then(|| ModuleSpecifier::parse(node::SETUP).ok())
            .flatten()
    }

    /// Gives the Workers module the handler's env (`env_json`, a JSON object).
    pub(crate) fn set_env(&self, env_json: &str) {
        env_json.clone_into(&mut self.env_json.borrow_mut());
    }

    /// The Workers module, with the handler's env.
    fn workers_module(&self) -> String {
        let env = serde_json::to_string(&*self.env_json.borrow()).unwrap_or_default();
        WORKERS_SOURCE.replace("__ISOGATE_ENV__", &env)
    }

    /// A bare specifier that the project's `paths` aliases to one of its files.
    fn resolve_alias(&self, specifier: &str) -> Option<Result<ModuleSpecifier, LoaderError>> {
        let candidates = self.tsconfig.borrow().alias(specifier);
        let file = candidates
            .iter()
            .find_map(|candidate| project::relative_file(candidate).ok())?;
        Some(self.confine(specifier, &file).and_then(|()| {
            ModuleSpecifier::from_file_path(&file)
                .map_err(|()| LoaderError::UnsupportedType(specifier.to_owned()))
        }))
    }

    fn check_scheme(specifier: &str, referrer: &str) -> Result<(), LoaderError> {
        let scheme = specifier.split_once(':').map(|(scheme, _)| scheme);
        match scheme {
            Some("http" | "https") => Err(LoaderError::RemoteImport(specifier.to_owned())),
            Some("npm" | "jsr") => Err(LoaderError::PackageImport(specifier.to_owned())),
            Some("node") => Err(LoaderError::NodeBuiltin(specifier.to_owned())),
            Some("isogate" | "cloudflare") if WORKERS_ALIASES.contains(&specifier) => Ok(()),
            Some("file") => Ok(()),
            None => Ok(()),
            _ => Err(LoaderError::Unsupported {
                specifier: specifier.to_owned(),
                referrer: referrer.to_owned(),
            }),
        }
    }

    /// Whether `specifier` names a package (`hono`, `@scope/pkg/sub`) rather than a path.
    fn is_bare(specifier: &str) -> bool {
        !(specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier.starts_with('/')
            || specifier.contains(':'))
    }

    /// What the `browser` map of the package holding `referrer` makes of its import (or
    /// `require`) of the package `name`.
    fn browser_alias(name: &str, referrer: &str) -> Option<packages::Swapped> {
        let from = ModuleSpecifier::parse(referrer).ok()?.to_file_path().ok()?;
        packages::browser_alias(&from, name)
    }

    /// The module a package's `browser` map puts in place of `specifier`, imported from
    /// `referrer` (the empty module for `false`).
    fn swapped_module(
        &self,
        swapped: packages::Swapped,
        specifier: &str,
        referrer: &str,
        conditions: &[&str],
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        match self.swap_target(swapped, specifier, referrer, conditions) {
            Ok(Some(module)) => Ok(module),
            Ok(None) => ModuleSpecifier::parse(EMPTY_MODULE).map_err(JsErrorBox::from_err),
            Err(error) => Err(JsErrorBox::from_err(error)),
        }
    }

    /// The file a package's `browser` map puts in place of `specifier`, imported (or
    /// required) from `referrer`; `None` when it maps it to `false`.
    fn swap_target(
        &self,
        swapped: packages::Swapped,
        specifier: &str,
        referrer: &str,
        conditions: &[&str],
    ) -> Result<Option<ModuleSpecifier>, LoaderError> {
        let path = match swapped {
            packages::Swapped::Empty => return Ok(None),
            packages::Swapped::Package(name) => {
                return self.resolve_package(&name, referrer, conditions).map(Some)
            }
            packages::Swapped::File(path) => path,
        };
        self.confine(specifier, &path)?;
        let real = files()
            .real_path(&path)
            .map_err(|source| LoaderError::Read {
                path: path.display().to_string(),
                source,
            })?;
        self.confine(specifier, &real)?;
        ModuleSpecifier::from_file_path(&real)
            .map(Some)
            .map_err(|()| LoaderError::Unsupported {
                specifier: specifier.to_owned(),
                referrer: referrer.to_owned(),
            })
    }

    /// Resolves a package import (or `require`) from the module `referrer` through
    /// `node_modules`, by the export `conditions` given.
    fn resolve_package(
        &self,
        specifier: &str,
        referrer: &str,
        conditions: &[&str],
    ) -> Result<ModuleSpecifier, LoaderError> {
        let unsupported = || LoaderError::Unsupported {
            specifier: specifier.to_owned(),
            referrer: referrer.to_owned(),
        };
        let from = ModuleSpecifier::parse(referrer)
            .ok()
            .and_then(|url| url.to_file_path().ok())
            .and_then(|path| path.parent().map(Path::to_path_buf))
            .ok_or_else(unsupported)?;
        let root = self.root.borrow().clone();
        let path = packages::resolve(specifier, &from, &root, conditions)?;
        let real = files()
            .real_path(&path)
            .map_err(|source| LoaderError::Read {
                path: path.display().to_string(),
                source,
            })?;
        self.confine(specifier, &real)?;
        ModuleSpecifier::from_file_path(&real).map_err(|()| unsupported())
    }

    fn confine(&self, specifier: &str, path: &Path) -> Result<(), LoaderError> {
        let root = self.root.borrow();
        if !root.as_os_str().is_empty() && path.starts_with(&*root) {
            Ok(())
        } else {
            Err(LoaderError::OutsideRoot {
                specifier: specifier.to_owned(),
                root: root.display().to_string(),
            })
        }
    }

    fn load_file(
        &self,
        specifier: &ModuleSpecifier,
        requested: &RequestedModuleType,
    ) -> Result<ModuleSource, LoaderError> {
        let path = specifier
            .to_file_path()
            .map_err(|()| LoaderError::UnsupportedType(specifier.to_string()))?;
        let media_type = MediaType::from_path(&path);
        if media_type == MediaType::Wasm && *requested != RequestedModuleType::Bytes {
            return Self::wasm_wrapper(specifier);
        }
        let (module_type, transpile) = match media_type {
            MediaType::JavaScript | MediaType::Mjs | MediaType::Cjs => {
                (ModuleType::JavaScript, false)
            }
            MediaType::TypeScript | MediaType::Mts | MediaType::Tsx | MediaType::Jsx => {
                (ModuleType::JavaScript, true)
            }
            MediaType::Json => (ModuleType::Json, false),
            MediaType::Wasm => {
                let bytes = self.read(specifier, &path)?;
                return Ok(ModuleSource::new(
                    ModuleType::Bytes,
                    ModuleSourceCode::Bytes(bytes.into_boxed_slice().into()),
                    specifier,
                    None,
                ));
            }
            _ => return Err(LoaderError::UnsupportedType(specifier.to_string())),
        };
        let code =
            String::from_utf8(self.read(specifier, &path)?).map_err(|error| LoaderError::Read {
                path: path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
            })?;
        if module_type == ModuleType::Json && *requested != RequestedModuleType::Json {
            return Self::json_without_attributes(specifier, &path, &code);
        }
        let code = if cjs::is_body(specifier) {
            if !transpile && cjs::is_required_commonjs(&path, &code) {
                self.commonjs_body(specifier, &path, &code)
            } else {
                cjs::required_es_module(specifier)
            }
        } else if transpile {
            let code = define::node_env(&path, media_type, &code).unwrap_or(code);
            self.transpile(specifier, media_type, code)?
        } else if cjs::is_commonjs(&path, &code) {
            self.commonjs_view(specifier, &path, &code)
        } else if module_type == ModuleType::JavaScript {
            define::node_env(&path, media_type, &code).unwrap_or(code)
        } else {
            code
        };
        let compiled =
            (module_type == ModuleType::JavaScript).then(|| code_cache::lookup(specifier, &code));
        Ok(ModuleSource::new(
            module_type,
            ModuleSourceCode::String(code.into()),
            specifier,
            compiled,
        ))
    }

    /// The bytes of the file at `path`, once its real path (symlinks resolved) has passed the
    /// confinement check, so that a link cannot lead outside.
    fn read(&self, specifier: &ModuleSpecifier, path: &Path) -> Result<Vec<u8>, LoaderError> {
        let (real, bytes) = files().read(path).map_err(|source| LoaderError::Read {
            path: path.display().to_string(),
            source,
        })?;
        self.confine(specifier.as_str(), &real)?;
        Ok(bytes)
    }

    /// A `.json` file imported with no `with { type: "json" }`, as bundlers allow (package
    /// builds import their package.json so): a JS module whose default export is the value.
    fn json_without_attributes(
        specifier: &ModuleSpecifier,
        path: &Path,
        code: &str,
    ) -> Result<ModuleSource, LoaderError> {
        serde_json::from_str::<serde::de::IgnoredAny>(code).map_err(|error| LoaderError::Read {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
        })?;
        let text = serde_json::to_string(code)
            .map_err(|error| LoaderError::Transpile(error.to_string()))?;
        Ok(ModuleSource::new(
            ModuleType::JavaScript,
            ModuleSourceCode::String(format!("export default JSON.parse({text});\n").into()),
            specifier,
            None,
        ))
    }

    /// A `.wasm` import: a small JS module whose default export is the compiled
    /// `WebAssembly.Module`, over the file's bytes imported as a bytes module.
    fn wasm_wrapper(specifier: &ModuleSpecifier) -> Result<ModuleSource, LoaderError> {
        let url = serde_json::to_string(specifier.as_str())
            .map_err(|error| LoaderError::Transpile(error.to_string()))?;
        let code = format!(
            "import bytes from {url} with {{ type: \"bytes\" }};\n\
             export default new WebAssembly.Module(bytes);\n"
        );
        Ok(ModuleSource::new(
            ModuleType::JavaScript,
            ModuleSourceCode::String(code.into()),
            specifier,
            None,
        ))
    }

    fn transpile(
        &self,
        specifier: &ModuleSpecifier,
        media_type: MediaType,
        code: String,
    ) -> Result<String, LoaderError> {
        let parsed = deno_ast::parse_module(ParseParams {
            specifier: specifier.clone(),
            text: code.into(),
            media_type,
            capture_tokens: false,
            scope_analysis: false,
            maybe_syntax: None,
        })
        .map_err(|diagnostic| LoaderError::Transpile(diagnostic.to_string()))?;
        let emitted = parsed
            .transpile(
                &deno_ast::TranspileOptions {
                    imports_not_used_as_values: deno_ast::ImportsNotUsedAsValues::Remove,
                    decorators: deno_ast::DecoratorsTranspileOption::Ecma,
                    jsx: Some(self.tsconfig.borrow().jsx.clone()),
                    ..Default::default()
                },
                &deno_ast::TranspileModuleOptions { module_kind: None },
                &deno_ast::EmitOptions {
                    source_map: SourceMapOption::Separate,
                    inline_sources: true,
                    ..Default::default()
                },
            )
            .map_err(|error| LoaderError::Transpile(error.to_string()))?
            .into_source();
        if let Some(map) = emitted.source_map {
            self.source_maps
                .borrow_mut()
                .insert(specifier.to_string(), map.into_bytes());
        }
        Ok(emitted.text)
    }
}

impl ModuleLoader for HandlerLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        _kind: ResolutionKind,
    ) -> Result<ModuleSpecifier, ModuleLoaderError> {
        if let Some(inside) = ModuleSpecifier::parse(referrer)
            .ok()
            .filter(|url| url.scheme() == node::SCHEME)
        {
            return node::resolve_inside(specifier, &inside).map_err(JsErrorBox::from_err);
        }
        let builtin = specifier.starts_with("node:")
            || (Self::is_bare(specifier) && node::is_builtin(specifier));
        if builtin && self.node_compat.get() {
            return node::builtin(specifier).map_err(JsErrorBox::from_err);
        }
        // A CommonJS facade imports the polyfills it requires by their URL.
        if let Some(polyfill) = ModuleSpecifier::parse(specifier)
            .ok()
            .filter(|url| url.scheme() == node::SCHEME && self.node_compat.get())
        {
            return Ok(polyfill);
        }
        Self::check_scheme(specifier, referrer).map_err(JsErrorBox::from_err)?;
        if WORKERS_ALIASES.contains(&specifier) {
            return ModuleSpecifier::parse(WORKERS_MODULE).map_err(JsErrorBox::from_err);
        }
        if Self::is_bare(specifier) {
            if let Some(aliased) = self.resolve_alias(specifier) {
                return aliased.map_err(JsErrorBox::from_err);
            }
            if let Some(swapped) = Self::browser_alias(specifier, referrer) {
                return self.swapped_module(swapped, specifier, referrer, packages::IMPORT);
            }
            return self
                .resolve_package(specifier, referrer, packages::IMPORT)
                .map_err(JsErrorBox::from_err);
        }
        let resolved =
            deno_core::resolve_import(specifier, referrer).map_err(JsErrorBox::from_err)?;
        let path = resolved.to_file_path().map_err(|()| {
            JsErrorBox::from_err(LoaderError::Unsupported {
                specifier: specifier.to_owned(),
                referrer: referrer.to_owned(),
            })
        })?;
        self.confine(specifier, &path)
            .map_err(JsErrorBox::from_err)?;
        let file = project::relative_file(&path).map_err(|tried| {
            JsErrorBox::from_err(LoaderError::ModuleNotFound {
                specifier: specifier.to_owned(),
                referrer: referrer.to_owned(),
                tried: tried
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })?;
        if let Some(swapped) = packages::browser_swap(&file) {
            return self.swapped_module(swapped, specifier, referrer, packages::IMPORT);
        }
        if file == path {
            return Ok(resolved);
        }
        self.confine(specifier, &file)
            .map_err(JsErrorBox::from_err)?;
        ModuleSpecifier::from_file_path(&file).map_err(|()| {
            JsErrorBox::from_err(LoaderError::Unsupported {
                specifier: specifier.to_owned(),
                referrer: referrer.to_owned(),
            })
        })
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        _referrer: Option<&ModuleLoadReferrer>,
        options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        if specifier.as_str() == node::SETUP {
            return ModuleLoadResponse::Sync(Ok(ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String(node::setup_source(&self.env_json.borrow()).into()),
                specifier,
                None,
            )));
        }
        if specifier.scheme() == node::SCHEME {
            let source = node::source(specifier).map(|code| {
                ModuleSource::new(
                    ModuleType::JavaScript,
                    ModuleSourceCode::String(code.to_owned().into()),
                    specifier,
                    Some(code_cache::lookup(specifier, code)),
                )
            });
            return ModuleLoadResponse::Sync(source.ok_or_else(|| {
                JsErrorBox::from_err(LoaderError::NodeBuiltin(specifier.to_string()))
            }));
        }
        if specifier.as_str() == EMPTY_MODULE {
            return ModuleLoadResponse::Sync(Ok(ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String("export default {};\n".to_owned().into()),
                specifier,
                None,
            )));
        }
        if specifier.as_str() == WORKERS_MODULE {
            return ModuleLoadResponse::Sync(Ok(ModuleSource::new(
                ModuleType::JavaScript,
                ModuleSourceCode::String(self.workers_module().into()),
                specifier,
                None,
            )));
        }
        ModuleLoadResponse::Sync(
            self.load_file(specifier, &options.requested_module_type)
                .map_err(JsErrorBox::from_err),
        )
    }

    fn code_cache_ready(
        &self,
        module_specifier: ModuleSpecifier,
        hash: u64,
        code_cache: &[u8],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> {
        code_cache::store(&module_specifier, hash, code_cache);
        Box::pin(std::future::ready(()))
    }

    fn get_source_map(&self, file_name: &str) -> Option<Cow<'_, [u8]>> {
        self.source_maps
            .borrow()
            .get(file_name)
            .map(|map| Cow::Owned(map.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_refuses_remote_package_and_node_specifiers() {
        let referrer = "file:///srv/h/handler.ts";
        assert!(matches!(
            HandlerLoader::check_scheme("https://deno.land/x/mod.ts", referrer),
            Err(LoaderError::RemoteImport(_))
        ));
        assert!(matches!(
            HandlerLoader::check_scheme("npm:hono", referrer),
            Err(LoaderError::PackageImport(_))
        ));
        assert!(matches!(
            HandlerLoader::check_scheme("node:fs", referrer),
            Err(LoaderError::NodeBuiltin(_))
        ));
        assert!(matches!(
            HandlerLoader::check_scheme("data:text/javascript,1", referrer),
            Err(LoaderError::Unsupported { .. })
        ));
        assert!(HandlerLoader::check_scheme("./util.ts", referrer).is_ok());
        assert!(HandlerLoader::is_bare("hono/cors"));
        assert!(!HandlerLoader::is_bare("./hono"));
    }

    #[test]
    fn loader_confines_paths_to_root() {
        let loader = HandlerLoader::new();
        assert!(loader.confine("./a.ts", Path::new("/srv/h/a.ts")).is_err());
        loader.set_root(PathBuf::from("/srv/h"));
        assert!(loader.confine("./a.ts", Path::new("/srv/h/a.ts")).is_ok());
        assert!(matches!(
            loader.confine("../secret.ts", Path::new("/srv/secret.ts")),
            Err(LoaderError::OutsideRoot { .. })
        ));
    }
}
