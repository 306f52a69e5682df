// The serve loop: pulls requests from the worker's inbox, calls the tenant's handler with a
// real `Request`, and hands the `Response` (complete or streamed) back to Rust.

import { core, primordials } from "ext:core/mod.js";
import {
  op_isogate_console,
  op_isogate_req_next,
  op_isogate_resp_error,
  op_isogate_resp_send,
} from "ext:core/ops";
import {
  body as bodyMod,
  currentRequestId,
  event,
  request as requestMod,
  requestIdVar,
  response as responseMod,
  streams,
} from "ext:isogate/01_globals.js";

const {
  ArrayPrototypeIncludes,
  Error,
  JSONParse,
  ObjectFreeze,
  ObjectPrototypeIsPrototypeOf,
  PromisePrototypeCatch,
  PromisePrototypeThen,
  PromiseResolve,
  SafeSet,
  SetPrototypeAdd,
  SetPrototypeDelete,
  String,
  TypeError,
  Uint8Array,
} = primordials;

const { fromInnerRequest, newInnerRequest } = requestMod;
const { InnerBody } = bodyMod;
const { ResponsePrototype, toInnerResponse } = responseMod;
const { ReadableStreamPrototype, readableStreamForRid, resourceForReadableStream } = streams;

const EMPTY = new Uint8Array(0);
const BODYLESS = ["GET", "HEAD"];

/** Formats a thrown value as one message line. */
function messageOf(err) {
  if (ObjectPrototypeIsPrototypeOf(Error.prototype, err)) {
    return `${err.name}: ${err.message}`;
  }
  return `Uncaught ${String(err)}`;
}

/** The (source-mapped) stack of a thrown value, or its message. */
function stackOf(err) {
  if (ObjectPrototypeIsPrototypeOf(Error.prototype, err) && typeof err.stack === "string") {
    return err.stack;
  }
  return messageOf(err);
}

/** Logs at error level, tagged with the current request id. */
function logError(prefix, err) {
  op_isogate_console(3, currentRequestId(), `${prefix}: ${stackOf(err)}`);
}

// Work registered with ctx.waitUntil / event.waitUntil. The worker keeps running its event
// loop while any of it is pending, after the response has gone out.
const pendingWork = new SafeSet();

function waitUntil(promise) {
  const p = PromisePrototypeCatch(PromiseResolve(promise), (err) =>
    logError("waitUntil promise rejected", err)
  );
  SetPrototypeAdd(pendingWork, p);
  PromisePrototypeThen(p, () => SetPrototypeDelete(pendingWork, p));
}

/** The third argument of `fetch(request, env, ctx)`. */
class ExecutionContext {
  /** Route parameters matched by the gateway (empty in dev mode). */
  params;
  /** The matched route pattern (empty in dev mode). */
  route;

  constructor(params, route) {
    this.params = params;
    this.route = route;
  }

  waitUntil(promise) {
    waitUntil(promise);
  }

  passThroughOnException() {
    // There is no origin behind isogate to fall back to; exceptions become 500s.
  }
}

/** The event dispatched to `addEventListener("fetch", ...)` listeners. */
class FetchEvent extends event.Event {
  #request;
  #response = null;

  constructor(request) {
    super("fetch", { cancelable: true });
    this.#request = request;
  }

  get request() {
    return this.#request;
  }

  respondWith(response) {
    if (this.#response !== null) {
      throw new TypeError("respondWith() was already called");
    }
    this.#response = PromiseResolve(response);
  }

  waitUntil(promise) {
    waitUntil(promise);
  }

  /** The promise passed to respondWith, or null. */
  responsePromise() {
    return this.#response;
  }
}

/**
 * Builds the handler's `Request` the way deno_fetch builds its own: from an inner request, so
 * the header list is taken as the gateway parsed it instead of re-validated pair by pair.
 */
function toRequest(next) {
  let body = null;
  if (next.bodyRid !== null && next.bodyRid !== undefined) {
    if (ArrayPrototypeIncludes(BODYLESS, next.method)) {
      core.tryClose(next.bodyRid);
    } else {
      body = new InnerBody(readableStreamForRid(next.bodyRid));
    }
  }
  const headers = next.headers;
  const inner = newInnerRequest(next.method, next.url, () => headers, body, false);
  return fromInnerRequest(inner, "immutable");
}

