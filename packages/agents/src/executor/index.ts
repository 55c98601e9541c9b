/** The codex agent's safe command executor. */

export type { BwrapProbe } from "./bwrap.js";
export { probeBwrap } from "./bwrap.js";
export type { ExecuteReport } from "./command-executor.js";
export { CommandExecutor } from "./command-executor.js";
export type { ParsedCommand, ShellSyntax } from "./command-line.js";
export { findShellSyntax, parseCommand } from "./command-line.js";
export type { ExecutorLogger, ExecutorOptions, Isolation, IsolationMode, RunOptions } from "./options.js";
export {
  DEFAULT_ALLOWED_PROGRAMS,
  DEFAULT_ENV_ALLOWLIST,
  EXECUTOR_DEFAULTS,
} from "./options.js";
