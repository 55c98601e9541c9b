/**
 * Run history in Postgres: the same database (and pool) as LangGraph's Postgres checkpointer,
 * shared by every gateway on it. Ownership changes are single UPDATE statements whose WHERE checks
 * the lease: under READ COMMITTED a second gateway's UPDATE of the same row waits for the first
 * and re-checks the WHERE on the new row, so only one can win; scans lock candidate rows with
 * `FOR UPDATE SKIP LOCKED`, so two gateways scanning at once split the lapsed runs between them.
 */
import type pg from "pg";
import type { WorkflowDefinition } from "./definition-schema.js";
import {
  applyPatch,
  guardHolds,
  type LapsedQuery,
  type ListQuery,
  type RequestedAction,
  type RunLease,
  type RunPatch,
  type RunRecord,
  type RunStatus,
  type RunStore,
  storedRecord,
  type UpdateGuard,
} from "./run-store.js";

type Row = { data: RunRecord; owner: string | null };

/** The tables and indexes, in order; each statement is idempotent. */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS synapse_workflow_runs (
     id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at BIGINT NOT NULL, data JSONB NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS synapse_workflow_runs_by_time ON synapse_workflow_runs (created_at, id)",
  `ALTER TABLE synapse_workflow_runs
     ADD COLUMN IF NOT EXISTS owner TEXT,
     ADD COLUMN IF NOT EXISTS lease_until BIGINT NOT NULL DEFAULT 0,
     ADD COLUMN IF NOT EXISTS requested TEXT`,
  `CREATE INDEX IF NOT EXISTS synapse_workflow_runs_unfinished ON synapse_workflow_runs (lease_until)
     WHERE status IN ('running', 'awaiting_approval')`,
  `CREATE TABLE IF NOT EXISTS synapse_workflow_definitions (
     name TEXT PRIMARY KEY, created_at BIGINT NOT NULL, data JSONB NOT NULL)`,
];

const record = (row: Row): RunRecord => (row.owner === null ? row.data : { ...row.data, owner: row.owner });

