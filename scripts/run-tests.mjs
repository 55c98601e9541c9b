#!/usr/bin/env node
// Runs the compiled tests (packages/*/dist/test/**/*.test.js) with node's test runner.
// Node 20's `--test` takes no globs, so the files are found here. Arguments filter by substring:
//   node scripts/run-tests.mjs jsonrpc grpc
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(walk(path));
    else if (name.endsWith(".test.js")) out.push(path);
  }
  return out;
}

const files = readdirSync(join(root, "packages"))
  .flatMap((pkg) => walk(join(root, "packages", pkg, "dist", "test")))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error("run-tests: no test files found (did `npm run build` run?)");
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=120000", ...files],
  { stdio: "inherit", env: { ...process.env, SYNAPSE_LOG_LEVEL: process.env.SYNAPSE_LOG_LEVEL ?? "warn" } },
);
process.exit(result.status ?? 1);
