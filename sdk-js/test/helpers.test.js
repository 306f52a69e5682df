// The helpers, run by node's test runner against the built package.
import assert from "node:assert/strict";
import { test } from "node:test";

import { error, json, requireEnv } from "../dist/index.js";

test("json serialises with a JSON content type and the given status", async () => {
  const response = json({ a: 1 }, { status: 201, headers: { "x-extra": "yes" } });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(response.headers.get("x-extra"), "yes");
  assert.deepEqual(await response.json(), { a: 1 });
});

test("json keeps a content type the caller set", () => {
  const response = json([], { headers: { "content-type": "application/problem+json" } });
  assert.equal(response.headers.get("content-type"), "application/problem+json");
});

test("error answers in one shape with a default message", async () => {
  const response = error(404);
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: "not found", status: 404 });
  assert.deepEqual(await error(422, "title is required").json(), {
    error: "title is required",
    status: 422,
  });
  assert.throws(() => error(200), RangeError);
});

test("requireEnv names every missing variable", () => {
  assert.deepEqual(requireEnv({ A: "1", B: "2" }, "A"), { A: "1", B: "2" });
  assert.throws(() => requireEnv({ A: "1" }, "A", "B", "C"), /missing env: B, C/);
});
