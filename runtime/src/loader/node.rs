//! Node.js built-ins for tenants with the `nodejs_compat` compatibility flag: unenv's
//! polyfills (what wrangler uses), embedded in the binary (`vendor/`) and served as
//! `node:*` (and as the bare names, as Node resolves them first); `node:crypto` is unenv's
//! with Node's synchronous hashes and HMACs made from @noble/hashes (`node_crypto.mjs`), and
//! `node:zlib` unenv's with deflate, inflate, gzip and their kin made from pako
//! (`node_zlib.mjs`); `node:buffer` unenv's with the `base64url` encoding
//! (`node_buffer.mjs`); `node:events`' EventEmitter is unenv's made callable
//! (`node_events.mjs`); `node:stream` and `node:string_decoder` are Node's own, bundled
//! (unenv's are stand-ins).
//! Their own imports stay inside the embedded tree. `node:buffer` and `node:process` (the
//! globals' modules) are already evaluated in the startup snapshot (`build.rs` builds it with
//! this module), reachable only through this loader. Without the flag a `node:` import is
//! refused at load, saying which flag allows it. What unenv does not implement throws when
//! it is called, naming itself, so that packages that merely import it still load.

use deno_core::ModuleSpecifier;
use include_dir::include_dir;
use include_dir::Dir;

use crate::error::LoaderError;

/// The vendored modules.
static VENDOR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/vendor");

/// The URL scheme of the embedded modules.
pub(super) const SCHEME: &str = "isogate-node";

/// Where `node:crypto` is served from, and its source.
const CRYPTO_PATH: &str = "isogate/crypto.mjs";
const CRYPTO_SOURCE: &str = include_str!("node_crypto.mjs");

/// Where `node:zlib` is served from, and its source.
const ZLIB_PATH: &str = "isogate/zlib.mjs";
const ZLIB_SOURCE: &str = include_str!("node_zlib.mjs");

/// Where `node:buffer` is served from, and its source.
const BUFFER_PATH: &str = "isogate/buffer.mjs";
const BUFFER_SOURCE: &str = include_str!("node_buffer.mjs");

/// Where `node:events` is served from, and its source.
const EVENTS_PATH: &str = "isogate/events.mjs";
const EVENTS_SOURCE: &str = include_str!("node_events.mjs");

/// Where `node:stream/promises` is served from, and its source: the promises of the one
/// `node:stream`.
const STREAM_PROMISES_PATH: &str = "isogate/stream-promises.mjs";
const STREAM_PROMISES_SOURCE: &str = "import { promises } from \"node:stream\";\n\
export default promises;\n\
export const { pipeline, finished } = promises;\n";

/// Built-ins served from somewhere other than unenv's module of the same name: Node's own
/// streams and `StringDecoder` (bundled, see `vendor/readable-stream/build.sh`) where
/// unenv's are stand-ins, and isogate's modules over unenv's.
const OVERRIDES: &[(&str, &str)] = &[
    ("buffer", BUFFER_PATH),
    ("crypto", CRYPTO_PATH),
    ("events", EVENTS_PATH),
    ("zlib", ZLIB_PATH),
    ("stream", "readable-stream/stream.mjs"),
    ("stream/promises", STREAM_PROMISES_PATH),
    ("string_decoder", "string_decoder/string_decoder.mjs"),
];

/// The module evaluated before a `nodejs_compat` handler's own: the globals Workers gives
/// such handlers (`Buffer`, `process` with the handler's env in `process.env`, `global`).
pub(crate) const SETUP: &str = "isogate-node:/setup.mjs";

/// [`SETUP`]'s source; `__ISOGATE_ENV__` becomes the handler's env, as JSON.
const SETUP_SOURCE: &str = "import { Buffer } from \"node:buffer\";\n\
import process from \"node:process\";\n\
globalThis.Buffer ??= Buffer;\n\
globalThis.process ??= process;\n\
globalThis.global ??= globalThis;\n\
Object.assign(process.env, JSON.parse(__ISOGATE_ENV__));\n";

/// The setup module's source for a handler with env `env_json`.
pub(super) fn setup_source(env_json: &str) -> String {
    let env = serde_json::to_string(env_json).unwrap_or_default();
    SETUP_SOURCE.replace("__ISOGATE_ENV__", &env)
}

