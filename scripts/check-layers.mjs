#!/usr/bin/env node
// Imports flow one way between packages. Each package may import only the packages of lower
// layers listed here, and only ones it declares as dependencies; anything else fails the check.
// (Cycles inside a package are found by madge; across packages, this order makes them impossible.)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const LAYERS = {
  testkit: [],
  core: [],
  providers: ["core"],
  agents: ["core", "providers"],
  transport: ["core"],
  resilience: ["core", "transport"],
  service: ["core", "providers", "agents", "transport"],
  gateway: ["core", "transport", "resilience"],
  cli: ["core", "providers", "agents", "transport", "resilience", "service", "gateway"],
  // Tests of the deployment only (no src): a leaf that may import every package.
  deploy: ["core", "providers", "agents", "transport", "resilience", "service", "gateway", "cli"],
};

const root = new URL("..", import.meta.url).pathname;
const problems = [];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : walk(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

for (const pkg of readdirSync(join(root, "packages"))) {
  const allowed = LAYERS[pkg];
  if (!allowed) {
    problems.push(`packages/${pkg}: not in the layer list of scripts/check-layers.mjs`);
    continue;
  }
  const manifest = JSON.parse(readFileSync(join(root, "packages", pkg, "package.json"), "utf8"));
  const declared = new Set(Object.keys(manifest.dependencies ?? {}));
  for (const dir of ["src", "test"]) {
    let files = [];
    try {
      files = walk(join(root, "packages", pkg, dir));
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/from\s+"@synapse\/([a-z-]+)(?:\/[a-z-]+)*"/g)) {
        const dep = m[1];
        const where = relative(root, file);
        if (dep === pkg) problems.push(`${where}: imports its own package by name`);
        else if (dir === "src" && !allowed.includes(dep))
          problems.push(`${where}: ${pkg} may not import @synapse/${dep}`);
        else if (dir === "src" && !declared.has(`@synapse/${dep}`))
          problems.push(`${where}: imports @synapse/${dep}, not declared in packages/${pkg}/package.json`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("check-layers: imports flow one way");
