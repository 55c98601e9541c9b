/**
 * Keeping arguments inside the workspace. Every argument that looks like a path (has a `/`, is
 * `..`, or names a symlink in the workspace) is resolved the way the kernel would (symlinks followed, `..` applied after them) and refused if it lands
 * outside. This is a first line of defence that catches mistakes and plain attempts; it cannot
 * see paths a program builds itself (that is what bwrap isolation is for).
 */
import { lstatSync, realpathSync } from "node:fs";
import { relative } from "node:path";
import { SynapseError } from "@synapse/core";

/** True when `path` is `dir` or below it (both absolute and already real). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (rel !== ".." && !rel.startsWith("../") && !rel.startsWith("/"));
}

/**
 * Where `raw` (absolute, not normalised) really points: the real path of its deepest existing
 * ancestor plus the rest. Resolving the raw string, not a normalised one, matters: for a
 * symlink `link -> /etc`, `link/../x` is `/x`, while lexical normalisation would say `./x`.
 */
export function realTarget(raw: string): string {
  let head = raw.replace(/\/+$/, "") || "/";
  let tail = "";
  for (;;) {
    try {
      // .native is realpath(3): it applies each ".." after the symlink before it, as the kernel
      // does. The JS realpathSync normalises the string first, which is exactly the mistake.
      const real = realpathSync.native(head);
      return tail === "" ? real : `${real === "/" ? "" : real}/${tail}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    }
    const cut = head.lastIndexOf("/");
    if (cut <= 0) return raw; // nothing but "/" exists above: the path stays as given
    tail = tail === "" ? head.slice(cut + 1) : `${head.slice(cut + 1)}/${tail}`;
    head = head.slice(0, cut) || "/";
  }
}

/** The parts of an argument that may name a file: the argument, an option's value after `=`, a short option's glued value. */
function pathCandidates(arg: string): string[] {
  const out = [arg];
  if (arg.startsWith("-")) {
    const eq = arg.indexOf("=");
    if (eq >= 0) out.push(arg.slice(eq + 1));
    if (/^-[A-Za-z0-9]./.test(arg)) out.push(arg.slice(2));
  }
  return out;
}

/** A bare name is a path only when it is `..` or a symlink in the workspace (which may lead out). */
function looksLikePath(workspace: string, candidate: string): boolean {
  if (candidate.includes("/") || candidate === "..") return true;
  if (candidate === "" || candidate === ".") return false;
  try {
    return lstatSync(`${workspace}/${candidate}`).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Resolves `candidate` against `workspace` and tells whether it stays inside (unreadable → outside). */
function staysInside(workspace: string, candidate: string): boolean {
  const raw = candidate.startsWith("/") ? candidate : `${workspace}/${candidate}`;
  // A path whose target cannot even be resolved (a symlink loop, no permission) is refused.
  // ".." segments in the part that does not exist yet are applied lexically, conservatively.
  let target: string;
  try {
    target = realTarget(raw);
  } catch {
    return false;
  }
  const parts: string[] = [];
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return isInside(workspace, `/${parts.join("/")}`);
}

/**
 * Throws PERMISSION_DENIED for the first argument (argv[1…]) that names a path outside
 * `workspace` (which must be a real path). Checked right before each command runs, because an
 * earlier command may have created symlinks.
 */
export function assertArgsInside(args: readonly string[], workspace: string): void {
  for (const arg of args) {
    for (const candidate of pathCandidates(arg)) {
      if (looksLikePath(workspace, candidate) && !staysInside(workspace, candidate)) {
        throw new SynapseError(
          "PERMISSION_DENIED",
          `Argument "${arg}" points outside the workspace. Commands may only name files inside their ` +
            "workspace (relative paths, no .. above it, no symlinks leading out).",
          { details: { argument: arg } },
        );
      }
    }
  }
}
