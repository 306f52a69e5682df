// The shop tenant: a product page by id and a cart that only takes JSON.
interface Env {
  CURRENCY: string;
}

interface Context {
  params: Record<string, string>;
  route: string;
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    if (ctx.route === "/products/{id}") {
      const id = Number(ctx.params.id);
      if (!Number.isInteger(id) || id <= 0) {
        return Response.json({ error: "product id must be a positive integer" }, { status: 400 });
      }
      return Response.json({ id, name: `Product ${id}`, price: id * 3, currency: env.CURRENCY });
    }
    if (request.method === "POST") {
      const item = await request.json().catch(() => null);
      if (item === null || typeof item.id !== "number") {
        return Response.json({ error: "send {\"id\": <number>}" }, { status: 400 });
      }
      return Response.json({ added: item.id }, { status: 201 });
    }
    return Response.json({ items: [] });
  },
};
