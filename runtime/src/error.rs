//! `RuntimeError`: everything that can go wrong between a request entering the runtime and
//! a response leaving it, plus the module loader's refusals that surface inside JS.

use std::path::PathBuf;

use crate::limits::LimitBreach;

/// Where an error comes from; the gateway picks status codes and log targets from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorSource {
    /// The tenant's own code: a throw, a bad return value, a module that fails to load.
    Handler,
    /// A limit of the tenant's (CPU, memory, wall clock, subrequests) stopped the request.
    Limit,
    /// isogate itself: a worker thread that died, a broken invariant.
    Internal,
}

/// The one error type of `isogate-runtime`.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The handler's module graph failed to load, parse or evaluate.
    #[error("loading handler module {path}: {message}")]
    ModuleLoad {
        /// The entry module that was being loaded.
        path: PathBuf,
        /// V8's or the loader's message, with `file:line:col` where known.
        message: String,
    },
    /// The module loaded but exports no `fetch` handler and registered no `fetch` listener.
    #[error("handler module {path} has no fetch handler: {message}")]
    NoHandler {
        /// The entry module.
        path: PathBuf,
        /// What was found instead.
        message: String,
    },
    /// The handler threw, rejected or returned something that is not a `Response`.
    #[error("handler failed: {message}")]
    HandlerFailed {
        /// The error's message line (`TypeError: ...`).
        message: String,
        /// The source-mapped stack, for logs and dev mode only.
        stack: String,
    },
    /// A limit stopped the request (and, for CPU and memory, the isolate it ran on).
    #[error("{0}")]
    LimitExceeded(LimitBreach),
    /// An isolate could not be set up from the snapshot (an isogate bug, not tenant code).
    #[error("starting isolate: {0}")]
    Bootstrap(String),
    /// The isolate's thread is gone (it exited or panicked) before answering.
    #[error("isolate worker stopped before answering")]
    WorkerGone,
    /// The worker process hosting the isolate ended (a crash, an abort, a kill) while the
    /// request was in flight; the message says how it ended.
    #[error("{0}")]
    WorkerCrashed(String),
    /// The isolate's thread could not be started.
    #[error("starting isolate worker thread")]
    Spawn(#[source] std::io::Error),
}

impl RuntimeError {
    /// A copy for answering several requests with the same failure (I/O errors, which
    /// cannot be copied, become `WorkerGone`).
    pub(crate) fn replicate(&self) -> Self {
        match self {
            Self::ModuleLoad { path, message } => Self::ModuleLoad {
                path: path.clone(),
                message: message.clone(),
            },
            Self::NoHandler { path, message } => Self::NoHandler {
                path: path.clone(),
                message: message.clone(),
            },
            Self::HandlerFailed { message, stack } => Self::HandlerFailed {
                message: message.clone(),
                stack: stack.clone(),
            },
            Self::LimitExceeded(breach) => Self::LimitExceeded(breach.clone()),
            Self::Bootstrap(message) => Self::Bootstrap(message.clone()),
            Self::WorkerCrashed(reason) => Self::WorkerCrashed(reason.clone()),
            Self::WorkerGone | Self::Spawn(_) => Self::WorkerGone,
        }
    }

    /// Whose fault the error is.
    pub fn source_kind(&self) -> ErrorSource {
        match self {
            Self::ModuleLoad { .. } | Self::NoHandler { .. } | Self::HandlerFailed { .. } => {
                ErrorSource::Handler
            }
            Self::LimitExceeded(_) => ErrorSource::Limit,
            Self::Bootstrap(_) | Self::WorkerGone | Self::WorkerCrashed(_) | Self::Spawn(_) => {
                ErrorSource::Internal
            }
        }
    }
}

/// Why the module loader refused a specifier; these surface in JS as `TypeError`s.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum LoaderError {
    /// `https:` / `http:` imports are not fetched at run time.
    #[class(type)]
    #[error("remote import \"{0}\" is not supported: isogate loads handler modules from disk only; vendor the file next to the handler")]
    RemoteImport(String),
    /// `npm:` / `jsr:` specifiers need a package manager.
    #[class(type)]
    #[error(
        "package import \"{0}\" is not supported: npm:/jsr: specifiers are not resolved by isogate"
    )]
    PackageImport(String),
    /// A `node:` built-in the handler may not import, or that isogate does not have.
    #[class(type)]
    #[error("\"{0}\" is not available: Node.js built-ins need compatibility_flags = [\"nodejs_compat\"] for the tenant, and then only those isogate has")]
    NodeBuiltin(String),
    /// Any other scheme (`data:`, `blob:`, ...).
    #[class(type)]
    #[error("import \"{specifier}\" from \"{referrer}\" is not supported: use a relative path (./file.ts) or a package in node_modules")]
    Unsupported {
        /// The specifier as written.
        specifier: String,
        /// The importing module.
        referrer: String,
    },
    /// A relative import that names no file, even as bundlers resolve it.
    #[class(type)]
    #[error("cannot find module \"{specifier}\" imported from {referrer} (tried {tried})")]
    ModuleNotFound {
        /// The specifier as written.
        specifier: String,
        /// The importing module.
        referrer: String,
        /// The paths tried, in order.
        tried: String,
    },
    /// A relative import that climbs out of the handler's project.
    #[class(type)]
    #[error("import \"{specifier}\" resolves outside the handler's project {root}")]
    OutsideRoot {
        /// The specifier as written.
        specifier: String,
        /// The handler's project root.
        root: String,
    },
    /// A file type the loader does not know.
    #[class(type)]
    #[error(
        "cannot import \"{0}\": unsupported file type (use .js, .mjs, .ts, .mts, .json or .wasm)"
    )]
    UnsupportedType(String),
    /// The file could not be read.
    #[class(type)]
    #[error("cannot read module {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A bare specifier with no package in the project's `node_modules` folders.
    #[class(type)]
    #[error("package \"{specifier}\" is not in node_modules: no node_modules folder from {from} up to the project root {root} holds it (npm install it in the project)")]
    PackageNotFound {
        /// The specifier as written.
        specifier: String,
        /// The importing module's folder.
        from: String,
        /// The project root, where the search stops.
        root: String,
    },
    /// The package's `exports` does not offer the subpath.
    #[class(type)]
    #[error("package \"{package}\" does not export \"{subpath}\"")]
    PackageSubpath {
        /// The package name.
        package: String,
        /// The subpath asked for (`.` or `./sub`).
        subpath: String,
    },
    /// The package's `package.json` is not valid JSON.
    #[class(type)]
    #[error("package \"{package}\": invalid package.json: {message}")]
    PackageManifest {
        /// The package name.
        package: String,
        /// The parse error.
        message: String,
    },
    /// TypeScript failed to parse or transpile.
    #[class(syntax)]
    #[error("{0}")]
    Transpile(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_error_source_separates_handler_from_internal() {
        let threw = RuntimeError::HandlerFailed {
            message: "Error: boom".into(),
            stack: String::new(),
        };
        assert_eq!(threw.source_kind(), ErrorSource::Handler);
        assert_eq!(
            RuntimeError::WorkerGone.source_kind(),
            ErrorSource::Internal
        );
    }
}
