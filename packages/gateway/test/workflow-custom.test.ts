import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Cluster, startCluster } from "./helpers/cluster.js";
import { type Json, postJson, waitForRun } from "./helpers/workflow.js";

let cluster: Cluster;
const dir = mkdtempSync(join(tmpdir(), "synapse-defs-"));

// A file-defined workflow: analyze the input, then review it.
writeFileSync(
  join(dir, "audit.yaml"),
  `name: audit
description: analyze then review a snippet
inputs: [code]
steps:
  - id: analyze
    agent: gemini
    action: analyze
    input: { text: "{{input.code}}", focus: security }
  - id: review
    agent: gemini
    action: review
    input:
      code: "{{input.code}}"
      task: "Findings so far: {{steps.analyze.result.summary}}"
    timeoutMs: 20000
`,
);
// A broken file: skipped with a warning, the gateway still starts.
writeFileSync(
  join(dir, "broken.json"),
  JSON.stringify({ name: "broken", steps: [{ id: "a", agent: "gpt", action: "x" }] }),
);

before(async () => {
  cluster = await startCluster({
    env: { SYNAPSE_WORKFLOW_DEFINITIONS_DIR: dir, SYNAPSE_LOG_LEVEL: "error" },
  });
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A custom code–review loop written by a user (JSON), with its own bound. */
const fixLoop = {
  name: "fix-loop",
  inputs: ["task"],
  steps: [
    {
      id: "write",
      agent: "claude",
      action: "code",
      input: {
        task: "{{input.task}}",
        files: "{{steps.write.result.files}}",
        comments: "{{steps.check.result.comments}}",
      },
    },
    {
      id: "check",
      agent: "gemini",
      action: "review",
      input: { task: "{{input.task}}", files: "{{steps.write.result.files}}" },
      next: {
        if: "steps.check.result.verdict == 'request_changes'",
        // biome-ignore lint/suspicious/noThenProperty: the definition language's branch; never awaited.
        then: "write",
        else: "end",
        maxRounds: 2,
      },
    },
  ],
};

describe("workflow: custom definitions", () => {
  test("definitions from the configured directory are listed and run by name; a broken file is skipped", async () => {
    const list = (await (await fetch(`${cluster.url}/api/v1/workflows`)).json()) as {
      workflows: { name: string; source: string }[];
    };
    assert.deepEqual(
      list.workflows.map((w) => `${w.name}:${w.source}`),
      ["audit:file", "default:builtin"],
    );
    const res = await postJson(`${cluster.url}/api/v1/workflow`, {
      workflow: "audit",
      input: { code: "function f(x) { return eval(x); }" },
    });
    assert.equal(res.status, 202);
    const run = await waitForRun(cluster.url, ((await res.json()) as { id: string }).id);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(
      run.steps.map((s) => `${s.agent}.${s.action}`),
      ["gemini.analyze", "gemini.review"],
    );
    const findings =
      (run.result?.analyze?.result as { findings?: { message: string }[] } | undefined)?.findings ?? [];
    assert.ok(
      findings.some((f) => /eval/.test(f.message)),
      "analyze saw the input",
    );
  });

  test("a definition registered as JSON runs by name, its loop taking the request-changes branch once", async () => {
    const created = await postJson(`${cluster.url}/api/v1/workflows`, fixLoop);
    assert.equal(created.status, 201);
    assert.equal(((await created.json()) as Json).source, "api");
    const res = await postJson(`${cluster.url}/api/v1/workflow`, {
      workflow: "fix-loop",
      input: { task: "Write a parser [sim:request-changes=1]" },
    });
    const run = await waitForRun(cluster.url, ((await res.json()) as { id: string }).id);
    assert.equal(run.status, "succeeded", JSON.stringify(run.error));
    assert.deepEqual(run.rounds, { check: 1 });
    assert.deepEqual(
      run.steps.map((s) => `${s.step}#${s.round}`),
      ["write#1", "check#1", "write#2", "check#2"],
    );
    const named = await fetch(`${cluster.url}/api/v1/workflows/fix-loop`);
    assert.equal(((await named.json()) as Json).name, "fix-loop");
  });

  test("a definition registered as YAML is accepted; replacing a built-in one is refused", async () => {
    const yaml =
      "name: plan-only\ninputs: [task]\nsteps:\n  - id: plan\n    agent: claude\n    action: plan\n    input: { task: '{{input.task}}' }\n";
    const res = await fetch(`${cluster.url}/api/v1/workflows`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: yaml,
    });
    assert.equal(res.status, 201, await res.clone().text());
    const clash = await postJson(`${cluster.url}/api/v1/workflows`, { ...fixLoop, name: "default" });
    assert.equal(clash.status, 409);
    const badYaml = await fetch(`${cluster.url}/api/v1/workflows`, {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: "name: [oops",
    });
    assert.equal(badYaml.status, 400);
    assert.match(((await badYaml.json()) as { error: Json }).error.message as string, /Invalid YAML body/);
  });

  test("an invalid definition is rejected with 400 naming each problem", async () => {
    const res = await postJson(`${cluster.url}/api/v1/workflows`, {
      name: "bad",
      steps: [
        { id: "a", agent: "claude", action: "review", input: { task: "{{steps.nope.text}}" } },
        { id: "b", agent: "gemini", action: "review", input: { code: "{{input.code" }, next: "a" },
      ],
    });
    assert.equal(res.status, 400);
    const error = (
      (await res.json()) as { error: { code: string; message: string; details: { problems: string[] } } }
    ).error;
    assert.equal(error.code, "INVALID_ARGUMENT");
    const problems = error.details.problems.join("\n");
    assert.match(problems, /step "a": agent "claude" has no action "review"/);
    assert.match(problems, /"steps\.nope\.text" refers to an unknown step "nope"/);
    assert.match(problems, /step "b" input\.code: unbalanced/);
    const cycle = await postJson(`${cluster.url}/api/v1/workflows`, {
      name: "spin",
      steps: [
        { id: "a", agent: "claude", action: "plan", input: { task: "x" } },
        { id: "b", agent: "claude", action: "plan", input: { task: "y" }, next: "a" },
      ],
    });
    assert.equal(cycle.status, 400);
    assert.match(
      ((await cycle.json()) as { error: Json }).error.message as string,
      /a → b → a form a cycle without a bound/,
    );
  });

  test("an unknown workflow is 404 and a missing input is 400", async () => {
    const unknown = await postJson(`${cluster.url}/api/v1/workflow`, { workflow: "nope", input: {} });
    assert.equal(unknown.status, 404);
    assert.match(
      ((await unknown.json()) as { error: Json }).error.message as string,
      /No workflow named "nope"/,
    );
    const missing = await postJson(`${cluster.url}/api/v1/workflow`, {
      workflow: "audit",
      input: { other: 1 },
    });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { error: Json }).error.message as string, /needs input\.code/);
  });
});
