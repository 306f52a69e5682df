// A caching reverse proxy: requests go to `env.UPSTREAM`, and GET answers are kept in the
// tenant's cache with the Cache API for `env.TTL_S` seconds, whatever the upstream says.
import type { ExportedHandler } from "@isogate/sdk";

interface Env {
  UPSTREAM: string;
  TTL_S: string;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const upstream = new URL(url.pathname + url.search, env.UPSTREAM);
    if (request.method !== "GET") {
      return fetch(new Request(upstream, request));
    }
    const cache = caches.default;
    const key = new Request(upstream);
    const cached = await cache.match(key);
    if (cached) {
      const hit = new Response(cached.body, cached);
      hit.headers.set("x-proxy-cache", "HIT");
      return hit;
    }
    const fetched = await fetch(upstream, { headers: { accept: request.headers.get("accept") ?? "*/*" } });
    const response = new Response(fetched.body, fetched);
    if (fetched.ok) {
      response.headers.set("cache-control", `public, max-age=${Number(env.TTL_S) || 60}`);
      response.headers.delete("set-cookie");
      // Stored after the answer is sent; the client does not wait for it.
      ctx.waitUntil(cache.put(key, response.clone()));
    }
    response.headers.set("x-proxy-cache", "MISS");
    return response;
  },
} satisfies ExportedHandler<Env>;
