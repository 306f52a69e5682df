// `prepare`: builds dist/ wherever the package is installed from (`npm install ../sdk-js`,
// `npm pack`, `npm ci` here). A consumer's install does not install this package's
// devDependencies, so TypeScript is installed here first when it is missing.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const run = (args) => execFileSync(npm, args, { cwd: root, stdio: "inherit" });

if (!existsSync(join(root, "node_modules", "typescript"))) {
  run(["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]);
}
run(["run", "build"]);
