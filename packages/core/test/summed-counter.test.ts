import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { SummedCounter } from "../src/metrics/summed-counter.js";

test("a summed counter shows every label set's sum when scraped, once, in the label names' order", async () => {
  const registry = new Registry();
  const calls = new SummedCounter({
    name: "x_calls_total",
    help: "Calls.",
    labelNames: ["kind", "code"] as const,
    registry,
  });
  assert.doesNotMatch(await registry.metrics(), /x_calls_total\{/, "no series before an increment");
  calls.inc(["invoke", "OK"]);
  calls.inc(["invoke", "OK"]);
  calls.inc(["stream", "OK"], 2.5);
  calls.inc(["invoke", "UNAVAILABLE"]);
  const first = await registry.metrics();
  assert.match(first, /^x_calls_total\{kind="invoke",code="OK"\} 2$/m);
  assert.match(first, /^x_calls_total\{kind="stream",code="OK"\} 2\.5$/m);
  assert.match(first, /^x_calls_total\{kind="invoke",code="UNAVAILABLE"\} 1$/m);
  // A second scrape adds nothing twice; later increments add up on the totals.
  calls.inc(["invoke", "OK"]);
  const second = await registry.metrics();
  assert.match(second, /^x_calls_total\{kind="invoke",code="OK"\} 3$/m);
  assert.match(second, /^x_calls_total\{kind="stream",code="OK"\} 2\.5$/m);
  assert.match(second, /^# TYPE x_calls_total counter$/m);
});

test("a summed counter shows a series incremented by 0, and refuses what prom-client refuses when it is added", async () => {
  const registry = new Registry();
  const tokens = new SummedCounter({
    name: "x_tokens_total",
    help: "T.",
    labelNames: ["dir"] as const,
    registry,
  });
  tokens.inc(["input"], 0);
  assert.match(await registry.metrics(), /^x_tokens_total\{dir="input"\} 0$/m);
  assert.throws(() => tokens.inc(["input"], -1), TypeError);
  assert.throws(() => tokens.inc(["input"], Number.NaN), TypeError);
  assert.throws(() => tokens.inc(["input"], Number.POSITIVE_INFINITY), TypeError);
  assert.match(await registry.metrics(), /^x_tokens_total\{dir="input"\} 0$/m, "the scrape still works");
});
