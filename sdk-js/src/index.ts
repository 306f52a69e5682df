/**
 * `@isogate/sdk`: the contract between isogate and a handler module, the globals isogate
 * adds to the Web platform's, and small helpers.
 *
 * ```ts
 * import { json, type ExportedHandler } from "@isogate/sdk";
 *
 * interface Env { GREETING: string }
 *
 * export default {
 *   fetch(request, env, ctx) {
 *     ctx.waitUntil(Promise.resolve());
 *     return json({ greeting: env.GREETING, id: ctx.params.id });
 *   },
 * } satisfies ExportedHandler<Env>;
 * ```
 *
 * Type-only imports vanish when isogate transpiles a handler; the helpers are plain
 * functions, to copy or to bundle.
 */

export { ISOGATE_GLOBALS, type IsogateGlobal } from "./globals.js";

/** The variables a handler gets: `env` and `secrets` of its tenant, all strings. */
export type Env = Record<string, string>;

/** The third argument of `fetch`: the request's context. */
export interface ExecutionContext {
  /**
   * Keeps the isolate working on `promise` after the response is sent (logging, cache
   * writes). It runs under the tenant's limits; a rejection is logged.
   */
  waitUntil(promise: Promise<unknown>): void;
  /** Accepted for Workers compatibility; an exception still becomes a 500. */
  passThroughOnException(): void;
  /** The parameters the matched route captured (`/users/{id}` → `{ id }`). */
  readonly params: Readonly<Record<string, string>>;
  /** The matched route pattern (`"/users/{id}"`); empty under `isogate dev`. */
  readonly route: string;
}

/** A handler module's default export. */
export interface ExportedHandler<E = Env> {
  /** Answers one request. Throwing (or rejecting) gives the client a 500. */
  fetch(request: Request, env: E, ctx: ExecutionContext): Response | Promise<Response>;
}

/** Options of {@link json} and {@link error}. */
export interface ResponseOptions {
  /** HTTP status (default 200 for `json`). */
  status?: number;
  /** Extra headers. */
  headers?: HeadersInit;
}

/** A JSON response: `value` serialised, `content-type: application/json; charset=utf-8`. */
export function json(value: unknown, options: ResponseOptions = {}): Response {
  const headers = new Headers(options.headers);
  if (!headers.has("content-type")) {
    headers.set("content-type", "application/json; charset=utf-8");
  }
  return new Response(JSON.stringify(value), { status: options.status ?? 200, headers });
}

/** An error response in one shape: `{"error": message, "status": status}`. */
export function error(status: number, message?: string, options: Omit<ResponseOptions, "status"> = {}): Response {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(`error() takes a 4xx or 5xx status, not ${status}`);
  }
  return json({ error: message ?? defaultMessage(status), status }, { ...options, status });
}

function defaultMessage(status: number): string {
  const messages: Record<number, string> = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    413: "payload too large",
    422: "unprocessable content",
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
  };
  return messages[status] ?? (status < 500 ? "client error" : "server error");
}

/**
 * Reads a typed `env`: the names in `required` must be present (a missing one throws,
 * naming it), so a misconfigured tenant fails on its first request with a clear message.
 */
export function requireEnv<K extends string>(env: Record<string, string | undefined>, ...required: K[]): Record<K, string> {
  const missing = required.filter((name) => typeof env[name] !== "string");
  if (missing.length > 0) {
    throw new Error(`missing env: ${missing.join(", ")} (set them in the tenant's env or secrets)`);
  }
  return env as Record<K, string>;
}

/** The limit that stopped a request, as the `isogate-error` header names it. */
export type LimitCode = "cpu-limit" | "memory-limit" | "wall-limit" | "concurrency-limit" | "subrequest-limit";

