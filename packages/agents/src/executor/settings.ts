/**
 * The executor's options, checked once and filled in with their defaults, so the rest of the
 * executor works with complete, valid values.
 */
import type { Clock } from "@synapse/core";
import { SynapseError, systemClock } from "@synapse/core";
import { FALLBACK_PATH, isPassableName } from "./child-environment.js";
import {
  EXECUTOR_DEFAULTS,
  type ExecutorLogger,
  type ExecutorOptions,
  type IsolationMode,
} from "./options.js";

export interface Settings {
  allowedPrograms: ReadonlySet<string>;
  allowShell: boolean;
  allowWorkspacePrograms: boolean;
  envAllowlist: readonly string[];
  timeoutMs: number;
  outputCapBytes: number;
  maxConcurrent: number;
  maxWaiting: number;
  isolation: IsolationMode;
  keepWorkspace: boolean;
  bwrapPath: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The PATH commands see, where their programs are looked up. */
  searchPath: string;
  clock: Clock;
  logger: ExecutorLogger | undefined;
}

function bad(message: string): SynapseError {
  return new SynapseError("INVALID_ARGUMENT", `Invalid command executor option: ${message}`);
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw bad(`${name} must be a whole number ≥ ${min}, not ${value}.`);
  return value;
}

/** Fills in defaults and validates; throws INVALID_ARGUMENT naming the bad option. */
export function resolveSettings(options: ExecutorOptions): Settings {
  const d = EXECUTOR_DEFAULTS;
  const allowed = options.allowedPrograms ?? d.allowedPrograms;
  for (const name of allowed) {
    if (name === "" || name.includes("/")) throw bad(`allowedPrograms holds names, not paths ("${name}").`);
  }
  const envAllowlist = options.envAllowlist ?? d.envAllowlist;
  for (const name of envAllowlist) {
    if (!isPassableName(name)) {
      throw bad(
        `envAllowlist may not hold "${name}": SYNAPSE_* settings and credentials never reach commands.`,
      );
    }
  }
  const isolation = options.isolation ?? d.isolation;
  if (!["auto", "bwrap", "process"].includes(isolation)) {
    throw bad(`isolation must be "auto", "bwrap" or "process", not "${isolation}".`);
  }
  const env = options.env ?? process.env;
  return {
    allowedPrograms: new Set(allowed),
    allowShell: options.allowShell ?? d.allowShell,
    allowWorkspacePrograms: options.allowWorkspacePrograms ?? d.allowWorkspacePrograms,
    envAllowlist,
    timeoutMs: wholeNumber("timeoutMs", options.timeoutMs ?? d.timeoutMs, 1),
    outputCapBytes: wholeNumber("outputCapBytes", options.outputCapBytes ?? d.outputCapBytes, 0),
    maxConcurrent: wholeNumber("maxConcurrent", options.maxConcurrent ?? d.maxConcurrent, 1),
    maxWaiting: wholeNumber("maxWaiting", options.maxWaiting ?? d.maxWaiting, 0),
    isolation,
    keepWorkspace: options.keepWorkspace ?? d.keepWorkspace,
    bwrapPath: options.bwrapPath ?? d.bwrapPath,
    env,
    searchPath: env.PATH || FALLBACK_PATH,
    clock: options.clock ?? systemClock,
    logger: options.logger,
  };
}
