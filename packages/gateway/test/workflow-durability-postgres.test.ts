import { after, before, describe, test } from "node:test";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { killMidRunAndResume } from "./helpers/durability.js";
import { type PostgresServer, postgresMissing, startPostgres } from "./helpers/postgres-server.js";

const missing = postgresMissing();
let cluster: Cluster | undefined;
let postgres: PostgresServer | undefined;

before(async () => {
  if (missing !== undefined) return;
  postgres = await startPostgres();
  cluster = await startCluster({ env: { SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "150" } });
});
after(async () => {
  await cluster?.stop();
  await postgres?.stop();
});

describe("workflow durability (Postgres checkpointer)", () => {
  test("SIGKILL of the gateway mid-run: after a restart the run completes, no completed step repeated", async (t) => {
    if (missing !== undefined || cluster === undefined || postgres === undefined) {
      t.skip(missing);
      return;
    }
    await killMidRunAndResume(cluster, {
      SYNAPSE_WORKFLOW_CHECKPOINTER: "postgres",
      SYNAPSE_WORKFLOW_POSTGRES_URL: postgres.url,
      // Postgres is shared: the restarted gateway (a new owner) takes the run once the killed
      // one's lease lapses; a short lease keeps the test quick.
      SYNAPSE_WORKFLOW_LEASE_MS: "1500",
      SYNAPSE_WORKFLOW_TAKEOVER_INTERVAL_MS: "250",
    });
  });
});
