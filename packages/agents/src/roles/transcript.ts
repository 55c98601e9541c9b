/**
 * What codex execute streams as text: each command as typed, its output, and how it ended, one
 * line per text event. Durations stay out of the text (they are in the result), so the same
 * commands with the same output always read the same.
 */
import type { CommandReport } from "@synapse/core";
import { join } from "shlex";

/** One command's part of the transcript, as lines ending in "\n"; the last adds a blank line. */
export function transcriptOf(report: CommandReport): string[] {
  const isShell = report.argv.length === 3 && report.argv[0] === "/bin/sh" && report.argv[1] === "-c";
  const lines = [`$ ${isShell ? (report.argv[2] ?? "") : join(report.argv)}`];
  if (report.stdout) lines.push(...outputLines(report.stdout));
  if (report.stderr) lines.push("[stderr]", ...outputLines(report.stderr));
  const end = report.killed ? "killed (timeout or cancel)" : `exit ${report.exitCode ?? "?"}`;
  lines.push(`→ ${end}${report.truncated ? ", output truncated" : ""}\n`);
  return lines.map((l) => `${l}\n`);
}

function outputLines(text: string): string[] {
  return text.replace(/\n$/, "").split("\n");
}
