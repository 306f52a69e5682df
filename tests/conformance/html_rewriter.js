// HTMLRewriter, as Workers define it (over lol-html).
import { Suite } from "./harness.js";

const s = new Suite("htmlrewriter");

const html = (body, init = {}) =>
  new Response(body, { headers: { "content-type": "text/html; charset=utf-8" }, ...init });

const rewrite = (rewriter, body) => rewriter.transform(html(body)).text();

/** A body that arrives in the given pieces. */
const pieces = (...parts) => {
  const enc = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      if (parts.length === 0) controller.close();
      else controller.enqueue(enc.encode(parts.shift()));
    },
  });
};

s.test("attributes are read, set and removed, and the tag renamed", async (t) => {
  const seen = [];
  const out = await rewrite(
    new HTMLRewriter().on("a", {
      element(el) {
        seen.push(el.tagName, el.getAttribute("HREF"), el.hasAttribute("rel"), el.namespaceURI);
        seen.push([...el.attributes].map(([n, v]) => `${n}=${v}`).join(","));
        el.setAttribute("href", "https://example.com" + el.getAttribute("href"));
        el.setAttribute("target", "_blank").removeAttribute("data-x");
        t.equal(el.getAttribute("target"), "_blank");
        t.equal(el.hasAttribute("data-x"), false);
        el.tagName = "span";
        t.equal(el.tagName, "span");
      },
    }),
    '<p><a href="/x" data-x="1">x</a></p>',
  );
  t.equal(out, '<p><span href="https://example.com/x" target="_blank">x</span></p>');
  t.deepEqual(seen, ["a", "/x", false, "http://www.w3.org/1999/xhtml", "href=/x,data-x=1"]);
});

s.test("content goes before, after, inside and instead, as text or as HTML", async (t) => {
  const out = await rewrite(
    new HTMLRewriter()
      .on("#a", { element: (el) => void el.before("<b>", { html: true }).after("<i>") })
      .on("#b", { element: (el) => void el.prepend("[").append("]", { html: false }) })
      .on("#c", { element: (el) => void el.setInnerContent("<em>new</em>", { html: true }) })
      .on("#d", { element: (el) => void el.replace("<hr>", { html: true }) }),
    '<div id="a">a</div><div id="b">b</div><div id="c">old</div><div id="d">d</div>',
  );
  t.equal(
    out,
    '<b><div id="a">a</div>&lt;i&gt;<div id="b">[b]</div><div id="c"><em>new</em></div><hr>',
  );
});

s.test("remove and removeAndKeepContent", async (t) => {
  let removed;
  const out = await rewrite(
    new HTMLRewriter()
      .on("script", {
        element(el) {
          el.remove();
          removed = el.removed;
        },
      })
      .on("font", { element: (el) => void el.removeAndKeepContent() }),
    "<p>a<script>evil()</script><font>kept</font></p>",
  );
  t.equal(out, "<p>akept</p>");
  t.equal(removed, true);
});

s.test("text arrives in chunks, the last one of a node flagged", async (t) => {
  const chunks = [];
  const out = await rewrite(
    new HTMLRewriter().on("p", {
      text(text) {
        chunks.push([text.text, text.lastInTextNode]);
        if (text.text === "world") text.replace("there");
      },
    }),
    "<p>Hello <b>world</b></p>",
  );
  t.equal(out, "<p>Hello <b>there</b></p>");
  t.deepEqual(chunks, [["Hello ", false], ["", true], ["world", false], ["", true]]);
});

s.test("comments are read, changed and removed", async (t) => {
  const out = await rewrite(
    new HTMLRewriter()
      .on("div", {
        comments(c) {
          if (c.text === " drop ") c.remove();
          else c.text = ` ${c.text.trim().toUpperCase()} `;
        },
      }),
    "<div><!-- keep --><!-- drop --></div><!-- outside -->",
  );
  t.equal(out, "<div><!-- KEEP --></div><!-- outside -->");
});

s.test("document handlers see the doctype, every comment and text, and the end", async (t) => {
  const seen = [];
  const out = await rewrite(
    new HTMLRewriter().onDocument({
      doctype(d) {
        seen.push(d.name, d.publicId, d.systemId);
      },
      comments(c) {
        c.after("!", { html: false });
      },
      text(text) {
        if (text.text) seen.push(text.text);
      },
      end(end) {
        end.append("<!-- end -->", { html: true });
      },
    }),
    "<!DOCTYPE html><p>one</p><!--c-->two",
  );
  t.equal(out, "<!DOCTYPE html><p>one</p><!--c-->!two<!-- end -->");
  t.deepEqual(seen, ["html", null, null, "one", "two"]);
});

s.test("onEndTag handlers change the end tag", async (t) => {
  const out = await rewrite(
    new HTMLRewriter().on("body", {
      element(el) {
        el.onEndTag((end) => {
          t.equal(end.name, "body");
          end.before('<script src="/a.js"></script>', { html: true });
          end.after("<!-- after -->", { html: true });
        });
      },
    }),
    "<html><body><p>x</p></body></html>",
  );
  t.equal(out, '<html><body><p>x</p><script src="/a.js"></script></body><!-- after --></html>');
});

s.test("async handlers are awaited, in document order", async (t) => {
  const order = [];
  const out = await rewrite(
    new HTMLRewriter().on("li", {
      async element(el) {
        const n = el.getAttribute("n");
        await new Promise((resolve) => setTimeout(resolve, 3 - Number(n)));
        order.push(n);
        el.setInnerContent(`item ${n}`);
      },
    }),
    '<ul><li n="1"></li><li n="2"></li></ul>',
  );
  t.equal(out, '<ul><li n="1">item 1</li><li n="2">item 2</li></ul>');
  t.deepEqual(order, ["1", "2"]);
});

