/** Run history in Postgres: the same database (and pool) as LangGraph's Postgres checkpointer. */
import type pg from "pg";
import type { WorkflowDefinition } from "./definition-schema.js";
import { applyPatch, type ListQuery, type RunPatch, type RunRecord, type RunStore } from "./run-store.js";

export class PostgresRunStore implements RunStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Creates the tables when missing. */
  static async open(pool: pg.Pool): Promise<PostgresRunStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS synapse_workflow_runs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at BIGINT NOT NULL, data JSONB NOT NULL);
      CREATE INDEX IF NOT EXISTS synapse_workflow_runs_by_time ON synapse_workflow_runs (created_at, id);
      CREATE TABLE IF NOT EXISTS synapse_workflow_definitions (
        name TEXT PRIMARY KEY, created_at BIGINT NOT NULL, data JSONB NOT NULL);`);
    return new PostgresRunStore(pool);
  }

  async create(run: RunRecord): Promise<void> {
    await this.#pool.query(
      "INSERT INTO synapse_workflow_runs (id, status, created_at, data) VALUES ($1, $2, $3, $4)",
      [run.id, run.status, run.createdAt, JSON.stringify(run)],
    );
  }

  async update(id: string, patch: RunPatch): Promise<RunRecord | undefined> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ data: RunRecord }>(
        "SELECT data FROM synapse_workflow_runs WHERE id = $1 FOR UPDATE",
        [id],
      );
      const run = rows[0]?.data;
      if (run === undefined) {
        await client.query("ROLLBACK");
        return undefined;
      }
      const next = applyPatch(run, patch);
      await client.query("UPDATE synapse_workflow_runs SET status = $1, data = $2 WHERE id = $3", [
        next.status,
        JSON.stringify(next),
        id,
      ]);
      await client.query("COMMIT");
      return next;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<{ data: RunRecord }>(
      "SELECT data FROM synapse_workflow_runs WHERE id = $1",
      [id],
    );
    return rows[0]?.data;
  }

  async list(query: ListQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.before !== undefined) {
      params.push(query.before.createdAt, query.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    if (query.status !== undefined) {
      params.push(query.status);
      where.push(`status = $${params.length}`);
    }
    params.push(query.limit);
    const { rows } = await this.#pool.query<{ data: RunRecord }>(
      `SELECT data FROM synapse_workflow_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => r.data);
  }

  async unfinished(): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<{ data: RunRecord }>(
      "SELECT data FROM synapse_workflow_runs WHERE status IN ('running', 'awaiting_approval') ORDER BY created_at, id",
    );
    return rows.map((r) => r.data);
  }

  async saveDefinition(definition: WorkflowDefinition, at: number): Promise<void> {
    await this.#pool.query(
      `INSERT INTO synapse_workflow_definitions (name, created_at, data) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
      [definition.name, at, JSON.stringify(definition)],
    );
  }

  async definitions(): Promise<WorkflowDefinition[]> {
    const { rows } = await this.#pool.query<{ data: WorkflowDefinition }>(
      "SELECT data FROM synapse_workflow_definitions ORDER BY name",
    );
    return rows.map((r) => r.data);
  }
}
