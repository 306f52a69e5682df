// WHATWG Encoding Standard, base64 (HTML), structuredClone.
import { Suite } from "./harness.js";

const s = new Suite("encoding");

s.test("TextEncoder encodes UTF-8", (t) => {
  const enc = new TextEncoder();
  t.equal(enc.encoding, "utf-8");
  t.deepEqual([...enc.encode("aé€")], [97, 195, 169, 226, 130, 172]);
  t.equal(enc.encode("").byteLength, 0);
  t.deepEqual([...enc.encode("\uD800")], [239, 191, 189]);
});

s.test("TextEncoder.encodeInto reports read and written", (t) => {
  const dest = new Uint8Array(4);
  const r = new TextEncoder().encodeInto("a€b", dest);
  t.equal(r.read, 2);
  t.equal(r.written, 4);
});

s.test("TextDecoder decodes UTF-8 with BOM and replacement", (t) => {
  const dec = new TextDecoder();
  t.equal(dec.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69])), "hi");
  t.equal(dec.decode(new Uint8Array([0xff])), "\uFFFD");
  t.equal(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf])), "\uFEFF");
  t.throws(() => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])), TypeError);
});

s.test("TextDecoder legacy encodings and labels", (t) => {
  t.equal(new TextDecoder("latin1").encoding, "windows-1252");
  t.equal(new TextDecoder("windows-1252").decode(new Uint8Array([0x80])), "€");
  t.equal(new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0, 0x69, 0])), "hi");
  t.throws(() => new TextDecoder("no-such-encoding"), RangeError);
});

s.test("TextDecoder streaming keeps split sequences", (t) => {
  const dec = new TextDecoder();
  const bytes = new TextEncoder().encode("€");
  const a = dec.decode(bytes.subarray(0, 1), { stream: true });
  const b = dec.decode(bytes.subarray(1));
  t.equal(a + b, "€");
});

s.test("TextEncoderStream and TextDecoderStream round-trip", async (t) => {
  const stream = new Blob(["héllo"]).stream()
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextEncoderStream())
    .pipeThrough(new TextDecoderStream());
  let out = "";
  for await (const chunk of stream) out += chunk;
  t.equal(out, "héllo");
});

s.test("atob and btoa", (t) => {
  t.equal(btoa("hello"), "aGVsbG8=");
  t.equal(atob("aGVsbG8="), "hello");
  t.equal(atob(" aGVs bG8= "), "hello");
  t.throws(() => btoa("€"), DOMException);
  t.throws(() => atob("a"), DOMException);
});

s.test("structuredClone deep copies", (t) => {
  const source = { d: new Date(0), m: new Map([[1, { x: 1 }]]), s: new Set([1]), a: [1, [2]] };
  source.self = source;
  const copy = structuredClone(source);
  t.ok(copy !== source);
  t.equal(copy.self, copy);
  t.equal(copy.d.getTime(), 0);
  t.equal(copy.m.get(1).x, 1);
  t.equal(copy.s.has(1), true);
  t.throws(() => structuredClone(() => {}), DOMException);
});

s.test("structuredClone transfers ArrayBuffers", (t) => {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const moved = structuredClone(buf, { transfer: [buf] });
  t.equal(buf.byteLength, 0);
  t.equal(moved.byteLength, 3);
});

export default s;
