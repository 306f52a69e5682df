//! One V8 isolate (a deno_core `JsRuntime`) restored from the startup snapshot, and the steps
//! that turn it into a running handler: load the module graph, pick the handler, serve.

use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use deno_core::v8;
use deno_core::AsyncRefCell;
use deno_core::JsRuntime;
use deno_core::PollEventLoopOptions;
use deno_core::RuntimeOptions;
use tokio::sync::mpsc;
use tokio::sync::Notify;

use crate::error::RuntimeError;
use crate::ext;
use crate::ext::console::HandlerLabel;
use crate::ext::fetch::FetchPolicy;
use crate::ext::http::Envelope;
use crate::ext::http::Inbox;
use crate::ext::http::Replies;
use crate::loader::HandlerLoader;

/// The startup snapshot built by `build.rs`: Web APIs and isogate's bootstrap, evaluated.
static SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/ISOGATE_SNAPSHOT.bin"));

/// Runs the isolate's start-up and takes the serve entry point off the global object, and
/// `Deno` with it, before any tenant code runs.
const TAKE_ENTRY: &str = r#"(() => {
  const key = Symbol.for("isogate.boot");
  const boot = globalThis[key];
  delete globalThis[key];
  delete globalThis.Deno;
  delete globalThis.__bootstrap;
  return boot();
})()"#;

/// The queue of requests an isolate serves, shared by the JS serve loop and the worker (which
/// answers from it directly when the module failed to load).
pub(crate) type SharedInbox = Rc<AsyncRefCell<mpsc::Receiver<Envelope>>>;

/// A fresh isolate from the snapshot, with no tenant code in it yet.
pub struct Isolate {
    runtime: JsRuntime,
    start: v8::Global<v8::Function>,
    loader: Rc<HandlerLoader>,
}

impl Isolate {
    /// Restores an isolate from the snapshot. Must run inside a tokio runtime on the thread
    /// that will own the isolate.
    pub fn new(label: &str, policy: FetchPolicy) -> Result<Self, RuntimeError> {
        let loader = Rc::new(HandlerLoader::new());
        let mut runtime = JsRuntime::new(RuntimeOptions {
            startup_snapshot: Some(SNAPSHOT),
            extensions: ext::for_isolate(),
            module_loader: Some(loader.clone()),
            ..Default::default()
        });
        let permissions = ext::fetch::permissions(policy).map_err(|error| {
            RuntimeError::Bootstrap(format!("outbound fetch permissions: {error}"))
        })?;
        {
            let state = runtime.op_state();
            let mut state = state.borrow_mut();
            state.put(permissions);
            state.put(HandlerLabel(label.to_owned()));
            state.put(Replies::default());
        }
        let entry = runtime
            .execute_script("ext:isogate/entry", TAKE_ENTRY)
            .map_err(|error| RuntimeError::Bootstrap(error.to_string()))?;
        let start = {
            deno_core::scope!(scope, runtime);
            let entry = v8::Local::new(scope, entry);
            let start = v8::Local::<v8::Function>::try_from(entry)
                .map_err(|_| RuntimeError::Bootstrap("snapshot has no serve entry".to_owned()))?;
            v8::Global::new(scope, start)
        };
        Ok(Self {
            runtime,
            start,
            loader,
        })
    }

    /// Loads and evaluates the handler module at `entry` (its folder bounds the imports), then
    /// starts the JS serve loop reading `inbox`. Fails when the module does not load or has
    /// no fetch handler.
    pub(crate) async fn start_handler(
        &mut self,
        entry: &Path,
        env_json: &str,
        inbox: SharedInbox,
        closed: Rc<Notify>,
    ) -> Result<(), RuntimeError> {
        let load_error = |message: String| RuntimeError::ModuleLoad {
            path: entry.to_path_buf(),
            message,
        };
        let entry_real = std::fs::canonicalize(entry).map_err(|e| load_error(e.to_string()))?;
        let root = entry_real
            .parent()
            .ok_or_else(|| load_error("the handler path has no parent folder".to_owned()))?;
        self.loader.set_root(root.to_path_buf());
        let specifier = deno_core::ModuleSpecifier::from_file_path(&entry_real)
            .map_err(|()| load_error("the handler path is not absolute".to_owned()))?;
        let module = self
            .runtime
            .load_main_es_module(&specifier)
            .await
            .map_err(|e| load_error(e.to_string()))?;
        let evaluated = self.runtime.mod_evaluate(module);
        self.runtime
            .with_event_loop_future(evaluated, PollEventLoopOptions::default())
            .await
            .map_err(|e| load_error(e.to_string()))?;
        let namespace = self
            .runtime
            .get_module_namespace(module)
            .map_err(|e| load_error(e.to_string()))?;

        self.runtime.op_state().borrow_mut().put(Inbox {
            receiver: inbox,
            closed,
        });
        let args = {
            let runtime = &mut self.runtime;
            deno_core::scope!(scope, runtime);
            let namespace = v8::Local::new(scope, namespace);
            let env = v8::String::new(scope, env_json)
                .ok_or_else(|| RuntimeError::Bootstrap("env too large".to_owned()))?;
            [
                v8::Global::new(scope, v8::Local::<v8::Value>::from(namespace)),
                v8::Global::new(scope, v8::Local::<v8::Value>::from(env)),
            ]
        };
        self.runtime
            .call_with_args(&self.start, &args)
            .await
            .map(drop)
            .map_err(|error| RuntimeError::NoHandler {
                path: entry.to_path_buf(),
                message: error.exception_message.clone(),
            })
    }

    /// Runs the isolate's event loop: serves requests until the inbox closes, then lets
    /// `waitUntil` work and timers finish for at most `drain`.
    pub(crate) async fn run(
        mut self,
        closed: Rc<Notify>,
        drain: Duration,
    ) -> Result<(), RuntimeError> {
        let drained = async {
            closed.notified().await;
            tokio::time::sleep(drain).await;
        };
        tokio::select! {
            result = self.runtime.run_event_loop(PollEventLoopOptions::default()) => {
                result.map_err(|error| RuntimeError::Bootstrap(error.to_string()))
            }
            () = drained => Ok(()),
        }
    }
}
