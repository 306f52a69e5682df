// The global scope a handler sees: Web APIs from Deno's extension crates, and nothing of the
// host. Everything is evaluated while the startup snapshot is built, so a fresh isolate does
// no initialisation work.

import { core, primordials } from "ext:core/mod.js";
import {
  op_isogate_console,
  op_isogate_egress_tenant,
  op_isogate_subrequest,
} from "ext:core/ops";
import { Cache, caches, CacheStorage } from "ext:isogate/05_cache.js";
import { HTMLRewriter } from "ext:isogate/06_html_rewriter.js";
import { guardSubtle } from "ext:isogate/02_subtle.js";
import {
  FixedLengthStream,
  IdentityTransformStream,
  scheduler,
} from "ext:isogate/03_workers.js";
import {
  currentScope,
  enterRequest,
  requireRequest,
  RequestScope,
} from "ext:isogate/00_scope.js";

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayPrototypeIncludes,
  NumberPrototypeToString,
  ObjectDefineProperties,
  ObjectDefineProperty,
  ObjectSetPrototypeOf,
  RangeError,
  ReflectApply,
  RegExpPrototypeExec,
  SafeRegExp,
  SharedArrayBuffer,
  Uint8Array,
} = primordials;

const webidl = core.loadExtScript("ext:deno_webidl/00_webidl.js");
const url = core.loadExtScript("ext:deno_web/00_url.js");
const urlPattern = core.loadExtScript("ext:deno_web/01_urlpattern.js");
const consoleMod = core.loadExtScript("ext:deno_web/01_console.js");
const { DOMException } = core.loadExtScript("ext:deno_web/01_dom_exception.js");
const event = core.loadExtScript("ext:deno_web/02_event.js");
const timers = core.loadExtScript("ext:deno_web/02_timers.js");
const abortSignal = core.loadExtScript("ext:deno_web/03_abort_signal.js");
const base64 = core.loadExtScript("ext:deno_web/05_base64.js");
const streams = core.loadExtScript("ext:deno_web/06_streams.js");
const encoding = core.loadExtScript("ext:deno_web/08_text_encoding.js");
const file = core.loadExtScript("ext:deno_web/09_file.js");
const fileReader = core.loadExtScript("ext:deno_web/10_filereader.js");
const messagePort = core.loadExtScript("ext:deno_web/13_message_port.js");
const compression = core.loadExtScript("ext:deno_web/14_compression.js");
const performance = core.loadExtScript("ext:deno_web/15_performance.js");
const crypto = core.loadExtScript("ext:deno_crypto/00_crypto.js");
const headers = core.loadExtScript("ext:deno_fetch/20_headers.js");
const formData = core.loadExtScript("ext:deno_fetch/21_formdata.js");
const body = core.loadExtScript("ext:deno_fetch/22_body.js");
const request = core.loadExtScript("ext:deno_fetch/23_request.js");
const response = core.loadExtScript("ext:deno_fetch/23_response.js");
const fetchMod = core.loadExtScript("ext:deno_fetch/26_fetch.js");

// Outbound fetches one request may make (the tenant's `max_subrequests`).
let subrequestLimit = Infinity;

/** Sets the subrequest limit of every request from now on (`null`: none). */
function setSubrequestLimit(limit) {
  subrequestLimit = limit === null ? Infinity : limit;
}

const TRACEPARENT = new SafeRegExp("^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$");

/**
 * The `traceparent` for an outbound fetch of the current request: the incoming trace id
 * and flags with a fresh parent id (W3C Trace Context), or null without a valid incoming one.
 */
function outboundTraceparent() {
  const scope = currentScope();
  if (scope === null || scope.flatHeaders === undefined) {
    return null;
  }
  const flat = scope.flatHeaders;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === "traceparent") {
      const match = RegExpPrototypeExec(TRACEPARENT, flat[i + 1]);
      if (match === null || match[1] === "00000000000000000000000000000000") {
        return null;
      }
      const span = new Uint8Array(8);
      crypto.crypto.getRandomValues(span);
      let id = "";
      for (let b = 0; b < span.length; b++) {
        id += (span[b] < 16 ? "0" : "") + NumberPrototypeToString(span[b], 16);
      }
      return `00-${match[1]}-${id}-${match[2]}`;
    }
  }
  return null;
}

