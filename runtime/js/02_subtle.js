// `crypto.subtle`'s methods whose work Deno runs off the isolate thread, bounded and charged
// to the tenant (`ext/offload.rs`): each call runs with the tenant's offload runtime
// entered, so its work goes to the tenant's own threads, whose CPU time the isolate is
// charged; an isolate has at most eight such calls in flight (the others wait their turn,
// with a copy of their data, as the spec's "copy of the bytes" is taken when called); and
// the work one call may ask for is capped: PBKDF2 iterations as Workers caps them, the
// PBKDF2 output at that count, RSA key generation by key size. Parameters the caps read
// are read once and handed on as plain values, so a getter cannot pass one value to the
// check and another to the work. A SHA digest of a small input is computed at once, on the
// isolate thread (`ext/digest.rs`).

import { primordials } from "ext:core/mod.js";
import {
  op_isogate_digest,
  op_isogate_offload_enter,
  op_isogate_offload_leave,
} from "ext:core/ops";

const {
  ArrayBuffer,
  ArrayBufferIsView,
  ArrayBufferPrototypeGetByteLength,
  ArrayBufferPrototypeSlice,
  ArrayPrototypePush,
  ArrayPrototypeShift,
  DataViewPrototypeGetBuffer,
  DataViewPrototypeGetByteLength,
  DataViewPrototypeGetByteOffset,
  MathCeil,
  Number,
  ObjectDefineProperty,
  ObjectPrototypeIsPrototypeOf,
  Promise,
  PromisePrototypeThen,
  PromiseReject,
  PromiseResolve,
  ReflectApply,
  String,
  StringPrototypeToUpperCase,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypedArrayPrototypeSlice,
  Uint8Array,
} = primordials;

/** Workers' cap on one PBKDF2 call's iterations. */
const MAX_PBKDF2_ITERATIONS = 100000;
/** Hash blocks times iterations one PBKDF2 call may compute: 16 blocks at the cap. */
const MAX_PBKDF2_WORK = 16 * MAX_PBKDF2_ITERATIONS;
/** The largest RSA key `generateKey` makes, in bits. */
const MAX_RSA_BITS = 4096;
/** Calls an isolate may have in flight; more wait their turn. */
const MAX_IN_FLIGHT = 8;
/** Inputs `digest` hashes on the isolate thread, at most (bytes): well under a millisecond. */
const MAX_SYNC_DIGEST = 256 * 1024;
/** The digests `op_isogate_digest` computes, by name. */
const SYNC_DIGESTS = { __proto__: null, "SHA-1": 1, "SHA-256": 256, "SHA-384": 384, "SHA-512": 512 };

/** Output bytes of each digest (block sizes for HMAC's default key length). */
const HASHES = {
  __proto__: null,
  "SHA-1": [20, 64],
  "SHA-256": [32, 64],
  "SHA-384": [48, 128],
  "SHA-512": [64, 128],
};

// Which argument positions of each method hold the data it is given.
const METHODS = [
  ["digest", [1]],
  ["encrypt", [2]],
  ["decrypt", [2]],
  ["sign", [2]],
  ["verify", [2, 3]],
  ["deriveBits", []],
  ["deriveKey", []],
  ["exportKey", []],
  ["generateKey", []],
  ["wrapKey", []],
  ["encapsulateBits", []],
  ["decapsulateBits", [2]],
];

let DOMExceptionClass;

function notSupported(message) {
  return new DOMExceptionClass(message, "NotSupportedError");
}

/** A hash identifier read once: a string as it is, an object as `{ name }`. */
function hashOf(hash) {
  if (hash !== null && typeof hash === "object") {
    return { __proto__: null, name: String(hash.name) };
  }
  return hash;
}

/** An algorithm's or hash's name, upper-cased: its `name`, or itself when a string. */
function nameOf(algorithm) {
  return StringPrototypeToUpperCase(
    String(typeof algorithm === "object" ? algorithm?.name : algorithm),
  );
}

