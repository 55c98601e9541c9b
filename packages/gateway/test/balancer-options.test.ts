import assert from "node:assert/strict";
import { test } from "node:test";
import { isSynapseError } from "@synapse/core";
import {
  ActiveHealthChecker,
  AgentBalancer,
  DnsDiscovery,
  LeastResponseTimeStrategy,
  LoadTracker,
  OutlierDetector,
} from "../src/balancer/index.js";
import { FakeClock } from "./balancer-fakes.js";

test("numeric options out of range are refused with INVALID_ARGUMENT naming the setting", () => {
  const clock = new FakeClock();
  const check = async () => "SERVING" as const;
  const cases: [() => unknown, RegExp][] = [
    [() => new ActiveHealthChecker({ check, clock, intervalMs: 0 }), /health-check interval/],
    [() => new ActiveHealthChecker({ check, clock, timeoutMs: Number.NaN }), /health-check timeout/],
    [() => new ActiveHealthChecker({ check, clock, unhealthyThreshold: 1.5 }), /unhealthy threshold/],
    [() => new OutlierDetector({ clock, consecutiveFailures: 0 }), /consecutive failures/],
    [() => new OutlierDetector({ clock, maxEjectionPercent: 150 }), /share of a pool/],
    [() => new OutlierDetector({ clock, baseEjectionMs: -1 }), /base ejection time/],
    [
      () => new DnsDiscovery({ hostname: "x", port: 5011, onUpdate: () => {}, clock, intervalMs: -5 }),
      /DNS refresh interval/,
    ],
    [
      () =>
        new LeastResponseTimeStrategy({ clock, random: Math.random, load: new LoadTracker() }, { tauMs: 0 }),
      /EWMA time constant/,
    ],
    [
      () => new AgentBalancer({ name: "claude", clock, outlierDetection: { consecutiveFailures: -2 } }),
      /consecutive/,
    ],
    [
      () => new AgentBalancer({ name: "claude", clock, strategy: "random" }),
      /Unknown load-balancing strategy "random"/,
    ],
  ];
  for (const [make, message] of cases) {
    assert.throws(
      make,
      (err) => isSynapseError(err, "INVALID_ARGUMENT") && message.test(err.message),
      String(message),
    );
  }
});

test("a maximum ejection below the base is raised to the base", () => {
  const clock = new FakeClock(0);
  const detector = new OutlierDetector({
    clock,
    baseEjectionMs: 10_000,
    maxEjectionMs: 1_000,
    consecutiveFailures: 1,
  });
  const durations: number[] = [];
  detector.subscribe((e) => {
    if (e.type === "ejected") durations.push(e.durationMs);
  });
  detector.setEndpoints(["a"]);
  detector.record("a", { latencyMs: 1, ok: false });
  assert.deepEqual(durations, [10_000]);
  detector.close();
});
