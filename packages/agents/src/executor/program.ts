/**
 * Which program a command runs, and whether it may. Programs are allowed by name (basename);
 * a program given with a path must be that same allowed program as found on PATH, or — only with
 * `allowWorkspacePrograms` — a file inside the workspace, so a look-alike elsewhere cannot pass.
 */
import { realpathSync } from "node:fs";
import { basename, isAbsolute } from "node:path";
import { SynapseError } from "@synapse/core";
import which from "which";
import { isInside } from "./path-guard.js";

export interface ProgramPolicy {
  allowedPrograms: ReadonlySet<string>;
  allowWorkspacePrograms: boolean;
  /** The PATH commands see (the reduced environment's), where programs are looked up. */
  searchPath: string;
}

function notAllowed(name: string, allowed: ReadonlySet<string>): SynapseError {
  return new SynapseError(
    "PERMISSION_DENIED",
    `Program "${name}" is not allowed. Allowed programs: ${[...allowed].sort().join(", ")}. ` +
      "To allow more, add them to allowedPrograms (SYNAPSE_CODEX_ALLOWED_PROGRAMS).",
    { details: { program: name } },
  );
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync.native(path); // realpath(3): ".." after a symlink applies to its target
  } catch {
    return undefined;
  }
}

/** Every place `name` is found on `searchPath`, in PATH order. */
function onPath(name: string, searchPath: string): readonly string[] {
  return which.sync(name, { path: searchPath, all: true, nothrow: true }) ?? [];
}

/** Throws PERMISSION_DENIED unless the program's name (its basename) is allowed. */
export function assertProgramName(program: string, allowed: ReadonlySet<string>): void {
  const name = program.includes("/") ? basename(program) : program;
  if (!allowed.has(name)) throw notAllowed(name, allowed);
}

/**
 * Checks `program` (argv[0]) against the policy and returns the absolute path to spawn.
 * Throws PERMISSION_DENIED (not allowed, or a path that is not the allowed program) or
 * NOT_FOUND (allowed but not installed).
 */
export function resolveProgram(program: string, workspace: string, policy: ProgramPolicy): string {
  assertProgramName(program, policy.allowedPrograms);
  const name = program.includes("/") ? basename(program) : program;
  if (!program.includes("/")) {
    // The path as found, not its real path: multi-call binaries (busybox) dispatch on their name.
    const found = onPath(name, policy.searchPath)[0];
    if (found === undefined) {
      throw new SynapseError(
        "NOT_FOUND",
        `Program "${name}" is allowed but is not installed on the commands' PATH; install it or use another program.`,
        { details: { program: name } },
      );
    }
    return found;
  }
  const real = realpathOrUndefined(isAbsolute(program) ? program : `${workspace}/${program}`);
  if (real === undefined) {
    throw new SynapseError("NOT_FOUND", `Program "${program}" does not exist.`, {
      details: { program: name },
    });
  }
  if (isInside(workspace, real)) {
    if (policy.allowWorkspacePrograms) return real;
    throw new SynapseError(
      "PERMISSION_DENIED",
      `Program "${program}" lives in the workspace, and running workspace files is off. ` +
        "Enable it with allowWorkspacePrograms, or run an installed program by name.",
      { details: { program: name } },
    );
  }
  if (!onPath(name, policy.searchPath).some((p) => realpathOrUndefined(p) === real)) {
    throw new SynapseError(
      "PERMISSION_DENIED",
      `Program "${program}" is not the "${name}" installed on the commands' PATH. Give the program by name ("${name}").`,
      { details: { program: name } },
    );
  }
  return real;
}
