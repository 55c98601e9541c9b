import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import {
  AgentBalancer,
  createStrategy,
  type Endpoint,
  LoadTracker,
  registeredBalancers,
  WeightedRoundRobinStrategy,
} from "../src/balancer/index.js";
import { endpoints, FakeClock, seededRandom, tally } from "./balancer-fakes.js";

function balancer(strategy: string, list: Endpoint[], seed = 1): AgentBalancer {
  return new AgentBalancer({
    name: "claude",
    strategy,
    endpoints: list,
    clock: new FakeClock(),
    random: seededRandom(seed),
    outlierDetection: false,
  });
}

function picks(b: AgentBalancer, n: number, exclude?: ReadonlySet<string>): string[] {
  return Array.from({ length: n }, () => {
    const result = b.pick(exclude === undefined ? {} : { exclude });
    assert.equal(result.type, "complete");
    return result.type === "complete" ? result.endpoint.id : "";
  });
}

describe("registry", () => {
  test("the four strategies (and the weighted least-connections variant) are registered by name", () => {
    assert.deepEqual(registeredBalancers(), [
      "least_connections",
      "least_response_time",
      "round_robin",
      "weighted",
      "weighted_least_connections",
    ]);
  });

  test("an unknown name is INVALID_ARGUMENT naming the known ones", () => {
    const context = { clock: new FakeClock(), random: Math.random, load: new LoadTracker() };
    assert.throws(
      () => createStrategy("fastest", context),
      (err) => isSynapseError(err, "INVALID_ARGUMENT") && /"fastest".*round_robin/.test(err.message),
    );
  });

  test("no strategy mutates the endpoint list or the candidates it is given", () => {
    for (const name of registeredBalancers()) {
      const context = { clock: new FakeClock(), random: seededRandom(7), load: new LoadTracker() };
      const strategy = createStrategy(name, context);
      const list = Object.freeze(endpoints(3, 1, 2).map((e) => Object.freeze(e)));
      strategy.setEndpoints(list);
      const subset = Object.freeze([list[0]!, list[2]!]);
      for (let i = 0; i < 50; i++) {
        strategy.choose(list);
        strategy.choose(subset);
        strategy.onFinish?.("a", { latencyMs: 10, ok: true });
      }
      assert.deepEqual(list, endpoints(3, 1, 2), name);
      assert.deepEqual(subset, [list[0], list[2]], name);
    }
  });
});

describe("round_robin", () => {
  test("rotates in list order and splits evenly", () => {
    const b = balancer("round_robin", endpoints(undefined, undefined, undefined));
    assert.deepEqual(picks(b, 6), ["a", "b", "c", "a", "b", "c"]);
    assert.deepEqual(tally(picks(b, 3000)), { a: 1000, b: 1000, c: 1000 });
  });

  test("an excluded endpoint is skipped without disturbing the rotation", () => {
    const b = balancer("round_robin", endpoints(undefined, undefined, undefined));
    assert.deepEqual(picks(b, 1), ["a"]);
    assert.deepEqual(picks(b, 1, new Set(["b"])), ["c"]);
    assert.deepEqual(picks(b, 4), ["a", "b", "c", "a"]);
  });

  test("continues after the last pick when the list changes", () => {
    const b = balancer("round_robin", endpoints(undefined, undefined, undefined));
    assert.deepEqual(picks(b, 2), ["a", "b"]);
    b.setEndpoints([
      ...endpoints(undefined, undefined, undefined),
      { id: "d", host: "127.0.0.1", port: 5041 },
    ]);
    assert.deepEqual(picks(b, 4), ["c", "d", "a", "b"]);
  });
});

