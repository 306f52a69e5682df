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

const app = new Hono<{ Bindings: { GREETING?: string } }>();

app.get("/", (c) => c.text(greet(c.env.GREETING ?? "hello", "isogate")));
app.get("/id", (c) => c.json({ id: newId() }));
app.get("/page", (c) => c.html(page()));
app.get("/ms/:span", (c) => c.json({ ms: ms(c.req.param("span")) }));
app.route("/api", routes);

export default app;
