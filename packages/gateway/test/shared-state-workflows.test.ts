/**
 * Workflows that survive their gateway, end to end: real service processes, gateways as their own
 * processes on one Redis (stream logs) and one PostgreSQL (checkpoints, run history, leases), each
 * test on a fresh database. Lease 3 s (renewed every second), scans every 500 ms. Service calls are
 * counted at the services, as in the durability test, so a step run twice shows.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type RedisServer, startRedisServer } from "@synapse/testkit";
import pg from "pg";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { type GatewayChild, startGatewayChild } from "./helpers/gateway-child.js";
import { type PostgresServer, postgresMissing, startPostgres } from "./helpers/postgres-server.js";
import { allCalls, getRun, type Json, postJson, type RunJson, waitForRun } from "./helpers/workflow.js";

const LEASE_MS = 3_000;
const SCAN_MS = 500;
const missing = postgresMissing();
let postgres: PostgresServer | undefined;
let redis: RedisServer | undefined;
let cluster: Cluster | undefined;
const children: GatewayChild[] = [];
const dirs: string[] = [];

before(async () => {
  if (missing !== undefined) return;
  [postgres, redis] = await Promise.all([startPostgres(), startRedisServer()]);
  cluster = await startCluster({
    // The cluster's own in-process gateway keeps its workflows in SQLite: it takes no part here.
    env: {
      SYNAPSE_STATE: "shared",
      SYNAPSE_REDIS_URL: redis.url,
      // claude streams slowly enough that a run is mid-step when its gateway is killed, and that
      // a cancel taking effect at the owner's next renewal (≤ LEASE_MS / 3 later) still finds a
      // claude call in flight: a plan is ~80 tokens (> 1 s), code longer. At 200 tokens/s a plan
      // could end within that second and the cancel land between steps, with no call to cancel.
      SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "60",
    },
  });
});
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await cluster?.stop();
  await redis?.stop();
  await postgres?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let databases = 0;
/** Settings for gateways sharing a new, empty database. */
async function sharedEnv(): Promise<Record<string, string>> {
  const name = `workflows_${++databases}`;
  const admin = new pg.Client({ connectionString: postgres?.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    ...cluster?.env,
    SYNAPSE_LOG_LEVEL: "error",
    SYNAPSE_WORKFLOW_CHECKPOINTER: "postgres",
    SYNAPSE_WORKFLOW_POSTGRES_URL: (postgres?.url ?? "").replace(/\/postgres$/, `/${name}`),
    SYNAPSE_WORKFLOW_LEASE_MS: String(LEASE_MS),
    SYNAPSE_WORKFLOW_TAKEOVER_INTERVAL_MS: String(SCAN_MS),
  };
}

/** A gateway process with its own data dir (so nothing but Redis and Postgres is shared). */
async function gateway(env: Record<string, string>): Promise<GatewayChild> {
  const dir = mkdtempSync(join(tmpdir(), "synapse-gw-shared-"));
  dirs.push(dir);
  const child = await startGatewayChild({ ...env, SYNAPSE_DATA_DIR: dir });
  children.push(child);
  return child;
}

type SseEvent = { event: string; data: Json };

/** Reads SSE events until `stop` holds, then lets go of the response. */
async function readSseUntil(response: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  let buffer = "";
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended early: ${JSON.stringify(events.map((e) => e.event))}`);
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as Json });
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)])
      .filter(([, n]) => n !== 0),
  );

/** Calls the services ended as CANCELLED (from their /metrics). */
async function cancelledCalls(cluster: Cluster): Promise<number> {
  let total = 0;
  for (const agent of ["claude", "gemini", "codex"] as const) {
    const text = await (await fetch(`http://127.0.0.1:${cluster.metricsPort(agent, 0)}/metrics`)).text();
    for (const m of text.matchAll(/^synapse_service_calls_total\{[^}]*code="CANCELLED"[^}]*\} (\d+)/gm))
      total += Number(m[1]);
  }
  return total;
}

const planRunning = (r: RunJson) => r.steps.some((s) => s.step === "plan" && s.status === "running");

