/**
 * The codex agent's command executor: runs commands (never through a shell unless allowed) in a
 * fresh workspace, with allowlisted programs, a reduced environment, paths kept inside the
 * workspace, a timeout that kills the whole process group, capped output, a concurrency limit,
 * and bubblewrap isolation when this machine can provide it.
 */
import { join, resolve } from "node:path";
import type { CommandReport } from "@synapse/core";
import { SynapseError } from "@synapse/core";
import { bwrapCommand, bwrapSandboxArgs, chooseIsolation, probeBwrap } from "./bwrap.js";
import { childEnvironment } from "./child-environment.js";
import { type ParsedCommand, parseCommand } from "./command-line.js";
import { ConcurrencyLimit } from "./concurrency-limit.js";
import { EXECUTOR_DEFAULTS, type ExecutorOptions, type Isolation, type RunOptions } from "./options.js";
import { assertArgsInside } from "./path-guard.js";
import { assertProgramName, resolveProgram } from "./program.js";
import { runProcess } from "./run-process.js";
import { resolveSettings, type Settings } from "./settings.js";
import type { Workspace } from "./workspaces.js";
import { Workspaces } from "./workspaces.js";

/** The result of `runAll`: the shape of the codex `execute` action's result. */
export interface ExecuteReport {
  commands: CommandReport[];
  executed: true;
  isolation: Isolation;
}

export class CommandExecutor {
  private readonly settings: Settings;
  private readonly workspaces: Workspaces;
  private readonly limit: ConcurrencyLimit;
  private readonly chosen: { isolation: Isolation; bwrap?: string; reason: string };
  private readonly sandbox: readonly string[];
  private readonly closing = new AbortController();

  /**
   * Validates the options, creates the workspace root and picks the isolation (probing
   * bubblewrap once per process). Throws INVALID_ARGUMENT for a bad option and
   * FAILED_PRECONDITION when `isolation: "bwrap"` is asked for but cannot work here.
   */
  constructor(options: ExecutorOptions = {}) {
    this.settings = resolveSettings(options);
    const s = this.settings;
    this.workspaces = new Workspaces(
      resolve(options.workspaceRoot ?? join(options.dataDir ?? EXECUTOR_DEFAULTS.dataDir, "workspaces")),
    );
    this.limit = new ConcurrencyLimit(s.maxConcurrent, s.maxWaiting);
    this.chosen = chooseIsolation(s.isolation, () => probeBwrap(s.bwrapPath, s.searchPath));
    this.sandbox = this.chosen.isolation === "bwrap" ? bwrapSandboxArgs(s.searchPath) : [];
    if (s.isolation === "auto" && this.chosen.isolation === "process") {
      s.logger?.warn(
        { isolation: "process", reason: this.chosen.reason },
        `codex commands run without bubblewrap: ${this.chosen.reason}`,
      );
    } else {
      s.logger?.info(
        { isolation: this.chosen.isolation },
        `codex commands run with ${this.chosen.isolation} isolation`,
      );
    }
  }

  /** The isolation in force for every command: "bwrap" or "process". */
  isolation(): Isolation {
    return this.chosen.isolation;
  }

  /** The isolation and why it was chosen (for describe and health). */
  isolationInfo(): { isolation: Isolation; reason: string } {
    return { isolation: this.chosen.isolation, reason: this.chosen.reason };
  }

  /** The real path of the directory holding the workspaces. */
  get workspaceRoot(): string {
    return this.workspaces.root;
  }

  /** Commands running now and waiting for a slot. */
  stats(): { running: number; waiting: number } {
    return this.limit.stats();
  }

  /** Runs one command; see `runAll`. */
  async run(command: string | readonly string[], options: RunOptions = {}): Promise<CommandReport> {
    const report = await this.runAll([command], options);
    return report.commands[0] as CommandReport;
  }

