import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "@synapse/core";

const MAIN = new URL("./fixtures/heap-growth-main.js", import.meta.url).pathname;

/** The old generation's peak (MiB) in a child churning promoted garbage around a 32 MiB live set. */
function oldPeakMb(percent: number): number {
  const run = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=1", MAIN, String(percent)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout);
}

describe("the gateway's old-generation growth (SYNAPSE_GATEWAY_HEAP_GROWING_PERCENT)", () => {
  test("30 % by default; 0 (V8's own factor) to 400 accepted", () => {
    assert.equal(loadConfig({}).gateway.heapGrowingPercent, 30);
    assert.equal(loadConfig({ SYNAPSE_GATEWAY_HEAP_GROWING_PERCENT: "0" }).gateway.heapGrowingPercent, 0);
    assert.throws(() => loadConfig({ SYNAPSE_GATEWAY_HEAP_GROWING_PERCENT: "401" }), ConfigError);
  });

  test("a low percent keeps the old generation near its live size; a high one lets it grow", () => {
    const tight = oldPeakMb(10);
    const loose = oldPeakMb(300);
    assert.ok(tight < 56, `old generation peaked at ${tight} MiB with 10 %`);
    assert.ok(loose > tight + 16, `old generation peaked at ${loose} MiB with 300 %, ${tight} MiB with 10 %`);
  });
});
