// `node:zlib` for `nodejs_compat` handlers: unenv's module (its constants, and brotli and
// `crc32`, which throw when called), with deflate, inflate, gzip, gunzip, their raw forms
// and unzip made from pako (zlib's own code, ported to JavaScript): the streams
// (`createGzip()`, `new zlib.Inflate()`), the callback functions (`zlib.gzip(buf, cb)`,
// which `util.promisify` takes) and the synchronous ones (`zlib.gunzipSync(buf)`), as Node
// has them. Everything runs in the isolate, so its CPU and memory count against the handler.
import { Buffer } from "node:buffer";
import { Transform } from "node:stream";
import unenv, { codes, constants } from "isogate-node:/unenv/node/zlib.mjs";
import * as pako from "isogate-node:/pako/pako.esm.mjs";

export * from "isogate-node:/unenv/node/zlib.mjs";

const { Z_NO_FLUSH, Z_FINISH, Z_FULL_FLUSH } = constants;

/** Node's default upper bound of one synchronous call's output (`maxOutputLength`). */
const MAX_OUTPUT = 2 ** 32;

/** How each mode makes its pako engine from Node's options. */
const MODES = {
  deflate: (o) => new pako.Deflate(deflateOptions(o, {})),
  deflateRaw: (o) => new pako.Deflate(deflateOptions(o, { raw: true })),
  gzip: (o) => new pako.Deflate(deflateOptions(o, { gzip: true })),
  inflate: (o) => new pako.Inflate(inflateOptions(o, o.windowBits ?? 15)),
  inflateRaw: (o) => new pako.Inflate(inflateOptions(o, -(o.windowBits ?? 15))),
  gunzip: (o) => new pako.Inflate(inflateOptions(o, (o.windowBits ?? 15) + 16)),
  unzip: (o) => new pako.Inflate(inflateOptions(o, (o.windowBits ?? 15) + 32)),
};

function deflateOptions(o, extra) {
  return {
    level: o.level ?? constants.Z_DEFAULT_COMPRESSION,
    windowBits: o.windowBits ?? 15,
    memLevel: o.memLevel ?? 8,
    strategy: o.strategy ?? constants.Z_DEFAULT_STRATEGY,
    chunkSize: o.chunkSize ?? 16 * 1024,
    ...(o.dictionary === undefined ? {} : { dictionary: bytes(o.dictionary) }),
    ...extra,
  };
}

function inflateOptions(o, windowBits) {
  return {
    windowBits,
    chunkSize: o.chunkSize ?? 16 * 1024,
    ...(o.dictionary === undefined ? {} : { dictionary: bytes(o.dictionary) }),
  };
}

/** The bytes of a Buffer, typed array, DataView, ArrayBuffer or string. */
function bytes(input) {
  if (typeof input === "string") {
    return Buffer.from(input);
  }
  if (input instanceof ArrayBuffer) {
    return new Uint8Array(input);
  }
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  const error = new TypeError(
    'The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer.',
  );
  error.code = "ERR_INVALID_ARG_TYPE";
  throw error;
}

/** Node's error for a zlib status. */
function zlibError(engine) {
  const message =
    engine.msg || (engine.err === constants.Z_BUF_ERROR ? "unexpected end of file" : codes[engine.err]);
  const error = new Error(message || "zlib error");
  error.errno = engine.err;
  error.code = codes[engine.err] ?? "Z_UNKNOWN";
  return error;
}

/** Runs `mode` over all of `input` at once. */
function runSync(mode, input, options = {}) {
  const engine = MODES[mode](options);
  const limit = options.maxOutputLength ?? MAX_OUTPUT;
  const chunks = [];
  let length = 0;
  let over = false;
  engine.onData = (chunk) => {
    length += chunk.length;
    if (length > limit) {
      over = true;
    } else if (!over) {
      chunks.push(Buffer.from(chunk));
    }
  };
  engine.push(bytes(input), options.finishFlush ?? Z_FINISH);
  if (over) {
    const error = new RangeError(`Cannot create a Buffer larger than ${limit} bytes`);
    error.code = "ERR_BUFFER_TOO_LARGE";
    throw error;
  }
  if (engine.err) {
    throw zlibError(engine);
  }
  if (mode.startsWith("in") || mode === "gunzip" || mode === "unzip") {
    if (!engine.ended && (options.finishFlush ?? Z_FINISH) === Z_FINISH) {
      const error = new Error("unexpected end of file");
      error.errno = constants.Z_BUF_ERROR;
      error.code = "Z_BUF_ERROR";
      throw error;
    }
  }
  return Buffer.concat(chunks, Math.min(length, limit));
}

function syncFunction(mode) {
  return (input, options) => runSync(mode, input, options);
}

