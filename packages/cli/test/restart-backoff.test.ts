import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "@synapse/core";
import { RestartBackoff } from "../src/launcher/restart-backoff.js";

describe("RestartBackoff", () => {
  test("doubles from the initial delay up to the maximum", () => {
    const backoff = new RestartBackoff({ initialMs: 250, maxMs: 3_000, clock: new FakeClock() });
    const delays = Array.from({ length: 7 }, () => backoff.crashed());
    assert.deepEqual(delays, [250, 500, 1_000, 2_000, 3_000, 3_000, 3_000]);
    assert.equal(backoff.attempts, 7);
  });

  test("starts over after the child stayed up for the stable period", () => {
    const clock = new FakeClock();
    const backoff = new RestartBackoff({ initialMs: 100, maxMs: 10_000, stableMs: 30_000, clock });
    backoff.up();
    assert.equal(backoff.crashed(), 100);
    backoff.up();
    clock.advance(29_999);
    assert.equal(backoff.crashed(), 200, "up 29.999 s is not stable yet");
    backoff.up();
    clock.advance(30_000);
    assert.equal(backoff.crashed(), 100, "up 30 s starts the sequence over");
    assert.equal(backoff.attempts, 1);
  });

  test("a crash before the child was ever up does not count as stable, however long it took", () => {
    const clock = new FakeClock();
    const backoff = new RestartBackoff({ initialMs: 100, stableMs: 1_000, clock });
    assert.equal(backoff.crashed(), 100);
    clock.advance(5_000);
    assert.equal(backoff.crashed(), 200);
  });

  test("huge attempt counts stay at the maximum", () => {
    const backoff = new RestartBackoff({ initialMs: 1, maxMs: 10_000 });
    let last = 0;
    for (let i = 0; i < 100; i++) last = backoff.crashed();
    assert.equal(last, 10_000);
  });
});
