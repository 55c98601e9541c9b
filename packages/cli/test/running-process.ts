/** A long-running process under test (a launcher, `synapse up`, a service): its lines, table and exit. */
import { type ChildProcess, spawn } from "node:child_process";
import { cleanEnv, isAlive, LineWatcher, records } from "./processes.js";

export interface Running {
  proc: ChildProcess;
  stdout: LineWatcher;
  stderr: LineWatcher;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Standard output without the children's plain lines (passed through as "[name] …"). */
  table(): string[];
  /** Once the table has a row for `lastName`, the pid of every row by process name. */
  tablePids(lastName: string): Promise<Map<string, number>>;
  /** Pids of every child the launcher spawned, from its debug log ("<name> started"). */
  spawned(): number[];
  /** Kills it and everything it spawned that is still alive (cleanup after a failed test). */
  killAll(): void;
}

/** `node <args>` with a clean environment plus `env`, JSON logs at debug level unless `env` says otherwise. */
export function startProcess(args: readonly string[], env: Record<string, string> = {}): Running {
  const proc = spawn(process.execPath, args, {
    env: cleanEnv({ SYNAPSE_LOG_FORMAT: "json", SYNAPSE_LOG_LEVEL: "debug", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = new LineWatcher(proc.stdout);
  const stderr = new LineWatcher(proc.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once("close", (code, signal) => resolve({ code, signal })),
  );
  const table = () => stdout.lines.filter((l) => !l.startsWith("["));
  const spawned = () =>
    records(stderr.lines)
      .filter((r) => r.proc === "launcher" && typeof r.msg === "string" && r.msg.endsWith(" started"))
      .map((r) => Number(r.pid));
  return {
    proc,
    stdout,
    stderr,
    exited,
    table,
    spawned,
    async tablePids(lastName) {
      await stdout.waitFor((l) => l.startsWith(`${lastName} `), `the table row of ${lastName}`);
      const rows = table()
        .slice(1)
        .map((l) => l.split(/\s+/));
      return new Map(rows.map(([name, pid]) => [name ?? "", Number(pid)]));
    },
    killAll() {
      for (const pid of [...spawned(), proc.pid ?? 0])
        if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
    },
  };
}
