// The api tenant: echoes a JSON body back to callers that present the shared token.
interface Env {
  API_TOKEN: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (request.headers.get("authorization") !== `Bearer ${env.API_TOKEN}`) {
      return Response.json({ error: "missing or wrong token" }, { status: 401 });
    }
    const body = await request.json().catch(() => undefined);
    if (body === undefined) {
      return Response.json({ error: "the body must be JSON" }, { status: 400 });
    }
    return Response.json({ echo: body, client: request.headers.get("x-forwarded-for") });
  },
};
