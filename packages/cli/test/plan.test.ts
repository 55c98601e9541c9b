import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GATEWAY_NODE_FLAGS, loadConfig } from "@synapse/core";
import { planSystem, SYNAPSE_BIN } from "../src/launcher/plan.js";

describe("what `synapse up` runs", () => {
  test("the gateway with its node options (as Kubernetes and Compose start it), the services without", () => {
    const plan = planSystem(loadConfig({}));
    const gateway = plan.find((c) => c.name === "gateway");
    assert.deepEqual(gateway?.args, [...GATEWAY_NODE_FLAGS, SYNAPSE_BIN, "gateway"]);
    assert.ok(GATEWAY_NODE_FLAGS.length > 0);
    for (const service of plan.filter((c) => c.name !== "gateway"))
      assert.equal(service.args[0], SYNAPSE_BIN);
  });
});