function sendResponse(slot, response) {
  if (!ObjectPrototypeIsPrototypeOf(ResponsePrototype, response)) {
    throw new TypeError(
      `the fetch handler must return a Response, got ${response === null ? "null" : typeof response}`,
    );
  }
  const inner = toInnerResponse(response);
  let body = EMPTY;
  let rid = -1;
  if (inner.body !== null) {
    const source = inner.body.streamOrStatic;
    if (ObjectPrototypeIsPrototypeOf(ReadableStreamPrototype, source)) {
      if (source.locked) {
        throw new TypeError("the Response body stream is locked or was already read");
      }
      rid = resourceForReadableStream(source, inner.body.length ?? undefined, (err) =>
        logError("response body stream failed", err)
      );
    } else if (source.consumed) {
      throw new TypeError("the Response body was already used");
    } else {
      body = typeof source.body === "string" ? core.encode(source.body) : source.body;
      source.consumed = true;
    }
  }
  op_isogate_resp_send(slot, inner.status, inner.headerList, body, rid);
}

/** The route parameters as a frozen plain object. */
function paramsOf(pairs) {
  const params = { __proto__: null };
  for (let i = 0; i < pairs.length; i++) {
    params[pairs[i][0]] = pairs[i][1];
  }
  return ObjectFreeze(params);
}

async function serveOne(handler, env, next) {
  const previous = requestIdVar.enter(next.requestId);
  try {
    const req = toRequest(next);
    const ctx = new ExecutionContext(paramsOf(next.params), next.route);
    const response = await handler(req, env, ctx);
    sendResponse(next.slot, response);
  } catch (err) {
    // Logged once, by the gateway, with the request id.
    op_isogate_resp_error(next.slot, messageOf(err), stackOf(err));
  } finally {
    core.setAsyncContext(previous);
  }
}

/** A handler built from `addEventListener("fetch", ...)` listeners. */
async function dispatchFetchEvent(req) {
  const fetchEvent = new FetchEvent(req);
  globalThis.dispatchEvent(fetchEvent);
  const responded = fetchEvent.responsePromise();
  if (responded === null) {
    throw new TypeError("no fetch event listener called event.respondWith()");
  }
  return await responded;
}

/**
 * Picks the handler from the module namespace: `export default { fetch }` first, then
 * `fetch` event listeners. Throws when neither exists.
 */
function pickHandler(namespace) {
  const exported = namespace.default;
  if (exported !== null && typeof exported === "object" && typeof exported.fetch === "function") {
    return (req, env, ctx) => exported.fetch(req, env, ctx);
  }
  if (typeof exported === "function" && typeof exported.prototype?.fetch === "function") {
    throw new TypeError("export default is a class; export an object with a fetch method instead");
  }
  if (event.listenerCount(globalThis, "fetch") > 0) {
    return dispatchFetchEvent;
  }
  if (typeof namespace.fetch === "function") {
    throw new TypeError("the module exports a named `fetch`; use `export default { fetch }`");
  }
  throw new TypeError(
    "the module has neither `export default { fetch(request, env, ctx) }` nor an addEventListener(\"fetch\", ...) listener",
  );
}

/**
 * Starts serving: validates the module synchronously (throws if it has no handler), then
 * runs the pull loop in the background until the worker's inbox closes.
 */
function start(namespace, envJson) {
  const handler = pickHandler(namespace);
  const env = ObjectFreeze(JSONParse(envJson));
  core.setUnhandledPromiseRejectionHandler((_promise, reason) => {
    logError("unhandled promise rejection", reason);
    return true;
  });
  core.setReportExceptionCallback((err) => logError("uncaught exception", err));
  (async () => {
    while (true) {
      const next = await op_isogate_req_next();
      if (next === null) {
        return;
      }
      serveOne(handler, env, next);
    }
  })();
}

export { start };
