// DOM Standard: AbortController and AbortSignal.
import { Suite } from "./harness.js";

const s = new Suite("abort");

s.test("abort sets state, reason and fires once", (t) => {
  const c = new AbortController();
  let fired = 0;
  c.signal.addEventListener("abort", () => fired++);
  t.equal(c.signal.aborted, false);
  c.abort("why");
  c.abort("again");
  t.equal(c.signal.aborted, true);
  t.equal(c.signal.reason, "why");
  t.equal(fired, 1);
});

s.test("default reason is an AbortError DOMException", (t) => {
  const c = new AbortController();
  c.abort();
  t.ok(c.signal.reason instanceof DOMException);
  t.equal(c.signal.reason.name, "AbortError");
  t.throws(() => c.signal.throwIfAborted(), DOMException);
});

s.test("AbortSignal.abort is already aborted", (t) => {
  const sig = AbortSignal.abort(1);
  t.equal(sig.aborted, true);
  t.equal(sig.reason, 1);
});

s.test("AbortSignal.timeout aborts with TimeoutError", async (t) => {
  const sig = AbortSignal.timeout(10);
  t.equal(sig.aborted, false);
  await new Promise((resolve) => sig.addEventListener("abort", resolve));
  t.equal(sig.reason.name, "TimeoutError");
});

s.test("AbortSignal.any follows the first to abort", (t) => {
  const a = new AbortController();
  const b = new AbortController();
  const any = AbortSignal.any([a.signal, b.signal]);
  t.equal(any.aborted, false);
  b.abort("b");
  t.equal(any.aborted, true);
  t.equal(any.reason, "b");
});

s.test("fetch rejects with the signal's reason", async (t) => {
  const err = await t.rejects(fetch("data:,x", { signal: AbortSignal.abort() }), DOMException);
  t.equal(err.name, "AbortError");
});

export default s;
