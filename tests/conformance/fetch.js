// WHATWG Fetch Standard: Headers, Request, Response, Body, FormData, Blob/File.
import { Suite } from "./harness.js";

const s = new Suite("fetch");

s.test("Headers are case-insensitive and combine values", (t) => {
  const h = new Headers({ "Content-Type": "text/plain" });
  t.equal(h.get("content-type"), "text/plain");
  h.append("Accept", "a");
  h.append("accept", "b");
  t.equal(h.get("ACCEPT"), "a, b");
  t.equal(h.has("accept"), true);
  h.delete("Accept");
  t.equal(h.has("accept"), false);
  t.equal(h.get("missing"), null);
});

s.test("Headers iterate sorted, lowercased; getSetCookie keeps cookies apart", (t) => {
  const h = new Headers([["B", "2"], ["a", "1"]]);
  t.deepEqual([...h], [["a", "1"], ["b", "2"]]);
  const c = new Headers();
  c.append("Set-Cookie", "a=1");
  c.append("Set-Cookie", "b=2");
  t.deepEqual(c.getSetCookie(), ["a=1", "b=2"]);
});

s.test("Headers reject invalid names and values", (t) => {
  t.throws(() => new Headers({ "bad name": "x" }), TypeError);
  t.throws(() => new Headers({ ok: "bad\nvalue" }), TypeError);
  const h = new Headers({ ok: "  trimmed  " });
  t.equal(h.get("ok"), "trimmed");
});

s.test("Request defaults and init", (t) => {
  const r = new Request("https://e.com/x");
  t.equal(r.method, "GET");
  t.equal(r.url, "https://e.com/x");
  t.equal(r.redirect, "follow");
  t.equal(r.body, null);
  const p = new Request("https://e.com/", { method: "post", body: "hi", headers: { "x-a": "1" } });
  t.equal(p.method, "POST");
  t.equal(p.headers.get("x-a"), "1");
  t.equal(p.headers.get("content-type"), "text/plain;charset=UTF-8");
});

s.test("Request rejects bodies on GET/HEAD and forbidden methods", (t) => {
  t.throws(() => new Request("https://e.com/", { method: "GET", body: "x" }), TypeError);
  t.throws(() => new Request("https://e.com/", { method: "HEAD", body: "x" }), TypeError);
  t.throws(() => new Request("https://e.com/", { method: "CONNECT" }), TypeError);
  t.throws(() => new Request("/relative"), TypeError);
});

s.test("Request clone and body reading", async (t) => {
  const r = new Request("https://e.com/", { method: "POST", body: "payload" });
  const c = r.clone();
  t.equal(await r.text(), "payload");
  t.equal(r.bodyUsed, true);
  t.equal(await c.text(), "payload");
  await t.rejects(r.text(), TypeError);
});

s.test("Response defaults, status and statusText", (t) => {
  const r = new Response("x");
  t.equal(r.status, 200);
  t.equal(r.ok, true);
  t.equal(r.statusText, "");
  t.equal(r.type, "default");
  const n = new Response(null, { status: 404, statusText: "Nope" });
  t.equal(n.ok, false);
  t.equal(n.statusText, "Nope");
  t.throws(() => new Response("x", { status: 99 }), RangeError);
  t.throws(() => new Response("x", { status: 204 }), TypeError);
});

s.test("Response.json, redirect and error", async (t) => {
  const j = Response.json({ a: 1 }, { status: 201 });
  t.equal(j.status, 201);
  t.equal(j.headers.get("content-type"), "application/json");
  t.deepEqual(await j.json(), { a: 1 });
  const r = Response.redirect("https://e.com/next", 301);
  t.equal(r.status, 301);
  t.equal(r.headers.get("location"), "https://e.com/next");
  t.throws(() => Response.redirect("https://e.com/", 200), RangeError);
  t.equal(Response.error().type, "error");
  t.equal(Response.error().status, 0);
});

s.test("Body mixin: arrayBuffer, bytes, blob, formData", async (t) => {
  t.equal((await new Response("abc").arrayBuffer()).byteLength, 3);
  t.deepEqual([...(await new Response("ab").bytes())], [97, 98]);
  const blob = await new Response("xyz", { headers: { "content-type": "text/x" } }).blob();
  t.equal(blob.size, 3);
  t.equal(blob.type, "text/x");
  const form = await new Response("a=1&b=two", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  }).formData();
  t.equal(form.get("b"), "two");
});

s.test("Response body is a ReadableStream usable once", async (t) => {
  const r = new Response("stream me");
  t.ok(r.body instanceof ReadableStream);
  const reader = r.body.getReader();
  const { value } = await reader.read();
  t.equal(new TextDecoder().decode(value), "stream me");
  t.equal(r.bodyUsed, true);
});

s.test("FormData entries, files and multipart round-trip", async (t) => {
  const f = new FormData();
  f.append("name", "isogate");
  f.append("file", new Blob(["content"], { type: "text/plain" }), "a.txt");
  t.equal(f.get("name"), "isogate");
  t.ok(f.get("file") instanceof File);
  t.equal(f.get("file").name, "a.txt");
  const parsed = await new Response(f).formData();
  t.equal(parsed.get("name"), "isogate");
  t.equal(await parsed.get("file").text(), "content");
});

s.test("Blob slicing, type and text; File name and lastModified", async (t) => {
  const b = new Blob(["hello ", "world"], { type: "Text/Plain" });
  t.equal(b.size, 11);
  t.equal(b.type, "text/plain");
  t.equal(await b.slice(6).text(), "world");
  t.equal(await b.slice(-5, -2).text(), "wor");
  const f = new File(["x"], "n.txt", { lastModified: 42 });
  t.equal(f.name, "n.txt");
  t.equal(f.lastModified, 42);
});

s.test("fetch of data: URLs", async (t) => {
  const r = await fetch("data:text/plain;base64,aGk=");
  t.equal(r.status, 200);
  t.equal(await r.text(), "hi");
});

export default s;
