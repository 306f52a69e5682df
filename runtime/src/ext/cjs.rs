//! `require` for CommonJS modules: the ops `js/07_cjs.js` calls to resolve a `require`d
//! specifier and read the module it names, over the [`CommonJsFiles`] the module loader
//! implements (the same resolution, confinement and file reads as `import`).

use std::rc::Rc;

use deno_core::op2;
use deno_core::OpState;
use deno_error::JsErrorBox;

/// What `require` needs from the module loader.
pub(crate) trait CommonJsFiles {
    /// The URL `specifier`, required from the module at `referrer`, names, or `node:NAME`
    /// for a Node.js built-in.
    fn resolve_require(&self, specifier: &str, referrer: &str) -> Result<String, String>;
    /// The source of the CommonJS (or JSON) module at `url`; refused for an ES module,
    /// which `require` cannot load.
    fn require_source(&self, url: &str, referrer: &str) -> Result<String, String>;
}

/// The loader `require` goes through, in the isolate's state.
pub(crate) struct RequireFiles(pub(crate) Rc<dyn CommonJsFiles>);

fn files(state: &OpState) -> Result<Rc<dyn CommonJsFiles>, JsErrorBox> {
    state
        .try_borrow::<RequireFiles>()
        .map(|files| files.0.clone())
        .ok_or_else(|| JsErrorBox::type_error("require() is not available here"))
}

/// Resolves a `require(specifier)` made by the module at `referrer`.
#[op2]
#[string]
pub(crate) fn op_isogate_cjs_resolve(
    state: &mut OpState,
    #[string] specifier: &str,
    #[string] referrer: &str,
) -> Result<String, JsErrorBox> {
    files(state)?
        .resolve_require(specifier, referrer)
        .map_err(JsErrorBox::type_error)
}

/// The source of the CommonJS module at `url`, required by `referrer`.
#[op2]
#[string]
pub(crate) fn op_isogate_cjs_source(
    state: &mut OpState,
    #[string] url: &str,
    #[string] referrer: &str,
) -> Result<String, JsErrorBox> {
    files(state)?
        .require_source(url, referrer)
        .map_err(JsErrorBox::type_error)
}
