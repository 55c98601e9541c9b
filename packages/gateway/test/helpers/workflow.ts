/** Helpers for the workflow tests: start runs, wait for them, count the services' calls. */
import type { AgentName } from "@synapse/core";

export type Json = Record<string, unknown>;

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export interface RunJson {
  id: string;
  status: string;
  rounds: Record<string, number>;
  stepCount: number;
  error?: { code: string; message: string };
  awaiting?: string;
  steps: {
    step: string;
    agent: string;
    action: string;
    round: number;
    status: string;
    durationMs: number;
    streamId: string;
    resumed?: { afterSeq: number; continued: boolean };
    output?: { result: Json; text: string; provider: string };
  }[];
  result?: Record<string, { result: Json; text: string }>;
}

export async function getRun(base: string, id: string): Promise<RunJson> {
  const res = await fetch(`${base}/api/v1/workflow/${id}`);
  if (res.status !== 200) throw new Error(`GET run ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as RunJson;
}

/**
 * Polls a run until `done` holds (default: a finished status); bounded, not a timing assumption.
 * Polling over HTTP is what a client does; the interval only bounds how often it asks.
 */
export async function waitForRun(
  base: string,
  id: string,
  done: (run: RunJson) => boolean = (r) => !["running", "awaiting_approval"].includes(r.status),
  timeoutMs = 30_000,
): Promise<RunJson> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(base, id).catch(() => undefined);
    if (run !== undefined && done(run)) return run;
    if (Date.now() > until)
      throw new Error(`run ${id} did not get there in ${timeoutMs} ms: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The calls a service answered, by action (from its own /metrics: synapse_service_calls_total, kind stream). */
export async function serviceCalls(metricsPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^synapse_service_calls_total\{([^}]*)\} (\d+)/gm)) {
    const labels = m[1] ?? "";
    const action = /action="([^"]+)"/.exec(labels)?.[1] ?? "";
    out[action] = (out[action] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Calls of every action across the three services. */
export async function allCalls(
  metricsPort: (agent: AgentName, replica: number) => number,
): Promise<Record<string, number>> {
  const all: Record<string, number> = {};
  for (const agent of ["claude", "gemini", "codex"] as const) {
    for (const [action, n] of Object.entries(await serviceCalls(metricsPort(agent, 0))))
      all[action] = (all[action] ?? 0) + n;
  }
  return all;
}
