/**
 * Where workflows are kept, by workflow.checkpointer: `sqlite` (default) puts LangGraph's
 * checkpoints and the run history in `<dataDir>/workflows.sqlite`; `postgres` puts both in the
 * database at workflow.postgresUrl, so several gateways can share them.
 */
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { Config } from "@synapse/core";
import Database from "better-sqlite3";
import pg from "pg";
import { PostgresRunStore } from "./postgres-run-store.js";
import type { RunStore } from "./run-store.js";
import { SqliteRunStore } from "./sqlite-run-store.js";

export interface WorkflowPersistence {
  saver: BaseCheckpointSaver;
  runs: RunStore;
  /** "sqlite" or "postgres", for logs. */
  kind: string;
  close(): Promise<void>;
}

/** Opens (and creates when missing) the checkpoint and run tables. */
export async function openPersistence(config: Config): Promise<WorkflowPersistence> {
  if (config.workflow.checkpointer === "postgres") {
    if (config.workflow.postgresUrl === "") {
      throw new Error(
        "workflow.checkpointer is postgres but no database is given; set SYNAPSE_WORKFLOW_POSTGRES_URL",
      );
    }
    const pool = new pg.Pool({ connectionString: config.workflow.postgresUrl, max: 5 });
    // An idle client's error (the server restarting) must not crash the gateway; the pool replaces it.
    pool.on("error", () => {});
    try {
      const saver = new PostgresSaver(pool);
      await saver.setup();
      const runs = await PostgresRunStore.open(pool);
      return { saver, runs, kind: "postgres", close: () => pool.end() };
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(
        `cannot open the workflow database (SYNAPSE_WORKFLOW_POSTGRES_URL): ${(err as Error).message}`,
      );
    }
  }
  const db = new Database(join(config.dataDir, "workflows.sqlite"));
  // WAL lets GET requests read runs while a run writes its checkpoints.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const saver = new SqliteSaver(db);
  const runs = new SqliteRunStore(db);
  return {
    saver,
    runs,
    kind: "sqlite",
    close: async () => {
      db.close();
    },
  };
}
