/**
 * Rule-based answers for when no provider is reachable and nothing is cached: a generic plan
 * skeleton built from the task, and review/analyze results from the static checks. `code` has no
 * rule (code that was not written cannot be faked) and `execute` never falls back. Every answer
 * is marked `fallback: {kind: "rule", ageMs: 0}` and names provider "fallback", model "rules".
 */
import type { AgentRequest, AgentResponse, Finding, PlanStep } from "@synapse/core";
import { addedLines, type NumberedLines, numberLines, runStaticChecks } from "./static-checks.js";

const EXCERPT = 200;

/** The rule-based response for `request`, or undefined when its action has no rule. */
export function ruleFallback(request: AgentRequest): AgentResponse | undefined {
  const input = request.input;
  switch (request.action) {
    case "plan":
      return typeof input.task === "string" ? planSkeleton(request, input.task) : undefined;
    case "review": {
      const files = reviewSources(input);
      return files.length > 0 ? review(request, runStaticChecks(files)) : undefined;
    }
    case "analyze":
      return typeof input.text === "string"
        ? analyze(request, runStaticChecks(numberLines([{ path: "input", content: input.text }])))
        : undefined;
    default:
      return undefined;
  }
}

function respond(request: AgentRequest, result: Record<string, unknown>, text: string): AgentResponse {
  return {
    agent: request.agent,
    action: request.action,
    result,
    text,
    usage: { inputTokens: 0, outputTokens: 0 },
    provider: "fallback",
    model: "rules",
    latencyMs: 0,
    fallback: { kind: "rule", ageMs: 0 },
  };
}

function planSkeleton(request: AgentRequest, task: string): AgentResponse {
  const oneLine = task.replace(/\s+/g, " ").trim();
  const excerpt = oneLine.length > EXCERPT ? `${oneLine.slice(0, EXCERPT - 1)}…` : oneLine;
  const steps: PlanStep[] = [
    {
      id: 1,
      goal: `Clarify the task: ${excerpt}`,
      check: "The requirements and acceptance criteria are written down.",
    },
    {
      id: 2,
      goal: "Find the code, data and interfaces the task touches.",
      check: "Every file or component to change is listed.",
    },
    {
      id: 3,
      goal: "Make the change in small steps.",
      check: "Each step builds and the existing tests pass.",
    },
    {
      id: 4,
      goal: "Add tests for the new behaviour.",
      check: "Tests cover the acceptance criteria and pass.",
    },
    {
      id: 5,
      goal: "Review and document the change.",
      check: "A reviewer approved it; the docs describe it.",
    },
  ];
  const text = [
    "Generic plan (rule-based fallback: the planning service was unavailable, so this skeleton is not tailored):",
    ...steps.map((s) => `${s.id}. ${s.goal} — check: ${s.check}`),
  ].join("\n");
  return respond(request, { steps }, text);
}

function reviewSources(input: Record<string, unknown>): NumberedLines[] {
  const files: NumberedLines[] = [];
  if (typeof input.code === "string" && input.code !== "") {
    files.push(...numberLines([{ path: "code", content: input.code }]));
  }
  if (typeof input.diff === "string" && input.diff !== "") files.push(...addedLines(input.diff));
  if (Array.isArray(input.files)) {
    for (const f of input.files as unknown[]) {
      const file = f as { path?: unknown; content?: unknown } | null;
      if (typeof file?.path === "string" && typeof file.content === "string") {
        files.push(...numberLines([{ path: file.path, content: file.content }]));
      }
    }
  }
  return files;
}

const isSevere = (f: Finding) => f.severity === "high" || f.severity === "critical";

function summarize(findings: Finding[]): string {
  if (findings.length === 0)
    return "The static checks (long lines, TODO/FIXME, eval, console.log) found nothing.";
  const severe = findings.filter(isSevere).length;
  return `The static checks found ${findings.length} issue(s), ${severe} of high severity.`;
}

function review(request: AgentRequest, findings: Finding[]): AgentResponse {
  const verdict = findings.some(isSevere) ? "request_changes" : "approve";
  const comments = findings.map((f) => ({ location: f.location, message: `[${f.severity}] ${f.message}` }));
  const summary = `Rule-based review (the review service was unavailable): ${summarize(findings)}`;
  const text = [summary, `Verdict: ${verdict}.`, ...comments.map((c) => `${c.location}: ${c.message}`)].join(
    "\n",
  );
  return respond(request, { verdict, comments, summary }, text);
}

function analyze(request: AgentRequest, findings: Finding[]): AgentResponse {
  const summary = `Rule-based analysis (the analysis service was unavailable): ${summarize(findings)}`;
  const text = [summary, ...findings.map((f) => `${f.location}: [${f.severity}] ${f.message}`)].join("\n");
  return respond(request, { findings, summary }, text);
}
