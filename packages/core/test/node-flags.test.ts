import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { GATEWAY_NODE_FLAGS } from "../src/node-flags.js";

// How many threads a node process runs (Linux: /proc/self/task), started with NODE_OPTIONS.
function threadsWith(nodeOptions: string): number {
  const run = spawnSync(
    process.execPath,
    ["-e", 'setTimeout(() => console.log(require("node:fs").readdirSync("/proc/self/task").length), 50)'],
    { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

describe("the gateway's node options", () => {
  test("node accepts every one of them in NODE_OPTIONS (how Kubernetes and Compose pass them)", () => {
    const run = spawnSync(process.execPath, ["-e", "0"], {
      env: { ...process.env, NODE_OPTIONS: GATEWAY_NODE_FLAGS.join(" ") },
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
  });

  test("they run two V8 worker threads instead of Node's four (each kept a malloc arena)", () => {
    assert.equal(threadsWith(""), threadsWith(GATEWAY_NODE_FLAGS.join(" ")) + 2);
  });
});
