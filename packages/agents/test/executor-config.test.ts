import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "@synapse/core";
import { DEFAULT_ALLOWED_PROGRAMS, DEFAULT_ENV_ALLOWLIST, EXECUTOR_DEFAULTS } from "../src/executor/index.js";

test("the configuration's executor defaults are the executor's own", () => {
  const { executor } = loadConfig({});
  assert.deepEqual(executor.allowedPrograms, [...DEFAULT_ALLOWED_PROGRAMS]);
  assert.deepEqual(executor.envAllowlist, [...DEFAULT_ENV_ALLOWLIST]);
  assert.equal(executor.timeoutMs, EXECUTOR_DEFAULTS.timeoutMs);
  assert.equal(executor.outputCapBytes, EXECUTOR_DEFAULTS.outputCapBytes);
  assert.equal(executor.maxConcurrent, EXECUTOR_DEFAULTS.maxConcurrent);
  assert.equal(executor.maxWaiting, EXECUTOR_DEFAULTS.maxWaiting);
  assert.equal(executor.isolation, EXECUTOR_DEFAULTS.isolation);
  assert.equal(executor.allowShell, EXECUTOR_DEFAULTS.allowShell);
});