describe("workflows across gateways on one Redis and one PostgreSQL", { timeout: 90_000 }, () => {
  test("a workflow started on A continues on B, already running, after A is SIGKILLed: no completed step repeated", async (t) => {
    if (cluster === undefined) return t.skip(missing);
    const env = await sharedEnv();
    const [a, b] = await Promise.all([gateway(env), gateway(env)]);
    const before = await allCalls(cluster.metricsPort);
    const res = await postJson(
      `${a.url}/api/v1/workflow`,
      { task: "Add a --json flag to the CLI and test it" },
      { accept: "text/event-stream" },
    );
    const runId = res.headers.get("x-run-id") ?? "";
    // B shows A's run, and follows it from a snapshot (A drives it: B polls the database).
    const onB = await getRun(b.url, runId);
    const ownerA = (onB as RunJson & { owner?: string }).owner;
    assert.ok(ownerA, "the run names its owner");
    const follow = await fetch(`${b.url}/api/v1/workflow/${runId}/events`);
    const followed = readSseUntil(follow, (events) => events.at(-1)?.event === "run_finished");

    const codeChunks = (events: SseEvent[]) =>
      events.filter((e) => e.event === "chunk" && e.data.step === "code");
    const seen = await readSseUntil(res, (events) => codeChunks(events).length >= 3);
    const plan = seen.find((e) => e.event === "step_finished" && e.data.step === "plan")?.data.output as Json;
    assert.ok(plan, "plan finished on A");
    await a.kill();
    const killedAt = Date.now();

    // B takes the run once A's lease has lapsed (A renewed it at most a second before it died).
    const taken = await waitForRun(b.url, runId, (r) => (r as { owner?: string }).owner !== ownerA, 15_000);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs >= LEASE_MS - LEASE_MS / 3 - 100, `not before the lease lapsed (${takeoverMs} ms)`);
    // How soon after the lapse is exact on a fake clock (workflow-leases.test.ts); with real
    // processes on a loaded machine only the lower bound is safe, and waitForRun bounds the rest.
    assert.notEqual((taken as { owner?: string }).owner, undefined);

    const run = await waitForRun(b.url, runId, undefined, 60_000);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(
      run.steps.map((s) => s.step),
      ["plan", "code", "review", "execute"],
    );
    // Plan once; code twice only because A's stream was cut (B went on after its stored chunks).
    assert.deepEqual(diff(await allCalls(cluster.metricsPort), before), {
      plan: 1,
      code: 2,
      review: 1,
      execute: 1,
    });
    assert.deepEqual(run.steps[0]?.output?.result, plan.result, "plan's output is intact");
    const code = run.steps[1];
    assert.ok(
      (code?.resumed?.afterSeq ?? 0) >= 3,
      `code resumed after A's chunks: ${JSON.stringify(code?.resumed)}`,
    );

    const events = await followed;
    assert.equal(events[0]?.event, "run");
    assert.equal((events[0]?.data as { owner?: string } | undefined)?.owner, ownerA);
    const finishedSteps = events.filter((e) => e.event === "step_finished").map((e) => e.data.step);
    assert.deepEqual(finishedSteps.slice(-2), ["review", "execute"], "B's follower saw the steps B ran");
    assert.equal(events.at(-1)?.data.status, "succeeded");
  });

  test("two gateways starting at once on a dead gateway's runs: each run is resumed by one of them only", async (t) => {
    if (cluster === undefined) return t.skip(missing);
    const env = await sharedEnv();
    const a = await gateway(env);
    const before = await allCalls(cluster.metricsPort);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postJson(`${a.url}/api/v1/workflow`, { task: `Add a --json flag to tool ${i}` });
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) await waitForRun(a.url, id, planRunning);
    await a.kill();
    const [b, c] = await Promise.all([gateway(env), gateway(env)]);
    const runs = await Promise.all(ids.map((id) => waitForRun(b.url, id, undefined, 60_000)));
    const owners = new Set<string>();
    for (const run of runs) {
      assert.equal(run.status, "succeeded", JSON.stringify(run.error));
      assert.deepEqual(
        run.steps.map((s) => s.step),
        ["plan", "code", "review", "execute"],
      );
      owners.add((run as { owner?: string }).owner ?? "");
    }
    assert.equal(owners.size <= 2 && !owners.has(""), true, `owned by B or C: ${[...owners]}`);
    const calls = diff(await allCalls(cluster.metricsPort), before);
    // A second driver of a run would have called code (and review, execute) for it again.
    assert.equal(calls.code, 3, JSON.stringify(calls));
    assert.equal(calls.review, 3, JSON.stringify(calls));
    assert.equal(calls.execute, 3, JSON.stringify(calls));
    // Each plan: A's cut call, and at most one more (none when the cut stream had already ended).
    assert.ok((calls.plan ?? 0) >= 3 && (calls.plan ?? 0) <= 6, JSON.stringify(calls));
    assert.ok(b.url !== c.url);
  });

  test("cancel sent to B for a run A drives: A stops it and its agent call at its next renewal; B answers cancelled", async (t) => {
    if (cluster === undefined) return t.skip(missing);
    const env = await sharedEnv();
    const [a, b] = await Promise.all([gateway(env), gateway(env)]);
    const res = await postJson(`${a.url}/api/v1/workflow`, { task: "Plan a long migration" });
    const { id } = (await res.json()) as { id: string };
    const running = await waitForRun(a.url, id, planRunning);
    const cancelledBefore = await cancelledCalls(cluster);
    const sentAt = Date.now();
    const cancelled = await postJson(`${b.url}/api/v1/workflow/${id}/cancel`, {});
    const tookMs = Date.now() - sentAt;
    assert.equal(cancelled.status, 200);
    const view = (await cancelled.json()) as RunJson & { owner?: string };
    assert.equal(view.status, "cancelled");
    assert.equal(view.error?.code, "CANCELLED");
    assert.equal(view.owner, (running as { owner?: string }).owner, "A, the owner, ended it");
    assert.ok(tookMs <= LEASE_MS / 3 + 1_500, `at A's next renewal (${tookMs} ms)`);
    assert.ok(!view.steps.some((s) => s.step === "execute" && s.status === "succeeded"));
    // The call in flight (plan's or code's, at this speed) was cancelled at its service, not left to run.
    while ((await cancelledCalls(cluster)) === cancelledBefore) {
      assert.ok(Date.now() - sentAt < 10_000, "the service saw its call cancelled");
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await getRun(a.url, id)).status, "cancelled");
  });
});
