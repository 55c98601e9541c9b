/** Run history in SQLite: the same file (and connection) as LangGraph's SQLite checkpointer. */
import type { Database } from "better-sqlite3";
import type { WorkflowDefinition } from "./definition-schema.js";
import { applyPatch, type ListQuery, type RunPatch, type RunRecord, type RunStore } from "./run-store.js";

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
  }

  async create(run: RunRecord): Promise<void> {
    this.#db
      .prepare("INSERT INTO synapse_workflow_runs (id, status, created_at, data) VALUES (?, ?, ?, ?)")
      .run(run.id, run.status, run.createdAt, JSON.stringify(run));
  }

  async update(id: string, patch: RunPatch): Promise<RunRecord | undefined> {
    const update = this.#db.transaction(() => {
      const run = this.#get(id);
      if (run === undefined) return undefined;
      const next = applyPatch(run, patch);
      this.#db
        .prepare("UPDATE synapse_workflow_runs SET status = ?, data = ? WHERE id = ?")
        .run(next.status, JSON.stringify(next), id);
      return next;
    });
    return update();
  }

  async get(id: string): Promise<RunRecord | undefined> {
    return this.#get(id);
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
        `SELECT data FROM synapse_workflow_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...params, query.limit) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as RunRecord);
  }

  async unfinished(): Promise<RunRecord[]> {
    const rows = this.#db
      .prepare(
        "SELECT data FROM synapse_workflow_runs WHERE status IN ('running', 'awaiting_approval') ORDER BY created_at, id",
      )
      .all() as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as RunRecord);
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

  #get(id: string): RunRecord | undefined {
    const row = this.#db.prepare("SELECT data FROM synapse_workflow_runs WHERE id = ?").get(id) as
      | { data: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.data) as RunRecord);
  }
}
