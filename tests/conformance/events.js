// DOM Standard: Event, EventTarget, CustomEvent; DOMException; MessageChannel.
import { Suite } from "./harness.js";

const s = new Suite("events");

s.test("EventTarget dispatch, once and removal", (t) => {
  const target = new EventTarget();
  const seen = [];
  const listener = (e) => seen.push(e.type);
  target.addEventListener("ping", listener);
  target.addEventListener("ping", () => seen.push("once"), { once: true });
  target.dispatchEvent(new Event("ping"));
  target.dispatchEvent(new Event("ping"));
  target.removeEventListener("ping", listener);
  target.dispatchEvent(new Event("ping"));
  t.deepEqual(seen, ["ping", "once", "ping"]);
});

s.test("Event properties and preventDefault", (t) => {
  const target = new EventTarget();
  let seenTarget = null;
  target.addEventListener("x", (e) => {
    seenTarget = e.target;
    e.preventDefault();
  });
  const e = new Event("x", { cancelable: true });
  t.equal(target.dispatchEvent(e), false);
  t.equal(e.defaultPrevented, true);
  t.equal(seenTarget, target);
  t.equal(new Event("y").bubbles, false);
});

s.test("stopImmediatePropagation stops later listeners", (t) => {
  const target = new EventTarget();
  const seen = [];
  target.addEventListener("x", (e) => {
    seen.push(1);
    e.stopImmediatePropagation();
  });
  target.addEventListener("x", () => seen.push(2));
  target.dispatchEvent(new Event("x"));
  t.deepEqual(seen, [1]);
});

s.test("CustomEvent carries detail; subclassing EventTarget", (t) => {
  class Bus extends EventTarget {}
  const bus = new Bus();
  let detail;
  bus.addEventListener("c", (e) => (detail = e.detail));
  bus.dispatchEvent(new CustomEvent("c", { detail: { n: 1 } }));
  t.deepEqual(detail, { n: 1 });
  t.throws(() => new Event(), TypeError);
});

s.test("DOMException names and legacy codes", (t) => {
  const e = new DOMException("m", "NotFoundError");
  t.equal(e.name, "NotFoundError");
  t.equal(e.message, "m");
  t.equal(e.code, 8);
  t.ok(e instanceof Error);
  t.equal(new DOMException("x").name, "Error");
});

s.test("MessageChannel delivers structured clones", async (t) => {
  const { port1, port2 } = new MessageChannel();
  const received = new Promise((resolve) => (port2.onmessage = (e) => resolve(e.data)));
  port1.postMessage({ a: [1, 2] });
  t.deepEqual(await received, { a: [1, 2] });
  port1.close();
  port2.close();
});

export default s;
