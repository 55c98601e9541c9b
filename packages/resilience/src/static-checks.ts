/**
 * The simple static checks behind the rule-based review and analyze fallbacks: long lines,
 * TODO/FIXME markers, eval, console.log. Deliberately shallow — they run when no model is
 * reachable and say so — but they point at real lines. For a unified diff only added lines are
 * checked, at their line numbers in the new file.
 */
import type { Finding } from "@synapse/core";

/** Lines longer than this many characters are reported. */
export const LONG_LINE = 120;
/** At most this many findings are reported, so a huge input cannot make a huge answer. */
export const MAX_FINDINGS = 200;

export interface Source {
  path: string;
  content: string;
}

interface Check {
  test: (line: string) => boolean;
  severity: Finding["severity"];
  message: (line: string) => string;
}

const CHECKS: Check[] = [
  {
    test: (line) => /\beval\s*\(/.test(line),
    severity: "high",
    message: () => "eval() runs arbitrary code; parse the data or use a lookup instead.",
  },
  {
    test: (line) => /\bconsole\.log\s*\(/.test(line),
    severity: "low",
    message: () => "console.log left in; use the logger or remove it.",
  },
  {
    test: (line) => /\b(TODO|FIXME)\b/.test(line),
    severity: "info",
    message: (line) => `${/\bFIXME\b/.test(line) ? "FIXME" : "TODO"} marker: unfinished work.`,
  },
  {
    test: (line) => line.length > LONG_LINE,
    severity: "low",
    message: (line) => `Line is ${line.length} characters long (over ${LONG_LINE}); wrap it.`,
  },
];

/** A file's lines to check, each with its 1-based line number. */
export interface NumberedLines {
  path: string;
  lines: { number: number; text: string }[];
}

/** Numbers every line of whole files. */
export function numberLines(sources: readonly Source[]): NumberedLines[] {
  return sources.map((s) => ({
    path: s.path,
    lines: s.content.split(/\r?\n/).map((text, i) => ({ number: i + 1, text })),
  }));
}

/** The added lines of a unified diff, per file, numbered as in the new file. */
export function addedLines(diff: string): NumberedLines[] {
  const out: NumberedLines[] = [];
  let current: NumberedLines | undefined;
  let newLine = 0;
  for (const line of diff.split(/\r?\n/)) {
    if (line.startsWith("+++ ")) {
      current = { path: line.slice(4).replace(/^b\//, "").trim(), lines: [] };
      out.push(current);
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      newLine = Number(hunk[1]);
      continue;
    }
    if (current === undefined || line.startsWith("--- ")) continue;
    if (line.startsWith("+")) {
      current.lines.push({ number: newLine, text: line.slice(1) });
      newLine++;
    } else if (line.startsWith(" ")) {
      newLine++;
    }
  }
  return out;
}

/** Runs every check on every given line; at most MAX_FINDINGS findings. */
export function runStaticChecks(files: readonly NumberedLines[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    for (const { number, text } of file.lines) {
      for (const check of CHECKS) {
        if (!check.test(text)) continue;
        findings.push({
          severity: check.severity,
          location: `${file.path}:${number}`,
          message: check.message(text),
        });
        if (findings.length >= MAX_FINDINGS) return findings;
      }
    }
  }
  return findings;
}
