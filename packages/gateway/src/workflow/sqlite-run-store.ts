/**
 * Run history in SQLite: the same file (and connection) as LangGraph's SQLite checkpointer. One
 * gateway uses the file, so it is always the owner of its runs; the lease columns keep the same
 * logic as Postgres (and every statement here runs alone on the one connection, so each is atomic).
 */
import type { Database } from "better-sqlite3";
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

type Row = { data: string; owner: string | null };

const record = (row: Row): RunRecord => {
  const run = JSON.parse(row.data) as RunRecord;
  return row.owner === null ? run : { ...run, owner: row.owner };
};

export class SqliteRunStore implements RunStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS synapse_workflow_runs (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS synapse_workflow_runs_by_time ON synapse_workflow_runs (created_at, id);
      CREATE TABLE IF NOT EXISTS synapse_workflow_definitions (
        name TEXT PRIMARY KEY, created_at INTEGER NOT NULL, data TEXT NOT NULL);`);
    // Files written before runs had owners get the lease columns (their runs have none: free to take).
    const columns = new Set(
      (db.prepare("PRAGMA table_info(synapse_workflow_runs)").all() as { name: string }[]).map((c) => c.name),
    );
    if (!columns.has("owner")) {
      db.exec(`
        ALTER TABLE synapse_workflow_runs ADD COLUMN owner TEXT;
        ALTER TABLE synapse_workflow_runs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE synapse_workflow_runs ADD COLUMN requested TEXT;`);
    }
  }

  async create(run: RunRecord, lease: RunLease): Promise<void> {
    this.#db
      .prepare(
        "INSERT INTO synapse_workflow_runs (id, status, created_at, data, owner, lease_until) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(run.id, run.status, run.createdAt, storedRecord(run), lease.owner, lease.until);
  }

  async update(id: string, patch: RunPatch, guard?: UpdateGuard): Promise<RunRecord | undefined> {
    const update = this.#db.transaction(() => {
      const row = this.#db
        .prepare("SELECT data, owner, status FROM synapse_workflow_runs WHERE id = ?")
        .get(id) as (Row & { status: RunStatus }) | undefined;
      if (row === undefined || !guardHolds(guard, row.status, row.owner)) return undefined;
      const next = applyPatch(JSON.parse(row.data) as RunRecord, patch);
      const owner = guard?.take?.owner ?? row.owner;
      if (guard?.take === undefined) {
        this.#db
          .prepare("UPDATE synapse_workflow_runs SET status = ?, data = ? WHERE id = ?")
          .run(next.status, storedRecord(next), id);
      } else {
        this.#db
          .prepare(
            "UPDATE synapse_workflow_runs SET status = ?, data = ?, owner = ?, lease_until = ? WHERE id = ?",
          )
          .run(next.status, storedRecord(next), guard.take.owner, guard.take.until, id);
      }
      return owner === null ? next : { ...next, owner };
    });
    return update();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const row = this.#db.prepare("SELECT data, owner FROM synapse_workflow_runs WHERE id = ?").get(id) as
      | Row
      | undefined;
    return row === undefined ? undefined : record(row);
  }

  async list(query: ListQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.before !== undefined) {
      where.push("(created_at, id) < (?, ?)");
      params.push(query.before.createdAt, query.before.id);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    const rows = this.#db
      .prepare(
        `SELECT data, owner FROM synapse_workflow_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...params, query.limit) as Row[];
    return rows.map(record);
  }

  async claim(
    id: string,
    lease: RunLease,
    lapsedBefore: number,
    options: { awaiting?: boolean } = {},
  ): Promise<RunRecord | undefined> {
    const row = this.#db
      .prepare(
        `UPDATE synapse_workflow_runs SET owner = ?, lease_until = ?
         WHERE id = ? AND status IN ('running', 'awaiting_approval')
           AND (owner IS NULL OR owner = ? OR lease_until < ? OR (? AND status = 'awaiting_approval'))
         RETURNING data, owner`,
      )
      .get(lease.owner, lease.until, id, lease.owner, lapsedBefore, options.awaiting === true ? 1 : 0) as
      | Row
      | undefined;
    return row === undefined ? undefined : record(row);
  }

  async claimLapsed(lease: RunLease, lapsedBefore: number, query: LapsedQuery): Promise<RunRecord[]> {
    if (query.limit <= 0) return [];
    const rows = this.#db
      .prepare(
        `UPDATE synapse_workflow_runs SET owner = ?, lease_until = ?
         WHERE id IN (
           SELECT id FROM synapse_workflow_runs
           WHERE status = ? AND (owner IS NULL OR lease_until < ?)
             AND id NOT IN (SELECT value FROM json_each(?))
           ORDER BY created_at, id LIMIT ?)
         RETURNING data, owner`,
      )
      .all(
        lease.owner,
        lease.until,
        query.status,
        lapsedBefore,
        JSON.stringify(query.exclude),
        query.limit,
      ) as Row[];
    return rows.map(record).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async renew(lease: RunLease, ids: readonly string[]): Promise<Map<string, RequestedAction | undefined>> {
    const rows = this.#db
      .prepare(
        `UPDATE synapse_workflow_runs SET lease_until = ?
         WHERE id IN (SELECT value FROM json_each(?)) AND owner = ?
           AND status IN ('running', 'awaiting_approval')
         RETURNING id, requested`,
      )
      .all(lease.until, JSON.stringify(ids), lease.owner) as { id: string; requested: string | null }[];
    return new Map(rows.map((r) => [r.id, (r.requested ?? undefined) as RequestedAction | undefined]));
  }

  async release(owner: string, ids: readonly string[]): Promise<void> {
    this.#db
      .prepare(
        "UPDATE synapse_workflow_runs SET lease_until = 0 WHERE id IN (SELECT value FROM json_each(?)) AND owner = ?",
      )
      .run(JSON.stringify(ids), owner);
  }

  async request(id: string, action: RequestedAction): Promise<RunLease | undefined> {
    const row = this.#db
      .prepare(
        `UPDATE synapse_workflow_runs SET requested = ?
         WHERE id = ? AND status IN ('running', 'awaiting_approval')
         RETURNING owner, lease_until`,
      )
      .get(action, id) as { owner: string | null; lease_until: number } | undefined;
    return row === undefined ? undefined : { owner: row.owner ?? "", until: row.lease_until };
  }

  async saveDefinition(definition: WorkflowDefinition, at: number): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO synapse_workflow_definitions (name, created_at, data) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
      )
      .run(definition.name, at, JSON.stringify(definition));
  }

  async definitions(): Promise<WorkflowDefinition[]> {
    const rows = this.#db.prepare("SELECT data FROM synapse_workflow_definitions ORDER BY name").all() as {
      data: string;
    }[];
    return rows.map((r) => JSON.parse(r.data) as WorkflowDefinition);
  }
}
