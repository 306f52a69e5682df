// The `cloudflare:workers` module (also `isogate:workers`): the classes Workers programs
// import and the handler's `env`. The loader gives importers a small module that re-exports
// what is registered here under a hidden global; features isogate lacks throw when used,
// naming themselves, so code that merely imports them still loads.

import { primordials } from "ext:core/mod.js";
import { op_isogate_env } from "ext:core/ops";

const {
  JSONParse,
  ObjectDefineProperty,
  ObjectFreeze,
  ReflectGet,
  ReflectGetOwnPropertyDescriptor,
  ReflectHas,
  ReflectOwnKeys,
  SymbolFor,
} = primordials;

let handlerEnv = null;

/** The handler's `env`, frozen, read once from what the worker was given. */
function currentEnv() {
  if (handlerEnv === null) {
    handlerEnv = ObjectFreeze(JSONParse(op_isogate_env()));
  }
  return handlerEnv;
}

/** `env` as an importable value, also at a module's top level. */
const env = new Proxy(
  {},
  {
    get: (_target, key) => ReflectGet(currentEnv(), key),
    has: (_target, key) => ReflectHas(currentEnv(), key),
    ownKeys: () => ReflectOwnKeys(currentEnv()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = ReflectGetOwnPropertyDescriptor(currentEnv(), key);
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  },
);

/** The base class of a class-based handler: `export default class extends WorkerEntrypoint`. */
class WorkerEntrypoint {
  ctx;
  env;
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

function unsupported(feature) {
  return class {
    constructor() {
      throw new TypeError(`${feature} is not supported by isogate`);
    }
  };
}

const DurableObject = unsupported("DurableObject");
const WorkflowEntrypoint = unsupported("WorkflowEntrypoint");

/** The base of objects passed by reference over RPC; plain objects here. */
class RpcTarget {}

const exported = ObjectFreeze({
  __proto__: null,
  DurableObject,
  RpcTarget,
  WorkerEntrypoint,
  WorkflowEntrypoint,
  env,
});

/** Makes the module's exports reachable for the loader's re-exporting module. */
function installWorkersModule() {
  ObjectDefineProperty(globalThis, SymbolFor("isogate.workers"), {
    __proto__: null,
    value: exported,
    configurable: false,
    enumerable: false,
    writable: false,
  });
}

export { currentEnv, installWorkersModule };
