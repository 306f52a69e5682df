// A Hono app, imported from node_modules as it is published: no bundler, no build step.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";

type Bindings = { GREETING: string };

const app = new Hono<{ Bindings: Bindings }>();

// Middleware: every response says how long the handler took.
app.use("*", async (c, next) => {
  const started = performance.now();
  await next();
  c.header("server-timing", `handler;dur=${(performance.now() - started).toFixed(2)}`);
});

app.get("/", (c) => c.text(`${c.env.GREETING} from Hono on isogate\n`));

app.get("/hello/:name", (c) => c.json({ message: `${c.env.GREETING}, ${c.req.param("name")}!` }));

app.post("/echo", async (c) => {
  const body = await c.req.json().catch(() => {
    throw new HTTPException(400, { message: "send a JSON body" });
  });
  return c.json({ received: body });
});

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));

export default app;
