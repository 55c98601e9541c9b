import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SynapseError } from "@synapse/core";
import { AgentBalancer, DnsDiscovery, type Endpoint } from "../src/balancer/index.js";
import { FakeClock, flush, seededRandom } from "./balancer-fakes.js";

const NAME = "synapse-claude.synapse.svc.cluster.local";

function setup() {
  const clock = new FakeClock(0);
  let answer: string[] | Error = ["10.0.0.2", "10.0.0.1"];
  const lookups: string[] = [];
  const updates: string[][] = [];
  const errors: SynapseError[] = [];
  const balancer = new AgentBalancer({ name: "claude", clock, random: seededRandom(1) });
  const discovery = new DnsDiscovery({
    hostname: NAME,
    port: 5011,
    clock,
    resolve: async (hostname) => {
      lookups.push(hostname);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    onUpdate: (list: readonly Endpoint[]) => {
      updates.push(list.map((e) => e.id));
      balancer.setEndpoints(list);
    },
    onError: (err) => errors.push(err),
  });
  const set = (next: string[] | Error) => {
    answer = next;
  };
  const tick = async () => {
    clock.advance(10_000);
    await flush();
  };
  return { clock, balancer, discovery, lookups, updates, errors, set, tick };
}

function enotfound(): Error {
  return Object.assign(new Error(`queryA ENOTFOUND ${NAME}`), { code: "ENOTFOUND" });
}

describe("DNS discovery", () => {
  test("every A record becomes an endpoint on the agent's port, sorted, at start", async () => {
    const { discovery, balancer, lookups, updates } = setup();
    await discovery.start();
    assert.deepEqual(lookups, [NAME]);
    assert.deepEqual(updates, [["10.0.0.1:5011", "10.0.0.2:5011"]]);
    assert.deepEqual(balancer.endpoints, [
      { id: "10.0.0.1:5011", host: "10.0.0.1", port: 5011 },
      { id: "10.0.0.2:5011", host: "10.0.0.2", port: 5011 },
    ]);
    discovery.stop();
  });

  test("refreshes every 10 s; a changed set updates the pool, keeping the state of addresses that stay", async () => {
    const { discovery, balancer, lookups, updates, set, tick } = setup();
    await discovery.start();
    balancer.setHealth("10.0.0.1:5011", false);
    balancer.onStart("10.0.0.1:5011");
    await tick();
    assert.equal(lookups.length, 2);
    assert.equal(updates.length, 1, "an unchanged set is not an update");
    set(["10.0.0.3", "10.0.0.1", "10.0.0.1"]);
    await tick();
    assert.deepEqual(updates.at(-1), ["10.0.0.1:5011", "10.0.0.3:5011"]);
    assert.deepEqual(
      balancer.status().map((s) => [s.id, s.healthy, s.active]),
      [
        ["10.0.0.1:5011", false, 1],
        ["10.0.0.3:5011", true, 0],
      ],
    );
    discovery.stop();
  });

  test("a failed lookup keeps the last good set and is reported", async () => {
    const { discovery, balancer, updates, errors, set, tick } = setup();
    await discovery.start();
    set(enotfound());
    await tick();
    assert.equal(updates.length, 1);
    assert.equal(balancer.endpoints.length, 2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.code, "UNAVAILABLE");
    assert.match(
      errors[0]?.message ?? "",
      /DNS lookup of synapse-claude\S* failed \(ENOTFOUND\); keeping the last 2 known replicas/,
    );
    set([]);
    await tick();
    assert.equal(errors.length, 2);
    assert.match(errors[1]?.message ?? "", /returned no addresses/);
    assert.equal(balancer.endpoints.length, 2);
    set(["10.0.0.9"]);
    await tick();
    assert.deepEqual(updates.at(-1), ["10.0.0.9:5011"]);
    discovery.stop();
  });

  test("a failure before any good lookup reports that nothing is known", async () => {
    const { discovery, updates, errors, set } = setup();
    set(enotfound());
    await discovery.start();
    assert.deepEqual(updates, []);
    assert.match(errors[0]?.message ?? "", /keeping the last 0 known replicas/);
    assert.equal(discovery.endpoints.length, 0);
    discovery.stop();
  });

  test("stop cancels the timer and an answer arriving after stop is ignored", async () => {
    const { clock, discovery, updates, set } = setup();
    await discovery.start();
    assert.equal(clock.pending, 1);
    set(["10.0.0.7"]);
    const pending = discovery.refresh();
    discovery.stop();
    assert.equal(clock.pending, 0);
    assert.equal(await pending, false);
    assert.equal(updates.length, 1);
  });

  test("a throwing consumer is reported, not an unhandled rejection", async () => {
    const clock = new FakeClock(0);
    const errors: SynapseError[] = [];
    const discovery = new DnsDiscovery({
      hostname: NAME,
      port: 5011,
      clock,
      resolve: async () => ["10.0.0.1"],
      onUpdate: () => {
        throw new Error("boom");
      },
      onError: (err) => errors.push(err),
    });
    await discovery.start();
    assert.equal(errors[0]?.code, "INTERNAL");
    discovery.stop();
  });
});
