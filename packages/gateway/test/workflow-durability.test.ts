import { after, before, describe, test } from "node:test";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { killMidRunAndResume } from "./helpers/durability.js";

let cluster: Cluster;

before(async () => {
  // claude streams slowly enough for the gateway to be killed in the middle of the code step.
  cluster = await startCluster({ env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "150" } });
});
after(async () => {
  await cluster?.stop();
});

describe("workflow durability (SQLite checkpointer)", () => {
  test("SIGKILL of the gateway mid-run: after a restart the run completes, no completed step repeated", async () => {
    await killMidRunAndResume(cluster, { SYNAPSE_WORKFLOW_CHECKPOINTER: "sqlite" });
  });
});