/// Node.js built-ins a bare specifier may name without the `node:` prefix.
pub(super) const BUILTINS: &[&str] = &[
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

/// Whether a bare specifier (`buffer`, `fs/promises`) names a Node.js built-in.
pub(super) fn is_builtin(specifier: &str) -> bool {
    let name = specifier.strip_prefix("node:").unwrap_or(specifier);
    specifier.starts_with("node:") || BUILTINS.contains(&name.split('/').next().unwrap_or(name))
}

/// The embedded module of built-in `specifier` (`node:buffer`, `buffer`, `fs/promises`).
pub(super) fn builtin(specifier: &str) -> Result<ModuleSpecifier, LoaderError> {
    let name = specifier.strip_prefix("node:").unwrap_or(specifier);
    let path = OVERRIDES
        .iter()
        .find(|(builtin, _)| *builtin == name)
        .map_or_else(
            || format!("unenv/node/{name}.mjs"),
            |(_, path)| (*path).to_owned(),
        );
    if source_of(&path).is_none() {
        return Err(LoaderError::NodeBuiltin(specifier.to_owned()));
    }
    ModuleSpecifier::parse(&format!("{SCHEME}:/{path}"))
        .map_err(|_| LoaderError::NodeBuiltin(specifier.to_owned()))
}

/// Resolves an import made by the embedded module at `referrer`.
pub(super) fn resolve_inside(
    specifier: &str,
    referrer: &ModuleSpecifier,
) -> Result<ModuleSpecifier, LoaderError> {
    if is_builtin(specifier) {
        return builtin(specifier);
    }
    let package = match specifier {
        "pathe" => Some("pathe/index.mjs"),
        "@noble/hashes/crypto" => Some("noble-hashes/crypto.js"),
        _ => None,
    };
    if let Some(path) = package {
        return ModuleSpecifier::parse(&format!("{SCHEME}:/{path}"))
            .map_err(|_| LoaderError::NodeBuiltin(specifier.to_owned()));
    }
    referrer
        .join(specifier)
        .map_err(|_| LoaderError::NodeBuiltin(specifier.to_owned()))
}

/// The source of the embedded module at `url`.
pub(super) fn source(url: &ModuleSpecifier) -> Option<&'static str> {
    source_of(url.path().trim_start_matches('/'))
}

fn source_of(path: &str) -> Option<&'static str> {
    match path {
        BUFFER_PATH => Some(BUFFER_SOURCE),
        CRYPTO_PATH => Some(CRYPTO_SOURCE),
        ZLIB_PATH => Some(ZLIB_SOURCE),
        EVENTS_PATH => Some(EVENTS_SOURCE),
        STREAM_PROMISES_PATH => Some(STREAM_PROMISES_SOURCE),
        _ => VENDOR.get_file(path)?.contents_utf8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_resolve_inside_the_embedded_tree() {
        let buffer = builtin("node:buffer").unwrap();
        assert_eq!(buffer.as_str(), "isogate-node:/isogate/buffer.mjs");
        assert_eq!(
            builtin("path").unwrap().as_str(),
            "isogate-node:/unenv/node/path.mjs"
        );
        for (name, path) in OVERRIDES {
            let url = builtin(name).unwrap();
            assert_eq!(url.as_str(), format!("isogate-node:/{path}"));
            assert!(source(&url).is_some(), "{name}");
        }
        assert!(source(&buffer).unwrap().contains("Buffer"));
        let buffer = ModuleSpecifier::parse("isogate-node:/unenv/node/buffer.mjs").unwrap();
        let inner = resolve_inside("./internal/buffer/buffer.mjs", &buffer).unwrap();
        assert_eq!(
            inner.as_str(),
            "isogate-node:/unenv/node/internal/buffer/buffer.mjs"
        );
        assert!(source(&inner).is_some());
        assert_eq!(
            resolve_inside("node:events", &buffer).unwrap(),
            builtin("events").unwrap()
        );
        assert!(source(&resolve_inside("pathe", &buffer).unwrap()).is_some());
        assert!(is_builtin("fs/promises") && is_builtin("node:anything") && !is_builtin("hono"));
        assert!(matches!(
            builtin("node:nope"),
            Err(LoaderError::NodeBuiltin(_))
        ));
    }

    /// Every relative import of every embedded module names an embedded module.
    #[test]
    fn embedded_modules_import_only_embedded_modules() {
        fn visit(dir: &Dir<'_>, missing: &mut Vec<String>) {
            for file in dir.files() {
                let path = file.path().to_string_lossy().into_owned();
                let Some(code) = file.contents_utf8() else {
                    continue;
                };
                let url = ModuleSpecifier::parse(&format!("{SCHEME}:/{path}")).unwrap();
                for quote in ['"', '\''] {
                    for marker in [format!("from {quote}."), format!("import {quote}.")] {
                        for (at, _) in code.match_indices(&marker) {
                            let start = at + marker.len() - 1;
                            let Some(end) = code[start..].find(quote) else {
                                continue;
                            };
                            let specifier = &code[start..start + end];
                            let found = resolve_inside(specifier, &url)
                                .ok()
                                .and_then(|inner| source(&inner));
                            if found.is_none() {
                                missing.push(format!("{specifier} from {path}"));
                            }
                        }
                    }
                }
            }
            for inner in dir.dirs() {
                visit(inner, missing);
            }
        }
        let mut missing = Vec::new();
        visit(&VENDOR, &mut missing);
        assert!(
            missing.is_empty(),
            "imports of missing modules: {missing:?}"
        );
    }
}
