// Workers' own globals beyond the Web platform: byte streams and the scheduler.
import { Suite } from "./harness.js";

const s = new Suite("workers");

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(...chunk);
  return chunks;
}

s.test("IdentityTransformStream passes bytes through and refuses strings", async (t) => {
  const { readable, writable } = new IdentityTransformStream();
  const writer = writable.getWriter();
  writer.write(new Uint8Array([1, 2]));
  writer.write(new Uint16Array([0x0403]).buffer);
  writer.close();
  t.deepEqual(await collect(readable), [1, 2, 3, 4]);

  const other = new IdentityTransformStream();
  other.readable.getReader().read().catch(() => {});
  const refused = other.writable.getWriter().write("text");
  await t.rejects(refused, TypeError);
});

s.test("FixedLengthStream carries exactly its length", async (t) => {
  const exact = new FixedLengthStream(3);
  const writer = exact.writable.getWriter();
  writer.write(new Uint8Array([7, 8, 9]));
  writer.close();
  t.deepEqual(await collect(exact.readable), [7, 8, 9]);

  const over = new FixedLengthStream(2);
  const overWriter = over.writable.getWriter();
  over.readable.getReader().read().catch(() => {});
  await t.rejects(overWriter.write(new Uint8Array(3)), TypeError);

  const under = new FixedLengthStream(4);
  const underWriter = under.writable.getWriter();
  const read = collect(under.readable);
  underWriter.write(new Uint8Array(1));
  await t.rejects(underWriter.close(), TypeError);
  await t.rejects(read, TypeError);

  t.throws(() => new FixedLengthStream(-1), TypeError);
  t.throws(() => new FixedLengthStream("ten"), TypeError);
  t.ok(new FixedLengthStream(10n) instanceof TransformStream);
});

s.test("scheduler.wait resolves after its delay and stops at its signal", async (t) => {
  const start = performance.now();
  await scheduler.wait(20);
  t.ok(performance.now() - start >= 15, "waited");
  const controller = new AbortController();
  const waiting = scheduler.wait(10_000, { signal: controller.signal });
  controller.abort(new RangeError("stop"));
  await t.rejects(waiting, RangeError);
  await t.rejects(scheduler.wait(-1), RangeError);
});

export default s;
