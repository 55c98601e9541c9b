/**
 * The launcher: runs a set of child processes (the agent services, later the gateway), reports
 * when all are ready, keeps them running, and stops them all. Starting is all-or-nothing: if one
 * child fails to come up, the others are stopped before the error is reported, so nothing is
 * left behind.
 */
import type { Writable } from "node:stream";
import { type Clock, type Config, type Logger, SynapseError, systemClock } from "@synapse/core";
import type { ChildSpec } from "./child-spec.js";
import { RestartBackoff } from "./restart-backoff.js";
import { type ChildStatus, type LauncherEvent, SupervisedChild } from "./supervised-child.js";

export interface LauncherOptions {
  /** How long each child may take to send `ready`, in milliseconds (launcher.readyTimeoutMs). */
  readyTimeoutMs: number;
  /** First restart delay of a crashed child, in milliseconds (launcher.restartInitialMs). */
  restartInitialMs: number;
  /** Longest restart delay, in milliseconds (launcher.restartMaxMs). */
  restartMaxMs: number;
  /** How long a child may take to exit after SIGTERM, in milliseconds (drain timeout + 2 s). */
  stopTimeoutMs: number;
  /** A child up this long before it crashes is restarted after the initial delay again. Defaults to 30 000 ms. */
  stableMs?: number;
  /** The launcher's logger. */
  logger: Logger;
  /** Makes the logger a child's own log lines are re-emitted through; it must carry the child's name. */
  childLogger: (name: string) => Logger;
  /** Defaults to process.execPath. */
  execPath?: string;
  /** The children's environment, before SYNAPSE_LOG_FORMAT and SYNAPSE_PROCESS_NAME are set. Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** Where children's lines that are not log records go. Default to process.stdout / process.stderr. */
  stdout?: Writable;
  stderr?: Writable;
  onEvent?: (event: LauncherEvent) => void;
}

/** The launcher settings of a configuration. */
export function launcherSettings(
  config: Config,
): Pick<LauncherOptions, "readyTimeoutMs" | "restartInitialMs" | "restartMaxMs" | "stopTimeoutMs"> {
  return {
    readyTimeoutMs: config.launcher.readyTimeoutMs,
    restartInitialMs: config.launcher.restartInitialMs,
    restartMaxMs: config.launcher.restartMaxMs,
    // The child drains for up to drainTimeoutMs; 2 s more covers closing its listeners.
    stopTimeoutMs: config.service.drainTimeoutMs + 2_000,
  };
}

export class Launcher {
  private readonly children: SupervisedChild[];
  private stopping: Promise<void> | undefined;

  constructor(specs: readonly ChildSpec[], options: LauncherOptions) {
    const clock = options.clock ?? systemClock;
    const env = options.env ?? process.env;
    this.children = specs.map(
      (spec) =>
        new SupervisedChild(spec, {
          execPath: options.execPath ?? process.execPath,
          // JSON so the launcher can re-emit each line under the child's name (see log-relay.ts).
          env: { ...env, SYNAPSE_LOG_FORMAT: "json", SYNAPSE_PROCESS_NAME: spec.name },
          clock,
          readyTimeoutMs: options.readyTimeoutMs,
          stopTimeoutMs: options.stopTimeoutMs,
          backoff: new RestartBackoff({
            initialMs: options.restartInitialMs,
            maxMs: options.restartMaxMs,
            ...(options.stableMs === undefined ? {} : { stableMs: options.stableMs }),
            clock,
          }),
          logger: options.logger,
          childLogger: options.childLogger(spec.name),
          stdout: options.stdout ?? process.stdout,
          stderr: options.stderr ?? process.stderr,
          ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
        }),
    );
  }

  /**
   * Starts every child and resolves with their status once all are ready. If one exits or times
   * out first, stops all of them and rejects with that child's error (a SynapseError naming it).
   */
  async start(): Promise<ChildStatus[]> {
    const starts = this.children.map((child) => child.start());
    // The first failure decides; the others reject with CANCELLED when stopped, which is expected.
    for (const start of starts) start.catch(() => {});
    try {
      await Promise.all(starts);
    } catch (err) {
      await this.stop();
      throw SynapseError.from(err);
    }
    return this.status();
  }

  /**
   * Stops every child (SIGTERM, then SIGKILL after the stop timeout): those marked `stopsFirst`,
   * then the rest. Idempotent; resolves when all are gone.
   */
  stop(): Promise<void> {
    const stopAll = (children: SupervisedChild[]) => Promise.all(children.map((child) => child.stop()));
    this.stopping ??= stopAll(this.children.filter((c) => c.spec.stopsFirst === true))
      .then(() => stopAll(this.children.filter((c) => c.spec.stopsFirst !== true)))
      .then(() => {});
    return this.stopping;
  }

  /** Kills every child now, for a second Ctrl-C; a pending `stop()` resolves once they are gone. */
  kill(): void {
    for (const child of this.children) child.kill();
  }

  status(): ChildStatus[] {
    return this.children.map((child) => child.status());
  }
}
