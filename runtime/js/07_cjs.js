// CommonJS modules, as Node and bundlers run them: each is evaluated once, in a function
// given `exports`, `require`, `module`, `__filename`, `__dirname`, `process` and `global`.
// An ES module importing one gets a small module from the loader that calls `load` and
// re-exports `module.exports` (as its default, or `exports.default` for a module compiled
// from ESM that says `__esModule`) and the names found in it. `require` resolves through the
// module loader, inside the project; a Node.js built-in is an object that throws, naming
// the module, when it is used, so that packages that merely require one still load.

import { core, primordials } from "ext:core/mod.js";
import { op_isogate_cjs_resolve, op_isogate_cjs_source } from "ext:core/ops";

const {
  JSONParse,
  ObjectDefineProperty,
  ObjectFreeze,
  ReflectApply,
  SafeMap,
  StringPrototypeEndsWith,
  StringPrototypeLastIndexOf,
  StringPrototypeSlice,
  StringPrototypeStartsWith,
  SymbolFor,
  TypeError,
} = primordials;

const modules = new SafeMap();

/** What CommonJS code sees as `process`: production, no host. */
const process = ObjectFreeze({
  __proto__: null,
  env: ObjectFreeze({ __proto__: null, NODE_ENV: "production" }),
  argv: ObjectFreeze([]),
  browser: true,
  platform: "isogate",
  version: "",
  versions: ObjectFreeze({}),
  cwd: () => "/",
  nextTick: (callback, ...args) => queueMicrotask(() => ReflectApply(callback, undefined, args)),
});

/** A Node.js built-in: loads, and throws naming itself when anything of it is used. */
function builtin(name) {
  const refuse = () => {
    throw new TypeError(`${name} is not available in isogate (it is a Node.js built-in)`);
  };
  return new Proxy(function () {}, {
    get: (_target, key) => (key === "__esModule" || key === SymbolFor("nodejs.util.inspect.custom") ? undefined : refuse()),
    apply: refuse,
    construct: refuse,
  });
}

function pathOf(url) {
  return StringPrototypeStartsWith(url, "file://") ? StringPrototypeSlice(url, 7) : url;
}

function makeRequire(referrer) {
  const require = (specifier) => {
    const url = op_isogate_cjs_resolve(specifier, referrer);
    if (StringPrototypeStartsWith(url, "node:")) {
      return builtin(url);
    }
    return load(url, referrer).exports;
  };
  require.resolve = (specifier) => pathOf(op_isogate_cjs_resolve(specifier, referrer));
  require.cache = ObjectFreeze({});
  return require;
}

/** The module at `url` (required by `referrer`), evaluated on first use. */
function load(url, referrer = url) {
  const known = modules.get(url);
  if (known !== undefined) {
    return known;
  }
  const filename = pathOf(url);
  const module = {
    id: filename,
    filename,
    path: StringPrototypeSlice(filename, 0, StringPrototypeLastIndexOf(filename, "/")),
    exports: {},
    loaded: false,
    children: [],
  };
  modules.set(url, module);
  const source = op_isogate_cjs_source(url, referrer);
  if (StringPrototypeEndsWith(url, ".json")) {
    module.exports = JSONParse(source);
    module.loaded = true;
    return module;
  }
  // On the first line, so that line numbers in stacks stay those of the file.
  const wrapped =
    `(function (exports, require, module, __filename, __dirname, process, global) {${source}\n})`;
  const { 0: fn, 1: error } = core.evalContext(wrapped, url);
  if (error !== null) {
    modules.delete(url);
    throw error.thrown;
  }
  ReflectApply(fn, module.exports, [
    module.exports,
    makeRequire(url),
    module,
    filename,
    module.path,
    process,
    globalThis,
  ]);
  module.loaded = true;
  return module;
}

/** What an ES module's `import x from "cjs"` gets. */
function defaultExport(exports) {
  return exports !== null && typeof exports === "object" && exports.__esModule === true &&
      "default" in exports
    ? exports.default
    : exports;
}

/** Makes `load` reachable for the loader's re-exporting modules. */
function installCommonJs() {
  ObjectDefineProperty(globalThis, SymbolFor("isogate.cjs"), {
    __proto__: null,
    value: ObjectFreeze({ __proto__: null, load, defaultExport }),
    configurable: false,
    enumerable: false,
    writable: false,
  });
}

export { installCommonJs };
