/**
 * A running Synapse for deployment tests: real service processes on free ports (each reports its
 * bound ports over IPC) and gateways in this process, reaching the services by
 * SYNAPSE_<AGENT>_ENDPOINTS as a deployment would. `stop` ends everything it started.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AGENTS, type AgentName, createLogger, loadConfig, type ServicePorts } from "@synapse/core";
import { type RunningGateway, runGateway } from "@synapse/gateway";

const SERVICE_MAIN = new URL("../fixtures/service-main.js", import.meta.url).pathname;

export interface RunningServiceProcess {
  agent: AgentName;
  child: ChildProcess;
  ports: ServicePorts;
}

/** Settings every process of a test system gets: quiet logs, fast sim, ports chosen by the OS. */
const BASE_ENV: Record<string, string> = {
  SYNAPSE_LOG_LEVEL: "error",
  SYNAPSE_LOG_FORMAT: "json",
  ...Object.fromEntries(
    AGENTS.flatMap((agent) => {
      const A = agent.toUpperCase();
      return [
        [`SYNAPSE_${A}_GRPC_PORT`, "0"],
        [`SYNAPSE_${A}_TCP_PORT`, "0"],
        [`SYNAPSE_${A}_METRICS_PORT`, "0"],
        [`SYNAPSE_${A}_SIM_TTFT_MS`, "0"],
        [`SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`, "0"],
      ];
    }),
  ),
};

export class TestSystem {
  readonly services: RunningServiceProcess[] = [];
  readonly gateways: RunningGateway[] = [];
  readonly #dataDir = mkdtempSync(join(tmpdir(), "synapse-deploy-"));
  readonly #env: Record<string, string>;

  /** `env`: more settings for every process (services and gateways). */
  constructor(env: Record<string, string> = {}) {
    this.#env = { ...BASE_ENV, SYNAPSE_DATA_DIR: this.#dataDir, ...env };
  }

  /** Starts replica 0 of `agent` as a process; resolves once it serves. */
  startService(agent: AgentName, env: Record<string, string> = {}): Promise<RunningServiceProcess> {
    return new Promise((resolve, reject) => {
      const child = fork(SERVICE_MAIN, [agent, "0"], {
        env: { ...process.env, ...this.#env, ...env },
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const timer = setTimeout(() => reject(new Error(`${agent} not ready in 20 s: ${stderr}`)), 20_000);
      child.on("message", (m: { type?: string; ports?: ServicePorts }) => {
        if (m.type !== "ready" || m.ports === undefined) return;
        clearTimeout(timer);
        const service = { agent, child, ports: m.ports };
        this.services.push(service);
        resolve(service);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${agent} exited with ${code}: ${stderr}`));
      });
    });
  }

  /**
   * Starts a gateway in this process on a free port, calling the services started so far; agents
   * with no service get an endpoint nothing listens on.
   */
  async startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
    const endpoints: Record<string, string> = {};
    for (const agent of AGENTS) {
      const service = this.services.find((s) => s.agent === agent);
      endpoints[`SYNAPSE_${agent.toUpperCase()}_ENDPOINTS`] = service
        ? `127.0.0.1:${service.ports.grpc}:${service.ports.tcp}`
        : "127.0.0.1:9:9";
    }
    const gatewayEnv = {
      ...this.#env,
      ...endpoints,
      SYNAPSE_GATEWAY_PORT: "0",
      SYNAPSE_DATA_DIR: join(this.#dataDir, `gateway-${this.gateways.length}`),
      ...env,
    };
    const config = loadConfig(gatewayEnv);
    const logger = createLogger({ name: "gateway", level: config.log.level, format: "json" });
    const gateway = await runGateway(config, logger);
    this.gateways.push(gateway);
    return gateway;
  }

  /** Stops the gateways, then the services (SIGTERM, so they drain and flush; SIGKILL after 10 s). */
  async stop(): Promise<void> {
    await Promise.all(this.gateways.splice(0).map((g) => g.stop()));
    await Promise.all(this.services.splice(0).map((s) => stopChild(s.child)));
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** POSTs JSON to a gateway and returns the response (its body read). */
export async function post(
  gateway: RunningGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}
