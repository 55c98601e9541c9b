/**
 * Bubblewrap isolation: whether it works on this machine (probed once per process), the sandbox
 * each command runs in, and the choice between it and plain process isolation.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readlinkSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute } from "node:path";
import { SynapseError } from "@synapse/core";
import which from "which";
import type { Isolation, IsolationMode } from "./options.js";

/** What the probe found: the binary to run, or why bubblewrap cannot be used. */
export type BwrapProbe = { usable: true; path: string } | { usable: false; reason: string };

/** The top-level system directories, bound read-only (or recreated as the symlinks they are). */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/**
 * The few /etc files programs need (dynamic linker, locale and time zone, users for `id`, TLS
 * roots). The rest of /etc (hostnames, credentials, service configs) stays out.
 */
const ETC_FILES = [
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "localtime",
  "passwd",
  "group",
  "nsswitch.conf",
  "ssl",
  "ca-certificates",
  "gitconfig",
  "mime.types",
];

function underSystemDir(path: string): boolean {
  return SYSTEM_DIRS.some((d) => path === d || path.startsWith(`${d}/`));
}

/**
 * Read-only binds for PATH directories outside the system ones (e.g. /opt/node/bin), so the
 * programs on PATH exist inside the sandbox. A `bin` or `shims` directory brings its parent too
 * (the install prefix holds the libraries next to it) — unless that parent is `/` or a home.
 */
function pathBinds(searchPath: string): string[] {
  const homes = new Set(["/", "/root", "/home", homedir()]);
  const isHome = (dir: string) => homes.has(dir) || /^\/home\/[^/]+$/.test(dir);
  const dirs = new Set<string>();
  for (const dir of searchPath.split(":")) {
    if (!isAbsolute(dir) || dir === "/" || underSystemDir(dir)) continue;
    const parent = dirname(dir);
    const prefix = ["bin", "shims"].includes(basename(dir)) && !isHome(parent);
    dirs.add(prefix ? parent : dir);
  }
  return [...dirs].flatMap((d) => ["--ro-bind-try", d, d]);
}

/**
 * The sandbox every command gets, as bwrap arguments (computed once): every namespace unshared
 * (so no network), no capabilities, the system read-only, a fresh /tmp, /proc and /dev.
 */
export function bwrapSandboxArgs(searchPath: string): string[] {
  const args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"];
  for (const dir of SYSTEM_DIRS) {
    let stat: ReturnType<typeof lstatSync>;
    try {
      stat = lstatSync(dir);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else if (stat.isDirectory()) args.push("--ro-bind", dir, dir);
  }
  for (const file of ETC_FILES) args.push("--ro-bind-try", `/etc/${file}`, `/etc/${file}`);
  args.push(...pathBinds(searchPath));
  args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
  return args;
}

/**
 * The full bwrap command line for running `command` in `workspace`: the sandbox, the workspace
 * read-write at its own path (and the working directory), then the root made read-only.
 */
export function bwrapCommand(
  sandbox: readonly string[],
  workspace: string | undefined,
  command: readonly string[],
): string[] {
  const ws = workspace === undefined ? [] : ["--bind", workspace, workspace, "--chdir", workspace];
  return [...sandbox, ...ws, "--remount-ro", "/", "--", ...command];
}

const probes = new Map<string, BwrapProbe>();

/**
 * Whether bubblewrap is installed and can actually create its sandbox here (it needs user
 * namespaces or privileges, which containers often withhold). Runs `true` inside the same
 * sandbox commands get, once per binary per process; later calls return the first answer.
 */
export function probeBwrap(bwrapPath = "bwrap", searchPath = process.env.PATH ?? ""): BwrapProbe {
  const cached = probes.get(bwrapPath);
  if (cached) return cached;
  const probe = runProbe(bwrapPath, searchPath);
  probes.set(bwrapPath, probe);
  return probe;
}

function runProbe(bwrapPath: string, searchPath: string): BwrapProbe {
  const path = bwrapPath.includes("/")
    ? existsSync(bwrapPath)
      ? bwrapPath
      : null
    : which.sync(bwrapPath, { path: searchPath, nothrow: true });
  if (!path) return { usable: false, reason: "bubblewrap (bwrap) is not installed" };
  const result = spawnSync(path, bwrapCommand(bwrapSandboxArgs(searchPath), undefined, ["true"]), {
    encoding: "utf8",
    timeout: 10_000,
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (result.status === 0) return { usable: true, path };
  const detail = result.error?.message ?? result.stderr.trim().split("\n")[0] ?? "";
  return {
    usable: false,
    reason: `bwrap is installed but cannot create a sandbox here (${detail || "no detail"})`,
  };
}

/**
 * Picks the isolation for `mode`. "auto" falls back to process isolation when bubblewrap is not
 * usable (saying why in `reason`); "bwrap" throws FAILED_PRECONDITION in that case.
 */
export function chooseIsolation(
  mode: IsolationMode,
  probe: () => BwrapProbe,
): { isolation: Isolation; bwrap?: string; reason: string } {
  if (mode === "process") return { isolation: "process", reason: "isolation is set to process" };
  const found = probe();
  if (found.usable) return { isolation: "bwrap", bwrap: found.path, reason: "bubblewrap works here" };
  if (mode === "auto") return { isolation: "process", reason: found.reason };
  throw new SynapseError(
    "FAILED_PRECONDITION",
    `Isolation "bwrap" was asked for, but ${found.reason}. Install bubblewrap (apt-get install bubblewrap) ` +
      'and allow user namespaces, or set isolation to "auto" or "process" (SYNAPSE_CODEX_ISOLATION).',
  );
}