/** Counts an outbound fetch against the current request; throws past the limit. */
function countSubrequest() {
  const scope = currentScope();
  if (scope === null) {
    return;
  }
  if (scope.subrequests >= subrequestLimit) {
    scope.overLimit = true;
    throw new RangeError(`subrequest limit ${subrequestLimit} exceeded`);
  }
  scope.subrequests++;
  op_isogate_subrequest();
}

/** The request id of the code running now, or "" outside any request. */
function currentRequestId() {
  const scope = currentScope();
  return scope === null ? "" : scope.requestId;
}

// Console lines go to log files and JSON logs: plain text, never ANSI colour codes.
consoleMod.setNoColorFns(() => true, () => true);

const console = new consoleMod.Console((message, level) => {
  // Console levels: 0 debug, 1 log/info, 2 warn, 3 error.
  op_isogate_console(level, currentRequestId(), message);
});

// Workers' own user agent: libraries tell the runtime by it (Hono's `env()` gives a
// handler's bindings only where it reads "Cloudflare-Workers").
class Navigator {
  get userAgent() {
    return "Cloudflare-Workers";
  }
  get language() {
    return "en-US";
  }
  get languages() {
    return ["en-US"];
  }
  get hardwareConcurrency() {
    return 1;
  }
}
const navigator = new Navigator();

// Refuse non-network schemes before deno_fetch sees them, and turn permission denials of
// private addresses into a message that names isogate's own switch.
const NETWORK_SCHEMES = ["http:", "https:", "data:", "blob:"];
const EGRESS_TENANT = "isogate-egress-tenant";
const EGRESS_REFUSAL = "isogate-egress";
async function fetch(input, init = undefined) {
  requireRequest("fetch()");
  const req = new request.Request(input, init);
  const target = new url.URL(req.url);
  if (!ArrayPrototypeIncludes(NETWORK_SCHEMES, target.protocol)) {
    throw new TypeError(
      `fetch of "${req.url}" refused: scheme "${target.protocol}" is not allowed; handlers may fetch http:, https:, data: and blob: URLs`,
    );
  }
  if (target.protocol === "http:" || target.protocol === "https:") {
    countSubrequest();
    const traceparent = outboundTraceparent();
    if (traceparent !== null && !req.headers.has("traceparent")) {
      req.headers.set("traceparent", traceparent);
    }
  }
  // In a worker process the gateway makes the request: it is told for which tenant, and
  // answers its own refusals with a status and `isogate-egress` naming why.
  const tenant = op_isogate_egress_tenant();
  if (tenant !== "" && (target.protocol === "http:" || target.protocol === "https:")) {
    req.headers.set(EGRESS_TENANT, tenant);
  }
  try {
    const res = await fetchMod.fetch(req);
    const refusal = tenant === "" ? null : res.headers.get(EGRESS_REFUSAL);
    if (refusal === "private-network") {
      throw new TypeError(
        `fetch of "${req.url}" refused: loopback, private and link-local addresses are not reachable from handlers unless the gateway allows private networks`,
      );
    }
    if (refusal !== null) {
      throw new TypeError(`fetch of "${req.url}" failed: ${await res.text()}`);
    }
    return res;
  } catch (err) {
    if (err?.name === "NotCapable") {
      throw new TypeError(
        `fetch of "${req.url}" refused: loopback, private and link-local addresses are not reachable from handlers unless the gateway allows private networks`,
      );
    }
    throw err;
  }
}

// Timers are for requests too: one set by top-level code would run outside any request.
function setTimeout(...args) {
  requireRequest("setTimeout()");
  return ReflectApply(timers.setTimeout, this, args);
}

