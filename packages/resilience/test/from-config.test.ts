import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "@synapse/core";
import { RESILIENCE_DEFAULTS, resolveOptions } from "../src/defaults.js";
import { resilienceOptionsFromConfig } from "../src/from-config.js";

test("the configuration's defaults are the resilience layer's own defaults", () => {
  const fromConfig = resolveOptions(resilienceOptionsFromConfig(loadConfig({})));
  assert.deepEqual(fromConfig.breaker, RESILIENCE_DEFAULTS.breaker);
  assert.deepEqual(fromConfig.retry, RESILIENCE_DEFAULTS.retry);
  assert.deepEqual(fromConfig.timeout, RESILIENCE_DEFAULTS.timeout);
  assert.deepEqual(fromConfig.fallback, RESILIENCE_DEFAULTS.fallback);
  assert.equal(fromConfig.checkpoint.maxContinuations, RESILIENCE_DEFAULTS.checkpoint.maxContinuations);
});

test("settings reach the options, and fallback can be switched off per action", () => {
  const options = resolveOptions(
    resilienceOptionsFromConfig(
      loadConfig({
        SYNAPSE_RETRY_MAX_ATTEMPTS: "3",
        SYNAPSE_RETRY_CODES: "UNAVAILABLE,DEADLINE_EXCEEDED",
        SYNAPSE_FALLBACK_ACTIONS: "plan",
      }),
    ),
  );
  assert.equal(options.retry.maxAttempts, 3);
  assert.deepEqual(options.retry.retryableCodes, ["UNAVAILABLE", "DEADLINE_EXCEEDED"]);
  assert.equal(options.fallback.actions.plan.enabled, true);
  assert.equal(options.fallback.actions.review.enabled, false);
  assert.throws(() => loadConfig({ SYNAPSE_RETRY_CODES: "UNAVAILABLE,NOPE" }), /SYNAPSE_RETRY_CODES/);
  assert.throws(() => loadConfig({ SYNAPSE_FALLBACK_ACTIONS: "execute" }), /SYNAPSE_FALLBACK_ACTIONS/);
  assert.throws(() => loadConfig({ SYNAPSE_RETRY_MAX_ATTEMPTS: "6" }), /SYNAPSE_RETRY_MAX_ATTEMPTS/);
});
