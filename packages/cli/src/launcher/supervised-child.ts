/**
 * One child process under supervision: spawned with an IPC channel, up when it sends `ready`,
 * restarted with backoff when it exits without being asked, stopped with SIGTERM and, after a
 * grace period, SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { type Clock, type Logger, SynapseError } from "@synapse/core";
import { type ChildSpec, type ListenPorts, parseReadyMessage } from "./child-spec.js";
import { relayLines } from "./log-relay.js";
import type { RestartBackoff } from "./restart-backoff.js";

export type ChildState = "starting" | "ready" | "restarting" | "stopping" | "stopped" | "failed";

/** What happened to a child, for logs and for whoever watches (tests, a future status page). */
export type LauncherEvent =
  | { type: "spawned"; name: string; pid: number }
  | { type: "ready"; name: string; pid: number; ports: ListenPorts }
  | {
      type: "exited";
      name: string;
      pid: number;
      code: number | null;
      signal: string | null;
      expected: boolean;
    }
  | { type: "restarting"; name: string; delayMs: number; attempt: number };

export interface ChildStatus {
  name: string;
  state: ChildState;
  pid: number | undefined;
  ports: ListenPorts;
}

export interface SupervisedChildOptions {
  /** The node executable. */
  execPath: string;
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** How long a child may take to send `ready`, in milliseconds. */
  readyTimeoutMs: number;
  /** How long a child may take to exit after SIGTERM before it gets SIGKILL, in milliseconds. */
  stopTimeoutMs: number;
  backoff: RestartBackoff;
  /** The launcher's own logger, for what happens to the child. */
  logger: Logger;
  /** A logger named after the child, for the child's own log lines. */
  childLogger: Logger;
  /** Where the child's lines that are not log records go, prefixed with its name. */
  stdout: Writable;
  stderr: Writable;
  onEvent?: (event: LauncherEvent) => void;
}

export class SupervisedChild {
  private state: ChildState = "starting";
  private proc: ChildProcess | undefined;
  private ports: ListenPorts;
  /** Cancels the pending ready timeout or restart delay. */
  private cancelTimer: (() => void) | undefined;
  private exitWaiters: (() => void)[] = [];
  private firstStart: { resolve: () => void; reject: (err: SynapseError) => void } | undefined;

  constructor(
    readonly spec: ChildSpec,
    private readonly options: SupervisedChildOptions,
  ) {
    this.ports = { ...spec.ports };
  }

  status(): ChildStatus {
    return { name: this.spec.name, state: this.state, pid: this.proc?.pid, ports: { ...this.ports } };
  }

  /** Spawns the child; resolves when it is ready, rejects when it exits or times out first. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject };
      this.spawnOnce();
    });
  }

  /** SIGTERM, then SIGKILL after the stop timeout; resolves once the child has exited. No restart follows. */
  async stop(): Promise<void> {
    this.clearTimer();
    this.failStart(new SynapseError("CANCELLED", `${this.spec.name}: stopped before it was ready.`));
    this.state = "stopping";
    const proc = this.proc;
    if (proc === undefined) {
      this.state = "stopped";
      return;
    }
    proc.kill("SIGTERM");
    if (await this.waitForExit(this.options.stopTimeoutMs)) return;
    this.options.logger.warn(
      { child: this.spec.name, pid: proc.pid },
      `${this.spec.name} did not exit within ${this.options.stopTimeoutMs} ms of SIGTERM; killing it`,
    );
    proc.kill("SIGKILL");
    await this.waitForExit(Number.POSITIVE_INFINITY);
  }

  /** SIGKILL now (a second Ctrl-C); `stop()` still resolves when the child is gone. */
  kill(): void {
    this.proc?.kill("SIGKILL");
  }

