/** The simulator's whole answer for a call: the structured result and its text rendering. */
import type { ProviderCall } from "../provider.js";
import { renderAnalyze } from "./render-analyze.js";
import { renderCode } from "./render-code.js";
import { renderExecute } from "./render-execute.js";
import { type Rendered, renderPlan } from "./render-plan.js";
import { renderReview } from "./render-review.js";
import { createSeed } from "./seed.js";

export type { Rendered };

/** Same agent, action and input → same text and result. */
export function renderSim(call: ProviderCall): Rendered<Record<string, unknown>> {
  switch (call.action) {
    case "plan":
      return renderPlan(
        call.input,
        createSeed({ agent: call.agent, action: call.action, input: call.input }),
      );
    case "code":
      return renderCode(call.input);
    case "analyze":
      return renderAnalyze(call.input);
    case "review":
      return renderReview(call.input);
    case "execute":
      return renderExecute(call.input);
  }
}
