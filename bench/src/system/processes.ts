/**
 * Starting the processes of a bench run: agent service replicas, gateways, the fake upstream, the
 * grpc-js echo server and the peer gateway (Portkey). Everything listens on 127.0.0.1; our
 * processes take ephemeral ports (port 0) and report them when ready, and the gateway is told
 * where each replica is through SYNAPSE_<AGENT>_ENDPOINTS.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { AGENTS, type AgentName, GATEWAY_NODE_FLAGS, replicaPorts } from "@synapse/core";
import { type Child, forkReady, spawnHttpReady } from "../processes/child.js";
import { freePort } from "./free-port.js";

const entry = (name: string) => new URL(`../processes/${name}.js`, import.meta.url).pathname;

/** Node flags for our services and gateways, e.g. `--cpu-prof` (set by `--cpu-prof DIR`). */
let synapseExecArgv: string[] = [];

/** Profiles every service and gateway started from now on with `node --cpu-prof`, into `dir`. */
export function profileInto(dir: string): void {
  synapseExecArgv = ["--cpu-prof", `--cpu-prof-dir=${dir}`];
}

/** Settings every Synapse process of a run shares: quiet logs, its own data dir, ports 0, sim with no latency. */
export function baseEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {
    SYNAPSE_LOG_LEVEL: "error",
    SYNAPSE_LOG_FORMAT: "json",
    SYNAPSE_DATA_DIR: dataDir,
    SYNAPSE_HOST: "127.0.0.1",
    SYNAPSE_GATEWAY_PORT: "0",
  };
  for (const agent of AGENTS) {
    const A = agent.toUpperCase();
    env[`SYNAPSE_${A}_GRPC_PORT`] = "0";
    env[`SYNAPSE_${A}_TCP_PORT`] = "0";
    env[`SYNAPSE_${A}_METRICS_PORT`] = "0";
    env[`SYNAPSE_${A}_SIM_TTFT_MS`] = "0";
    env[`SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`] = "0";
  }
  return env;
}

export interface ServiceChild extends Child {
  readonly agent: AgentName;
  readonly grpcPort: number;
  readonly tcpPort: number;
  readonly metricsPort: number;
}

/** Starts replica `replica` of `agent`. `ports` pins its ports (a restart on the same address). */
export async function startService(
  agent: AgentName,
  replica: number,
  env: Record<string, string>,
  ports?: { grpc: number; tcp: number; metrics: number },
): Promise<ServiceChild> {
  const A = agent.toUpperCase();
  // A replica adds an offset to the configured ports; pin the base so it lands on the same ones.
  const offset = replicaPorts({ grpc: 0, tcp: 0, metrics: 0 }, replica).grpc;
  const pinned: Record<string, string> =
    ports === undefined
      ? {}
      : {
          [`SYNAPSE_${A}_GRPC_PORT`]: String(ports.grpc - offset),
          [`SYNAPSE_${A}_TCP_PORT`]: String(ports.tcp - offset),
          [`SYNAPSE_${A}_METRICS_PORT`]: String(ports.metrics - offset),
        };
  const child = await forkReady(
    `${agent}#${replica}`,
    entry("service-main"),
    [agent, String(replica)],
    { ...env, ...pinned },
    20_000,
    synapseExecArgv,
  );
  const p = child.ready.ports ?? {};
  return { ...child, agent, grpcPort: p.grpc ?? 0, tcpPort: p.tcp ?? 0, metricsPort: p.metrics ?? 0 };
}

/** `host:grpcPort:tcpPort` of each replica, for SYNAPSE_<AGENT>_ENDPOINTS. */
export function endpointsEnv(replicas: readonly ServiceChild[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const agent of AGENTS) {
    const mine = replicas.filter((r) => r.agent === agent);
    if (mine.length === 0) continue;
    env[`SYNAPSE_${agent.toUpperCase()}_ENDPOINTS`] = mine
      .map((r) => `127.0.0.1:${r.grpcPort}:${r.tcpPort}`)
      .join(",");
  }
  return env;
}

export interface GatewayChild extends Child {
  readonly url: string;
}

/** Starts a gateway process over `replicas`, with extra settings in `env`. */
export async function startGateway(
  name: string,
  env: Record<string, string>,
  replicas: readonly ServiceChild[],
): Promise<GatewayChild> {
  const child = await forkReady(
    name,
    entry("gateway-main"),
    [],
    { ...env, ...endpointsEnv(replicas) },
    20_000,
    // Started as every deployment starts it (the launcher, Kubernetes, Compose).
    [...GATEWAY_NODE_FLAGS, ...synapseExecArgv],
  );
  return { ...child, url: `http://127.0.0.1:${child.ready.ports?.http ?? 0}` };
}

/** The fake OpenAI-compatible upstream; resolves to it and its base URL (…/v1). */
export async function startUpstream(): Promise<{ child: Child; origin: string }> {
  const child = await forkReady("upstream", entry("upstream-main"), [], {});
  return { child, origin: `http://127.0.0.1:${child.ready.ports?.http ?? 0}` };
}

/**
 * The two-hop floor (processes/floor-main.ts): a bare relay to `upstreamOrigin` and a bare proxy
 * in front of it; resolves to both and the proxy's origin.
 */
export async function startFloor(upstreamOrigin: string): Promise<{ children: Child[]; origin: string }> {
  const relay = await forkReady("floor-relay", entry("floor-main"), ["relay", upstreamOrigin], {});
  const proxy = await forkReady(
    "floor-proxy",
    entry("floor-main"),
    ["proxy", String(relay.ready.ports?.http ?? 0)],
    {},
  );
  return { children: [relay, proxy], origin: `http://127.0.0.1:${proxy.ready.ports?.http ?? 0}` };
}

/** The grpc-js echo server, answering with messages recorded from the service at `source`. */
export async function startEcho(
  source: string,
  request: unknown,
): Promise<{ child: Child; address: string }> {
  const child = await forkReady("echo", entry("echo-main"), [source, JSON.stringify(request)], {});
  return { child, address: `127.0.0.1:${child.ready.ports?.grpc ?? 0}` };
}

/** The Portkey gateway from npm (its Node build), headless, on a free port. */
export async function startPortkey(): Promise<{ child: Child; origin: string }> {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@portkey-ai/gateway/package.json");
  const main = join(dirname(pkg), "build", "start-server.js");
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = await spawnHttpReady(
    "portkey",
    process.execPath,
    // The shim makes Portkey's streaming work on Node 20 (see portkey-fetch-shim.ts).
    ["--import", entry("portkey-fetch-shim"), main, `--port=${port}`, "--headless"],
    { NODE_ENV: "production" },
    `${origin}/`,
  );
  return { child, origin };
}

/** Version of an installed package, for the report. */
export function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