  private spawnOnce(): void {
    const { execPath, env, logger, childLogger, stdout, stderr } = this.options;
    this.state = "starting";
    // Own process group: a Ctrl-C in the terminal reaches the launcher only, which then stops
    // the children in order (SIGTERM, drain, SIGKILL) instead of every process at once.
    const proc = spawn(execPath, this.spec.args, {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env,
      detached: true,
    });
    this.proc = proc;
    relayLines(proc.stdout!, this.spec.name, childLogger, stdout);
    relayLines(proc.stderr!, this.spec.name, childLogger, stderr);
    proc.on("message", (message) => this.onMessage(proc, message));
    // "close" rather than "exit": it comes once the child's output is read too, so every line
    // it wrote is relayed before the launcher reports it gone.
    proc.once("close", (code, signal) => this.onExit(proc, code, signal));
    proc.on("error", (err) => {
      logger.error({ child: this.spec.name, err: err.message }, `${this.spec.name}: ${err.message}`);
      if (proc.pid === undefined) this.onExit(proc, null, null);
    });
    if (proc.pid === undefined) return;
    this.emit({ type: "spawned", name: this.spec.name, pid: proc.pid });
    logger.debug({ child: this.spec.name, pid: proc.pid }, `${this.spec.name} started`);
    this.cancelTimer = this.options.clock.setTimeout(
      () => this.onReadyTimeout(proc),
      this.options.readyTimeoutMs,
    );
  }

  private onMessage(proc: ChildProcess, message: unknown): void {
    const ready = parseReadyMessage(message);
    if (ready === undefined || proc !== this.proc || this.state !== "starting") return;
    this.clearTimer();
    this.state = "ready";
    this.ports = { ...this.ports, ...ready.ports };
    this.options.backoff.up();
    const pid = proc.pid ?? 0;
    this.emit({ type: "ready", name: this.spec.name, pid, ports: this.ports });
    // debug: the child logs its own ready line, and the launcher prints the table.
    this.options.logger.debug({ child: this.spec.name, pid, ports: this.ports }, `${this.spec.name} ready`);
    this.firstStart?.resolve();
    this.firstStart = undefined;
  }

  private onReadyTimeout(proc: ChildProcess): void {
    this.cancelTimer = undefined;
    if (proc !== this.proc || this.state !== "starting") return;
    const message =
      `${this.spec.name} did not report ready within ${this.options.readyTimeoutMs} ms ` +
      "(launcher.readyTimeoutMs, SYNAPSE_READY_TIMEOUT_MS); see its log above.";
    if (this.firstStart !== undefined) {
      this.state = "failed";
      this.failStart(new SynapseError("DEADLINE_EXCEEDED", message));
      return;
    }
    // A restart that hangs is treated as another crash: killed, then restarted after a longer delay.
    this.options.logger.warn({ child: this.spec.name, pid: proc.pid }, `${message} Killing it.`);
    proc.kill("SIGKILL");
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.clearTimer();
    const pid = proc.pid ?? 0;
    const expected = this.state === "stopping" || this.state === "failed";
    this.emit({ type: "exited", name: this.spec.name, pid, code, signal, expected });
    for (const wake of this.exitWaiters.splice(0)) wake();
    const how = signal === null ? `code ${code}` : `signal ${signal}`;
    const { logger } = this.options;
    if (this.state === "stopping") {
      this.state = "stopped";
      logger.info({ child: this.spec.name, pid, code, signal }, `${this.spec.name} stopped (${how})`);
      return;
    }
    if (this.firstStart !== undefined) {
      this.state = "failed";
      this.failStart(
        new SynapseError(
          "UNAVAILABLE",
          `${this.spec.name} exited (${how}) before it was ready; see its log above.`,
        ),
      );
      return;
    }
    if (this.state === "failed") return;
    const delayMs = this.options.backoff.crashed();
    const attempt = this.options.backoff.attempts;
    this.state = "restarting";
    logger.warn(
      { child: this.spec.name, pid, code, signal, attempt, delayMs },
      `${this.spec.name} exited unexpectedly (${how}); restarting in ${delayMs} ms`,
    );
    this.emit({ type: "restarting", name: this.spec.name, delayMs, attempt });
    this.cancelTimer = this.options.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.spawnOnce();
    }, delayMs);
  }

  /** Resolves true when the child exits within `ms`, false otherwise. */
  private waitForExit(ms: number): Promise<boolean> {
    if (this.proc === undefined) return Promise.resolve(true);
    return new Promise((resolve) => {
      const cancel = Number.isFinite(ms) ? this.options.clock.setTimeout(() => resolve(false), ms) : () => {};
      this.exitWaiters.push(() => {
        cancel();
        resolve(true);
      });
    });
  }

  private failStart(err: SynapseError): void {
    this.firstStart?.reject(err);
    this.firstStart = undefined;
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private emit(event: LauncherEvent): void {
    this.options.onEvent?.(event);
  }
}
