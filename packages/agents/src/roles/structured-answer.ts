/**
 * Finding and checking the JSON object in a model's answer. Models asked for JSON mostly answer
 * with JSON, but some wrap it in a code fence or a sentence; the first candidate that parses and
 * validates wins, and otherwise the problem is described for the repair call.
 */
import { describeIssues } from "@synapse/core";
import type { z } from "zod";

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Longest problem description passed on (the repair prompt and the error message). */
const MAX_PROBLEM = 1_000;

/** The first of `texts` (in order) holding a JSON object valid for `schema`, or the first problem. */
export function checkAnswer<T>(schema: z.ZodType<T>, texts: readonly (string | undefined)[]): Checked<T> {
  let problem: string | undefined;
  for (const text of texts) {
    if (text === undefined) continue;
    const found = findJson(text);
    if (found === undefined) {
      problem ??= "the answer holds no JSON object";
      continue;
    }
    const parsed = schema.safeParse(found);
    if (parsed.success) return { ok: true, value: parsed.data };
    problem ??= describeIssues(parsed.error, "answer");
  }
  const described = problem ?? "the answer is empty";
  return {
    ok: false,
    problem: described.length > MAX_PROBLEM ? `${described.slice(0, MAX_PROBLEM - 1)}…` : described,
  };
}

/** The JSON object in `text`: all of it, else a fenced block (last first), else its outermost braces. */
export function findJson(text: string): unknown {
  // The answer is mostly the bare object (what structured output asks for): try it before
  // looking for fences, so the usual case parses once and runs no regular expression.
  const whole = parseObject(text);
  if (whole !== undefined) return whole;
  const fences = [...text.matchAll(/```(?:json)?[ \t]*\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  const candidates = fences.reverse();
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start >= 0 && end > start) candidates.push(text.slice(start, end + 1));
  for (const candidate of candidates) {
    const value = parseObject(candidate);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** `text` parsed when it is a JSON object (surrounding whitespace allowed), else undefined. */
function parseObject(text: string): object | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch {
    // not this one
  }
  return undefined;
}
