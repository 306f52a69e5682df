// Entry point evaluated while the startup snapshot is built.

import { primordials } from "ext:core/mod.js";
import { AsyncLocalStorage } from "ext:isogate/00_scope.js";
import { installGlobals, performance } from "ext:isogate/01_globals.js";
import { start, warmUp } from "ext:isogate/10_serve.js";

const { ObjectDefineProperty, SymbolFor } = primordials;

installGlobals();
warmUp();

/**
 * Gives a `nodejs_compat` handler, before its code runs, what its Node.js built-ins take
 * from the host: an `AsyncLocalStorage` on the async context (unenv's `node:async_hooks`
 * uses the global one when there is one).
 */
function prepareNode() {
  ObjectDefineProperty(globalThis, "AsyncLocalStorage", {
    __proto__: null,
    value: AsyncLocalStorage,
    configurable: true,
    enumerable: false,
    writable: true,
  });
}

/**
 * Per-isolate start-up, run when an isolate is restored; returns the serve entry point and
 * the `nodejs_compat` preparation.
 */
function boot() {
  // The time origin is the isolate's start, not the snapshot build's.
  performance.setTimeOrigin();
  return [start, prepareNode];
}

// The worker calls this (and removes it, with `Deno`) before any tenant code runs.
ObjectDefineProperty(globalThis, SymbolFor("isogate.boot"), {
  __proto__: null,
  value: boot,
  configurable: true,
  enumerable: false,
  writable: false,
});
