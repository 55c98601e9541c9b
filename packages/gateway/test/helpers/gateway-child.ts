/** The gateway as a child process (fixtures/gateway-main.js), for tests that SIGKILL and restart it. */
import { type ChildProcess, fork } from "node:child_process";

const GATEWAY_MAIN = new URL("../fixtures/gateway-main.js", import.meta.url).pathname;

export interface GatewayChild {
  child: ChildProcess;
  url: string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts a gateway process with `env`; resolves when it says it is ready (IPC), with its HTTP port.
 * `main` is the entry script; defaults to fixtures/gateway-main.js.
 */
export function startGatewayChild(env: Record<string, string>, main = GATEWAY_MAIN): Promise<GatewayChild> {
  return new Promise((resolve, reject) => {
    const child = fork(main, [], {
      env: { ...process.env, ...env, SYNAPSE_GATEWAY_PORT: "0" },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`gateway not ready in 20 s: ${stderr}`));
    }, 20_000);
    child.on("message", (m: { type?: string; ports?: { http?: number } }) => {
      if (m.type !== "ready") return;
      clearTimeout(timer);
      resolve({
        child,
        url: `http://127.0.0.1:${m.ports?.http}`,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
          child.kill("SIGTERM");
          await exited;
          clearTimeout(force);
        },
      });
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code ?? signal}) before it was ready: ${stderr}`));
    });
  });
}
