/**
 * The simulator's analysis: simple, real checks on text or code, each finding with a severity,
 * a "line N" location and a message saying what to do. No model, no guessing: the same text
 * always gives the same findings.
 */
import type { Finding } from "@synapse/core";

/** Lines longer than this many characters are reported. */
export const MAX_LINE_LENGTH = 120;
/** Functions longer than this many lines are reported. */
export const MAX_FUNCTION_LINES = 50;
/** At most this many findings are reported for one text. */
export const MAX_FINDINGS = 100;

const COMMENT_LINE = /^\s*(\/\/|#|\*|\/\*|--)/;
const MARKER = /\b(TODO|FIXME|XXX|HACK)\b[:\s]*(.*)/;
const EVAL = /\beval\s*\(|\bnew\s+Function\s*\(/;
const ANY = /:\s*any\b|\bas\s+any\b|<any>/;
const CONSOLE_LOG = /\bconsole\.log\s*\(/;
const SECRET = /\b(password|passwd|secret|api[_-]?key|access[_-]?token)\b\s*[:=]\s*["'][^"'\s]{4,}["']/i;
const EMPTY_CATCH = /\bcatch\s*(\([^)]*\))?\s*\{\s*\}/;
const BRACE_FUNCTION =
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)?\s*\(|\b([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?\([^)]*\)\s*=>\s*\{/;
const PY_FUNCTION = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;

/** Findings for `text`, ordered by line. */
export function findIssues(text: string): Finding[] {
  const lines = text.split(/\r?\n/);
  const out: (Finding & { line: number })[] = [];
  const add = (line: number, severity: Finding["severity"], message: string) => {
    out.push({ line, severity, location: `line ${line}`, message });
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    const comment = COMMENT_LINE.test(line);
    if (line.length > MAX_LINE_LENGTH) {
      add(n, "low", `Line is ${line.length} characters long (over ${MAX_LINE_LENGTH}); wrap it.`);
    }
    const marker = MARKER.exec(line);
    if (marker) {
      const what = marker[2]?.trim() ? `: ${marker[2].trim().slice(0, 80)}` : "";
      add(n, marker[1] === "TODO" ? "info" : "low", `Unfinished work marked ${marker[1]}${what}.`);
    }
    const secret = SECRET.exec(line);
    if (secret) {
      add(n, "high", `Looks like a hard-coded ${secret[1]}; read it from the environment or a secret store.`);
    }
    // Code in comments does not run, so only live lines are checked for these.
    if (comment) return;
    if (EVAL.test(line)) add(n, "high", "eval() runs arbitrary code; parse the data instead.");
    if (ANY.test(line)) add(n, "medium", "`any` switches type checking off; use `unknown` and narrow it.");
    if (CONSOLE_LOG.test(line)) add(n, "low", "console.log left in the code; use the logger or remove it.");
    if (EMPTY_CATCH.test(line)) add(n, "medium", "Empty catch block swallows errors; handle or rethrow.");
  });
  for (const fn of longFunctions(lines)) {
    add(
      fn.line,
      "medium",
      `Function ${fn.name} is ${fn.length} lines long (over ${MAX_FUNCTION_LINES}); split it into smaller ones.`,
    );
  }
  out.sort((a, b) => a.line - b.line);
  return out
    .slice(0, MAX_FINDINGS)
    .map(({ severity, location, message }) => ({ severity, location, message }));
}

interface FunctionSpan {
  name: string;
  line: number;
  length: number;
}

/** Functions longer than MAX_FUNCTION_LINES: brace-delimited ones by brace depth, Python ones by indentation. */
function longFunctions(lines: string[]): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (COMMENT_LINE.test(line)) continue;
    const py = PY_FUNCTION.exec(line);
    const brace = py ? null : BRACE_FUNCTION.exec(line);
    if (!py && !brace) continue;
    const end = py ? pythonEnd(lines, i, py[1]!.length) : braceEnd(lines, i);
    const length = end - i + 1;
    if (length > MAX_FUNCTION_LINES) {
      const name = py?.[2] ?? brace?.[1] ?? brace?.[2] ?? "(anonymous)";
      spans.push({ name: `\`${name}\``, line: i + 1, length });
    }
  }
  return spans;
}

/** Index of the line where the braces opened on or after `start` close again. */
function braceEnd(lines: string[], start: number): number {
  let depth = 0;
  let opened = false;
  for (let i = start; i < lines.length; i++) {
    for (const ch of lines[i]!) {
      if (ch === "{") {
        depth++;
        opened = true;
      } else if (ch === "}") depth--;
    }
    if (opened && depth <= 0) return i;
  }
  return lines.length - 1;
}

/** Index of the last line of a Python block whose header is indented by `indent`. */
function pythonEnd(lines: string[], start: number, indent: number): number {
  let last = start;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    if (line.length - line.trimStart().length <= indent) break;
    last = i;
  }
  return last;
}

/** "3 findings (1 high, 2 low)" or "no findings". */
export function countBySeverity(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const order = ["critical", "high", "medium", "low", "info"] as const;
  const parts = order
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"} (${parts.join(", ")})`;
}