describe("weighted (smooth weighted round robin)", () => {
  test("5:1:1 gives exactly a a b a c a a, repeating", () => {
    const b = balancer("weighted", endpoints(5, 1, 1));
    assert.equal(picks(b, 21).join(""), "aabacaa".repeat(3));
  });

  test("7,000 picks at 5:1:1 split exactly 5,000 / 1,000 / 1,000", () => {
    const b = balancer("weighted", endpoints(5, 1, 1));
    assert.deepEqual(tally(picks(b, 7000)), { a: 5000, b: 1000, c: 1000 });
  });

  test("weight 0 drains an endpoint; when every candidate has weight 0 they share evenly", () => {
    const b = balancer("weighted", endpoints(2, 0, 1));
    assert.deepEqual(tally(picks(b, 300)), { a: 200, c: 100 });
    assert.deepEqual(tally(picks(b, 10, new Set(["a", "c"]))), { b: 10 });
    const zero = balancer("weighted", endpoints(0, 0));
    assert.deepEqual(tally(picks(zero, 100)), { a: 50, b: 50 });
  });

  test("a weight change takes effect at once and the split follows the new weights", () => {
    const b = balancer("weighted", endpoints(5, 1, 1));
    picks(b, 3);
    b.setEndpoints(endpoints(1, 1, 1));
    const counts = tally(picks(b, 3000));
    for (const id of ["a", "b", "c"])
      assert.ok(Math.abs((counts[id] ?? 0) - 1000) <= 1, JSON.stringify(counts));
    b.setEndpoints(endpoints(1, 3, 0));
    const after = tally(picks(b, 4000));
    assert.ok(Math.abs((after.b ?? 0) - 3000) <= 1 && after.c === undefined, JSON.stringify(after));
  });

  test("only the candidates of a pick take part: an excluded endpoint neither gains nor loses turns", () => {
    const strategy = new WeightedRoundRobinStrategy();
    const list = endpoints(5, 1, 1);
    strategy.setEndpoints(list);
    const withoutA = [list[1]!, list[2]!];
    assert.deepEqual(
      [strategy.choose(withoutA), strategy.choose(withoutA)].map((e) => e.id),
      ["b", "c"],
    );
    // Back to the full set: the cycle is the 5:1:1 one, from where a, b and c stood.
    assert.equal(tally(Array.from({ length: 7 }, () => strategy.choose(list).id)).a, 5);
  });
});

describe("least_connections (power of two choices)", () => {
  test("of two endpoints, always the one with fewer calls in flight", () => {
    const b = balancer("least_connections", endpoints(undefined, undefined));
    for (let i = 0; i < 3; i++) b.onStart("a");
    assert.deepEqual(tally(picks(b, 100)), { b: 100 });
  });

  test("of three, the busiest is never picked and the other two share", () => {
    const b = balancer("least_connections", endpoints(undefined, undefined, undefined), 42);
    for (let i = 0; i < 5; i++) b.onStart("a");
    const counts = tally(picks(b, 3000));
    assert.equal(counts.a, undefined);
    assert.ok((counts.b ?? 0) > 1300 && (counts.c ?? 0) > 1300, JSON.stringify(counts));
  });

  test("calls that start and finish steer the picks", () => {
    const b = balancer("least_connections", endpoints(undefined, undefined, undefined), 3);
    for (let i = 0; i < 300; i++) b.onStart(picks(b, 1)[0]!);
    const active = b.status().map((s) => s.active);
    assert.ok(Math.max(...active) - Math.min(...active) <= 2, JSON.stringify(active));
    // c's calls finish: c wins every draw it is in (2 in 3) until it has caught up.
    for (let i = 0; i < active[2]!; i++) b.onFinish("c", { latencyMs: 5, ok: true });
    const next: string[] = [];
    for (let i = 0; i < 150; i++) {
      const [id] = picks(b, 1);
      b.onStart(id!);
      next.push(id!);
    }
    const counts = tally(next);
    assert.ok((counts.c ?? 0) > (counts.a ?? 0) + (counts.b ?? 0), JSON.stringify(counts));
  });

  test("weighted variant compares (active + 1) / weight", () => {
    const list = endpoints(4, 1);
    const plain = balancer("least_connections", list);
    const weighted = balancer("weighted_least_connections", list);
    for (const b of [plain, weighted]) {
      b.onStart("a");
      b.onStart("a");
    }
    // a: 2 active, weight 4 → 0.75; b: idle, weight 1 → 1. Plain counting prefers b.
    assert.deepEqual(tally(picks(plain, 10)), { b: 10 });
    assert.deepEqual(tally(picks(weighted, 10)), { a: 10 });
  });

  test("weighted variant: calls in flight settle in proportion to the weights", () => {
    const b = balancer("weighted_least_connections", endpoints(3, 1));
    for (let i = 0; i < 1000; i++) b.onStart(picks(b, 1)[0]!);
    const [a, bb] = b.status().map((s) => s.active);
    assert.ok(Math.abs(a! - 750) <= 2 && Math.abs(bb! - 250) <= 2, `${a} / ${bb}`);
  });
});
