/**
 * One run of a vendor CLI as a subprocess: its own process group (spawned detached), stdin
 * closed, stdout read line by line, the tail of stderr kept for error messages. Cancelling or
 * timing out kills the whole group, and so does the CLI's exit (whatever it left running would
 * otherwise hold our pipes open and outlive the call).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Clock } from "@synapse/core";

/** Bytes of stderr kept for the error message of a failed run. */
const STDERR_TAIL_BYTES = 4096;

export interface CliProcessOptions {
  file: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Aborting kills the process group; `exit()` then says `killed: "cancel"`. */
  signal: AbortSignal;
  /** Milliseconds before the process group is killed; `exit()` then says `killed: "timeout"`. */
  timeoutMs: number;
  clock: Clock;
}

export interface CliExit {
  code: number | null;
  /** Why we killed it, when we did. */
  killed?: "cancel" | "timeout";
  /** Set when the CLI could not be started at all (ENOENT, EACCES, E2BIG). */
  spawnError?: NodeJS.ErrnoException;
}

export class CliProcess {
  readonly #child: ChildProcess;
  readonly #exit: Promise<CliExit>;
  readonly #cleanup: () => void;
  #stderr = "";
  #killed: CliExit["killed"];

  constructor(options: CliProcessOptions) {
    const child = spawn(options.file, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    const onAbort = () => this.kill("cancel");
    options.signal.addEventListener("abort", onAbort, { once: true });
    const cancelTimer = options.clock.setTimeout(() => this.kill("timeout"), options.timeoutMs);
    this.#cleanup = () => {
      options.signal.removeEventListener("abort", onAbort);
      cancelTimer();
    };
    this.#exit = new Promise((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        // Only a failed start ends the run here; a failed kill of a running child also lands here.
        if (child.pid === undefined) {
          this.#cleanup();
          resolve({ code: null, spawnError: err });
        }
      });
      child.once("exit", (code) => {
        this.#cleanup();
        this.#killGroup();
        resolve({ code, ...(this.#killed ? { killed: this.#killed } : {}) });
      });
    });
    if (options.signal.aborted) onAbort();
  }

  /** stdout, line by line; ends when every process holding it is gone. */
  lines(): AsyncIterable<string> {
    const stdout = this.#child.stdout;
    if (!stdout) return (async function* () {})();
    return createInterface({ input: stdout, crlfDelay: Number.POSITIVE_INFINITY });
  }

  /** Resolves when the CLI has exited (or failed to start). */
  exit(): Promise<CliExit> {
    return this.#exit;
  }

  /** The last lines the CLI wrote to stderr. */
  stderrTail(): string {
    return this.#stderr.trim();
  }

  /** Kills the whole process group now (idempotent); the first reason given is kept. */
  kill(reason: "cancel" | "timeout"): void {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#killed ??= reason;
    this.#killGroup();
  }

  #killGroup(): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}