export class PostgresRunStore implements RunStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Creates the tables when missing, and the lease columns on tables from before runs had owners.
   * A schema that is already whole is left alone: DDL takes table locks, and run as one implicit
   * transaction against a gateway already scanning leases (CREATE INDEX's share lock, then ALTER's
   * exclusive one) it deadlocked ("deadlock detected" when two gateways started together). When
   * something is missing, each statement runs on its own, so none waits while holding a lock.
   */
  static async open(pool: pg.Pool): Promise<PostgresRunStore> {
    const { rows } = await pool.query<{ whole: boolean }>(
      `SELECT to_regclass('synapse_workflow_runs_unfinished') IS NOT NULL
          AND to_regclass('synapse_workflow_definitions') IS NOT NULL
          AND EXISTS (SELECT 1 FROM information_schema.columns
                      WHERE table_schema = current_schema() AND table_name = 'synapse_workflow_runs'
                        AND column_name = 'requested') AS whole`,
    );
    if (rows[0]?.whole === true) return new PostgresRunStore(pool);
    for (const statement of SCHEMA) await pool.query(statement);
    return new PostgresRunStore(pool);
  }

  async create(run: RunRecord, lease: RunLease): Promise<void> {
    await this.#pool.query(
      `INSERT INTO synapse_workflow_runs (id, status, created_at, data, owner, lease_until)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [run.id, run.status, run.createdAt, storedRecord(run), lease.owner, lease.until],
    );
  }

  async update(id: string, patch: RunPatch, guard?: UpdateGuard): Promise<RunRecord | undefined> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<Row & { status: RunStatus }>(
        "SELECT data, owner, status FROM synapse_workflow_runs WHERE id = $1 FOR UPDATE",
        [id],
      );
      const row = rows[0];
      if (row === undefined || !guardHolds(guard, row.status, row.owner)) {
        await client.query("ROLLBACK");
        return undefined;
      }
      const next = applyPatch(row.data, patch);
      const take = guard?.take;
      await client.query(
        `UPDATE synapse_workflow_runs SET status = $1, data = $2,
           owner = COALESCE($3, owner), lease_until = COALESCE($4, lease_until) WHERE id = $5`,
        [next.status, storedRecord(next), take?.owner ?? null, take?.until ?? null, id],
      );
      await client.query("COMMIT");
      const owner = take?.owner ?? row.owner;
      return owner === null ? next : { ...next, owner };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<Row>(
      "SELECT data, owner FROM synapse_workflow_runs WHERE id = $1",
      [id],
    );
    return rows[0] === undefined ? undefined : record(rows[0]);
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
    const { rows } = await this.#pool.query<Row>(
      `SELECT data, owner FROM synapse_workflow_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(record);
  }

  async claim(
    id: string,
    lease: RunLease,
    lapsedBefore: number,
    options: { awaiting?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    const { rows } = await this.#pool.query<Row>(
      `UPDATE synapse_workflow_runs SET owner = $2, lease_until = $3
       WHERE id = $1 AND status IN ('running', 'awaiting_approval')
         AND (owner IS NULL OR owner = $2 OR lease_until < $4 OR ($5 AND status = 'awaiting_approval'))
       RETURNING data, owner`,
      [id, lease.owner, lease.until, lapsedBefore, options.awaiting === true],
    );
    return rows[0] === undefined ? undefined : record(rows[0]);
  }

  async claimLapsed(lease: RunLease, lapsedBefore: number, query: LapsedQuery): Promise<RunRecord[]> {
    if (query.limit <= 0) return [];
    const { rows } = await this.#pool.query<Row>(
      // The candidates are picked once, in a materialized CTE: a plain `id IN (SELECT … LIMIT n)`
      // may be rescanned by the plan and take more than n.
      `WITH picked AS MATERIALIZED (
         SELECT id FROM synapse_workflow_runs
         WHERE status = $3 AND (owner IS NULL OR lease_until < $4) AND id <> ALL($5::text[])
         ORDER BY created_at, id LIMIT $6
         FOR UPDATE SKIP LOCKED)
       UPDATE synapse_workflow_runs AS r SET owner = $1, lease_until = $2
       FROM picked
       WHERE r.id = picked.id AND r.status = $3 AND (r.owner IS NULL OR r.lease_until < $4)
       RETURNING r.data, r.owner`,
      [lease.owner, lease.until, query.status, lapsedBefore, query.exclude, query.limit],
    );
    return rows.map(record).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async renew(lease: RunLease, ids: readonly string[]): Promise<Map<string, RequestedAction | undefined>> {
    const { rows } = await this.#pool.query<{ id: string; requested: string | null }>(
      `UPDATE synapse_workflow_runs SET lease_until = $2
       WHERE id = ANY($3::text[]) AND owner = $1 AND status IN ('running', 'awaiting_approval')
       RETURNING id, requested`,
      [lease.owner, lease.until, ids],
    );
    return new Map(rows.map((r) => [r.id, (r.requested ?? undefined) as RequestedAction | undefined]));
  }

  async release(owner: string, ids: readonly string[]): Promise<void> {
    await this.#pool.query(
      "UPDATE synapse_workflow_runs SET lease_until = 0 WHERE id = ANY($2::text[]) AND owner = $1",
      [owner, ids],
    );
  }

  async request(id: string, action: RequestedAction): Promise<RunLease | undefined> {
    const { rows } = await this.#pool.query<{ owner: string | null; lease_until: string }>(
      `UPDATE synapse_workflow_runs SET requested = $2
       WHERE id = $1 AND status IN ('running', 'awaiting_approval')
       RETURNING owner, lease_until`,
      [id, action],
    );
    const row = rows[0];
    // BIGINT comes back as a string (it may exceed a double); lease times are well inside one.
    return row === undefined ? undefined : { owner: row.owner ?? "", until: Number(row.lease_until) };
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
