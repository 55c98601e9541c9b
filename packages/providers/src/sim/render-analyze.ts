/** The simulator's analysis: the heuristics' findings on the text, and a summary that counts them. */
import type { ActionInput, ActionResult, Finding } from "@synapse/core";
import { countBySeverity, findIssues } from "./heuristics.js";
import type { Rendered } from "./render-plan.js";

export function renderAnalyze(input: ActionInput["analyze"]): Rendered<ActionResult["analyze"]> {
  const findings = findIssues(input.text);
  const lines = input.text.split(/\r?\n/).length;
  const lang = input.language ? ` of ${input.language}` : "";
  const focus = input.focus ? ` Focus asked: ${input.focus.trim().split(/\s+/).slice(0, 30).join(" ")}.` : "";
  const counted = countBySeverity(findings);
  const summary = `${counted.charAt(0).toUpperCase()}${counted.slice(1)} in ${lines} line${
    lines === 1 ? "" : "s"
  }${lang}, from the sim provider's checks (long lines, TODO/FIXME, eval, \`any\`, console.log, empty catch, long functions, hard-coded secrets).${focus}`;
  return { text: renderFindings("## Analysis", summary, findings), result: { findings, summary } };
}

/** Markdown: a heading, the summary, then one bullet per finding. */
export function renderFindings(
  heading: string,
  summary: string,
  items: readonly (Pick<Finding, "location" | "message"> & { severity?: string })[],
): string {
  const bullets = items.map(
    (f) => `- ${f.severity ? `**${f.severity}** ` : ""}${f.location ? `${f.location}: ` : ""}${f.message}`,
  );
  return `${[heading, "", summary, ...(bullets.length > 0 ? ["", ...bullets] : [])].join("\n")}\n`;
}
