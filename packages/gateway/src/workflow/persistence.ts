/**
 * Where workflows are kept, by workflow.checkpointer: `sqlite` (default) puts LangGraph's
 * checkpoints and the run history in `<dataDir>/workflows.sqlite`, for one gateway; `postgres`
 * puts both in the database at workflow.postgresUrl, so several gateways can share them (and
 * take over each other's runs: see run-store.ts).
 *
 * LangGraph and pg are imported only when needed (feature-module.ts in core): with SQLite, the
 * checkpointer at the first run driven or read; with Postgres, at start, as it is configured.
 */
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { type Config, importFeature } from "@synapse/core";
import Database from "better-sqlite3";
import type pg from "pg";
import { PostgresRunStore } from "./postgres-run-store.js";
import type { RunStore } from "./run-store.js";
import { SqliteRunStore } from "./sqlite-run-store.js";

export interface WorkflowPersistence {
  /** LangGraph's checkpointer, created at the first call (FAILED_PRECONDITION if LangGraph cannot be loaded). */
  saver(): Promise<BaseCheckpointSaver>;
  runs: RunStore;
  /** "sqlite" or "postgres", for logs. */
  kind: string;
  /**
   * Whether one gateway alone uses this store (SQLite under its data dir): then it owns every run
   * in it, and at start takes over its previous process's runs without waiting for their leases.
   */
  exclusive: boolean;
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
    const [{ default: pg }, { PostgresSaver }] = await Promise.all([
      importFeature("Postgres workflows", "pg", () => import("pg")),
      importFeature(
        "Postgres workflows",
        "@langchain/langgraph-checkpoint-postgres",
        () => import("@langchain/langgraph-checkpoint-postgres"),
      ),
    ]);
    const pool = new pg.Pool({ connectionString: config.workflow.postgresUrl, max: 5 });
    // An idle client's error (the server restarting) must not crash the gateway; the pool replaces it.
    pool.on("error", () => {});
    try {
      const saver = new PostgresSaver(pool);
      const runs = await withSchemaLock(pool, async () => {
        await saver.setup();
        return PostgresRunStore.open(pool);
      });
      return {
        saver: () => Promise.resolve(saver),
        runs,
        kind: "postgres",
        exclusive: false,
        close: () => pool.end(),
      };
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
  const runs = new SqliteRunStore(db);
  let saver: Promise<BaseCheckpointSaver> | undefined;
  return {
    saver: () => {
      saver ??= importFeature(
        "workflows",
        "@langchain/langgraph-checkpoint-sqlite",
        () => import("@langchain/langgraph-checkpoint-sqlite"),
      ).then(
        ({ SqliteSaver }) => new SqliteSaver(db),
        (err: unknown) => {
          saver = undefined; // tried again at the next use (the package may have been installed meanwhile)
          throw err;
        },
      );
      return saver;
    },
    runs,
    kind: "sqlite",
    exclusive: true,
    close: async () => {
      db.close();
    },
  };
}

/** An arbitrary constant naming Synapse's schema lock among the database's advisory locks. */
const SCHEMA_LOCK = 7_311_420_516;

/**
 * Runs `fn` holding a session advisory lock: gateways starting together on a new database would
 * otherwise run LangGraph's migrations (read the version, create, insert it) at the same time,
 * and one would fail on the other's rows.
 */
async function withSchemaLock<T>(pool: pg.Pool, fn: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let unlocked = false;
  try {
    await client.query("SELECT pg_advisory_lock($1)", [SCHEMA_LOCK]);
    try {
      return await fn();
    } finally {
      unlocked = await client.query("SELECT pg_advisory_unlock($1)", [SCHEMA_LOCK]).then(
        () => true,
        () => false,
      );
    }
  } finally {
    // A connection that may still hold the lock is closed rather than returned to the pool.
    client.release(!unlocked);
  }
}
