import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSynapseError, type UnaryCall } from "@synapse/core";
import {
  AgentBalancer,
  type BalancerEvent,
  type PickResult,
  replicaEndpoints,
  validateEndpoints,
} from "../src/balancer/index.js";
import { endpoints, FakeClock, seededRandom, tally } from "./balancer-fakes.js";

function pool(): AgentBalancer {
  return new AgentBalancer({
    name: "claude",
    strategy: "round_robin",
    endpoints: endpoints(undefined, undefined, undefined),
    clock: new FakeClock(),
    random: seededRandom(1),
  });
}

function ids(b: AgentBalancer, n: number, exclude?: Iterable<string>): string[] {
  return Array.from({ length: n }, () => only(b.pick({ exclude: new Set(exclude) })).id);
}

function only(result: PickResult) {
  if (result.type !== "complete") assert.fail(`unavailable: ${result.reason}`);
  return { id: result.endpoint.id, tier: result.tier };
}

function call(avoidEndpoints?: string[]): UnaryCall {
  return {
    stream: false,
    request: { agent: "claude", action: "plan", input: { task: "x" } },
    signal: new AbortController().signal,
    deadline: undefined,
    metadata: {},
    ...(avoidEndpoints === undefined ? {} : { avoidEndpoints }),
  };
}

function fail(b: AgentBalancer, id: string, times: number): void {
  for (let i = 0; i < times; i++) {
    b.onStart(id);
    b.onFinish(id, { latencyMs: 1, ok: false, code: "UNAVAILABLE" });
  }
}

describe("exclusions and the fallback order", () => {
  test("excluded endpoints are not picked while others are left", () => {
    assert.deepEqual(tally(ids(pool(), 10, ["a"])), { b: 5, c: 5 });
  });

  test("unhealthy and ejected endpoints are skipped", () => {
    const b = pool();
    b.setHealth("a", false);
    fail(b, "b", 5);
    assert.deepEqual(tally(ids(b, 10)), { c: 10 });
    assert.deepEqual(
      b.status().map((s) => [s.id, s.healthy, s.ejected]),
      [
        ["a", false, false],
        ["b", true, true],
        ["c", true, false],
      ],
    );
  });

  test("tier 1: usable and not excluded", () => {
    const b = pool();
    b.setHealth("a", false);
    assert.deepEqual(only(b.pick({ exclude: new Set(["b"]) })), { id: "c", tier: 1 });
  });

  test("tier 2: not excluded though unhealthy or ejected, before any excluded one", () => {
    const b = pool();
    b.setHealth("a", false);
    assert.deepEqual(only(b.pick({ exclude: new Set(["b", "c"]) })), { id: "a", tier: 2 });
    fail(b, "b", 5);
    assert.deepEqual(tally(ids(b, 4, ["c"])), { a: 2, b: 2 });
  });

  test("tier 3: everything excluded — a usable one", () => {
    const b = pool();
    b.setHealth("a", false);
    fail(b, "c", 5);
    assert.deepEqual(only(b.pick({ exclude: new Set(["a", "b", "c"]) })), { id: "b", tier: 3 });
  });

  test("tier 4: everything excluded and unusable — any", () => {
    const b = pool();
    for (const id of ["a", "b", "c"]) b.setHealth(id, false);
    assert.deepEqual(tally(ids(b, 6, ["a", "b", "c"])), { a: 2, b: 2, c: 2 });
    assert.equal(only(b.pick({ exclude: new Set(["a", "b", "c"]) })).tier, 4);
  });

  test("nothing excluded and nothing usable: any (tier 2)", () => {
    const b = pool();
    for (const id of ["a", "b", "c"]) b.setHealth(id, false);
    assert.deepEqual(only(b.pick()), { id: "a", tier: 2 });
  });

  test("an empty pool is unavailable, with a reason that says what to check", () => {
    const b = new AgentBalancer({ name: "gemini" });
    const result = b.pick();
    assert.equal(result.type, "unavailable");
    assert.match(result.type === "unavailable" ? result.reason : "", /No replicas of gemini.*configuration/);
    assert.equal(b.pickEndpoint(call(), new Set()), undefined);
  });
});

