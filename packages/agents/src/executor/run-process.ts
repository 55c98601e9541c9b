/**
 * Runs one process in its own process group and collects its capped output. A timeout or an
 * abort kills the whole group with SIGKILL — the process and everything it started — because
 * killing only the direct child leaves grandchildren running and holding the output pipes.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { Clock } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { CappedOutput } from "./capped-output.js";

export type KillReason = "timeout" | "cancelled" | "shutdown";

export interface ProcessSpec {
  /** Absolute path of the executable. */
  file: string;
  args: readonly string[];
  /** argv[0] as the program should see it. */
  argv0: string;
  cwd: string;
  env: Record<string, string>;
  /** Milliseconds before the group is killed. */
  timeoutMs: number;
  /** Bytes kept of each of stdout and stderr. */
  outputCapBytes: number;
  /** Aborting kills the group; `reasonOf` says what to report. */
  signal?: AbortSignal;
  reasonOf?: (signal: AbortSignal) => KillReason;
  clock: Clock;
}

export interface ProcessOutcome {
  /** null when killed or ended by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  killed?: KillReason;
  truncated: boolean;
}

/**
 * Once a killed process has exited, how long its pipes may stay open before they are closed
 * from our side: a descendant that left the group (setsid) could otherwise hold them forever.
 */
const PIPE_GRACE_MS = 1000;

function killNote(reason: KillReason, timeoutMs: number): string {
  if (reason === "timeout") {
    return `[killed: timed out after ${timeoutMs} ms; pass a larger timeoutMs or raise SYNAPSE_CODEX_TIMEOUT_MS]`;
  }
  return reason === "cancelled"
    ? "[killed: the call was cancelled]"
    : "[killed: the service is shutting down]";
}

function notStarted(err: unknown): SynapseError {
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  return new SynapseError("FAILED_PRECONDITION", `The program could not be started (${code}).`, {
    cause: err,
  });
}

/** Spawns `spec` and resolves when it has exited and its output is read. */
export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const { clock, signal } = spec;
  return new Promise((resolve, reject) => {
    const started = clock.now();
    const stdout = new CappedOutput(spec.outputCapBytes);
    const stderr = new CappedOutput(spec.outputCapBytes);
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      // detached: the child leads a new process group (and session), so -pid reaches all of it.
      child = spawn(spec.file, spec.args, {
        argv0: spec.argv0,
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      reject(notStarted(err));
      return;
    }
    let killed: KillReason | undefined;
    let exited = false;
    let settled = false;
    let cancelGrace = () => {};

    const closePipesSoon = () => {
      cancelGrace = clock.setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, PIPE_GRACE_MS);
    };
    const kill = (reason: KillReason) => {
      if (killed || settled || child.pid === undefined) return;
      killed = reason;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the whole group is already gone.
      }
      if (exited) closePipesSoon();
    };
    const onAbort = () => kill(signal && spec.reasonOf ? spec.reasonOf(signal) : "cancelled");
    const cancelTimer = clock.setTimeout(() => kill("timeout"), spec.timeoutMs);
    const cleanUp = () => {
      settled = true;
      cancelTimer();
      cancelGrace();
      signal?.removeEventListener("abort", onAbort);
    };

    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (err) => {
      if (settled) return;
      cleanUp();
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      reject(notStarted(err));
    });
    child.on("exit", () => {
      exited = true;
      if (killed) closePipesSoon();
    });
    child.on("close", (code, termSignal) => {
      if (settled) return;
      cleanUp();
      const notes: string[] = [];
      if (killed) notes.push(killNote(killed, spec.timeoutMs));
      else if (termSignal) notes.push(`[terminated by ${termSignal}]`);
      const errText = stderr.text();
      const note = notes.join("\n");
      resolve({
        exitCode: killed ? null : code,
        stdout: stdout.text(),
        stderr: note === "" ? errText : errText === "" ? note : `${errText}\n${note}`,
        durationMs: clock.now() - started,
        ...(killed ? { killed } : {}),
        truncated: stdout.truncated || stderr.truncated,
      });
    });

    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}