function setInterval(...args) {
  requireRequest("setInterval()");
  return ReflectApply(timers.setInterval, this, args);
}

const globals = {
  AbortController: core.propNonEnumerable(abortSignal.AbortController),
  AbortSignal: core.propNonEnumerable(abortSignal.AbortSignal),
  Blob: core.propNonEnumerable(file.Blob),
  ByteLengthQueuingStrategy: core.propNonEnumerable(streams.ByteLengthQueuingStrategy),
  Cache: core.propNonEnumerable(Cache),
  CacheStorage: core.propNonEnumerable(CacheStorage),
  CloseEvent: core.propNonEnumerable(event.CloseEvent),
  CompressionStream: core.propNonEnumerable(compression.CompressionStream),
  CountQueuingStrategy: core.propNonEnumerable(streams.CountQueuingStrategy),
  Crypto: core.propNonEnumerable(crypto.Crypto),
  CryptoKey: core.propNonEnumerable(crypto.CryptoKey),
  CustomEvent: core.propNonEnumerable(event.CustomEvent),
  DecompressionStream: core.propNonEnumerable(compression.DecompressionStream),
  DOMException: core.propNonEnumerable(DOMException),
  HTMLRewriter: core.propNonEnumerable(HTMLRewriter),
  IdentityTransformStream: core.propNonEnumerable(IdentityTransformStream),
  ErrorEvent: core.propNonEnumerable(event.ErrorEvent),
  Event: core.propNonEnumerable(event.Event),
  EventTarget: core.propNonEnumerable(event.EventTarget),
  File: core.propNonEnumerable(file.File),
  FixedLengthStream: core.propNonEnumerable(FixedLengthStream),
  FileReader: core.propNonEnumerable(fileReader.FileReader),
  FormData: core.propNonEnumerable(formData.FormData),
  Headers: core.propNonEnumerable(headers.Headers),
  MessageChannel: core.propNonEnumerable(messagePort.MessageChannel),
  MessageEvent: core.propNonEnumerable(event.MessageEvent),
  MessagePort: core.propNonEnumerable(messagePort.MessagePort),
  Navigator: core.propNonEnumerable(Navigator),
  Performance: core.propNonEnumerable(performance.Performance),
  PerformanceEntry: core.propNonEnumerable(performance.PerformanceEntry),
  PerformanceMark: core.propNonEnumerable(performance.PerformanceMark),
  PerformanceMeasure: core.propNonEnumerable(performance.PerformanceMeasure),
  ProgressEvent: core.propNonEnumerable(event.ProgressEvent),
  PromiseRejectionEvent: core.propNonEnumerable(event.PromiseRejectionEvent),
  ReadableByteStreamController: core.propNonEnumerable(streams.ReadableByteStreamController),
  ReadableStream: core.propNonEnumerable(streams.ReadableStream),
  ReadableStreamBYOBReader: core.propNonEnumerable(streams.ReadableStreamBYOBReader),
  ReadableStreamBYOBRequest: core.propNonEnumerable(streams.ReadableStreamBYOBRequest),
  ReadableStreamDefaultController: core.propNonEnumerable(streams.ReadableStreamDefaultController),
  ReadableStreamDefaultReader: core.propNonEnumerable(streams.ReadableStreamDefaultReader),
  Request: core.propNonEnumerable(request.Request),
  Response: core.propNonEnumerable(response.Response),
  SubtleCrypto: core.propNonEnumerable(crypto.SubtleCrypto),
  TextDecoder: core.propNonEnumerable(encoding.TextDecoder),
  TextDecoderStream: core.propNonEnumerable(encoding.TextDecoderStream),
  TextEncoder: core.propNonEnumerable(encoding.TextEncoder),
  TextEncoderStream: core.propNonEnumerable(encoding.TextEncoderStream),
  TransformStream: core.propNonEnumerable(streams.TransformStream),
  TransformStreamDefaultController: core.propNonEnumerable(streams.TransformStreamDefaultController),
  URL: core.propNonEnumerable(url.URL),
  URLPattern: core.propNonEnumerable(urlPattern.URLPattern),
  URLSearchParams: core.propNonEnumerable(url.URLSearchParams),
  WritableStream: core.propNonEnumerable(streams.WritableStream),
  WritableStreamDefaultController: core.propNonEnumerable(streams.WritableStreamDefaultController),
  WritableStreamDefaultWriter: core.propNonEnumerable(streams.WritableStreamDefaultWriter),

  atob: core.propWritable(base64.atob),
  btoa: core.propWritable(base64.btoa),
  caches: core.propGetterOnly(() => caches),
  clearInterval: core.propWritable(timers.clearInterval),
  clearTimeout: core.propWritable(timers.clearTimeout),
  console: core.propNonEnumerable(console),
  crypto: core.propGetterOnly(() => crypto.crypto),
  fetch: core.propWritable(fetch),
  navigator: core.propGetterOnly(() => navigator),
  performance: core.propWritable(performance.performance),
  reportError: core.propWritable(event.reportError),
  scheduler: core.propWritable(scheduler),
  self: core.propGetterOnly(() => globalThis),
  setInterval: core.propWritable(setInterval),
  setTimeout: core.propWritable(setTimeout),
  structuredClone: core.propWritable(messagePort.structuredClone),
  [webidl.brand]: core.propNonEnumerable(webidl.brand),
};

