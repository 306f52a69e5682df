// WHATWG Streams Standard and Compression Streams.
import { Suite } from "./harness.js";

const s = new Suite("streams");

async function collect(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

s.test("ReadableStream enqueues, closes and reads in order", async (t) => {
  const rs = new ReadableStream({
    start(c) {
      c.enqueue(1);
      c.enqueue(2);
      c.close();
    },
  });
  const reader = rs.getReader();
  t.deepEqual(await reader.read(), { value: 1, done: false });
  t.deepEqual(await reader.read(), { value: 2, done: false });
  t.deepEqual(await reader.read(), { value: undefined, done: true });
});

s.test("pull is called on demand and respects highWaterMark", async (t) => {
  let pulls = 0;
  const rs = new ReadableStream({
    pull(c) {
      pulls += 1;
      c.enqueue(pulls);
      if (pulls === 3) c.close();
    },
  }, { highWaterMark: 0 });
  t.equal(pulls, 0);
  t.deepEqual(await collect(rs), [1, 2, 3]);
});

s.test("locking: one reader at a time", (t) => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  t.equal(rs.locked, true);
  t.throws(() => rs.getReader(), TypeError);
  reader.releaseLock();
  t.equal(rs.locked, false);
});

s.test("errors propagate to readers", async (t) => {
  const rs = new ReadableStream({ start(c) { c.error(new RangeError("bad")); } });
  await t.rejects(rs.getReader().read(), RangeError);
});

s.test("cancel reaches the source with its reason", async (t) => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  await rs.cancel("stop");
  t.equal(reason, "stop");
});

s.test("tee gives two identical branches", async (t) => {
  const [a, b] = ReadableStream.from([1, 2, 3]).tee();
  t.deepEqual(await collect(a), [1, 2, 3]);
  t.deepEqual(await collect(b), [1, 2, 3]);
});

s.test("TransformStream and pipeThrough", async (t) => {
  const upper = new TransformStream({
    transform(chunk, c) {
      c.enqueue(chunk.toUpperCase());
    },
  });
  t.deepEqual(await collect(ReadableStream.from(["a", "b"]).pipeThrough(upper)), ["A", "B"]);
});

s.test("WritableStream writes in order and closes", async (t) => {
  const written = [];
  let closed = false;
  const ws = new WritableStream({
    write(chunk) { written.push(chunk); },
    close() { closed = true; },
  });
  const writer = ws.getWriter();
  await writer.write("x");
  await writer.write("y");
  await writer.close();
  t.deepEqual(written, ["x", "y"]);
  t.equal(closed, true);
});

s.test("pipeTo carries every chunk", async (t) => {
  const out = [];
  await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write(c) { out.push(c); } }));
  t.deepEqual(out, [1, 2, 3]);
});

s.test("byte streams support BYOB readers", async (t) => {
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) {
      c.enqueue(new Uint8Array([1, 2, 3]));
      c.close();
    },
  });
  const reader = rs.getReader({ mode: "byob" });
  const { value } = await reader.read(new Uint8Array(8));
  t.deepEqual([...value], [1, 2, 3]);
});

s.test("queuing strategies measure chunks", (t) => {
  t.equal(new CountQueuingStrategy({ highWaterMark: 4 }).size(), 1);
  t.equal(new ByteLengthQueuingStrategy({ highWaterMark: 4 }).size(new Uint8Array(7)), 7);
});

s.test("CompressionStream and DecompressionStream round-trip gzip and deflate", async (t) => {
  for (const format of ["gzip", "deflate", "deflate-raw"]) {
    const text = "isogate ".repeat(100);
    const compressed = new Blob([text]).stream().pipeThrough(new CompressionStream(format));
    const bytes = new Uint8Array(await new Response(compressed).arrayBuffer());
    t.ok(bytes.byteLength < text.length, `${format} did not shrink`);
    const restored = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
    t.equal(await new Response(restored).text(), text);
  }
  t.throws(() => new CompressionStream("zip"), TypeError);
});

s.test("Compression Streams: brotli, chunking, corrupt and truncated input", async (t) => {
  const text = "isogate compresses ".repeat(2000);
  const squeeze = async (format, parts) => {
    const stream = new Blob(parts).stream().pipeThrough(new CompressionStream(format));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  };
  const restore = (format, bytes) =>
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format))).text();
  const brotli = await squeeze("brotli", [text]);
  t.ok(brotli.byteLength < text.length / 20, `brotli gave ${brotli.byteLength} bytes`);
  t.equal(await restore("brotli", brotli), text);
  for (const format of ["gzip", "deflate", "deflate-raw", "brotli"]) {
    // An encoder does not flush per chunk: how the input is cut does not change the output.
    const whole = await squeeze(format, [text]);
    const writer = new CompressionStream(format);
    const out = new Response(writer.readable).arrayBuffer();
    const w = writer.writable.getWriter();
    for (let at = 0; at < text.length; at += 1000) {
      await w.write(new TextEncoder().encode(text.slice(at, at + 1000)));
    }
    await w.close();
    const chunked = new Uint8Array(await out);
    t.equal(chunked.join(), whole.join(), `${format} chunked`);
    // A stream cut short, or with its bytes changed, is a TypeError.
    let error;
    try {
      await restore(format, whole.subarray(0, whole.length >> 1));
    } catch (e) {
      error = e;
    }
    t.ok(error instanceof TypeError, `${format} truncated: ${error}`);
  }
  let corrupt;
  try {
    await restore("gzip", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  } catch (e) {
    corrupt = e;
  }
  t.ok(corrupt instanceof TypeError, `corrupt gzip: ${corrupt}`);
});

export default s;
