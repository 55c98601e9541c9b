/**
 * The processes a bench run starts: forked Node entry points that report `{ type: "ready" }` over
 * IPC (our services, gateway, upstream and echo server), or a command polled over HTTP until it
 * answers (the peer gateway). Every child is tracked so a run stops all of them — also when it
 * fails or is interrupted — and a forked child exits by itself when the bench goes away (IPC
 * disconnect).
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { once } from "node:events";

export interface ReadyInfo {
  type: "ready";
  ports?: Record<string, number>;
  [key: string]: unknown;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** What the child reported when ready (ports, …); empty for HTTP-polled children. */
  readonly ready: ReadyInfo;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, resolving once it has exited. */
  kill(): Promise<void>;
}

const running = new Set<Child>();

/** This process's environment without SYNAPSE_* settings, so a run is the same whatever the shell has set. */
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SYNAPSE_")));
}

/** Children started and not yet exited. */
export function runningChildren(): Child[] {
  return [...running];
}

/** Stops every child still running (SIGTERM, then SIGKILL). */
export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(graceMs)));
}

function track(name: string, proc: ChildProcess, ready: ReadyInfo): Child {
  const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : once(proc, "exit");
  const waitExit = () => exited.then(() => undefined);
  const child: Child = {
    name,
    pid: proc.pid ?? -1,
    process: proc,
    ready,
    async stop(graceMs = 3_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
        await waitExit();
        clearTimeout(timer);
      }
      running.delete(child);
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await waitExit();
      running.delete(child);
    },
  };
  running.add(child);
  void waitExit().then(() => running.delete(child));
  return child;
}

/** Forks a Node entry point and resolves when it sends `{ type: "ready" }`; rejects with its stderr otherwise. */
export function forkReady(
  name: string,
  entry: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
  execArgv: string[] = [],
): Promise<Child> {
  return new Promise((resolve, reject) => {
    const proc = fork(entry, args, {
      env: { ...inheritedEnv(), ...env },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      execArgv,
    });
    let stderr = "";
    proc.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 8_000) stderr += d.toString();
    });
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(new Error(`${name} ${why}${stderr ? `: ${stderr.trim().slice(-2_000)}` : ""}`));
    };
    const timer = setTimeout(() => fail(`was not ready in ${timeoutMs} ms`), timeoutMs);
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${code ?? signal})`);
    proc.once("exit", onExit);
    proc.on("message", (message: ReadyInfo) => {
      if (message?.type !== "ready") return;
      clearTimeout(timer);
      proc.off("exit", onExit);
      resolve(track(name, proc, message));
    });
  });
}

/** Spawns a command and resolves once `url` answers 2xx (polled every 100 ms). */
export async function spawnHttpReady(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  url: string,
  timeoutMs = 30_000,
): Promise<Child> {
  const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 8_000) stderr += d.toString();
  });
  const child = track(name, proc, { type: "ready" });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) break;
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  await child.kill();
  throw new Error(`${name} did not answer ${url} in ${timeoutMs} ms: ${stderr.trim().slice(-2_000)}`);
}
