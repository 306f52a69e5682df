import { Hono } from "hono";
import { items } from "./items";

export const routes = new Hono();

routes.get("/items", (c) => c.json(items));
routes.get("/items/:id", (c) => {
  const item = items.find((entry) => entry.id === c.req.param("id"));
  return item ? c.json(item) : c.json({ error: "no such item" }, 404);
});
