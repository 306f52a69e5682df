// `node:crypto` for `nodejs_compat` handlers: unenv's module, with what it leaves to the
// host made from @noble/hashes (audited, pure JavaScript) and Web Crypto's random source:
// `createHash`, `createHmac`, `hash`, `getHashes`, `Hash` and `Hmac`; `createSecretKey` and
// its `KeyObject`; `pbkdf2`, `scrypt` and `hkdf` (each also `…Sync`); `timingSafeEqual`;
// `randomFill(Sync)` and `randomInt`, as Node has them.
import { Buffer } from "node:buffer";
import unenv from "isogate-node:/unenv/node/crypto.mjs";
import { expand, extract } from "isogate-node:/noble-hashes/hkdf.js";
import { hmac } from "isogate-node:/noble-hashes/hmac.js";
import { pbkdf2 as derivePbkdf2 } from "isogate-node:/noble-hashes/pbkdf2.js";
import { scrypt as deriveScrypt } from "isogate-node:/noble-hashes/scrypt.js";
import { md5, ripemd160, sha1 } from "isogate-node:/noble-hashes/legacy.js";
import { sha224, sha256, sha384, sha512, sha512_224, sha512_256 } from "isogate-node:/noble-hashes/sha2.js";

export * from "isogate-node:/unenv/node/crypto.mjs";

const ALGORITHMS = {
  md5,
  ripemd160,
  rmd160: ripemd160,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  "sha512-224": sha512_224,
  "sha512-256": sha512_256,
  "rsa-sha1": sha1,
  "rsa-sha256": sha256,
  "rsa-sha384": sha384,
  "rsa-sha512": sha512,
};

function algorithm(name) {
  const found = ALGORITHMS[String(name).toLowerCase()];
  if (found === undefined) {
    throw new Error(`Digest method not supported: ${name}`);
  }
  return found;
}

function bytes(data, encoding, what) {
  if (typeof data === "string") {
    return Buffer.from(data, encoding ?? "utf8");
  }
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) {
    return new Uint8Array(data);
  }
  throw new TypeError(
    `The "${what}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.`,
  );
}

function output(digest, encoding) {
  const buffer = Buffer.from(digest);
  return encoding === undefined || encoding === "buffer" ? buffer : buffer.toString(encoding);
}

/** Node's `Hash`: `update(data[, encoding])` as often as needed, then `digest([encoding])`. */
export class Hash {
  #state;
  #done = false;

  constructor(name, state) {
    this.#state = state ?? algorithm(name).create();
  }

  update(data, encoding) {
    if (this.#done) {
      throw new Error("Digest already called");
    }
    this.#state.update(bytes(data, encoding, "data"));
    return this;
  }

