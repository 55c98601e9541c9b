/**
 * Run ownership in the run stores, on SQLite and on a throwaway PostgreSQL: who may take a run
 * and when (lease times are given explicitly, so these are exact), what renewals report, guarded
 * updates — and, on Postgres, that two gateways' pools racing for the same runs never both win.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig } from "@synapse/core";
import pg from "pg";
import { DEFAULT_WORKFLOW } from "../src/workflow/default-workflow.js";
import { openPersistence, type WorkflowPersistence } from "../src/workflow/persistence.js";
import { PostgresRunStore } from "../src/workflow/postgres-run-store.js";
import type { RunRecord, RunStatus, RunStore } from "../src/workflow/run-store.js";
import { type PostgresServer, postgresMissing, startPostgres } from "./helpers/postgres-server.js";

const T = 1_700_000_000_000;
const A = { owner: "gw-a", until: T + 15_000 };
const B = (until: number) => ({ owner: "gw-b", until });
let seq = 0;

function runRecord(status: RunStatus = "running", createdAt = T + seq): RunRecord {
  seq += 1;
  return {
    id: `wf_test${String(seq).padStart(4, "0")}`,
    workflow: DEFAULT_WORKFLOW,
    status,
    input: { task: "t" },
    definition: { name: DEFAULT_WORKFLOW, steps: [{ id: "s", agent: "claude", action: "plan", input: {} }] },
    approval: false,
    createdAt,
    updatedAt: createdAt,
    deadline: createdAt + 60_000,
  };
}

async function created(runs: RunStore, status: RunStatus = "running", lease = A): Promise<RunRecord> {
  const run = runRecord(status);
  await runs.create(run, lease);
  return run;
}

const missing = postgresMissing();
let postgres: PostgresServer | undefined;
const dirs: string[] = [];
const opened: WorkflowPersistence[] = [];

before(async () => {
  if (missing === undefined) postgres = await startPostgres();
});
after(async () => {
  for (const p of opened) await p.close();
  await postgres?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A new, empty database on the throwaway server (each suite gets its own). */
async function freshDatabase(name: string): Promise<string> {
  const url = postgres?.url ?? "";
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return url.replace(/\/postgres$/, `/${name}`);
}

async function open(kind: "sqlite" | "postgres", url = ""): Promise<WorkflowPersistence> {
  const dir = mkdtempSync(join(tmpdir(), "synapse-lease-"));
  dirs.push(dir);
  const persistence = await openPersistence(
    loadConfig({
      SYNAPSE_DATA_DIR: dir,
      ...(kind === "postgres"
        ? { SYNAPSE_WORKFLOW_CHECKPOINTER: "postgres", SYNAPSE_WORKFLOW_POSTGRES_URL: url }
        : {}),
    }),
  );
  opened.push(persistence);
  return persistence;
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`run leases in the ${kind} run store`, () => {
    let runs: RunStore;
    before(async () => {
      if (kind === "postgres" && missing !== undefined) return;
      runs = (await open(kind, kind === "postgres" ? await freshDatabase("leases") : "")).runs;
    });
    const skip = (t: { skip(message?: string): void }) => {
      if (kind === "postgres" && missing !== undefined) {
        t.skip(missing);
        return true;
      }
      return false;
    };

    test("a run belongs to its creator; another gateway takes it only once the lease has lapsed", async (t) => {
      if (skip(t)) return;
      const run = await created(runs);
      assert.equal((await runs.get(run.id))?.owner, "gw-a");
      assert.equal(await runs.claim(run.id, B(T + 30_000), T + 14_999), undefined, "lease still running");
      assert.equal(await runs.claim(run.id, B(T + 30_000), T + 15_000), undefined, "lapses after its end");
      const taken = await runs.claim(run.id, B(T + 30_000), T + 15_001);
      assert.equal(taken?.owner, "gw-b");
      assert.deepEqual({ ...taken, owner: undefined }, { ...run, owner: undefined }, "the record is intact");
      assert.equal(await runs.claim(run.id, A, T + 15_001), undefined, "B's lease now holds");
      assert.equal(
        (await runs.claim(run.id, B(T + 40_000), 0))?.owner,
        "gw-b",
        "the owner may always re-claim",
      );
    });

    test("renewals extend the owner's leases and report runs it lost, and actions asked of it", async (t) => {
      if (skip(t)) return;
      const [kept, lost, done] = [await created(runs), await created(runs), await created(runs)];
      await runs.claim(lost.id, B(T + 30_000), T + 20_000);
      await runs.update(done.id, { status: "succeeded" });
      assert.equal(await runs.request(done.id, "cancel"), undefined, "a finished run takes no request");
      assert.deepEqual(await runs.request(kept.id, "cancel"), A);
      const renewed = await runs.renew({ owner: "gw-a", until: T + 25_000 }, [kept.id, lost.id, done.id]);
      assert.deepEqual([...renewed], [[kept.id, "cancel"]]);
      assert.equal(await runs.claim(kept.id, B(T + 40_000), T + 24_999), undefined, "renewed to T+25 s");
      assert.ok(await runs.claim(kept.id, B(T + 40_000), T + 25_001));
    });

    test("a scan takes lapsed and ownerless runs of one status, oldest first, up to its limit", async (t) => {
      if (skip(t)) return;
      const base = T + 1_000_000; // after every run of the other tests, which are left lapsed
      const old = [0, 1, 2, 3].map((i) => runRecord("running", base + i));
      await runs.create(old[0] as RunRecord, A);
      await runs.create(old[1] as RunRecord, { owner: "gw-x", until: 0 }); // released
      await runs.create(old[2] as RunRecord, A);
      await runs.create(old[3] as RunRecord, { owner: "gw-a", until: base + 99_999 }); // live lease
      const waiting = runRecord("awaiting_approval", base + 5);
      await runs.create(waiting, A);
      const finished = runRecord("failed", base + 6);
      await runs.create(finished, A);
      const now = base + 50_000;
      const exclude = (await runs.list({ limit: 1000 })).filter((r) => r.createdAt < base).map((r) => r.id);
      const first = await runs.claimLapsed(B(now + 15_000), now, { status: "running", limit: 2, exclude });
      assert.deepEqual(
        first.map((r) => r.id),
        [old[0]?.id, old[1]?.id],
      );
      assert.ok(first.every((r) => r.owner === "gw-b"));
      const rest = await runs.claimLapsed({ owner: "gw-c", until: now + 15_000 }, now, {
        status: "running",
        limit: 10,
        exclude: [...exclude, old[2]?.id as string],
      });
      assert.deepEqual(rest, [], "excluded, taken, live or finished");
      const waits = await runs.claimLapsed(B(now + 15_000), now, {
        status: "awaiting_approval",
        limit: 10,
        exclude,
      });
      assert.deepEqual(
        waits.map((r) => r.id),
        [waiting.id],
      );
      assert.deepEqual(await runs.claimLapsed(B(now), now, { status: "running", limit: 0, exclude }), []);
    });

    test("guarded updates: only the owner records, a decision takes a waiting run, release lapses at once", async (t) => {
      if (skip(t)) return;
      const run = await created(runs);
      assert.equal(await runs.update(run.id, { status: "failed" }, { owner: "gw-b" }), undefined);
      assert.equal((await runs.get(run.id))?.status, "running", "B could not end A's run");
      const waiting = await created(runs, "awaiting_approval");
      assert.equal(await runs.claim(waiting.id, B(T + 30_000), T), undefined);
      const approved = await runs.update(
        waiting.id,
        { status: "running", updatedAt: T + 1 },
        { status: "awaiting_approval", take: B(T + 30_000) },
      );
      assert.equal(approved?.owner, "gw-b");
      assert.equal(approved?.status, "running");
      assert.equal(
        await runs.update(waiting.id, { status: "running" }, { status: "awaiting_approval", take: A }),
        undefined,
        "a second decision finds it running",
      );
      const other = await created(runs, "awaiting_approval");
      assert.equal((await runs.claim(other.id, B(T + 30_000), T, { awaiting: true }))?.owner, "gw-b");
      await runs.release("gw-a", [run.id]);
      assert.equal((await runs.claim(run.id, B(T + 30_000), T + 1))?.owner, "gw-b", "released: lapsed");
    });
  });
}

