// The request whose code is running. The async context (which V8 carries across awaits,
// timers and promise jobs) holds its scope, so console lines from concurrent requests on one
// isolate are told apart, and I/O is allowed only while a request is still going. Code that
// uses Node's `AsyncLocalStorage` (`nodejs_compat`) puts a `Frame` there instead: the scope
// and the stores, copied on write, so each continuation sees the stores it was made with.

import { core, primordials } from "ext:core/mod.js";

const { ReflectApply, SafeMap, TypeError } = primordials;

// One small object per request: cheaper than an AsyncVariable, whose per-entry WeakMap and
// dictionary-mode mapping show up in every scavenge.
class RequestScope {
  constructor(requestId, flatHeaders) {
    this.requestId = requestId;
    /** The incoming request's headers as a flat name/value list (for trace context). */
    this.flatHeaders = flatHeaders;
    /** Outbound http(s) fetches made so far. */
    this.subrequests = 0;
    /** Set once a fetch went past the subrequest limit: the request is then stopped. */
    this.overLimit = false;
    /**
     * What keeps the request going: its handler until the response is handed over, a
     * streamed body until it ends, and each pending `waitUntil` promise. At zero the request
     * has finished, and code it left behind (a timer, a promise) may no longer do I/O.
     */
    this.holds = 1;
  }

  /** Takes one more hold on the request, unless it has finished. */
  hold() {
    if (this.holds > 0) {
      this.holds++;
      return true;
    }
    return false;
  }

  /** Gives back a hold taken by `hold` (or the handler's own). */
  release() {
    this.holds--;
  }
}

/** The async context once an `AsyncLocalStorage` has a store: the request and the stores. */
class Frame {
  constructor(scope, stores) {
    this.scope = scope;
    this.stores = stores;
  }
}

/** The request whose code is running, or null. */
function currentScope() {
  const context = core.getAsyncContext();
  if (context instanceof RequestScope) {
    return context;
  }
  return context instanceof Frame ? context.scope : null;
}

/** Runs `callback` with `context` as the async context, then puts the previous one back. */
function runIn(context, callback, self, args) {
  const previous = core.getAsyncContext();
  core.setAsyncContext(context);
  try {
    return ReflectApply(callback, self, args);
  } finally {
    core.setAsyncContext(previous);
  }
}

/** The async context with `storage` holding `store` (the request kept). */
function withStore(storage, store) {
  const context = core.getAsyncContext();
  const stores = new SafeMap(context instanceof Frame ? context.stores : undefined);
  stores.set(storage, store);
  return new Frame(currentScope(), stores);
}

/**
 * Node's `AsyncLocalStorage`, on the async context V8 carries: a store set by `run` is seen
 * by everything the callback starts (awaits, timers, promise jobs), and by nothing else, so
 * concurrent requests never see each other's.
 */
class AsyncLocalStorage {
  getStore() {
    const context = core.getAsyncContext();
    return context instanceof Frame ? context.stores.get(this) : undefined;
  }

  run(store, callback, ...args) {
    return runIn(withStore(this, store), callback, undefined, args);
  }

  exit(callback, ...args) {
    return runIn(withStore(this, undefined), callback, undefined, args);
  }

  enterWith(store) {
    core.setAsyncContext(withStore(this, store));
  }

  disable() {
    this.enterWith(undefined);
  }

  static bind(fn) {
    const context = core.getAsyncContext();
    return function (...args) {
      return runIn(context, fn, this, args);
    };
  }

  static snapshot() {
    const context = core.getAsyncContext();
    return (fn, ...args) => runIn(context, fn, undefined, args);
  }
}

/**
 * Refuses `what` (an I/O operation) outside a request that is still going, as Workers does:
 * I/O in top-level code, or in a timer or promise a finished request left behind, would run
 * unmetered, under no request's limits.
 */
function requireRequest(what) {
  const scope = currentScope();
  if (scope === null) {
    throw new TypeError(
      `Disallowed operation called within global scope: ${what} can only run while a request is handled (in the fetch handler, or in work passed to ctx.waitUntil())`,
    );
  }
  if (scope.holds <= 0) {
    throw new TypeError(
      `${what} refused: request ${scope.requestId} has finished; pass work that outlives the response to ctx.waitUntil()`,
    );
  }
}

/** Makes `scope` the current request for this code and what it schedules; returns the
 * previous context, to restore with `core.setAsyncContext`. */
function enterRequest(scope) {
  const previous = core.getAsyncContext();
  core.setAsyncContext(scope);
  return previous;
}

export { AsyncLocalStorage, currentScope, enterRequest, requireRequest, RequestScope };
