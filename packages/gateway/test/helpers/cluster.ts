/**
 * Real service processes on free ports and a gateway in this process, for route tests.
 * Every test cluster stops what it started (services get SIGTERM, then SIGKILL).
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENTS, type AgentName, createLogger, loadConfig, REPLICA_PORT_STEP } from "@synapse/core";
import { freePortBlock } from "@synapse/testkit";
import { type RunningGateway, runGateway } from "../../src/gateway-process.js";

const SERVICE_MAIN = new URL("../fixtures/service-main.js", import.meta.url).pathname;

/** Base ports for one agent such that base + 100·i is free for each replica i, for gRPC, TCP and metrics. */
async function freeBases(replicas: number): Promise<{ grpc: number; tcp: number; metrics: number }> {
  const offsets = Array.from({ length: replicas }, (_, i) => [0, 1, 2].map((o) => REPLICA_PORT_STEP * i + o));
  const base = await freePortBlock(offsets.flat());
  return { grpc: base, tcp: base + 1, metrics: base + 2 };
}

/** This process's environment without SYNAPSE_* settings: each test names the ones it wants. */
function inheritedEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("SYNAPSE_")));
}

export interface ClusterOptions {
  replicas?: Partial<Record<AgentName, number>>;
  /** Extra SYNAPSE_* settings for services and gateway. */
  env?: Record<string, string>;
  /** Extra settings for the services of one replica only, e.g. `{ "claude#1": {...} }`. */
  replicaEnv?: Record<string, Record<string, string>>;
}

export interface Cluster {
  env: Record<string, string>;
  gateway: RunningGateway;
  url: string;
  children: Map<string, ChildProcess>;
  /** Starts (again) replica `replica` of `agent`; resolves when it is ready. */
  startReplica(agent: AgentName, replica: number): Promise<ChildProcess>;
  metricsPort(agent: AgentName, replica: number): number;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-gw-"));
  const env: Record<string, string> = {
    SYNAPSE_LOG_LEVEL: "warn",
    SYNAPSE_LOG_FORMAT: "json",
    SYNAPSE_DATA_DIR: dataDir,
    SYNAPSE_GATEWAY_PORT: "0",
    ...options.env,
  };
  const bases = new Map<AgentName, { grpc: number; tcp: number; metrics: number }>();
  for (const agent of AGENTS) {
    const replicas = options.replicas?.[agent] ?? 1;
    const base = await freeBases(replicas);
    bases.set(agent, base);
    const A = agent.toUpperCase();
    env[`SYNAPSE_${A}_REPLICAS`] = String(replicas);
    env[`SYNAPSE_${A}_GRPC_PORT`] = String(base.grpc);
    env[`SYNAPSE_${A}_TCP_PORT`] = String(base.tcp);
    env[`SYNAPSE_${A}_METRICS_PORT`] = String(base.metrics);
    env[`SYNAPSE_${A}_SIM_TTFT_MS`] ??= "0";
    env[`SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`] ??= "0";
  }
  const children = new Map<string, ChildProcess>();
  const startReplica = (agent: AgentName, replica: number): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const name = `${agent}#${replica}`;
      const child = fork(SERVICE_MAIN, [agent, String(replica)], {
        env: { ...inheritedEnv(), ...env, ...options.replicaEnv?.[name] },
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      children.set(name, child);
      const timer = setTimeout(() => reject(new Error(`${name} not ready in 15 s: ${stderr}`)), 15_000);
      child.on("message", (m: { type?: string }) => {
        if (m.type === "ready") {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${stderr}`));
      });
    });

  const starts: Promise<ChildProcess>[] = [];
  for (const agent of AGENTS) {
    for (let i = 0; i < (options.replicas?.[agent] ?? 1); i++) starts.push(startReplica(agent, i));
  }
  await Promise.all(starts);
  const config = loadConfig(env);
  const logger = createLogger({ name: "gateway", level: env.SYNAPSE_LOG_LEVEL ?? "warn", format: "json" });
  const gateway = await runGateway(config, logger);
  return {
    env,
    gateway,
    url: `http://127.0.0.1:${gateway.port}`,
    children,
    startReplica,
    metricsPort: (agent, replica) => (bases.get(agent)?.metrics ?? 0) + REPLICA_PORT_STEP * replica,
    async stop() {
      await gateway.stop();
      await Promise.all(
        [...children.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
              child.once("exit", () => {
                clearTimeout(kill);
                resolve();
              });
              child.kill("SIGTERM");
            }),
        ),
      );
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads an SSE response into events (id, event, data) until it ends or `stopAfter` events. */
export async function readSse(
  response: Response,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<{ id?: string; event: string; data: unknown }[]> {
  const events: { id?: string; event: string; data: unknown }[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (events.length < stopAfter) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0 && events.length < stopAfter) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of frame.split("\n")) {
          if (line.startsWith(":") || line === "") continue;
          const at = line.indexOf(":");
          fields[line.slice(0, at)] = line.slice(at + 1).trimStart();
        }
        if (fields.event !== undefined || fields.data !== undefined) {
          events.push({
            ...(fields.id === undefined ? {} : { id: fields.id }),
            event: fields.event ?? "message",
            data: fields.data === undefined ? undefined : JSON.parse(fields.data),
          });
        }
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return events;
}