/** A number read once (`undefined` and `null` kept). */
function numberOf(value) {
  return value === undefined || value === null ? value : Number(value);
}

/**
 * An algorithm dictionary read once into a plain object with no prototype: its name, and
 * the members named (numbers as numbers, hashes as `{ name }`, others as they are). A
 * string stays a string.
 */
function readOnce(algorithm, members) {
  if (algorithm === null || typeof algorithm !== "object") {
    return algorithm;
  }
  const read = { __proto__: null, name: String(algorithm.name) };
  for (let i = 0; i < members.length; i++) {
    const member = members[i];
    const value = algorithm[member];
    if (value === undefined) {
      continue;
    }
    read[member] = NUMBERS[member] ? Number(value) : member === "hash" ? hashOf(value) : value;
  }
  return read;
}

/** Members read as numbers. */
const NUMBERS = { __proto__: null, iterations: true, length: true, modulusLength: true };
/** The members of the algorithms each method may be given. */
const DERIVE = ["hash", "salt", "info", "iterations", "public"];
const KEY_TYPE = ["hash", "length", "namedCurve"];
const GENERATE = ["hash", "length", "modulusLength", "publicExponent", "namedCurve"];

/** Refuses PBKDF2 `params` over the caps for `bits` of output. */
function checkPbkdf2(params, bits) {
  const iterations = params.iterations;
  if (iterations > MAX_PBKDF2_ITERATIONS) {
    throw notSupported(
      `Pbkdf2 failed: iteration counts above ${MAX_PBKDF2_ITERATIONS} are not supported (requested ${iterations}).`,
    );
  }
  const size = HASHES[nameOf(params.hash)]?.[0] ?? 20;
  const blocks = MathCeil((Number(bits) || 0) / 8 / size);
  if (blocks * iterations > MAX_PBKDF2_WORK) {
    throw notSupported(
      `Pbkdf2 failed: ${blocks} output blocks at ${iterations} iterations are more than one call may compute (${MAX_PBKDF2_WORK} block iterations).`,
    );
  }
}

/** The bits `deriveKey` derives for a key type as read. */
function keyBits(keyType) {
  if (keyType === null || typeof keyType !== "object") {
    return 0;
  }
  return keyType.length ?? (HASHES[nameOf(keyType.hash)]?.[1] ?? 0) * 8;
}

/** The arguments a method is called with, read once and refused as the caps say. */
function checked(method, args) {
  switch (method) {
    case "deriveBits": {
      const params = readOnce(args[0], DERIVE);
      const bits = numberOf(args[2]);
      if (nameOf(params) === "PBKDF2") {
        checkPbkdf2(params, bits);
      }
      return [params, args[1], bits];
    }
    case "deriveKey": {
      const params = readOnce(args[0], DERIVE);
      const keyType = readOnce(args[2], KEY_TYPE);
      if (nameOf(params) === "PBKDF2") {
        checkPbkdf2(params, keyBits(keyType));
      }
      return [params, args[1], keyType, args[3], args[4]];
    }
    case "generateKey": {
      const params = readOnce(args[0], GENERATE);
      const name = nameOf(params);
      const rsa = name === "RSASSA-PKCS1-V1_5" || name === "RSA-PSS" || name === "RSA-OAEP";
      if (rsa && params.modulusLength > MAX_RSA_BITS) {
        throw notSupported(
          `RSA key generation above ${MAX_RSA_BITS} bits is not supported (requested ${params.modulusLength}).`,
        );
      }
      return [params, args[1], args[2]];
    }
    default:
      return args;
  }
}