s.test("handler objects keep their this, and content may be a Response", async (t) => {
  class Stamp {
    constructor(label) {
      this.label = label;
    }
    element(el) {
      el.append(new Response(`<em>${this.label}</em>`), { html: true });
    }
  }
  const out = await rewrite(new HTMLRewriter().on("h1", new Stamp("v2")), "<h1>Title</h1>");
  t.equal(out, "<h1>Title<em>v2</em></h1>");
});

s.test("selectors: attributes, combinators, pseudo-classes", async (t) => {
  const hits = [];
  const mark = (name) => ({ element: (el) => void hits.push(`${name}:${el.getAttribute("id")}`) });
  await rewrite(
    new HTMLRewriter()
      .on('a[href^="https://"]', mark("prefix"))
      .on('a[href$=".pdf"]', mark("suffix"))
      .on("ul > li:nth-child(2)", mark("nth"))
      .on("div p", mark("descendant"))
      .on("li:not(.skip)", mark("not"))
      .on("[data-x~=b]", mark("word")),
    '<a id="1" href="https://e.com/a.pdf"></a><ul><li id="2" class="skip"></li><li id="3" data-x="a b"></li></ul><div><section><p id="4"></p></section></div>',
  );
  t.deepEqual(
    [...hits].sort(),
    ["descendant:4", "not:3", "nth:3", "prefix:1", "suffix:1", "word:3"],
  );
});

s.test("an invalid selector is a TypeError at transform", (t) => {
  t.throws(() => new HTMLRewriter().on("p:::x", { element() {} }).transform(html("<p>")), TypeError);
  t.throws(() => new HTMLRewriter().on("p", { element: 1 }), TypeError);
});

s.test("a tag split across chunks is matched whole", async (t) => {
  const response = new Response(pieces('<p><a hr', 'ef="/x" cla', 'ss="c">li', "nk</a></p>"));
  const out = await new HTMLRewriter()
    .on("a.c", { element: (el) => void el.setAttribute("href", "/y") })
    .transform(response)
    .text();
  t.equal(out, '<p><a href="/y" class="c">link</a></p>');
});

s.test("a throwing handler fails the body; a token is dead after its handler", async (t) => {
  await t.rejects(
    new HTMLRewriter()
      .on("p", {
        element() {
          throw new Error("boom");
        },
      })
      .transform(html("<p>x</p>"))
      .text(),
    Error,
  );
  let kept;
  await rewrite(new HTMLRewriter().on("p", { element: (el) => void (kept = el) }), "<p>x</p>");
  t.throws(() => kept.setAttribute("a", "b"), TypeError);
});

s.test("status and headers are kept, Content-Length dropped", async (t) => {
  const source = new Response("<p>abc</p>", {
    status: 404,
    statusText: "Nope",
    headers: { "content-type": "text/html", "content-length": "10", "x-a": "1" },
  });
  const out = new HTMLRewriter()
    .on("p", { element: (el) => void el.append("def") })
    .transform(source);
  t.equal(out.status, 404);
  t.equal(out.statusText, "Nope");
  t.equal(out.headers.get("x-a"), "1");
  t.equal(out.headers.get("content-length"), null);
  t.equal(await out.text(), "<p>abcdef</p>");
});

s.test("a document in a declared charset is rewritten in it", async (t) => {
  const latin1 = new Uint8Array([0x3c, 0x70, 0x3e, 0xe9, 0x3c, 0x2f, 0x70, 0x3e]); // <p>é</p>
  const out = new HTMLRewriter()
    .on("p", { element: (el) => void el.append("!") })
    .transform(new Response(latin1, { headers: { "content-type": "text/html; charset=iso-8859-1" } }));
  t.deepEqual([...new Uint8Array(await out.arrayBuffer())], [0x3c, 0x70, 0x3e, 0xe9, 0x21, 0x3c, 0x2f, 0x70, 0x3e]);
  t.throws(
    () => new HTMLRewriter().transform(new Response("x", { headers: { "content-type": "text/html; charset=utf-16" } })),
    TypeError,
  );
});

s.test("a body read in part and cancelled lets the rewriter go", async (t) => {
  let calls = 0;
  for (let i = 0; i < 40; i++) {
    const out = new HTMLRewriter()
      .on("p", {
        async element(el) {
          calls++;
          el.append("x");
        },
      })
      .transform(new Response(pieces("<p>1</p>", "<p>2</p>", "<p>3</p>")));
    const reader = out.body.getReader();
    await reader.read();
    await reader.cancel();
  }
  t.ok(calls >= 40, `${calls} handler calls`);
  // More transforms than run at once still complete once the cancelled ones are gone.
  const all = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      rewrite(new HTMLRewriter().on("b", { element: (el) => void el.setInnerContent(String(i)) }), "<b></b>"),
    ),
  );
  t.equal(all.join(""), Array.from({ length: 20 }, (_, i) => `<b>${i}</b>`).join(""));
});

s.test("a null body is rewritten as an empty document", async (t) => {
  const out = new HTMLRewriter()
    .onDocument({ end: (end) => void end.append("<p>end</p>", { html: true }) })
    .transform(new Response(null, { headers: { "content-type": "text/html" } }));
  t.equal(await out.text(), "<p>end</p>");
});

export default s;