describe("run leases under contention (Postgres)", () => {
  test("gateways opening a new database together, then racing for the same runs: every run goes to exactly one", async (t) => {
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    const url = await freshDatabase("contention");
    // Three gateways set the schema up at once (LangGraph's migrations too) on an empty database.
    const [one, two, three] = await Promise.all([
      open("postgres", url),
      open("postgres", url),
      open("postgres", url),
    ]);
    const stores = [one, two, three].map((p) => (p as WorkflowPersistence).runs);
    const owners = ["gw-1", "gw-2", "gw-3"];
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push((await created(stores[0] as RunStore, "running", { owner: "dead", until: T })).id);
    const now = T + 1;
    const lease = (i: number) => ({ owner: owners[i] as string, until: now + 15_000 });

    const scans = await Promise.all(
      stores.flatMap((runs, i) =>
        [0, 1, 2].map(() => runs.claimLapsed(lease(i), now, { status: "running", limit: 4, exclude: [] })),
      ),
    );
    const taken = scans.flat().map((r) => r.id);
    assert.equal(new Set(taken).size, taken.length, "no run taken twice");
    assert.ok(taken.length >= 24, `nine scans of 4 took ${taken.length} of 30`);

    const left = ids.filter((id) => !taken.includes(id));
    for (const id of left) {
      const claims = await Promise.all(stores.map((runs, i) => runs.claim(id, lease(i), now)));
      assert.equal(claims.filter((c) => c !== undefined).length, 1, `one claim of ${id} won`);
    }
    for (const id of ids) {
      const owner = (await stores[1]?.get(id))?.owner;
      assert.ok(owner !== undefined && owners.includes(owner), `${id} belongs to ${owner}`);
    }
  });

  test("a gateway opening a database whose schema is whole takes no table lock (no deadlock with a peer's open transaction)", async (t) => {
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    const url = await freshDatabase("whole_schema");
    const first = await open("postgres", url);
    await created(first.runs);
    // A peer gateway mid-transaction on the runs table: its row lock conflicts with the share lock
    // CREATE INDEX takes and the exclusive lock ALTER TABLE takes, even when they change nothing.
    const peer = new pg.Client({ connectionString: url });
    await peer.connect();
    try {
      await peer.query("BEGIN");
      await peer.query("UPDATE synapse_workflow_runs SET lease_until = lease_until");
      const pool = new pg.Pool({ connectionString: url, max: 1, options: "-c lock_timeout=2000" });
      try {
        const runs = await PostgresRunStore.open(pool);
        assert.ok(runs, "opened while the peer's transaction holds its locks");
      } finally {
        await pool.end();
      }
    } finally {
      await peer.query("ROLLBACK");
      await peer.end();
    }
  });
});