declare global {
  /** What the gateway knows of the connection a request came on (`request.cf`). */
  interface IsogateRequestCf {
    /** `HTTP/1.1`, `HTTP/2`, ... */
    readonly httpProtocol: string;
    /** `TLSv1.3` or `TLSv1.2`, over TLS. */
    readonly tlsVersion?: string;
    /** The cipher suite's IANA name (`TLS13_AES_128_GCM_SHA256`), over TLS. */
    readonly tlsCipher?: string;
    /** The node that took the request (its host name). */
    readonly colo: string;
    /** The client's own `Accept-Encoding`. */
    readonly clientAcceptEncoding?: string;
    /** From `[server] geoip` databases, when one knows the client's address. */
    readonly country?: string;
    /** `"1"` when the country is in the European Union. */
    readonly isEUCountry?: string;
    readonly continent?: string;
    readonly city?: string;
    readonly region?: string;
    readonly regionCode?: string;
    readonly postalCode?: string;
    readonly latitude?: string;
    readonly longitude?: string;
    readonly timezone?: string;
    readonly metroCode?: string;
    /** The client network's autonomous system number. */
    readonly asn?: number;
    readonly asOrganization?: string;
  }

  interface Request {
    /** Set on the requests a handler is called with; `undefined` on those it makes. */
    readonly cf?: IsogateRequestCf;
  }

  /** Workers' extension of Web Crypto, which isogate has too. */
  interface SubtleCrypto {
    /**
     * Whether `a` and `b` hold the same bytes, in time that does not depend on where they
     * differ; throws a `TypeError` when their lengths differ.
     */
    timingSafeEqual(a: ArrayBuffer | ArrayBufferView, b: ArrayBuffer | ArrayBufferView): boolean;
  }

  /** isogate's Cache API: `caches.default` and `await caches.open(name)` (as in Workers). */
  interface CacheStorage {
    /** The tenant's default cache. */
    readonly default: Cache;
  }

  /** Options of the content methods: `html: true` inserts markup, otherwise text (escaped). */
  interface HTMLRewriterContentOptions {
    html?: boolean;
  }

  /** What the content methods insert: text, or a body read whole first. */
  type HTMLRewriterContent = string | Response | ReadableStream<Uint8Array>;

  /** A start tag matched by an `on` selector, valid while its handler runs. */
  interface HTMLRewriterElement {
    tagName: string;
    readonly attributes: IterableIterator<[string, string]>;
    readonly namespaceURI: string;
    readonly removed: boolean;
    readonly selfClosing: boolean;
    readonly canHaveContent: boolean;
    getAttribute(name: string): string | null;
    hasAttribute(name: string): boolean;
    setAttribute(name: string, value: string): this;
    removeAttribute(name: string): this;
    before(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    after(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    prepend(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    append(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    replace(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    setInnerContent(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    remove(): this;
    removeAndKeepContent(): this;
    onEndTag(handler: (tag: HTMLRewriterEndTag) => void | Promise<void>): void;
  }

  /** The end tag of a matched element (`onEndTag`). */
  interface HTMLRewriterEndTag {
    name: string;
    before(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    after(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    replace(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    remove(): this;
  }

  /** A comment. */
  interface HTMLRewriterComment {
    text: string;
    readonly removed: boolean;
    before(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    after(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    replace(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    remove(): this;
  }

  /** A chunk of text; a text node ends with a chunk whose `lastInTextNode` is true. */
  interface HTMLRewriterText {
    readonly text: string;
    readonly lastInTextNode: boolean;
    readonly removed: boolean;
    before(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    after(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    replace(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
    remove(): this;
  }

  /** The document's doctype. */
  interface HTMLRewriterDoctype {
    readonly name: string | null;
    readonly publicId: string | null;
    readonly systemId: string | null;
    remove(): this;
  }

  /** The end of the document. */
  interface HTMLRewriterDocumentEnd {
    append(content: HTMLRewriterContent, options?: HTMLRewriterContentOptions): this;
  }

  /** Handlers for the elements an `on` selector matches and for what they contain. */
  interface HTMLRewriterElementHandlers {
    element?(element: HTMLRewriterElement): void | Promise<void>;
    comments?(comment: HTMLRewriterComment): void | Promise<void>;
    text?(text: HTMLRewriterText): void | Promise<void>;
  }

  /** Handlers for the whole document. */
  interface HTMLRewriterDocumentHandlers {
    doctype?(doctype: HTMLRewriterDoctype): void | Promise<void>;
    comments?(comment: HTMLRewriterComment): void | Promise<void>;
    text?(text: HTMLRewriterText): void | Promise<void>;
    end?(end: HTMLRewriterDocumentEnd): void | Promise<void>;
  }

  /** Workers' streaming HTML rewriter (on Cloudflare's lol-html). */
  class HTMLRewriter {
    constructor();
    on(selector: string, handlers: HTMLRewriterElementHandlers): HTMLRewriter;
    onDocument(handlers: HTMLRewriterDocumentHandlers): HTMLRewriter;
    transform(response: Response): Response;
  }

  /** Workers' byte stream that passes bytes through unchanged (anything else is a `TypeError`). */
  class IdentityTransformStream extends TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array> {
    constructor();
  }

  /**
   * Workers' identity byte stream that must carry exactly `expectedLength` bytes; as a
   * Response body its readable side sends a `Content-Length`.
   */
  class FixedLengthStream extends TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array> {
    constructor(expectedLength: number | bigint);
  }

  /** Workers' scheduler: `await scheduler.wait(ms)` resolves after `ms` milliseconds. */
  interface Scheduler {
    wait(delay: number, options?: { signal?: AbortSignal }): Promise<void>;
  }

  /** Workers' scheduler. */
  var scheduler: Scheduler;

  /** `navigator`'s class (the WebWorker library calls its type `WorkerNavigator`). */
  var Navigator: {
    readonly prototype: WorkerNavigator;
  };

  /** The parts of a URL pattern, or of a URL matched against one. */
  interface URLPatternInit {
    protocol?: string;
    username?: string;
    password?: string;
    hostname?: string;
    port?: string;
    pathname?: string;
    search?: string;
    hash?: string;
    baseURL?: string;
  }

  /** One component of a match: the input and the named groups it captured. */
  interface URLPatternComponentResult {
    input: string;
    groups: Record<string, string | undefined>;
  }

  /** What `URLPattern.exec` found. */
  interface URLPatternResult {
    inputs: (string | URLPatternInit)[];
    protocol: URLPatternComponentResult;
    username: URLPatternComponentResult;
    password: URLPatternComponentResult;
    hostname: URLPatternComponentResult;
    port: URLPatternComponentResult;
    pathname: URLPatternComponentResult;
    search: URLPatternComponentResult;
    hash: URLPatternComponentResult;
  }

  /** A URL pattern (the URLPattern standard), e.g. `new URLPattern({ pathname: "/users/:id" })`. */
  interface URLPattern {
    test(input?: string | URLPatternInit, baseURL?: string): boolean;
    exec(input?: string | URLPatternInit, baseURL?: string): URLPatternResult | null;
    readonly protocol: string;
    readonly username: string;
    readonly password: string;
    readonly hostname: string;
    readonly port: string;
    readonly pathname: string;
    readonly search: string;
    readonly hash: string;
    readonly hasRegExpGroups: boolean;
  }

  var URLPattern: {
    readonly prototype: URLPattern;
    new (input?: string | URLPatternInit, baseURL?: string, options?: { ignoreCase?: boolean }): URLPattern;
  };

  /** Options of `Cache.match` and `Cache.delete`. */
  interface CacheQueryOptions {
    /** Match a non-GET request as if it were a GET. */
    ignoreMethod?: boolean;
  }
}
