/**
 * Small stand-ins for the vendors' CLIs: node scripts named `claude`, `gemini` and `codex` in a
 * temp directory, printing the real captured stream-json lines from
 * /work/shared/fixtures/cli-stream-samples/ and failing the ways the real ones do. The prompt
 * steers them (our environment never reaches them):
 *   [fixture:auth]        fail as a logged-out CLI does
 *   [fixture:env]         answer with the environment they were given, as JSON
 *   [fixture:hang=DIR]    start a grandchild, write both pids to DIR/pids.json, then hang
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const SAMPLES = "/work/shared/fixtures/cli-stream-samples";

const SCRIPT = (name: string) => `#!${process.execPath}
const fs = require("node:fs");
const { spawn } = require("node:child_process");
const args = process.argv.slice(2);
const name = ${JSON.stringify(name)};
const prompt = name === "codex" ? args[args.length - 1] : args[args.indexOf("-p") + 1];
const out = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const samples = ${JSON.stringify(SAMPLES)};
if (prompt.includes("[fixture:auth]")) {
  if (name === "claude") {
    out({ type: "system", subtype: "init", model: "claude-sonnet-4-5" });
    out({ type: "result", subtype: "success", is_error: true, api_error_status: null, result: "Invalid API key · Please run /login", usage: { input_tokens: 0, output_tokens: 0 } });
    process.exit(1);
  }
  if (name === "gemini") {
    process.stderr.write("Please set an Auth method in your /home/user/.gemini/settings.json or specify one of the following environment variables before running: GEMINI_API_KEY, GOOGLE_GENAI_USE_VERTEXAI, GOOGLE_GENAI_USE_GCA\\n");
    process.exit(41);
  }
  out({ type: "thread.started", thread_id: "t1" });
  out({ type: "turn.started" });
  out({ type: "error", message: "unexpected status 401 Unauthorized: Missing bearer or basic authentication in header" });
  out({ type: "turn.failed", error: { message: "unexpected status 401 Unauthorized: Missing bearer or basic authentication in header" } });
  process.exit(1);
}
if (prompt.includes("[fixture:env]")) {
  const text = JSON.stringify(process.env);
  if (name === "claude") {
    out({ type: "assistant", message: { id: "m1", content: [{ type: "text", text }] } });
    out({ type: "result", subtype: "success", is_error: false, result: text, usage: { input_tokens: 1, output_tokens: 1 } });
  } else if (name === "gemini") {
    out({ type: "message", role: "assistant", content: text, delta: true });
    out({ type: "result", status: "success", stats: { input_tokens: 1, output_tokens: 1 } });
  } else {
    out({ type: "item.completed", item: { id: "i1", type: "agent_message", text } });
    out({ type: "turn.completed", usage: { input_tokens: 1, output_tokens: 1 } });
  }
  process.exit(0);
}
const hang = /\\[fixture:hang=([^\\]]+)\\]/.exec(prompt);
if (hang) {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
  const tmp = hang[1] + "/pids.tmp";
  fs.writeFileSync(tmp, JSON.stringify([process.pid, child.pid]));
  fs.renameSync(tmp, hang[1] + "/pids.json");
  setInterval(() => {}, 1000);
} else {
  const file = name === "claude"
    ? (args.includes("--include-partial-messages") ? "claude-partial.jsonl" : "claude-stream.jsonl")
    : name === "gemini" ? "gemini-stream.jsonl" : "codex.jsonl";
  process.stdout.write("a banner line that is not JSON\\n");
  process.stdout.write(fs.readFileSync(samples + "/" + file, "utf8"));
}
`;

/** A temp directory holding fixture `claude`, `gemini` and `codex` executables. */
export function fixtureClis(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "synapse-fixture-cli-"));
  for (const name of ["claude", "gemini", "codex"]) {
    const path = join(dir, name);
    writeFileSync(path, SCRIPT(name));
    chmodSync(path, 0o755);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The JSON lines of a captured sample. */
export function sampleLines(file: string): Record<string, unknown>[] {
  return readFileSync(join(SAMPLES, file), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves with the pids a hanging fixture wrote to `dir/pids.json` (event-driven, no polling). */
export function waitForPids(dir: string): Promise<number[]> {
  const path = join(dir, "pids.json");
  return new Promise((resolve) => {
    const watcher = watch(dir, () => check());
    const check = () => {
      try {
        const pids = JSON.parse(readFileSync(path, "utf8")) as number[];
        watcher.close();
        resolve(pids);
      } catch {
        // not written yet
      }
    };
    check();
  });
}

/** Whether a process is gone: no such pid, or only a zombie left for its parent to reap. */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