  digest(encoding) {
    if (this.#done) {
      throw new Error("Digest already called");
    }
    this.#done = true;
    return output(this.#state.digest(), encoding);
  }

  copy() {
    if (this.#done) {
      throw new Error("Digest already called");
    }
    return new Hash(undefined, this.#state.clone());
  }
}

/** Node's `Hmac`: a keyed `Hash`. */
export class Hmac {
  #state;
  #done = false;

  constructor(name, key, keyEncoding) {
    const secret = typeof key?.export === "function" ? key.export() : key;
    this.#state = hmac.create(algorithm(name), bytes(secret, keyEncoding, "key"));
  }

  update(data, encoding) {
    if (this.#done) {
      throw new Error("Digest already called");
    }
    this.#state.update(bytes(data, encoding, "data"));
    return this;
  }

  digest(encoding) {
    if (this.#done) {
      throw new Error("Digest already called");
    }
    this.#done = true;
    return output(this.#state.digest(), encoding);
  }
}

export const createHash = (name) => new Hash(name);
export const createHmac = (name, key, options) => new Hmac(name, key, options?.encoding);
export const hash = (name, data, encoding = "hex") =>
  output(algorithm(name)(bytes(data, undefined, "data")), encoding);
export const getHashes = () => Object.keys(ALGORITHMS);

/** Only this module makes KeyObjects (Node's constructor is not for callers either). */
const MAKING = Symbol("making a KeyObject");

/**
 * Node's `KeyObject`, for secret keys: what `createSecretKey` gives, which `createHmac` (and
 * libraries such as jsonwebtoken) take in place of the bytes.
 */
export class KeyObject {
  #bytes;

  constructor(type, bytes, making) {
    if (making !== MAKING || type !== "secret") {
      throw failure(TypeError, "ERR_INVALID_ARG_VALUE", "KeyObjects are made by createSecretKey()");
    }
    this.#bytes = bytes;
  }

  get type() {
    return "secret";
  }

  get symmetricKeySize() {
    return this.#bytes.byteLength;
  }

  get asymmetricKeyType() {
    return undefined;
  }

  /** The key's bytes (a copy), or `{ format: "jwk" }` for `{ kty: "oct", k }`. */
  export(options) {
    const format = options?.format ?? "buffer";
    if (format === "jwk") {
      return { kty: "oct", k: Buffer.from(this.#bytes).toString("base64url") };
    }
    if (format !== "buffer") {
      throw failure(TypeError, "ERR_INVALID_ARG_VALUE", `The property 'options.format' is invalid. Received '${format}'`);
    }
    return Buffer.from(this.#bytes);
  }

  equals(other) {
    if (!(other instanceof KeyObject)) {
      throw failure(TypeError, "ERR_INVALID_ARG_TYPE", 'The "otherKeyObject" argument must be an instance of KeyObject.');
    }
    const mine = this.#bytes;
    const theirs = other.#bytes;
    return mine.byteLength === theirs.byteLength && timingSafeEqual(mine, theirs);
  }

  get [Symbol.toStringTag]() {
    return "KeyObject";
  }
}

/** Node's `createSecretKey(key[, encoding])`: a secret KeyObject over a copy of the bytes. */
export function createSecretKey(key, encoding) {
  const source = bytes(key, encoding, "key");
  return new KeyObject("secret", new Uint8Array(source), MAKING);
}


/** A Node-style error with its `code`. */
function failure(Kind, code, message) {
  const error = new Kind(message);
  error.code = code;
  return error;
}

function callback(value, name = "callback") {
  if (typeof value !== "function") {
    throw failure(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type function.`);
  }
  return value;
}

function integer(value, name, min, max = Number.MAX_SAFE_INTEGER) {
  if (typeof value !== "number") {
    throw failure(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type number.`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw failure(
      RangeError,
      "ERR_OUT_OF_RANGE",
      `The value of "${name}" is out of range. It must be an integer >= ${min} and <= ${max}. Received ${value}`,
    );
  }
  return value;
}

/** Runs `work` after the caller returns and hands its result to `done(error, result)`. */
function later(work, done) {
  queueMicrotask(() => {
    let result;
    try {
      result = work();
    } catch (error) {
      done(error);
      return;
    }
    done(null, result);
  });
}

export function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  integer(iterations, "iterations", 1, 2 ** 31 - 1);
  integer(keylen, "keylen", 0, 2 ** 31 - 1);
  if (typeof digest !== "string") {
    throw failure(TypeError, "ERR_INVALID_ARG_TYPE", 'The "digest" argument must be of type string.');
  }
  const key = derivePbkdf2(algorithm(digest), bytes(password, undefined, "password"),
    bytes(salt, undefined, "salt"), { c: iterations, dkLen: keylen });
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

export function pbkdf2(password, salt, iterations, keylen, digest, done) {
  callback(done);
  integer(iterations, "iterations", 1, 2 ** 31 - 1);
  integer(keylen, "keylen", 0, 2 ** 31 - 1);
  later(() => pbkdf2Sync(password, salt, iterations, keylen, digest), done);
}

function scryptOptions(options = {}) {
  const pick = (a, b, fallback) => options[a] ?? options[b] ?? fallback;
  const N = pick("N", "cost", 16384);
  const r = pick("r", "blockSize", 8);
  const p = pick("p", "parallelization", 1);
  const maxmem = options.maxmem ?? 32 * 1024 * 1024;
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0 || 128 * N * r > maxmem) {
    throw failure(RangeError, "ERR_CRYPTO_INVALID_SCRYPT_PARAMS", "Invalid scrypt params");
  }
  return { N, r, p, maxmem: maxmem + 128 * r * p + 1024 };
}

export function scryptSync(password, salt, keylen, options) {
  integer(keylen, "keylen", 0, 2 ** 31 - 1);
  const key = deriveScrypt(bytes(password, undefined, "password"), bytes(salt, undefined, "salt"),
    { ...scryptOptions(options), dkLen: keylen });
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

export function scrypt(password, salt, keylen, options, done) {
  if (typeof options === "function") {
    [options, done] = [undefined, options];
  }
  callback(done);
  integer(keylen, "keylen", 0, 2 ** 31 - 1);
  scryptOptions(options);
  later(() => scryptSync(password, salt, keylen, options), done);
}

export function hkdfSync(digest, ikm, salt, info, keylen) {
  const hash = algorithm(digest);
  integer(keylen, "keylen", 0, 255 * hash.outputLen);
  const secret = typeof ikm?.export === "function" ? ikm.export() : ikm;
  const key = expand(hash, extract(hash, bytes(secret, undefined, "ikm"), bytes(salt, undefined, "salt")),
    bytes(info, undefined, "info"), keylen);
  return key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength);
}

export function hkdf(digest, ikm, salt, info, keylen, done) {
  callback(done);
  later(() => hkdfSync(digest, ikm, salt, info, keylen), done);
}

/** Compares two buffers of one length in time that does not depend on where they differ. */
export function timingSafeEqual(a, b) {
  const left = bytes(a, undefined, "buf1");
  const right = bytes(b, undefined, "buf2");
  if (left.byteLength !== right.byteLength) {
    throw failure(RangeError, "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH",
      "Input buffers must have the same byte length");
  }
  let difference = 0;
  for (let i = 0; i < left.byteLength; i++) {
    difference |= left[i] ^ right[i];
  }
  return difference === 0;
}

/** Web Crypto's `getRandomValues` fills at most 64 KiB at a time. */
function fillRandom(view) {
  for (let at = 0; at < view.byteLength; at += 65536) {
    crypto.getRandomValues(view.subarray(at, Math.min(at + 65536, view.byteLength)));
  }
}

export function randomFillSync(buffer, offset = 0, size) {
  const view = bytes(buffer, undefined, "buf");
  integer(offset, "offset", 0, view.byteLength);
  const length = size ?? view.byteLength - offset;
  integer(length, "size", 0, view.byteLength - offset);
  fillRandom(view.subarray(offset, offset + length));
  return buffer;
}

export function randomFill(buffer, offset, size, done) {
  if (typeof offset === "function") {
    [offset, size, done] = [0, undefined, offset];
  } else if (typeof size === "function") {
    [size, done] = [undefined, size];
  }
  callback(done);
  later(() => randomFillSync(buffer, offset, size), done);
}

export function randomInt(min, max, done) {
  if (max === undefined || typeof max === "function") {
    [min, max, done] = [0, min, max];
  }
  if (done !== undefined) {
    callback(done);
  }
  integer(min, "min", Number.MIN_SAFE_INTEGER);
  integer(max, "max", Number.MIN_SAFE_INTEGER);
  const range = max - min;
  if (range <= 0 || range >= 2 ** 48) {
    throw failure(RangeError, "ERR_OUT_OF_RANGE",
      `The value of "max" is out of range. It must be greater than the value of "min" (${min}) and less than 2^48 above it. Received ${max}`);
  }
  // Rejection sampling over 48 random bits: every value in the range is as likely.
  const limit = 2 ** 48 - (2 ** 48 % range);
  const sample = new Uint8Array(6);
  let value;
  do {
    crypto.getRandomValues(sample);
    value = sample.reduce((total, byte) => total * 256 + byte, 0);
  } while (value >= limit);
  const result = min + (value % range);
  if (done === undefined) {
    return result;
  }
  later(() => result, done);
}

export default {
  ...unenv,
  Hash,
  Hmac,
  KeyObject,
  createHash,
  createHmac,
  createSecretKey,
  getHashes,
  hash,
  hkdf,
  hkdfSync,
  pbkdf2,
  pbkdf2Sync,
  randomFill,
  randomFillSync,
  randomInt,
  scrypt,
  scryptSync,
  timingSafeEqual,
};
