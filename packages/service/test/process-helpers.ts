/** Starting real service processes for the integration tests, on free ports, and stopping them. */
import { type ChildProcess, fork } from "node:child_process";
import type { AgentName, ServicePorts } from "@synapse/core";
import { freePort } from "@synapse/testkit";

const MAIN = new URL("./fixtures/service-main.js", import.meta.url).pathname;
const READY_TIMEOUT_MS = 20_000;

/** A port that was free a moment ago, from below the ephemeral range (see @synapse/testkit). */
export { freePort };

export interface ServiceProcess {
  child: ChildProcess;
  ports: ServicePorts;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/** The environment a child gets: ours without SYNAPSE_* (the config refuses unknown ones), plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SYNAPSE_")));
  return { ...base, SYNAPSE_LOG_LEVEL: "warn", SYNAPSE_LOG_FORMAT: "json", ...env };
}

/** Spawns a process and waits for it to end, without waiting for a ready message. */
export function spawnService(agent: string, env: Record<string, string>, replica = 0): ServiceProcess {
  const child = fork(MAIN, [agent, String(replica)], {
    env: childEnv(env),
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, ports: { grpc: 0, tcp: 0, metrics: 0 }, stderr: () => err, exited };
}

/** Starts `agent` replica 0 on free ports with a fast sim, and waits for its ready message. */
export async function startService(
  agent: AgentName,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const A = agent.toUpperCase();
  const proc = spawnService(agent, {
    [`SYNAPSE_${A}_GRPC_PORT`]: String(await freePort()),
    [`SYNAPSE_${A}_TCP_PORT`]: String(await freePort()),
    [`SYNAPSE_${A}_METRICS_PORT`]: String(await freePort()),
    [`SYNAPSE_${A}_SIM_TTFT_MS`]: "0",
    [`SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`]: "0",
    ...env,
  });
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<ServicePorts>((resolve, reject) => {
    proc.child.on("message", (m: { type?: string; ports?: ServicePorts }) => {
      if (m.type === "ready" && m.ports) resolve(m.ports);
    });
    void proc.exited.then((code) =>
      reject(new Error(`service exited (${code}) before ready: ${proc.stderr()}`)),
    );
    // A bound, not a timing assumption: a healthy start takes well under a second.
    timer = setTimeout(() => {
      proc.child.kill("SIGKILL");
      reject(new Error(`service not ready after ${READY_TIMEOUT_MS} ms: ${proc.stderr()}`));
    }, READY_TIMEOUT_MS);
  });
  try {
    proc.ports = await ready;
  } finally {
    clearTimeout(timer);
  }
  return proc;
}

/** SIGTERM, then the exit code. */
export async function stopService(proc: ServiceProcess): Promise<number | string> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGTERM");
  return proc.exited;
}

export async function getJson(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}
