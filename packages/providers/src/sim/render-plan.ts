/** The simulator's plan: 3 to 7 ordered steps whose goals and checks are built from the task's words. */
import type { ActionInput, ActionResult, PlanStep } from "@synapse/core";
import type { Seed } from "./seed.js";
import { keywords, listing, subject } from "./words.js";

export interface Rendered<R> {
  text: string;
  result: R;
}

type StepTemplate = (k: (i: number) => string) => { goal: string; check: string };

// Middle steps, in the order a plan would take them; a call keeps some of them, chosen by its seed.
const MIDDLE: StepTemplate[] = [
  (k) => ({
    goal: `Design the ${k(0)} interface`,
    check: `The types and signatures for ${k(0)} compile, with each input and output named.`,
  }),
  (k) => ({
    goal: `Implement ${k(0)} and ${k(1)}`,
    check: `The main path of ${k(0)} runs end to end on a sample input.`,
  }),
  (k) => ({
    goal: `Handle errors and edge cases in ${k(1)}`,
    check: `Empty, oversized and malformed input to ${k(1)} each give a clear error, never a crash.`,
  }),
  (k) => ({
    goal: `Cover ${k(2)} with tests`,
    check: `Tests for ${k(2)} pass, and each fails when the behaviour it names is broken.`,
  }),
  (k) => ({
    goal: `Measure ${k(0)} performance`,
    check: `A benchmark of ${k(0)} runs and its numbers are recorded next to the code.`,
  }),
];

const VERBS = ["Pin down", "Clarify", "Write down"] as const;

export function renderPlan(input: ActionInput["plan"], seed: Seed): Rendered<ActionResult["plan"]> {
  const words = keywords(input.task);
  const k = (i: number) => (words.length === 0 ? "the feature" : words[i % words.length]!);
  const what = subject(input.task);
  const count = 3 + seed.int("steps", 5);
  const middle = [...MIDDLE];
  // Drop templates (chosen by the seed) until the plan has `count` steps; the order stays.
  while (middle.length > count - 2) middle.splice(seed.int(`drop${middle.length}`, middle.length), 1);
  const context = input.context ? ", taking the given context into account" : "";
  const first = {
    goal: `${seed.pick("verb", VERBS)} what "${what}" must do`,
    check: `Inputs, outputs and edge cases for ${listing(words.slice(0, 3)) || "the task"} are written down${context}.`,
  };
  const last = {
    goal: `Review and ship ${k(0)}`,
    check: "All tests and checks pass and the change has been reviewed.",
  };
  const steps: PlanStep[] = [first, ...middle.map((t) => t(k)), last].map((s, i) => ({ id: i + 1, ...s }));
  const lines = [`## Plan: ${what}`, ""];
  for (const s of steps) lines.push(`${s.id}. **${s.goal}**`, `   - Check: ${s.check}`);
  return { text: `${lines.join("\n")}\n`, result: { steps } };
}
