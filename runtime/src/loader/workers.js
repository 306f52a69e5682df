// The `cloudflare:workers` module (also `isogate:workers`), made for each handler by its
// module loader: the classes Workers programs import, and the handler's `env`, readable at
// a module's top level. Features isogate lacks throw when used, naming themselves, so code
// that merely imports them still loads.
export const env = Object.freeze(JSON.parse(__ISOGATE_ENV__));

/** The base of a class-based handler: `export default class extends WorkerEntrypoint`. */
export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

/** The base of objects passed by reference over RPC: a plain base class here. */
export class RpcTarget {}

const unsupported = (feature) =>
  class {
    constructor() {
      throw new TypeError(`${feature} is not supported by isogate`);
    }
  };

export const DurableObject = unsupported("DurableObject");
export const WorkflowEntrypoint = unsupported("WorkflowEntrypoint");

export default { DurableObject, RpcTarget, WorkerEntrypoint, WorkflowEntrypoint, env };
