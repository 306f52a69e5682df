// A Workers project as `npm create cloudflare` lays it out: imports without extensions
// (`./routes` is routes/index.ts), `.js` specifiers for `.ts` files, and packages from the
// project's node_modules, one folder up; JSX and the `@/` alias from its tsconfig.json.
import { Hono } from "hono";
import { routes } from "./routes";
import { greet } from "./lib/greet.js";
import { newId } from "./lib/ids";
import { page } from "./routes/page";
// A CommonJS-only package: its module.exports is the default export.
import ms from "ms";
// A Node.js built-in, allowed by the nodejs_compat flag in wrangler.toml.
import { Buffer } from "node:buffer";

const app = new Hono<{ Bindings: { GREETING?: string } }>();

app.get("/", (c) => c.text(greet(c.env.GREETING ?? "hello", "isogate")));
app.get("/id", (c) => c.json({ id: newId() }));
app.get("/page", (c) => c.html(page()));
app.get("/ms/:span", (c) => c.json({ ms: ms(c.req.param("span")) }));
app.get("/base64/:text", (c) => c.text(Buffer.from(c.req.param("text")).toString("base64")));
app.route("/api", routes);

export default app;
