// A small REST API: CRUD on an in-memory store of todos, with route parameters, input
// validation and 4xx errors as JSON. The router is itty-router, imported from node_modules.
import { AutoRouter, error, type IRequest, json, status } from "itty-router";
import type { ExportedHandler } from "@isogate/sdk";

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

type TodoInput = Pick<Todo, "title" | "done">;

// One store per isolate: it lives as long as the tenant's isolate does.
const todos = new Map<number, Todo>();
let nextId = 1;

/** The body as a todo, or the reason it is not one. */
async function readTodo(request: IRequest, partial: boolean): Promise<Partial<TodoInput> | string> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return "the body must be JSON";
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return "the body must be a JSON object";
  }
  const { title, done } = body as Record<string, unknown>;
  if (title !== undefined && (typeof title !== "string" || title.trim() === "" || title.length > 200)) {
    return "title must be a non-empty string of at most 200 characters";
  }
  if (done !== undefined && typeof done !== "boolean") {
    return "done must be true or false";
  }
  if (!partial && title === undefined) {
    return "title is required";
  }
  return { title: title?.trim(), done };
}

function find(request: IRequest): Todo | Response {
  const id = Number(request.params.id);
  const todo = Number.isInteger(id) ? todos.get(id) : undefined;
  return todo ?? error(404, `no todo ${request.params.id}`);
}

const router = AutoRouter();

router
  .get("/todos", () => [...todos.values()])
  .get("/todos/:id", find)
  .post("/todos", async (request) => {
    const input = await readTodo(request, false);
    if (typeof input === "string") return error(400, input);
    const todo: Todo = { id: nextId++, title: input.title!, done: input.done ?? false };
    todos.set(todo.id, todo);
    return json(todo, { status: 201, headers: { location: `/todos/${todo.id}` } });
  })
  .patch("/todos/:id", async (request) => {
    const todo = find(request);
    if (todo instanceof Response) return todo;
    const input = await readTodo(request, true);
    if (typeof input === "string") return error(400, input);
    const updated = { ...todo, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
    todos.set(todo.id, updated);
    return updated;
  })
  .delete("/todos/:id", (request) => {
    const todo = find(request);
    if (todo instanceof Response) return todo;
    todos.delete(todo.id);
    return status(204);
  });

export default {
  fetch: (request) => router.fetch(request),
} satisfies ExportedHandler;