/** A copy of the bytes of a buffer source; anything else as it is (Deno refuses it). */
function copyOf(data) {
  if (ObjectPrototypeIsPrototypeOf(ArrayBuffer.prototype, data)) {
    return ArrayBufferPrototypeSlice(data);
  }
  if (!ArrayBufferIsView(data)) {
    return data;
  }
  const view = TypedArrayPrototypeGetSymbolToStringTag(data) === undefined
    ? new Uint8Array(
      DataViewPrototypeGetBuffer(data),
      DataViewPrototypeGetByteOffset(data),
      DataViewPrototypeGetByteLength(data),
    )
    : new Uint8Array(
      TypedArrayPrototypeGetBuffer(data),
      TypedArrayPrototypeGetByteOffset(data),
      TypedArrayPrototypeGetByteLength(data),
    );
  return TypedArrayPrototypeSlice(view);
}

/** The byte length of a buffer source, or -1 for anything else. */
function byteLengthOf(data) {
  if (ObjectPrototypeIsPrototypeOf(ArrayBuffer.prototype, data)) {
    return ArrayBufferPrototypeGetByteLength(data);
  }
  if (!ArrayBufferIsView(data)) {
    return -1;
  }
  return TypedArrayPrototypeGetSymbolToStringTag(data) === undefined
    ? DataViewPrototypeGetByteLength(data)
    : TypedArrayPrototypeGetByteLength(data);
}

/**
 * `digest(algorithm, data)` of a small input by a SHA, on the isolate thread: its promise,
 * or `undefined` to leave the call to Deno's (with the algorithm as read, in `args`).
 */
function syncDigest(args) {
  const algorithm = args[0];
  let name;
  if (typeof algorithm === "string") {
    name = algorithm;
  } else if (algorithm !== null && typeof algorithm === "object") {
    name = String(algorithm.name);
    args[0] = { __proto__: null, name };
  } else {
    return undefined;
  }
  const code = SYNC_DIGESTS[StringPrototypeToUpperCase(name)];
  const length = byteLengthOf(args[1]);
  if (code === undefined || length < 0 || length > MAX_SYNC_DIGEST) {
    return undefined;
  }
  return PromiseResolve(op_isogate_digest(code, args[1]));
}

// The isolate's calls in flight and the ones waiting for a turn.
let inFlight = 0;
const waiting = [];

function next() {
  inFlight--;
  const start = ArrayPrototypeShift(waiting);
  if (start !== undefined) {
    start();
  }
}

/** Calls Deno's method with the offload runtime entered; settles after its work. */
function run(inner, self, args) {
  inFlight++;
  let promise;
  op_isogate_offload_enter();
  try {
    promise = ReflectApply(inner, self, args);
  } finally {
    op_isogate_offload_leave();
  }
  PromisePrototypeThen(promise, next, next);
  return promise;
}

function guarded(prototype, method, dataAt) {
  const inner = prototype[method];
  const wrapper = {
    [method](...given) {
      let args;
      try {
        args = checked(method, given);
        // Only on a real `SubtleCrypto`: Deno's method refuses any other receiver.
        if (method === "digest" && ObjectPrototypeIsPrototypeOf(prototype, this)) {
          const done = syncDigest(args);
          if (done !== undefined) {
            return done;
          }
        }
      } catch (error) {
        return PromiseReject(error);
      }
      if (inFlight < MAX_IN_FLIGHT) {
        return run(inner, this, args);
      }
      for (let i = 0; i < dataAt.length; i++) {
        args[dataAt[i]] = copyOf(args[dataAt[i]]);
      }
      return new Promise((resolve, reject) => {
        ArrayPrototypePush(waiting, () => {
          PromisePrototypeThen(run(inner, this, args), resolve, reject);
        });
      });
    },
  }[method];
  ObjectDefineProperty(wrapper, "length", {
    __proto__: null,
    value: inner.length,
    configurable: true,
  });
  ObjectDefineProperty(prototype, method, {
    __proto__: null,
    value: wrapper,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** Puts the guarded methods on `SubtleCrypto.prototype`; called while the snapshot is built. */
function guardSubtle(prototype, DOMException) {
  DOMExceptionClass = DOMException;
  for (let i = 0; i < METHODS.length; i++) {
    guarded(prototype, METHODS[i][0], METHODS[i][1]);
  }
}

export { guardSubtle };
