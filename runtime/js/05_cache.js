// The Cache API as Workers define it: `caches.default` and `await caches.open(name)`, each
// with `match`, `put` and `delete`. Entries live in the gateway's response cache,
// partitioned per tenant and bounded by its quota. Unlike the browser's Cache API, `put`
// honours the response's `Cache-Control` (no-store, private and responses without a
// lifetime are not kept) and `match` returns only fresh entries, answering a conditional
// request with 304, as a shared HTTP cache would.

import { core, primordials } from "ext:core/mod.js";
import {
  op_isogate_cache_delete,
  op_isogate_cache_match,
  op_isogate_cache_put,
} from "ext:core/ops";
import { requireRequest } from "ext:isogate/00_scope.js";

const {
  ArrayPrototypeIncludes,
  ArrayPrototypeMap,
  ArrayPrototypePush,
  ObjectDefineProperties,
  ObjectPrototypeIsPrototypeOf,
  StringPrototypeSplit,
  StringPrototypeTrim,
  Symbol,
  TypeError,
  Uint8Array,
} = primordials;

const webidl = core.loadExtScript("ext:deno_webidl/00_webidl.js");
const headersMod = core.loadExtScript("ext:deno_fetch/20_headers.js");
const requestMod = core.loadExtScript("ext:deno_fetch/23_request.js");
const responseMod = core.loadExtScript("ext:deno_fetch/23_response.js");

const _name = Symbol("[[cacheName]]");
const illegal = Symbol("illegalConstructorKey");

/** Statuses whose responses have no body (a body given with them is a TypeError). */
const NULL_BODY = [101, 103, 204, 205, 304];

function toRequest(input) {
  return ObjectPrototypeIsPrototypeOf(requestMod.RequestPrototype, input)
    ? input
    : new requestMod.Request(input);
}

function headerPairs(headers) {
  return headersMod.headerListFromHeaders(headers);
}

class Cache {
  constructor(key = undefined, name = undefined) {
    if (key !== illegal) {
      webidl.illegalConstructor();
    }
    this[_name] = name;
  }

  /** The fresh response stored for `input`, or undefined. */
  async match(input, options = undefined) {
    requireRequest("cache.match()");
    const request = toRequest(input);
    if (request.method !== "GET" && !options?.ignoreMethod) {
      return undefined;
    }
    const found = op_isogate_cache_match(this[_name], request.url, headerPairs(request.headers));
    if (found === null) {
      return undefined;
    }
    const { 0: status, 1: flat, 2: body } = found;
    const headers = [];
    for (let i = 0; i < flat.length; i += 2) {
      ArrayPrototypePush(headers, [flat[i], flat[i + 1]]);
    }
    const nullBody = ArrayPrototypeIncludes(NULL_BODY, status);
    return new responseMod.Response(nullBody ? null : body, { status, headers });
  }

  /** Stores `response` for `input` (a GET), as its `Cache-Control` allows. */
  async put(input, response) {
    requireRequest("cache.put()");
    const request = toRequest(input);
    if (request.method !== "GET") {
      throw new TypeError("Cannot cache response to non-GET request.");
    }
    if (!ObjectPrototypeIsPrototypeOf(responseMod.ResponsePrototype, response)) {
      throw new TypeError("Cache.put needs a Response.");
    }
    if (response.status === 206) {
      throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
    }
    const vary = response.headers.get("vary");
    if (
      vary !== null &&
      ArrayPrototypeIncludes(
        ArrayPrototypeMap(StringPrototypeSplit(vary, ","), (name) => StringPrototypeTrim(name)),
        "*",
      )
    ) {
      throw new TypeError("Cannot cache response with 'Vary: *' header.");
    }
    if (response.bodyUsed) {
      throw new TypeError("Response body is already used.");
    }
    const body = new Uint8Array(await response.arrayBuffer());
    op_isogate_cache_put(
      this[_name],
      request.url,
      headerPairs(request.headers),
      response.status,
      headerPairs(response.headers),
      body,
    );
    return undefined;
  }

  /** Removes what is stored for `input`'s URL; whether there was anything. */
  async delete(input, options = undefined) {
    requireRequest("cache.delete()");
    const request = toRequest(input);
    if (request.method !== "GET" && !options?.ignoreMethod) {
      return false;
    }
    return op_isogate_cache_delete(this[_name], request.url, headerPairs(request.headers));
  }
}

const defaultCache = new Cache(illegal, "default");

class CacheStorage {
  constructor(key = undefined) {
    if (key !== illegal) {
      webidl.illegalConstructor();
    }
  }

  /** The tenant's default cache. */
  get default() {
    return defaultCache;
  }

  /** The tenant's cache called `name` (created on first use). */
  async open(name) {
    return new Cache(illegal, `open:${webidl.converters.DOMString(name)}`);
  }
}

ObjectDefineProperties(Cache.prototype, {
  match: { enumerable: true },
  put: { enumerable: true },
  delete: { enumerable: true },
});

const caches = new CacheStorage(illegal);

export { Cache, caches, CacheStorage };