describe("pickEndpoint (the retry layer's hook)", () => {
  test("returns an id, avoiding both the exclude set and call.avoidEndpoints", () => {
    const b = pool();
    const { pickEndpoint } = b; // usable unbound
    const got = Array.from({ length: 6 }, () => pickEndpoint(call(["b"]), new Set(["a"])));
    assert.deepEqual(got, ["c", "c", "c", "c", "c", "c"]);
    assert.equal(
      pickEndpoint(call(["a", "b", "c"]), new Set()),
      "a",
      "falls back to any when all are avoided",
    );
  });
});

describe("the pool", () => {
  test("a changed list keeps the state of endpoints that stay and reports what changed", () => {
    const b = pool();
    const events: BalancerEvent[] = [];
    b.subscribe((e) => events.push(e));
    b.setHealth("a", false);
    b.onStart("b");
    fail(b, "c", 5);
    b.setEndpoints([...endpoints(undefined, undefined), { id: "d", host: "127.0.0.2", port: 5011 }]);
    assert.deepEqual(
      b.status().map((s) => [s.id, s.healthy, s.ejected, s.active]),
      [
        ["a", false, false, 0],
        ["b", true, false, 1],
        ["d", true, false, 0],
      ],
    );
    assert.deepEqual(events.map((e) => e.type === "endpoints" && [e.added, e.removed]).filter(Boolean), [
      [["d"], ["c"]],
    ]);
    b.close();
  });

  test("each change publishes a new picker; a published picker does not change", () => {
    const b = pool();
    const before = b.picker;
    b.setHealth("a", false);
    assert.notEqual(b.picker, before);
    assert.equal(
      only(before.pick({ exclude: new Set(["b", "c"]) })).tier,
      1,
      "old snapshot still has a usable",
    );
    assert.equal(only(b.picker.pick({ exclude: new Set(["b", "c"]) })).tier, 2);
  });

  test("an invalid list is refused with INVALID_ARGUMENT and the pool stays as it was", () => {
    const b = pool();
    const bad = [
      [...endpoints(undefined), ...endpoints(undefined)],
      [{ id: "x", host: "h", port: 70_000 }],
      [{ id: "x", host: "", port: 1 }],
      [{ id: "", host: "h", port: 1 }],
      [{ id: "x", host: "h", port: 1, weight: -1 }],
      [{ id: "x", host: "h", port: 1, weight: Number.NaN }],
    ];
    for (const list of bad) {
      assert.throws(
        () => b.setEndpoints(list),
        (err) => isSynapseError(err, "INVALID_ARGUMENT") && /claude replicas/.test(err.message),
        JSON.stringify(list),
      );
    }
    assert.deepEqual(
      b.endpoints.map((e) => e.id),
      ["a", "b", "c"],
    );
  });

  test("validateEndpoints returns a frozen copy; replicaEndpoints follows the port rule", () => {
    const input = endpoints(2);
    const out = validateEndpoints(input);
    assert.ok(Object.isFrozen(out) && Object.isFrozen(out[0]));
    assert.notEqual(out[0], input[0]);
    assert.deepEqual(replicaEndpoints("claude", "127.0.0.1", 5011, 3), [
      { id: "claude#0", host: "127.0.0.1", port: 5011 },
      { id: "claude#1", host: "127.0.0.1", port: 5111 },
      { id: "claude#2", host: "127.0.0.1", port: 5211 },
    ]);
  });

  test("calls reported for an endpoint no longer in the pool are ignored", () => {
    const b = pool();
    b.onStart("a");
    b.setEndpoints(endpoints(undefined, undefined, undefined).slice(1));
    b.onFinish("a", { latencyMs: 1, ok: false, code: "UNAVAILABLE" });
    b.onStart("zzz");
    assert.deepEqual(
      b.status().map((s) => s.active),
      [0, 0],
    );
  });
});
