import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Histogram, Registry } from "prom-client";
import { SummedHistogram } from "../src/metrics/summed-histogram.js";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const LABELS = ["route", "status"] as const;

/** A prom-client Histogram and a SummedHistogram in two registries, fed the same observations. */
function pair(defaultLabels: Record<string, string>) {
  const [reference, summed] = [new Registry(), new Registry()];
  reference.setDefaultLabels(defaultLabels);
  summed.setDefaultLabels(defaultLabels);
  const config = { name: "x_duration_seconds", help: "Durations.", buckets: BUCKETS };
  const plain = new Histogram({ ...config, labelNames: LABELS, registers: [reference] });
  const ours = new SummedHistogram({ ...config, labelNames: LABELS, registry: summed });
  return {
    observe(route: string, status: string, value: number) {
      plain.observe({ route, status }, value);
      ours.observe([route, status], value);
    },
    async same() {
      assert.equal(await summed.metrics(), await reference.metrics());
      assert.deepEqual(await summed.getMetricsAsJSON(), await reference.getMetricsAsJSON());
    },
    reset() {
      reference.resetMetrics();
      summed.resetMetrics();
    },
  };
}

test("a summed histogram scrapes exactly as a prom-client Histogram fed the same observations", async () => {
  const observation = fc.tuple(
    fc.constantFrom("/a", "/b", 'q"\\\n'),
    fc.constantFrom("200", "503"),
    fc.oneof(fc.constantFrom(0, ...BUCKETS, 5), fc.double({ min: -1, max: 10, noNaN: true })),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(observation, { maxLength: 30 }),
      fc.boolean(),
      async (observations, labelled) => {
        const h = pair(labelled ? { agent: "claude", replica: "0" } : {});
        await h.same(); // nothing observed: no series
        for (const [route, status, value] of observations) h.observe(route, status, value);
        await h.same();
        h.observe("/a", "200", 0.05); // later observations add up on the same series
        await h.same();
      },
    ),
    { numRuns: 50 },
  );
});

test("a summed histogram's series disappear on reset and come back when observed again", async () => {
  const h = pair({});
  h.observe("/a", "200", 0.002);
  h.reset();
  await h.same();
  h.observe("/b", "200", 2);
  await h.same();
});

test("a summed histogram refuses a value that is not a finite number, as prom-client does", () => {
  const registry = new Registry();
  const ours = new SummedHistogram({ name: "y", help: "Y.", labelNames: ["a"], buckets: BUCKETS, registry });
  assert.throws(() => ours.observe(["x"], Number.NaN), TypeError);
  assert.throws(() => ours.observe(["x"], Number.POSITIVE_INFINITY), TypeError);
});
