// Globals Workers offers beyond the Web platform: `scheduler.wait`, and the byte streams
// `IdentityTransformStream` and `FixedLengthStream` (whose readable side, as a Response
// body, sends a `Content-Length`).

import { core, primordials } from "ext:core/mod.js";

const {
  ArrayBuffer,
  ArrayBufferIsView,
  NumberIsSafeInteger,
  ObjectPrototypeIsPrototypeOf,
  Promise,
  RangeError,
  SymbolFor,
  TypeError,
  Uint8Array,
} = primordials;

const streams = core.loadExtScript("ext:deno_web/06_streams.js");
const { DOMException } = core.loadExtScript("ext:deno_web/01_dom_exception.js");

/** The byte count a `FixedLengthStream`'s readable side promises, kept on that stream. */
const fixedLength = SymbolFor("isogate.fixedLength");

/** `chunk` as a Uint8Array over the same bytes; a TypeError for anything but bytes. */
function bytesOf(chunk, name) {
  if (ArrayBufferIsView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  if (ObjectPrototypeIsPrototypeOf(ArrayBuffer.prototype, chunk)) {
    return new Uint8Array(chunk);
  }
  throw new TypeError(`${name} accepts only ArrayBuffer or ArrayBufferView chunks`);
}

/** A TransformStream that passes bytes through unchanged, refusing anything else. */
class IdentityTransformStream extends streams.TransformStream {
  constructor() {
    super({
      transform(chunk, controller) {
        controller.enqueue(bytesOf(chunk, "IdentityTransformStream"));
      },
    });
  }
}

/**
 * An identity byte stream that must carry exactly `expectedLength` bytes: more is an
 * error when written, fewer when the writable side closes.
 */
class FixedLengthStream extends streams.TransformStream {
  constructor(expectedLength) {
    const expected = typeof expectedLength === "bigint" ? Number(expectedLength) : expectedLength;
    if (typeof expected !== "number" || !NumberIsSafeInteger(expected) || expected < 0) {
      throw new TypeError("FixedLengthStream requires a non-negative integer length");
    }
    let seen = 0;
    super({
      transform(chunk, controller) {
        const bytes = bytesOf(chunk, "FixedLengthStream");
        seen += bytes.byteLength;
        if (seen > expected) {
          throw new TypeError(
            `FixedLengthStream got ${seen} bytes, more than the ${expected} it was made for`,
          );
        }
        controller.enqueue(bytes);
      },
      flush() {
        if (seen < expected) {
          throw new TypeError(
            `FixedLengthStream closed after ${seen} bytes, fewer than the ${expected} it was made for`,
          );
        }
      },
    });
    this.readable[fixedLength] = expected;
  }
}

/** `scheduler.wait(ms, { signal })`: a promise resolved after `ms` milliseconds. */
class Scheduler {
  wait(delay, options = undefined) {
    const ms = +delay;
    if (ms !== ms || ms < 0) {
      return Promise.reject(new RangeError("scheduler.wait needs a non-negative delay"));
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(signal.reason ?? new DOMException("aborted", "AbortError"));
    }
    return new Promise((resolve, reject) => {
      const abort = () => {
        globalThis.clearTimeout(id);
        reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      };
      const id = globalThis.setTimeout(() => {
        signal?.removeEventListener("abort", abort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", abort, { once: true });
    });
  }
}

const scheduler = new Scheduler();

export { FixedLengthStream, fixedLength, IdentityTransformStream, Scheduler, scheduler };
