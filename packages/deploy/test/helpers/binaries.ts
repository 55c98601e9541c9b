/**
 * The tools some deployment checks run (promtool, prometheus, docker-compose, kubectl). A missing
 * one fails its test with what to install — never a silent pass: CI installs them (.ci/run).
 */
import { spawnSync } from "node:child_process";

/** The path of `command` on PATH; throws naming the Debian package that provides it. */
export function requireBinary(command: string, debianPackage: string): string {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === "") {
    throw new Error(
      `${command} is not installed; install Debian's ${debianPackage} (apt-get install -y ${debianPackage}) — CI's .ci/run does.`,
    );
  }
  return path;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** The whole environment of the command; defaults to this process's. */
  env?: Record<string, string>;
  /** Defaults to 30 seconds. */
  timeoutMs?: number;
}

/** Runs a command to its end and returns its output. */
export function run(command: string, args: string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    encoding: "utf8",
    timeout: options.timeoutMs ?? 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
