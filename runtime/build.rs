//! Builds the V8 startup snapshot: Deno's Web API extensions plus isogate's bootstrap JS,
//! evaluated once here so that every isolate starts with its global scope ready; and the
//! Node.js built-ins behind a `nodejs_compat` handler's globals, evaluated too but
//! reachable only by such a handler's loader, which then starts without evaluating them.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "modules shared with the library; only part is used here"
)]

#[path = "src/clock.rs"]
mod clock;
#[path = "src/error.rs"]
mod error;
#[path = "src/ext/mod.rs"]
mod ext;
#[path = "src/limits/breach.rs"]
mod limits;
#[path = "src/message.rs"]
mod message;
#[path = "src/loader/node.rs"]
mod node;

use std::path::PathBuf;
use std::rc::Rc;

use deno_core::ModuleLoadOptions;
use deno_core::ModuleLoadReferrer;
use deno_core::ModuleLoadResponse;
use deno_core::ModuleLoader;
use deno_core::ModuleResolveResponse;
use deno_core::ModuleSource;
use deno_core::ModuleSourceCode;
use deno_core::ModuleSpecifier;
use deno_core::ModuleType;
use deno_core::ResolutionKind;
use deno_error::JsErrorBox;

/// The Node.js built-ins evaluated into the snapshot: those every `nodejs_compat` handler
/// loads (its globals `Buffer` and `process`). The others load when imported: each one here
/// makes every isolate bigger, with or without the flag (these two: about 0.3 MiB). None may
/// read host objects (`crypto.subtle`), the clock (`perf_hooks`' time origin) or random
/// values while evaluated: the snapshot would keep what they saw for every isolate.
const PRELOADED: &[&str] = &["buffer", "process"];

/// The module the snapshot evaluates to have [`PRELOADED`] in it.
const NODE_ENTRY: &str = "isogate-node:/isogate/snapshot.mjs";

/// Gives the isolate, before the built-ins are evaluated, the `AsyncLocalStorage` global of
/// `nodejs_compat` isolates (unenv's `node:async_hooks` takes it when evaluated), as each
/// such isolate has when it starts; [`FINISH_NODE`] removes it again, and fails if the
/// built-ins left a global behind: every isolate starts with the snapshot's global scope.
const PREPARE_NODE: &str = r#"(() => {
  const before = new Set(Reflect.ownKeys(globalThis));
  globalThis[Symbol.for("isogate.boot")]()[1]();
  const key = Symbol.for("isogate.finishNode");
  globalThis[key] = () => {
    delete globalThis.AsyncLocalStorage;
    delete globalThis[key];
    const left = Reflect.ownKeys(globalThis).filter((name) => !before.has(name));
    if (left.length > 0) {
      throw new Error(`the Node.js built-ins left globals: ${left.map(String).join(", ")}`);
    }
  };
})();"#;

/// Undoes what [`PREPARE_NODE`] did to the global scope.
const FINISH_NODE: &str = r#"globalThis[Symbol.for("isogate.finishNode")]();"#;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("ISOGATE_SNAPSHOT.bin"), snapshot()).expect("writing snapshot");
    println!("cargo:rerun-if-changed=js");
    println!("cargo:rerun-if-changed=src/ext");
    println!("cargo:rerun-if-changed=src/loader");
    println!("cargo:rerun-if-changed=vendor");
}

/// The snapshot: the extensions' JS, then [`PRELOADED`].
fn snapshot() -> Box<[u8]> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the snapshot");
    let _entered = tokio.enter();
    // With the extensions' per-isolate state, as the built-ins' top-level code may call ops.
    let mut runtime = deno_core::JsRuntimeForSnapshot::new(deno_core::RuntimeOptions {
        extensions: ext::for_isolate(Default::default()),
        module_loader: Some(Rc::new(NodeLoader)),
        ..Default::default()
    });
    runtime
        .execute_script("ext:isogate/prepare_node", PREPARE_NODE)
        .expect("preparing the snapshot's Node.js built-ins");
    let entry = ModuleSpecifier::parse(NODE_ENTRY).expect("the entry is a URL");
    tokio
        .block_on(async {
            let module = runtime.load_side_es_module(&entry).await?;
            let evaluated = runtime.mod_evaluate(module);
            runtime.run_event_loop(Default::default()).await?;
            evaluated.await
        })
        .expect("evaluating the snapshot's Node.js built-ins");
    runtime
        .execute_script("ext:isogate/finish_node", FINISH_NODE)
        .expect("finishing the snapshot's Node.js built-ins");
    runtime.snapshot()
}

/// Serves the embedded Node.js built-ins (and [`NODE_ENTRY`]) while the snapshot is built,
/// resolving their imports as the handler loader does.
struct NodeLoader;

impl ModuleLoader for NodeLoader {
    fn resolve(
        &self,
        specifier: &str,
        referrer: &str,
        _kind: ResolutionKind,
    ) -> ModuleResolveResponse {
        if specifier == NODE_ENTRY {
            return ModuleSpecifier::parse(NODE_ENTRY).map_err(JsErrorBox::from_err);
        }
        let referrer = ModuleSpecifier::parse(referrer).map_err(JsErrorBox::from_err)?;
        node::resolve_inside(specifier, &referrer).map_err(JsErrorBox::from_err)
    }

    fn load(
        &self,
        specifier: &ModuleSpecifier,
        _referrer: Option<&ModuleLoadReferrer>,
        _options: ModuleLoadOptions,
    ) -> ModuleLoadResponse {
        let code = if specifier.as_str() == NODE_ENTRY {
            Some(entry_source())
        } else {
            node::source(specifier).map(str::to_owned)
        };
        ModuleLoadResponse::Sync(
            code.map(|code| {
                ModuleSource::new(
                    ModuleType::JavaScript,
                    ModuleSourceCode::String(code.into()),
                    specifier,
                    None,
                )
            })
            .ok_or_else(|| JsErrorBox::generic(format!("no embedded module {specifier}"))),
        )
    }
}

/// Calls what handlers call most of [`PRELOADED`], so that the snapshot keeps it compiled
/// (a function the snapshot holds uncompiled is compiled on first call in every isolate).
const WARM_UP: &str = r#"import { Buffer } from "node:buffer";
const text = Buffer.from("isogate", "utf8");
for (const encoding of ["hex", "base64", "utf8", "latin1"]) {
  Buffer.from(text.toString(encoding), encoding);
}
Buffer.concat([text, Buffer.alloc(2)]).subarray(1, 3).equals(text.slice(1, 3));
Buffer.byteLength("isogate");
Buffer.isBuffer(text);
"#;

/// [`NODE_ENTRY`]'s source.
fn entry_source() -> String {
    let mut source: String = PRELOADED
        .iter()
        .map(|name| format!("import \"node:{name}\";\n"))
        .collect();
    source.push_str(WARM_UP);
    source
}
