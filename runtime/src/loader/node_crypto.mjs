// `node:crypto` for `nodejs_compat` handlers: unenv's module, with the synchronous hashes
// and HMACs it leaves to the host made from @noble/hashes (audited, pure JavaScript):
// `createHash`, `createHmac`, `hash`, `getHashes`, `Hash` and `Hmac`, as Node has them.
import { Buffer } from "node:buffer";
import unenv from "isogate-node:/unenv/node/crypto.mjs";
import { hmac } from "isogate-node:/noble-hashes/hmac.js";
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

export default { ...unenv, Hash, Hmac, createHash, createHmac, getHashes, hash };
