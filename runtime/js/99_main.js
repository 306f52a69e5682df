// Entry point evaluated while the startup snapshot is built.

import { primordials } from "ext:core/mod.js";
import { installGlobals } from "ext:isogate/01_globals.js";
import { start } from "ext:isogate/10_serve.js";

const { ObjectDefineProperty, SymbolFor } = primordials;

installGlobals();

// The worker takes this entry point (and removes it, with `Deno`) before any tenant code runs.
ObjectDefineProperty(globalThis, SymbolFor("isogate.start"), {
  __proto__: null,
  value: start,
  configurable: true,
  enumerable: false,
  writable: false,
});
