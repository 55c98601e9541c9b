import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { LatencyTracker } from "../src/latency-tracker.js";

/** The nearest-rank percentile of the last `window` samples, by sorting them: the definition. */
function reference(samples: readonly number[], window: number, p: number): number {
  const last = samples.slice(-window).sort((a, b) => a - b);
  if (last.length === 0) return Number.NaN;
  return last[Math.min(last.length, Math.max(1, Math.ceil(p * last.length))) - 1]!;
}

describe("LatencyTracker percentile (kept sorted as samples arrive)", () => {
  test("equals the sorted window's nearest rank after every sample, across wrap-arounds and ties", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true })), {
          maxLength: 200,
        }),
        fc.constantFrom(0, 0.01, 0.5, 0.9, 0.99, 1),
        (window, samples, p) => {
          const t = new LatencyTracker(window);
          const seen: number[] = [];
          for (const s of samples) {
            t.record(s);
            seen.push(s);
            assert.equal(t.percentile(p), reference(seen, window, p));
          }
        },
      ),
    );
  });

  test("ignores samples that are not finite non-negative numbers", () => {
    const t = new LatencyTracker(3);
    for (const s of [5, Number.NaN, -1, Number.POSITIVE_INFINITY, 7]) t.record(s);
    assert.equal(t.count, 2);
    assert.equal(t.percentile(1), 7);
    assert.equal(t.percentile(0.5), 5);
  });
});
