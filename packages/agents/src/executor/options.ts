/**
 * The executor's options and their defaults. Each option names the setting that will set it
 * (wired into packages/core config later), so an error can tell the user what to change.
 */
import { type Clock, DEFAULT_ALLOWED_PROGRAMS, DEFAULT_ENV_ALLOWLIST } from "@synapse/core";

/** Where commands run: inside bubblewrap, as plain processes, or bubblewrap when it works here. */
export type IsolationMode = "auto" | "bwrap" | "process";
/** The isolation actually in force. */
export type Isolation = "bwrap" | "process";

export { DEFAULT_ALLOWED_PROGRAMS, DEFAULT_ENV_ALLOWLIST };

/** Where the executor logs (a pino Logger fits). */
export interface ExecutorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ExecutorOptions {
  /** Directory for embedded state; workspaces go under `<dataDir>/workspaces`. Defaults to "./.synapse". */
  dataDir?: string;
  /** Directory holding the per-run workspaces. Defaults to `<dataDir>/workspaces`. */
  workspaceRoot?: string;
  /** Program names (basenames) a command may run. Defaults to `DEFAULT_ALLOWED_PROGRAMS`. Setting: SYNAPSE_CODEX_ALLOWED_PROGRAMS. */
  allowedPrograms?: readonly string[];
  /**
   * Lets a command line with shell syntax (`;`, `|`, `&&`, `$(…)`, redirections…) run through
   * `/bin/sh -c`. The allowlist and path checks cannot see inside a shell line, so turn this on
   * only with bwrap isolation. Defaults to false. Setting: SYNAPSE_CODEX_ALLOW_SHELL.
   */
  allowShell?: boolean;
  /** Lets a command run a program that lives inside its workspace (e.g. `./build.sh`), if its name is allowed. Defaults to false. */
  allowWorkspacePrograms?: boolean;
  /** Environment variable names passed to commands. Defaults to `DEFAULT_ENV_ALLOWLIST`. Setting: SYNAPSE_CODEX_ENV_ALLOWLIST. */
  envAllowlist?: readonly string[];
  /** Milliseconds before a command's whole process group is killed. Defaults to 30 seconds. Setting: SYNAPSE_CODEX_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Bytes kept of each of stdout and stderr; the rest is read and dropped. Defaults to 64 KiB. Setting: SYNAPSE_CODEX_OUTPUT_CAP_BYTES. */
  outputCapBytes?: number;
  /** Commands running at once; more wait in FIFO order. Defaults to 4. Setting: SYNAPSE_CODEX_MAX_CONCURRENT. */
  maxConcurrent?: number;
  /** Commands allowed to wait for a slot; more are refused with RESOURCE_EXHAUSTED. Defaults to 64. Setting: SYNAPSE_CODEX_MAX_WAITING. */
  maxWaiting?: number;
  /** "auto" uses bubblewrap when it works here. Defaults to "auto". Setting: SYNAPSE_CODEX_ISOLATION. */
  isolation?: IsolationMode;
  /** Keeps each run's workspace instead of removing it afterwards (for debugging). Defaults to false. */
  keepWorkspace?: boolean;
  /** The bubblewrap binary. Defaults to `bwrap` looked up on the service's PATH. */
  bwrapPath?: string;
  /** The environment commands' variables are taken from. Defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Time source for timeouts and durations. Defaults to the system clock. */
  clock?: Clock;
  /** Where the isolation choice and fallbacks are logged. Defaults to no logging. */
  logger?: ExecutorLogger;
}

/** The documented defaults, in one place (everything but the clock, logger and environment). */
export const EXECUTOR_DEFAULTS = {
  dataDir: "./.synapse",
  allowedPrograms: DEFAULT_ALLOWED_PROGRAMS,
  allowShell: false,
  allowWorkspacePrograms: false,
  envAllowlist: DEFAULT_ENV_ALLOWLIST,
  timeoutMs: 30_000,
  outputCapBytes: 64 * 1024,
  maxConcurrent: 4,
  maxWaiting: 64,
  isolation: "auto" as IsolationMode,
  keepWorkspace: false,
  bwrapPath: "bwrap",
} as const;

/** Per-call options of `run` and `runAll`. */
export interface RunOptions {
  /** Aborting kills the running command's process group (the report says `killed: true`). */
  signal?: AbortSignal;
  /** Overrides the executor's timeout for this call, in milliseconds. */
  timeoutMs?: number;
  /**
   * Name of a workspace to run in (letters, digits, `.`, `_`, `-`), created under the workspace
   * root if missing and kept afterwards, so several calls can share files. Defaults to a fresh
   * workspace that is removed when the call ends.
   */
  workspace?: string;
}