// Rust errors declared with `#[class("DOMException<Name>")]` (deno_web, deno_crypto) become
// real DOMExceptions in JS.
const DOM_EXCEPTION_NAMES = [
  "AbortError",
  "DataError",
  "IndexSizeError",
  "InvalidAccessError",
  "InvalidCharacterError",
  "InvalidStateError",
  "NetworkError",
  "NotSupportedError",
  "OperationError",
  "QuotaExceededError",
  "SyntaxError",
  "TypeMismatchError",
];

/**
 * `crypto.subtle.timingSafeEqual(a, b)`, as Workers offers it: whether two buffers of the
 * same length hold the same bytes, taking the same time wherever they differ.
 */
function timingSafeEqual(a, b) {
  const left = bytesOf(a, "first");
  const right = bytesOf(b, "second");
  if (left.byteLength !== right.byteLength) {
    throw new TypeError("timingSafeEqual: the two buffers differ in length");
  }
  let difference = 0;
  for (let i = 0; i < left.byteLength; i++) {
    difference |= left[i] ^ right[i];
  }
  return difference === 0;
}

function bytesOf(value, which) {
  if (ArrayBufferIsView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    return new Uint8Array(value);
  }
  throw new TypeError(`timingSafeEqual: the ${which} argument is not an ArrayBuffer or view`);
}

/** Installs the handler-facing global scope; called once, while the snapshot is built. */
function installGlobals() {
  guardSubtle(crypto.SubtleCrypto.prototype, DOMException);
  ObjectDefineProperty(crypto.SubtleCrypto.prototype, "timingSafeEqual", {
    __proto__: null,
    value: timingSafeEqual,
    configurable: true,
    enumerable: false,
    writable: true,
  });
  for (const name of DOM_EXCEPTION_NAMES) {
    core.registerErrorBuilder(`DOMException${name}`, (message) => new DOMException(message, name));
  }
  // Non-standard and host-revealing.
  delete Intl.v8BreakIterator;
  ObjectDefineProperties(globalThis, globals);
  // The global object is an EventTarget, so `addEventListener("fetch", ...)` works.
  event.setEventTargetData(globalThis);
  event.saveGlobalThisReference(globalThis);
  ObjectSetPrototypeOf(globalThis, event.EventTarget.prototype);
}

export {
  body,
  console,
  currentRequestId,
  event,
  installGlobals,
  performance,
  request,
  enterRequest,
  RequestScope,
  setSubrequestLimit,
  response,
  streams,
};
