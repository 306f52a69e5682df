// The smallest isogate handler: a Workers-style module with a default `fetch` export.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    ctx.waitUntil(Promise.resolve());
    if (url.pathname === "/json") {
      return Response.json({ hello: "world", path: url.pathname, method: request.method });
    }
    return new Response(`Hello from isogate! You asked for ${url.pathname}\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
