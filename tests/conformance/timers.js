// HTML timers, microtasks and performance.
import { Suite } from "./harness.js";

const s = new Suite("timers");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

s.test("setTimeout runs after the delay with arguments", async (t) => {
  const start = performance.now();
  const value = await new Promise((resolve) => setTimeout(resolve, 20, "arg"));
  t.equal(value, "arg");
  t.ok(performance.now() - start >= 15, "fired too early");
});

s.test("clearTimeout cancels", async (t) => {
  let fired = false;
  const id = setTimeout(() => (fired = true), 5);
  t.equal(typeof id, "number");
  clearTimeout(id);
  await sleep(20);
  t.equal(fired, false);
});

s.test("setInterval repeats until cleared", async (t) => {
  let n = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => {
      n += 1;
      if (n === 3) {
        clearInterval(id);
        resolve();
      }
    }, 2);
  });
  t.equal(n, 3);
});

s.test("ordering: sync, microtasks, then timers", async (t) => {
  const order = [];
  setTimeout(() => order.push("timeout"), 0);
  queueMicrotask(() => order.push("microtask"));
  Promise.resolve().then(() => order.push("promise"));
  order.push("sync");
  await sleep(10);
  t.deepEqual(order, ["sync", "microtask", "promise", "timeout"]);
});

s.test("performance.now is monotonic; timeOrigin and marks", (t) => {
  const a = performance.now();
  const b = performance.now();
  t.ok(b >= a);
  t.ok(performance.timeOrigin > 0);
  const mark = performance.mark("m");
  t.equal(mark.name, "m");
  t.equal(performance.getEntriesByName("m").length, 1);
});

export default s;
