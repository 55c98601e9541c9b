/** Runs the real `synapse` command (bin/synapse.js) as a process and collects what it prints. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cleanEnv } from "./processes.js";

export const SYNAPSE_BIN = fileURLToPath(new URL("../../bin/synapse.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `synapse <args>` with a clean environment plus `env`; resolves when it exits, whatever the code. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SYNAPSE_BIN, ...args],
      { env: cleanEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
