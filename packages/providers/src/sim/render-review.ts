/**
 * The simulator's review: the analysis heuristics turned into comments with locations; the verdict
 * is `request_changes` when a finding is high or critical, `approve` otherwise — unless a
 * `[sim:request-changes=N]` directive decides it (see directives.ts).
 */
import type { ActionInput, ActionResult, Finding, ReviewComment } from "@synapse/core";
import { countRevisionMarkers, requestChangesDirective } from "./directives.js";
import { findIssues } from "./heuristics.js";
import { renderFindings } from "./render-analyze.js";
import type { Rendered } from "./render-plan.js";

interface Part {
  /** Prefix of the locations in this part: "" for code, "diff " or "<path> ". */
  where: string;
  text: string;
}

export function renderReview(input: ActionInput["review"]): Rendered<ActionResult["review"]> {
  const parts: Part[] = [
    ...(input.code ? [{ where: "", text: input.code }] : []),
    ...(input.diff ? [{ where: "diff ", text: input.diff }] : []),
    ...(input.files ?? []).map((f) => ({ where: `${f.path} `, text: f.content })),
  ];
  const findings: (Finding & { location: string })[] = parts.flatMap((p) =>
    findIssues(p.text).map((f) => ({ ...f, location: `${p.where}${f.location}` })),
  );
  const reviewed = parts.map((p) => p.text).join("\n");
  const wanted = requestChangesDirective(`${reviewed}\n${input.task ?? ""}`);
  const markers = countRevisionMarkers(reviewed);
  const blocking = findings.filter((f) => f.severity === "high" || f.severity === "critical");
  const comments: ReviewComment[] = findings.map(({ location, message }) => ({ location, message }));
  let requestChanges: boolean;
  let reason: string;
  // Comments the reason already speaks for; the summary counts the rest as "other".
  let named = 0;
  if (wanted !== undefined) {
    requestChanges = markers < wanted;
    reason = requestChanges
      ? `revision ${markers + 1} of ${wanted} requested by a [sim:request-changes=${wanted}] directive`
      : `all ${wanted} revisions requested by the [sim:request-changes=${wanted}] directive are in`;
    if (requestChanges) {
      named = 1;
      comments.unshift({
        location: `${parts[0]?.where ?? ""}line 1`,
        message: `Revision ${markers + 1} of ${wanted} requested ([sim:request-changes=${wanted}]): revise the code and send it back for review.`,
      });
    }
  } else {
    requestChanges = blocking.length > 0;
    named = blocking.length;
    reason = requestChanges
      ? `${blocking.length} high-severity issue${blocking.length === 1 ? "" : "s"} to fix first`
      : "no high-severity issues";
  }
  const verdict = requestChanges ? "request_changes" : "approve";
  const minor = comments.length - named;
  const summary = `${requestChanges ? "Request changes" : "Approve"}: ${reason}${
    minor > 0 ? `; ${minor} other comment${minor === 1 ? "" : "s"}` : ""
  }.`;
  const heading = `## Review: ${requestChanges ? "request changes" : "approve"}`;
  return { text: renderFindings(heading, summary, comments), result: { verdict, comments, summary } };
}
