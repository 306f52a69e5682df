// The serve loop: pulls requests from the worker's inbox, calls the tenant's handler with a
// real `Request`, and hands the `Response` (complete or streamed) back to Rust.

import { core, primordials } from "ext:core/mod.js";
import {
  op_isogate_console,
  op_isogate_env,
  op_isogate_pending_work,
  op_isogate_req_gone,
  op_isogate_req_next,
  op_isogate_resp_body_done,
  op_isogate_resp_error,
  op_isogate_resp_limit,
  op_isogate_resp_send,
  op_isogate_resp_send_text,
} from "ext:core/ops";
import { enterRequest, RequestScope } from "ext:isogate/00_scope.js";
import { fixedLength } from "ext:isogate/03_workers.js";
import {
  body as bodyMod,
  currentRequestId,
  event,
  setSubrequestLimit,
  request as requestMod,
  response as responseMod,
  streams,
} from "ext:isogate/01_globals.js";

const {
  Array,
  ArrayPrototypeIncludes,
  ArrayPrototypePush,
  Error,
  JSONParse,
  MapPrototypeDelete,
  MapPrototypeGet,
  MapPrototypeSet,
  ObjectDefineProperty,
  ObjectFreeze,
  ObjectKeys,
  ObjectPrototypeIsPrototypeOf,
  PromisePrototypeCatch,
  PromisePrototypeThen,
  PromiseResolve,
  ReflectHas,
  SafeMap,
  SafeSet,
  SetPrototypeAdd,
  SetPrototypeDelete,
  String,
  StringPrototypeToLowerCase,
  Symbol,
  TypeError,
  Uint8Array,
} = primordials;

const { abortRequest, fromInnerRequest } = requestMod;
const { InnerBody } = bodyMod;
const {
  ResponsePrototype,
  SERVE_FAST_HEADER_DEFAULT_TEXT,
  SERVE_FAST_HEADER_NONE,
  serveFastBodyKey,
  serveFastConsumedKey,
  serveFastContentTypeKey,
  serveFastHeaderKindKey,
  serveFastStatusKey,
  toInnerResponse,
} = responseMod;
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
// loop while any of it is pending, after the response has gone out; so does the request
// that registered it, which may do I/O until its work has settled.
const pendingWork = new SafeSet();

function waitUntil(scope, promise) {
  const held = scope.hold();
  const p = PromisePrototypeCatch(PromiseResolve(promise), (err) =>
    logError("waitUntil promise rejected", err)
  );
  SetPrototypeAdd(pendingWork, p);
  // Counted in the isolate's state too: a worker process names the tenant whose work runs
  // after its answers if the process ends.
  op_isogate_pending_work(1);
  PromisePrototypeThen(p, () => {
    SetPrototypeDelete(pendingWork, p);
    op_isogate_pending_work(-1);
    if (held) {
      scope.release();
    }
  });
}

/** The third argument of `fetch(request, env, ctx)`. */
class ExecutionContext {
  /** Route parameters matched by the gateway (empty in dev mode). */
  params;
  /** The matched route pattern (empty in dev mode). */
  route;
  #scope;

  constructor(params, route, scope) {
    this.params = params;
    this.route = route;
    this.#scope = scope;
  }

  waitUntil(promise) {
    waitUntil(this.#scope, promise);
  }

  passThroughOnException() {
    // There is no origin behind isogate to fall back to; exceptions become 500s.
  }
}

/** The event dispatched to `addEventListener("fetch", ...)` listeners. */
class FetchEvent extends event.Event {
  #request;
  #response = null;
  #scope;

  constructor(request, scope) {
    super("fetch", { cancelable: true });
    this.#request = request;
    this.#scope = scope;
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
    waitUntil(this.#scope, promise);
  }

  /** The promise passed to respondWith, or null. */
  responsePromise() {
    return this.#response;
  }
}

// Positions in the array `op_isogate_req_next` hands over for each request.
const SLOT = 0;
const REQUEST_ID = 1;
const METHOD = 2;
const URL_ = 3;
const HEADERS = 4;
const BODY_RID = 5;
const ROUTE = 6;
const PARAMS = 7;
const CF = 8;

/** Where a handler's `Request` keeps its `cf` (JSON text until first read). */
const cfSlot = Symbol("cf");

// `request.cf`, as Workers has it: what the gateway knows of the connection, parsed when
// first read (and `undefined` for a request that came from no connection).
ObjectDefineProperty(requestMod.Request.prototype, "cf", {
  __proto__: null,
  get() {
    const raw = this[cfSlot];
    if (typeof raw !== "string") {
      return raw;
    }
    const value = raw === "" ? undefined : ObjectFreeze(JSONParse(raw));
    this[cfSlot] = value;
    return value;
  },
  configurable: true,
  enumerable: false,
});

/**
 * deno_fetch's inner request (the shape `newInnerRequest` returns), as a class: its object
 * literal defines accessors at run time for every request, this shares them on one
 * prototype. The header list is built from the flat name/value array when first read.
 */
class InnerRequest {
  constructor(method, url, flatHeaders, body) {
    this.methodInner = method;
    this.headerListInner = null;
    this.flatHeaders = flatHeaders;
    this.body = body;
    this.redirectMode = "follow";
    this.redirectCount = 0;
    this.urlList = [() => url];
    this.urlListProcessed = [url];
    this.clientRid = null;
    this.blobUrlEntry = null;
  }

