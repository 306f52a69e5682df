// The shape of the global scope: what a handler sees and what it must not.
import { Suite } from "./harness.js";

const s = new Suite("globals");

const REQUIRED = [
  "URL", "URLSearchParams", "URLPattern", "Headers", "Request", "Response", "fetch",
  "FormData", "Blob", "File", "TextEncoder", "TextDecoder", "TextEncoderStream",
  "TextDecoderStream", "ReadableStream", "WritableStream", "TransformStream",
  "CompressionStream", "DecompressionStream", "AbortController", "AbortSignal", "Event",
  "EventTarget", "CustomEvent", "DOMException", "crypto", "structuredClone", "queueMicrotask",
  "setTimeout", "setInterval", "clearTimeout", "clearInterval", "atob", "btoa", "console",
  "performance", "navigator", "self", "WebAssembly",
];

s.test("every promised global exists", (t) => {
  for (const name of REQUIRED) {
    t.ok(name in globalThis, `missing global ${name}`);
  }
});

s.test("no host namespace is visible", (t) => {
  for (const name of ["Deno", "process", "require", "Buffer", "__bootstrap", "global"]) {
    t.equal(typeof globalThis[name], "undefined", `${name} is visible`);
  }
  t.equal(Object.getOwnPropertySymbols(globalThis).some((s) => String(s).includes("isogate")), false);
});

s.test("navigator and self", (t) => {
  t.equal(navigator.userAgent, "Cloudflare-Workers");
  t.equal(self, globalThis);
  t.ok(globalThis instanceof EventTarget);
});

s.test("console methods exist and do not throw", (t) => {
  for (const m of ["log", "info", "warn", "error", "debug", "table", "time", "timeEnd", "assert"]) {
    t.equal(typeof console[m], "function", `console.${m}`);
  }
  console.debug("conformance: console works");
});

s.test("WebAssembly compiles and runs a module", async (t) => {
  // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11]);
  const { instance } = await WebAssembly.instantiate(bytes);
  t.equal(instance.exports.add(2, 3), 5);
});

export default s;
