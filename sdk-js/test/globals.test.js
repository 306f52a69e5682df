// Every global the SDK says isogate provides must be declared for handler authors: a file
// using each one as a value type-checks against the package's declarations and TypeScript's
// WebWorker library. (The runtime's tests check the same list against a real isolate.)
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";

import { ISOGATE_GLOBALS } from "../dist/index.js";

const root = path.dirname(fileURLToPath(import.meta.url));

test("every isogate global is declared", () => {
  const probe = path.join(root, "probe.ts");
  const source = [
    'import type {} from "../dist/index.js";',
    `export const used = [${ISOGATE_GLOBALS.join(", ")}];`,
    "export const defaultCache: Cache = caches.default;",
  ].join("\n");
  const host = ts.createCompilerHost({});
  const readFile = host.readFile;
  host.readFile = (file) => (file === probe ? source : readFile(file));
  const fileExists = host.fileExists;
  host.fileExists = (file) => file === probe || fileExists(file);
  const program = ts.createProgram(
    [probe],
    {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ["lib.es2023.d.ts", "lib.webworker.d.ts"],
      types: [],
    },
    host,
  );
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(problems, []);
});

test("the list has no duplicates and is sorted as the runtime's test expects", () => {
  assert.equal(new Set(ISOGATE_GLOBALS).size, ISOGATE_GLOBALS.length);
});
