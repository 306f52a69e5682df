// Entry point evaluated while the startup snapshot is built.

import { primordials } from "ext:core/mod.js";
import { installGlobals, performance } from "ext:isogate/01_globals.js";
import { start, warmUp } from "ext:isogate/10_serve.js";

const { ObjectDefineProperty, SymbolFor } = primordials;

installGlobals();
warmUp();

/** Per-isolate start-up, run when an isolate is restored; returns the serve entry point. */
function boot() {
  // The time origin is the isolate's start, not the snapshot build's.
  performance.setTimeOrigin();
  return start;
}

// The worker calls this (and removes it, with `Deno`) before any tenant code runs.
ObjectDefineProperty(globalThis, SymbolFor("isogate.boot"), {
  __proto__: null,
  value: boot,
  configurable: true,
  enumerable: false,
  writable: false,
});