  get method() {
    return this.methodInner;
  }

  set method(value) {
    this.methodInner = value;
  }

  get headerList() {
    if (this.headerListInner === null) {
      const flat = this.flatHeaders;
      const list = new Array(flat.length / 2);
      for (let i = 0; i < flat.length; i += 2) {
        list[i / 2] = [flat[i], flat[i + 1]];
      }
      this.headerListInner = list;
      this.flatHeaders = null;
    }
    return this.headerListInner;
  }

  set headerList(value) {
    this.headerListInner = value;
    this.flatHeaders = null;
  }

  url() {
    return this.urlListProcessed[0];
  }

  currentUrl() {
    return this.urlListProcessed[this.urlListProcessed.length - 1];
  }
}

/**
 * Builds the handler's `Request` the way deno_fetch builds its own: from an inner request, so
 * the header list is taken as the gateway parsed it instead of re-validated pair by pair.
 */
function toRequest(next) {
  const method = next[METHOD];
  const bodyRid = next[BODY_RID];
  let body = null;
  if (bodyRid !== null) {
    if (ArrayPrototypeIncludes(BODYLESS, method)) {
      core.tryClose(bodyRid);
    } else {
      body = new InnerBody(readableStreamForRid(bodyRid));
    }
  }
  const inner = new InnerRequest(method, next[URL_], next[HEADERS], body);
  const request = fromInnerRequest(inner, "immutable");
  request[cfSlot] = next[CF];
  return request;
}

/** The header list of a fast static response, by deno_fetch's header kind. */
function fastStaticHeaders(response) {
  switch (response[serveFastHeaderKindKey]) {
    case SERVE_FAST_HEADER_NONE:
      return [];
    case SERVE_FAST_HEADER_DEFAULT_TEXT:
      return [["content-type", "text/plain;charset=UTF-8"]];
    default:
      return [["content-type", response[serveFastContentTypeKey]]];
  }
}

/** Sends a complete body: a string goes to Rust as is, with no Uint8Array in between. */
function sendComplete(slot, status, headerList, body) {
  if (typeof body === "string") {
    op_isogate_resp_send_text(slot, status, headerList, body);
  } else {
    op_isogate_resp_send(slot, status, headerList, body, -1);
  }
}

/** Whether the header list has a field `name` (lowercase), in any case. */
function hasHeader(headerList, name) {
  for (let i = 0; i < headerList.length; i++) {
    if (StringPrototypeToLowerCase(headerList[i][0]) === name) {
      return true;
    }
  }
  return false;
}

/** Hands `response` over for `slot`; true when its body goes on streaming. */
function sendResponse(slot, response) {
  if (!ObjectPrototypeIsPrototypeOf(ResponsePrototype, response)) {
    throw new TypeError(
      `the fetch handler must return a Response, got ${response === null ? "null" : typeof response}`,
    );
  }
  // `new Response(text)`, `Response.json(...)` and the like keep their status, body and
  // content type aside (deno_fetch's "serve fast" form): send those without building the
  // inner response and its header list.
  const fastStatus = response[serveFastStatusKey];
  if (fastStatus !== 0 && !response[serveFastConsumedKey]) {
    response[serveFastConsumedKey] = true;
    sendComplete(slot, fastStatus, fastStaticHeaders(response), response[serveFastBodyKey]);
    return false;
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
      // A FixedLengthStream's readable side says how long the body is.
      const length = source[fixedLength];
      if (length !== undefined && !hasHeader(inner.headerList, "content-length")) {
        ArrayPrototypePush(inner.headerList, ["content-length", `${length}`]);
      }
      rid = resourceForReadableStream(source, length ?? inner.body.length ?? undefined, (err) =>
        logError("response body stream failed", err)
      );
    } else if (source.consumed) {
      throw new TypeError("the Response body was already used");
    } else {
      source.consumed = true;
      sendComplete(slot, inner.status, inner.headerList, source.body);
      return false;
    }
  }
  op_isogate_resp_send(slot, inner.status, inner.headerList, body, rid);
  return rid !== -1;
}

const NO_PARAMS = ObjectFreeze({ __proto__: null });

/** The route parameters (a flat name/value list) as a frozen plain object. */
function paramsOf(flat) {
  if (flat.length === 0) {
    return NO_PARAMS;
  }
  const params = { __proto__: null };
  for (let i = 0; i < flat.length; i += 2) {
    params[flat[i]] = flat[i + 1];
  }
  return ObjectFreeze(params);
}

// The requests being answered, by slot: a client that goes away aborts its `signal`.
const answering = new SafeMap();

async function serveOne(handler, env, next) {
  const scope = new RequestScope(next[REQUEST_ID], next[HEADERS]);
  const previous = enterRequest(scope);
  const slot = next[SLOT];
  try {
    const req = toRequest(next);
    MapPrototypeSet(answering, slot, req);
    const ctx = new ExecutionContext(paramsOf(next[PARAMS]), next[ROUTE], scope);
    const response = await handler(req, env, ctx, scope);
    if (scope.overLimit) {
      // The request went past its subrequest limit: it is stopped, whatever it answered.
      op_isogate_resp_limit(slot, scope.subrequests);
      return;
    }
    if (sendResponse(slot, response) && scope.hold()) {
      // A streamed body keeps its request going (and able to fetch) until it ends.
      PromisePrototypeThen(op_isogate_resp_body_done(slot), () => scope.release());
    }
  } catch (err) {
    if (scope.overLimit) {
      op_isogate_resp_limit(slot, scope.subrequests);
      return;
    }
    // Logged once, by the gateway, with the request id.
    op_isogate_resp_error(slot, messageOf(err), stackOf(err));
  } finally {
    MapPrototypeDelete(answering, slot);
    // The handler's own hold: the request has been answered.
    scope.release();
    core.setAsyncContext(previous);
  }
}

/** A handler built from `addEventListener("fetch", ...)` listeners. */
async function dispatchFetchEvent(req, _env, _ctx, scope) {
  const fetchEvent = new FetchEvent(req, scope);
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
    // `export default class extends WorkerEntrypoint`: an instance per request.
    return (req, env, ctx) => new exported(ctx, env).fetch(req);
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
function start(namespace, subrequestLimit) {
  const handler = pickHandler(namespace);
  setSubrequestLimit(subrequestLimit);
  const env = ObjectFreeze(JSONParse(op_isogate_env()));
  if (handler === dispatchFetchEvent) {
    // A service-worker script sees its bindings as globals, as in Workers.
    for (const name of ObjectKeys(env)) {
      if (!ReflectHas(globalThis, name)) {
        globalThis[name] = env[name];
      }
    }
  }
  core.setUnhandledPromiseRejectionHandler((_promise, reason) => {
    logError("unhandled promise rejection", reason);
    return true;
  });
  core.setReportExceptionCallback((err) => logError("uncaught exception", err));
  (async () => {
    while (true) {
      const gone = op_isogate_req_gone();
      // Waiting for clients to go keeps nothing running.
      core.unrefOpPromise(gone);
      const slots = await gone;
      if (slots.length === 0) {
        return;
      }
      for (let i = 0; i < slots.length; i++) {
        const req = MapPrototypeGet(answering, slots[i]);
        if (req !== undefined) {
          abortRequest(req);
        }
      }
    }
  })();
  (async () => {
    while (true) {
      const batch = await op_isogate_req_next();
      if (batch.length === 0) {
        return;
      }
      for (let i = 0; i < batch.length; i++) {
        serveOne(handler, env, batch[i]);
        if (i + 1 < batch.length) {
          // A handler that answered at once sends its response before the next request
          // starts, so a burst does not keep every answer of the batch (and what it built)
          // alive until the last one is made: the young generation stays small.
          await null;
        }
      }
    }
  })();
}

/**
 * Runs the request and response machinery once, without a worker, while the snapshot is
 * built: the functions it reaches are compiled then and their bytecode is kept in the
 * snapshot, so a fresh isolate's first request does not compile them.
 */
function warmUp() {
  const next = [0, "warm-up", "GET", "http://warm.test/a/b?c=d", ["host", "warm.test", "accept", "*/*"], null, "/a/{b}", ["b", "b"], ""];
  const req = toRequest(next);
  const ctx = new ExecutionContext(paramsOf(next[PARAMS]), next[ROUTE], new RequestScope("", []));
  const url = new URL(req.url);
  req.headers.get("accept");
  for (const [_name, _value] of req.headers) {
    // Iterating compiles the headers iterator.
  }
  const responses = [
    new Response(`${url.pathname} ${req.method} ${ctx.route}`),
    new Response("text", { status: 201, headers: { "content-type": "text/plain; charset=utf-8" } }),
    Response.json({ warm: true }),
  ];
  for (const response of responses) {
    if (response[serveFastStatusKey] !== 0) {
      fastStaticHeaders(response);
    }
    toInnerResponse(response).headerList;
  }
}

export { start, warmUp };