  /**
   * Runs `commands` one after another in one workspace, stopping after the first that fails
   * (non-zero exit) or is killed. All are checked before any runs (syntax, allowlist, paths),
   * and paths again right before each. A timeout or abort while a command runs ends in a report
   * with `killed: true`; an abort while waiting for a slot rejects with CANCELLED.
   */
  async runAll(
    commands: ReadonlyArray<string | readonly string[]>,
    options: RunOptions = {},
  ): Promise<ExecuteReport> {
    if (this.closing.signal.aborted) {
      throw new SynapseError("UNAVAILABLE", "The command executor is shutting down; try another replica.");
    }
    if (commands.length === 0) throw new SynapseError("INVALID_ARGUMENT", "No command was given.");
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        "timeoutMs must be a whole number of milliseconds, at least 1.",
      );
    }
    const parsed = commands.map((c) => this.parse(c));
    const workspace = await this.workspaces.open(options.workspace);
    const { signal, unlink } = linkSignals(options.signal, this.closing.signal);
    const reports: CommandReport[] = [];
    try {
      for (const command of parsed) this.resolve(command, workspace);
      for (const command of parsed) {
        const release = await this.limit.acquire(signal);
        let report: CommandReport;
        try {
          report = await this.runOne(command, workspace, timeoutMs, signal);
        } finally {
          release();
        }
        reports.push(report);
        if (report.killed || report.exitCode !== 0) break;
      }
    } finally {
      unlink();
      if (!this.settings.keepWorkspace) {
        const failed = await this.workspaces.close(workspace);
        if (failed) this.settings.logger?.warn({ err: failed }, "could not remove a command workspace");
      }
    }
    return { commands: reports, executed: true, isolation: this.chosen.isolation };
  }

  /** Kills every running command's process group and refuses waiting and new calls. */
  close(): void {
    this.closing.abort();
    this.limit.rejectWaiting(
      new SynapseError("UNAVAILABLE", "The command executor is shutting down; try another replica."),
    );
  }

  private parse(command: string | readonly string[]): ParsedCommand {
    const parsed = parseCommand(command, this.settings.allowShell);
    const parts = parsed.kind === "argv" ? parsed.argv : [parsed.line];
    if (parts.some((p) => p.includes("\0"))) {
      throw new SynapseError(
        "INVALID_ARGUMENT",
        "The command contains a NUL character, which no argument can hold.",
      );
    }
    if (parsed.kind === "argv") assertProgramName(parsed.argv[0] as string, this.settings.allowedPrograms);
    return parsed;
  }

  /** The program to spawn and its arguments, after the program and path checks. */
  private resolve(command: ParsedCommand, workspace: Workspace): { file: string; args: string[] } {
    if (command.kind === "shell") return { file: "/bin/sh", args: ["-c", command.line] };
    const [program, ...args] = command.argv as [string, ...string[]];
    const file = resolveProgram(program, workspace.path, {
      allowedPrograms: this.settings.allowedPrograms,
      allowWorkspacePrograms: this.settings.allowWorkspacePrograms,
      searchPath: this.settings.searchPath,
    });
    assertArgsInside(args, workspace.path);
    return { file, args };
  }

  private async runOne(
    command: ParsedCommand,
    workspace: Workspace,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<CommandReport> {
    const argv = command.kind === "shell" ? ["/bin/sh", "-c", command.line] : command.argv;
    const { file, args } = this.resolve(command, workspace);
    const bwrap = this.chosen.bwrap;
    const outcome = await runProcess({
      file: bwrap ?? file,
      args: bwrap ? bwrapCommand(this.sandbox, workspace.path, [file, ...args]) : args,
      argv0: bwrap ? "bwrap" : (argv[0] as string),
      cwd: workspace.path,
      env: childEnvironment(this.settings.env, this.settings.envAllowlist, workspace.path),
      timeoutMs,
      outputCapBytes: this.settings.outputCapBytes,
      signal,
      reasonOf: () => (this.closing.signal.aborted ? "shutdown" : "cancelled"),
      clock: this.settings.clock,
    });
    return {
      argv,
      exitCode: outcome.exitCode,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      durationMs: outcome.durationMs,
      ...(outcome.killed ? { killed: true } : {}),
      ...(outcome.truncated ? { truncated: true } : {}),
    };
  }
}

/**
 * One signal that aborts when either does. Written out rather than AbortSignal.any, whose
 * listeners on a long-lived signal (the executor's) are only released by garbage collection.
 */
function linkSignals(
  call: AbortSignal | undefined,
  executor: AbortSignal,
): { signal: AbortSignal; unlink: () => void } {
  if (!call) return { signal: executor, unlink: () => {} };
  const linked = new AbortController();
  const onAbort = () => linked.abort();
  if (call.aborted || executor.aborted) linked.abort();
  call.addEventListener("abort", onAbort, { once: true });
  executor.addEventListener("abort", onAbort, { once: true });
  const unlink = () => {
    call.removeEventListener("abort", onAbort);
    executor.removeEventListener("abort", onAbort);
  };
  return { signal: linked.signal, unlink };
}
