// HTMLRewriter's cost: a 2,000-link page (about 115 KB) rewritten with a handler on every
// link (a token to JS and back each), and the same page parsed with no handler called.
export default {
  async fetch(request) {
    const n = 2000;
    let page = "<body>";
    for (let i = 0; i < n; i++) page += `<p><a href="http://origin/page/${i}">page ${i}</a></p>`;
    page += "</body>";
    const t0 = performance.now();
    const sync = await new HTMLRewriter().on("a", { element(el) { el.setAttribute("x", "1"); } }).transform(new Response(page)).text();
    const t1 = performance.now();
    const none = await new HTMLRewriter().on("zzz", { element(el) { } }).transform(new Response(page)).text();
    const t2 = performance.now();
    return new Response(`events ${n}: ${(t1 - t0).toFixed(1)} ms (${((t1 - t0) * 1000 / n).toFixed(1)} us/event); no events: ${(t2 - t1).toFixed(1)} ms; ${sync.length} ${none.length}\n`);
  },
};
