// WHATWG URL Standard, URLSearchParams and URLPattern.
import { Suite } from "./harness.js";

const s = new Suite("url");

s.test("parses components", (t) => {
  const u = new URL("https://user:pw@example.com:8080/a/b?x=1&y=2#frag");
  t.equal(u.protocol, "https:");
  t.equal(u.username, "user");
  t.equal(u.password, "pw");
  t.equal(u.hostname, "example.com");
  t.equal(u.port, "8080");
  t.equal(u.host, "example.com:8080");
  t.equal(u.pathname, "/a/b");
  t.equal(u.search, "?x=1&y=2");
  t.equal(u.hash, "#frag");
  t.equal(u.origin, "https://example.com:8080");
});

s.test("default port is elided", (t) => {
  t.equal(new URL("https://example.com:443/").port, "");
  t.equal(new URL("http://example.com:80/").href, "http://example.com/");
});

s.test("relative resolution against a base", (t) => {
  t.equal(new URL("../c?q", "https://e.com/a/b/").href, "https://e.com/a/c?q");
  t.equal(new URL("//other.org/x", "https://e.com/").href, "https://other.org/x");
  t.equal(new URL("?z=1", "https://e.com/p").href, "https://e.com/p?z=1");
});

s.test("invalid URLs throw TypeError", (t) => {
  t.throws(() => new URL("not a url"), TypeError);
  t.throws(() => new URL("/relative"), TypeError);
  t.equal(URL.canParse("https://ok.test/"), true);
  t.equal(URL.canParse("nope"), false);
  t.equal(URL.parse("nope"), null);
});

s.test("host normalisation: lowercase, IDNA, IPv4 and IPv6", (t) => {
  t.equal(new URL("HTTP://EXAMPLE.COM/").href, "http://example.com/");
  t.equal(new URL("https://bücher.example/").hostname, "xn--bcher-kva.example");
  t.equal(new URL("http://0x7f.1/").hostname, "127.0.0.1");
  t.equal(new URL("http://[::1]:81/").host, "[::1]:81");
});

s.test("path dot segments and percent-encoding", (t) => {
  t.equal(new URL("https://e.com/a/./b/../c").pathname, "/a/c");
  t.equal(new URL("https://e.com/a b").pathname, "/a%20b");
  t.equal(new URL("https://e.com/?q=a b").search, "?q=a%20b");
});

s.test("setters update href", (t) => {
  const u = new URL("https://e.com/p");
  u.pathname = "/q";
  u.searchParams.set("k", "v");
  u.hash = "h";
  t.equal(u.href, "https://e.com/q?k=v#h");
  u.protocol = "http";
  t.equal(u.protocol, "http:");
});

s.test("toJSON and toString equal href", (t) => {
  const u = new URL("https://e.com/x");
  t.equal(u.toString(), u.href);
  t.equal(JSON.stringify({ u }), '{"u":"https://e.com/x"}');
});

s.test("URLSearchParams basics", (t) => {
  const p = new URLSearchParams("a=1&b=2&a=3");
  t.equal(p.get("a"), "1");
  t.deepEqual(p.getAll("a"), ["1", "3"]);
  t.equal(p.has("b"), true);
  t.equal(p.has("a", "3"), true);
  p.append("c", "x y");
  t.equal(p.toString(), "a=1&b=2&a=3&c=x+y");
  p.delete("a");
  t.equal(p.toString(), "b=2&c=x+y");
  t.equal(p.size, 2);
});

s.test("URLSearchParams from record and sequence, sort, decode", (t) => {
  t.equal(new URLSearchParams({ b: "2", a: "1" }).toString(), "b=2&a=1");
  const p = new URLSearchParams([["z", "1"], ["a", "2"], ["z", "0"]]);
  p.sort();
  t.equal(p.toString(), "a=2&z=1&z=0");
  t.equal(new URLSearchParams("q=%20%2B+").get("q"), " + ");
  t.deepEqual([...new URLSearchParams("x=1&y=2").keys()], ["x", "y"]);
});

s.test("URLPattern matches and extracts groups", (t) => {
  const pattern = new URLPattern({ pathname: "/users/:id" });
  t.equal(pattern.test("https://e.com/users/42"), true);
  t.equal(pattern.test("https://e.com/posts/42"), false);
  t.equal(pattern.exec("https://e.com/users/42").pathname.groups.id, "42");
  const wild = new URLPattern("https://*.example.com/files/*");
  t.equal(wild.test("https://cdn.example.com/files/a/b.png"), true);
});

export default s;
