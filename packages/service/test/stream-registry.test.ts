import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock } from "@synapse/core";
import { StreamRegistry, SWEEP_EVERY_MS } from "../src/stream-registry.js";

/** A FakeClock that counts how often it is read (an expiry sweep reads it once per stream held). */
class CountingClock extends FakeClock {
  reads = 0;
  override now(): number {
    this.reads++;
    return super.now();
  }
}

describe("StreamRegistry", () => {
  test("adding a stream to a full registry does not sweep every stream each time", () => {
    const clock = new CountingClock();
    const registry = new StreamRegistry({ retainMs: 60_000, maxStreams: 1000, clock });
    for (let i = 0; i < 1000; i++) registry.retain(registry.open(`s_${i}`, "plan", 0));
    clock.reads = 0;
    for (let i = 0; i < 100; i++) registry.retain(registry.open(`t_${i}`, "plan", 0));
    assert.ok(clock.reads < 1000, `100 streams added read the clock ${clock.reads} times`);
  });

  test("expired streams are swept out as new ones are added, at most a sweep period late", () => {
    const clock = new CountingClock();
    const registry = new StreamRegistry({ retainMs: 10_000, clock });
    for (let i = 0; i < 5; i++) registry.retain(registry.open(`s_${i}`, "plan", 0));
    assert.equal(registry.size, 5);
    clock.advance(10_001);
    registry.open("running", "plan", 0);
    assert.equal(registry.size, 1, "the five expired streams are gone");
    registry.retain(registry.open("short", "plan", 0));
    clock.advance(10_001);
    registry.open("next", "plan", 0);
    clock.advance(SWEEP_EVERY_MS);
    registry.open("later", "plan", 0);
    assert.equal(registry.get("short"), undefined);
    assert.equal(registry.size, 3, "running, next and later; short expired and swept");
  });
});
