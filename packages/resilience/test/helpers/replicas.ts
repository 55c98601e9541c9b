/**
 * Real replicas of one agent service, each its own process (`@synapse/service`), listening on
 * free ports (port 0: each replica reports the ports it bound in its ready message). `sim`
 * streams as fast as it can unless the env says otherwise. `stop()` ends every process it
 * started (SIGTERM, then SIGKILL), so a test run exits by itself.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentName, ServicePorts } from "@synapse/core";
import type { ReadyMessage } from "@synapse/service";

const SERVICE_MAIN = new URL("../fixtures/service-main.js", import.meta.url).pathname;

/** The two transports a client can reach a replica over: gRPC or JSON-RPC/TCP. */
export type TransportName = "grpc" | "tcp";

export const TRANSPORTS: readonly TransportName[] = ["grpc", "tcp"];

export interface Replica {
  index: number;
  child: ChildProcess;
  ports: ServicePorts;
}

export interface ReplicasOptions {
  /** Defaults to claude. */
  agent?: AgentName;
  /** Extra SYNAPSE_* settings for every replica. */
  env?: Record<string, string>;
  /** Extra settings for replica i only. */
  replicaEnv?: Record<number, Record<string, string>>;
}

/**
 * This process's environment without SYNAPSE_* variables: a replica is configured by the test
 * alone (and the configuration refuses unknown SYNAPSE_ names, e.g. SYNAPSE_TEST_CONCURRENCY).
 */
function inherited(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SYNAPSE_")));
}

export class Replicas {
  readonly #replicas: Replica[] = [];
  readonly #dataDir = mkdtempSync(join(tmpdir(), "synapse-chaos-"));
  readonly #env: Record<string, string>;

  private constructor(
    readonly agent: AgentName,
    readonly options: ReplicasOptions,
  ) {
    const A = agent.toUpperCase();
    this.#env = {
      SYNAPSE_LOG_LEVEL: "warn",
      SYNAPSE_LOG_FORMAT: "json",
      SYNAPSE_DATA_DIR: this.#dataDir,
      [`SYNAPSE_${A}_PROVIDER`]: "sim",
      [`SYNAPSE_${A}_GRPC_PORT`]: "0",
      [`SYNAPSE_${A}_TCP_PORT`]: "0",
      [`SYNAPSE_${A}_METRICS_PORT`]: "0",
      [`SYNAPSE_${A}_SIM_TTFT_MS`]: "0",
      [`SYNAPSE_${A}_SIM_TOKENS_PER_SECOND`]: "0",
      ...options.env,
    };
  }

  /** Starts `count` replicas at once; resolves when all are ready. */
  static async start(count: number, options: ReplicasOptions = {}): Promise<Replicas> {
    const replicas = new Replicas(options.agent ?? "claude", options);
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => replicas.restart(i)));
    } catch (err) {
      await replicas.stop();
      throw err;
    }
    return replicas;
  }

  get(index: number): Replica {
    const replica = this.#replicas[index];
    if (replica === undefined) throw new Error(`replica ${index} was never started`);
    return replica;
  }

  /** The port replica `index` serves `transport` on. */
  port(index: number, transport: TransportName): number {
    const { ports } = this.get(index);
    return transport === "grpc" ? ports.grpc : ports.tcp;
  }

  /** "127.0.0.1:port" of every replica for `transport`, in replica order. */
  endpoints(transport: TransportName): string[] {
    return this.#replicas.map((r) => `127.0.0.1:${transport === "grpc" ? r.ports.grpc : r.ports.tcp}`);
  }

  /** Starts replica `index` (again, on new ports, once the old one exited); resolves when it is ready. */
  restart(index: number): Promise<Replica> {
    const old = this.#replicas[index]?.child;
    if (old !== undefined && old.exitCode === null && old.signalCode === null) {
      return Promise.reject(new Error(`replica ${index} is still running; kill it first`));
    }
    return new Promise((resolve, reject) => {
      const child = fork(SERVICE_MAIN, [this.agent, String(index)], {
        env: { ...inherited(), ...this.#env, ...this.options.replicaEnv?.[index] },
        stdio: ["ignore", "ignore", "pipe", "ipc"],
      });
      let stderr = "";
      child.stderr?.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const fail = (why: string) => reject(new Error(`${this.agent}#${index} ${why}: ${stderr}`));
      const timer = setTimeout(() => fail("was not ready within 20 s"), 20_000);
      child.on("message", (m: Partial<ReadyMessage>) => {
        if (m.type !== "ready" || m.ports === undefined) return;
        clearTimeout(timer);
        const replica = { index, child, ports: m.ports };
        this.#replicas[index] = replica;
        resolve(replica);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        fail(`exited (${signal ?? code})`);
      });
    });
  }

  /** SIGKILLs replica `index`: no drain, its sockets die with it. Resolves once it has exited. */
  async kill(index: number): Promise<void> {
    const { child } = this.get(index);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /** Stops every replica still running (SIGTERM, SIGKILL after 5 s) and removes the data dir. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#replicas.map(
        ({ child }) =>
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
    rmSync(this.#dataDir, { recursive: true, force: true });
  }
}