function callbackFunction(mode) {
  return (input, options, callback) => {
    if (typeof options === "function") {
      callback = options;
      options = {};
    }
    if (typeof callback !== "function") {
      const error = new TypeError('The "callback" argument must be of type function');
      error.code = "ERR_INVALID_ARG_TYPE";
      throw error;
    }
    queueMicrotask(() => {
      let result;
      try {
        result = runSync(mode, input, options);
      } catch (error) {
        callback(error);
        return;
      }
      callback(null, result);
    });
  };
}

/** A zlib stream: bytes written are compressed or decompressed into what it reads. */
class Zlib extends Transform {
  #mode;
  #options;
  #engine;

  constructor(mode, options = {}) {
    super(options);
    this.#mode = mode;
    this.#options = options;
    this.bytesWritten = 0;
    this.#engine = this.#start();
  }

  #start() {
    const engine = MODES[this.#mode](this.#options);
    engine.onData = (chunk) => this.push(Buffer.from(chunk));
    return engine;
  }

  #feed(chunk, flush) {
    const engine = this.#engine;
    if (engine.ended) {
      return null;
    }
    engine.push(chunk, flush);
    return engine.err ? zlibError(engine) : null;
  }

  _transform(chunk, encoding, callback) {
    let data;
    try {
      data = typeof chunk === "string" ? Buffer.from(chunk, encoding) : bytes(chunk);
    } catch (error) {
      callback(error);
      return;
    }
    this.bytesWritten += data.length;
    callback(this.#feed(data, Z_NO_FLUSH));
  }

  _flush(callback) {
    callback(this.#feed(new Uint8Array(0), this.#options.finishFlush ?? Z_FINISH));
  }

  /** Flushes what was written so far (`Z_FULL_FLUSH` unless told otherwise). */
  flush(kind, callback) {
    if (typeof kind === "function") {
      callback = kind;
      kind = Z_FULL_FLUSH;
    }
    const error = this.#feed(new Uint8Array(0), kind ?? Z_FULL_FLUSH);
    if (error) {
      this.destroy(error);
    }
    if (typeof callback === "function") {
      queueMicrotask(() => callback(error));
    }
  }

  /** Starts over with a fresh engine. */
  reset() {
    this.#engine = this.#start();
  }

  params(level, strategy, callback) {
    this.#options = { ...this.#options, level, strategy };
    if (typeof callback === "function") {
      queueMicrotask(callback);
    }
  }

  close(callback) {
    if (typeof callback === "function") {
      this.once("close", callback);
    }
    this.destroy();
  }
}

export class Deflate extends Zlib {
  constructor(options) {
    super("deflate", options);
  }
}
export class Inflate extends Zlib {
  constructor(options) {
    super("inflate", options);
  }
}
export class DeflateRaw extends Zlib {
  constructor(options) {
    super("deflateRaw", options);
  }
}
export class InflateRaw extends Zlib {
  constructor(options) {
    super("inflateRaw", options);
  }
}
export class Gzip extends Zlib {
  constructor(options) {
    super("gzip", options);
  }
}
export class Gunzip extends Zlib {
  constructor(options) {
    super("gunzip", options);
  }
}
export class Unzip extends Zlib {
  constructor(options) {
    super("unzip", options);
  }
}

export const createDeflate = (options) => new Deflate(options);
export const createInflate = (options) => new Inflate(options);
export const createDeflateRaw = (options) => new DeflateRaw(options);
export const createInflateRaw = (options) => new InflateRaw(options);
export const createGzip = (options) => new Gzip(options);
export const createGunzip = (options) => new Gunzip(options);
export const createUnzip = (options) => new Unzip(options);

export const deflate = callbackFunction("deflate");
export const inflate = callbackFunction("inflate");
export const deflateRaw = callbackFunction("deflateRaw");
export const inflateRaw = callbackFunction("inflateRaw");
export const gzip = callbackFunction("gzip");
export const gunzip = callbackFunction("gunzip");
export const unzip = callbackFunction("unzip");

export const deflateSync = syncFunction("deflate");
export const inflateSync = syncFunction("inflate");
export const deflateRawSync = syncFunction("deflateRaw");
export const inflateRawSync = syncFunction("inflateRaw");
export const gzipSync = syncFunction("gzip");
export const gunzipSync = syncFunction("gunzip");
export const unzipSync = syncFunction("unzip");

export default {
  ...unenv,
  Deflate,
  Inflate,
  DeflateRaw,
  InflateRaw,
  Gzip,
  Gunzip,
  Unzip,
  createDeflate,
  createInflate,
  createDeflateRaw,
  createInflateRaw,
  createGzip,
  createGunzip,
  createUnzip,
  deflate,
  inflate,
  deflateRaw,
  inflateRaw,
  gzip,
  gunzip,
  unzip,
  deflateSync,
  inflateSync,
  deflateRawSync,
  inflateRawSync,
  gzipSync,
  gunzipSync,
  unzipSync,
};
