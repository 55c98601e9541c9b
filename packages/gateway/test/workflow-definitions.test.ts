import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluate, parseCondition } from "../src/workflow/condition.js";
import { parseDefinitionText } from "../src/workflow/definition-registry.js";
import { render } from "../src/workflow/template.js";
import { validateDefinition } from "../src/workflow/validate-definition.js";

const step = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  agent: "claude",
  action: "plan",
  input: { task: "{{input.task}}" },
  ...extra,
});

/** A conditional `next` (the definition language's then/else). */
const branch = (condition: string, yes: string, no: string, extra: Record<string, unknown> = {}) => ({
  if: condition,
  // biome-ignore lint/suspicious/noThenProperty: the definition language's branch; never awaited.
  then: yes,
  else: no,
  ...extra,
});

/** The problems a definition is rejected with (INVALID_ARGUMENT, each named). */
function problems(raw: unknown, limits = {}): string[] {
  try {
    validateDefinition(raw, limits);
  } catch (err) {
    const e = err as { code?: string; details?: { problems?: string[] } };
    assert.equal(e.code, "INVALID_ARGUMENT");
    return e.details?.problems ?? [];
  }
  assert.fail("the definition was accepted");
}

describe("workflow definitions: validation names each problem", () => {
  test("unknown agent and unknown action", () => {
    const found = problems({
      name: "x",
      steps: [step("a", { agent: "gpt" }), step("b", { agent: "gemini", action: "plan" })],
    });
    assert.ok(
      found.some((p) => /step "a": unknown agent "gpt" \(agents: claude, gemini, codex\)/.test(p)),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) =>
        /step "b": agent "gemini" has no action "plan" \(its actions: analyze, review\)/.test(p),
      ),
    );
  });

  test("a step referring to an unknown step, in next and in a template", () => {
    const found = problems({
      name: "x",
      steps: [step("a", { next: "nowhere" }), step("b", { input: { task: "{{steps.ghost.text}}" } })],
    });
    assert.ok(
      found.some((p) => p === 'step "a": next refers to an unknown step "nowhere"'),
      found.join("\n"),
    );
    assert.ok(
      found.some((p) =>
        /step "b" input\.task: "steps\.ghost\.text" refers to an unknown step "ghost"/.test(p),
      ),
    );
  });

  test("bad templates: unbalanced braces, a bad path, an unknown result field, an undeclared input", () => {
    const found = problems({
      name: "x",
      inputs: ["task"],
      steps: [
        step("plan"),
        step("b", {
          input: {
            task: "{{input.task",
            context: "{{ steps.plan.result.stepz }}",
            extra: "{{ 1+1 }}",
            more: ["{{input.topic}}"],
          },
        }),
      ],
    });
    assert.ok(
      found.some((p) => /input\.task: unbalanced "\{\{" or "\}\}"/.test(p)),
      found.join("\n"),
    );
    assert.ok(found.some((p) => /the result of plan has steps, not "stepz"/.test(p)));
    assert.ok(found.some((p) => /input\.extra: "1\+1" is not a path/.test(p)));
    assert.ok(
      found.some((p) =>
        /input\.more\[0\]: .*input "topic", which is not among the declared inputs \(task\)/.test(p),
      ),
    );
  });

  test("a cycle without a bound, and a condition looping back without maxRounds", () => {
    const plain = problems({ name: "x", steps: [step("a"), step("b", { next: "a" })] });
    assert.ok(
      plain.some((p) => /steps a → b → a form a cycle without a bound/.test(p)),
      plain.join("\n"),
    );
    const unbounded = problems({
      name: "x",
      steps: [step("a"), step("b", { next: branch("steps.b.text == 'x'", "a", "end") })],
    });
    assert.ok(
      unbounded.some((p) => /step "b": its condition loops back, so it needs maxRounds/.test(p)),
      unbounded.join("\n"),
    );
  });

  test("maxRounds over workflow.maxReviewRounds, a bad condition, duplicate ids, an unreachable step, a bad shape", () => {
    const found = problems(
      {
        name: "x",
        steps: [
          step("a", { next: branch("steps.a.text ==", "a", "end", { maxRounds: 9 }) }),
          step("a"),
          step("c"),
        ],
      },
      { maxRounds: 3 },
    );
    assert.ok(
      found.some((p) => /step "a" is defined twice/.test(p)),
      found.join("\n"),
    );
    assert.ok(found.some((p) => /bad condition "steps\.a\.text ==": the condition ends too early/.test(p)));
    assert.ok(found.some((p) => /maxRounds 9 is over the limit workflow\.maxReviewRounds = 3/.test(p)));
    const unreachable = problems({ name: "x", steps: [step("a", { next: "end" }), step("b")] });
    assert.deepEqual(unreachable, ['step "b" is never reached from "a"']);
    const shape = problems({ name: "Bad Name", steps: [] });
    assert.ok(
      shape.some((p) => /definition\.name/.test(p) && /definition\.steps/.test(p)),
      shape.join("\n"),
    );
  });

  test("YAML text is parsed, and text that is not YAML is named as such", () => {
    const yaml = `
name: review-only
inputs: [code]
steps:
  - id: review
    agent: gemini
    action: review
    input: { code: "{{input.code}}" }
    timeoutMs: 5000
`;
    const def = parseDefinitionText(yaml, "review.yaml", {});
    assert.equal(def.name, "review-only");
    assert.equal(def.steps[0]?.timeoutMs, 5000);
    assert.throws(
      () => parseDefinitionText("name: [unclosed", "bad.yaml", {}),
      /\(bad\.yaml\): not YAML or JSON/,
    );
  });
});

describe("workflow templates and conditions", () => {
  const context = {
    input: { task: "t" },
    steps: { plan: { result: { steps: [{ id: 1 }, { id: 2 }] }, text: "hello" } },
  };

  test("a whole placeholder passes the value through; an absent one is left out; text is interpolated", () => {
    assert.deepEqual(
      render(
        {
          plan: "{{steps.plan.result.steps}}",
          missing: "{{steps.review.result.comments}}",
          line: "Task: {{input.task}} / {{steps.plan.result.steps.1.id}} / {{steps.review.text}}.",
          list: ["{{input.task}}", "{{input.nothing}}"],
        },
        context,
      ),
      { plan: [{ id: 1 }, { id: 2 }], line: "Task: t / 2 / .", list: ["t"] },
    );
  });

  test("conditions compare paths with literals, with && || ! and parentheses", () => {
    const yes = (source: string) => evaluate(parseCondition(source), context);
    assert.equal(yes("steps.plan.text == 'hello'"), true);
    assert.equal(yes('{{steps.plan.text != "hello"}}'), false);
    assert.equal(yes("steps.plan.result.steps.1.id >= 2 && !steps.review"), true);
    assert.equal(yes("(input.task == 'x' || input.task == 't') && steps.plan"), true);
    assert.equal(yes("steps.plan.result.steps.0.id > 'a'"), false, "mixed types never compare");
    assert.throws(() => parseCondition("input.task = 'x'"), /unexpected "= 'x'"/);
  });
});
