import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadConfig, type StreamEvent, type SynapseError } from "@synapse/core";
import type { ProviderCall, ProviderEvent } from "@synapse/providers";
import { type AgentProvider, createAgentProvider, type UsageRecord } from "../src/index.js";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.js";

const PLAN = { steps: [{ id: 1, goal: "Write the parser", check: "its tests pass" }] };
const PLAN_TEXT = JSON.stringify(PLAN);

let fake: FakeOpenAi;
let promptsDir: string;
before(async () => {
  fake = await startFakeOpenAi();
  promptsDir = mkdtempSync(join(tmpdir(), "synapse-prompts-"));
});
after(async () => {
  await fake.close();
  rmSync(promptsDir, { recursive: true, force: true });
});

function claude(extra: Record<string, string> = {}, usage?: UsageRecord[]): AgentProvider {
  const config = loadConfig({
    SYNAPSE_CLAUDE_PROVIDER: "openai-compatible",
    SYNAPSE_CLAUDE_BASE_URL: fake.baseUrl,
    SYNAPSE_CLAUDE_MODEL: "llama3.2",
    ...extra,
  });
  return createAgentProvider("claude", config, {
    env: {},
    ...(usage ? { onUsage: (r) => usage.push(r) } : {}),
  });
}

function planCall(extra: Partial<ProviderCall> = {}): ProviderCall {
  return {
    agent: "claude",
    action: "plan",
    input: { task: "Parse CSV files" },
    signal: new AbortController().signal,
    ...extra,
  } as ProviderCall;
}

async function drain(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function failure(p: Promise<unknown>): Promise<SynapseError> {
  try {
    await p;
  } catch (err) {
    return err as SynapseError;
  }
  throw new Error("expected a failure");
}

const textOf = (events: (ProviderEvent | StreamEvent)[]) =>
  events.map((e) => (e.type === "text" ? e.text : "")).join("");

describe("roles on a model (an OpenAI-compatible fake)", () => {
  test("a valid JSON answer streams as text and becomes the result", async () => {
    fake.answer(PLAN_TEXT);
    const provider = claude();
    const seen = fake.requests.length;
    const events = await drain(provider.stream(planCall()));
    assert.equal(textOf(events), PLAN_TEXT, "the text is what the model said");
    assert.deepEqual(events.at(-1), {
      type: "done",
      result: PLAN,
      usage: { inputTokens: 100, outputTokens: 20 },
    });
    assert.equal(fake.requests.length - seen, 1);
    const req = fake.requests.at(-1)!;
    assert.equal(req.stream, true);
    const [system, user] = req.messages;
    assert.equal(system?.role, "system");
    assert.match(system?.content ?? "", /You are the planner/, "the shipped prompt file");
    assert.match(system?.content ?? "", /## Answer format[\s\S]*"steps"/, "the schema in words");
    assert.match(user?.content ?? "", /## Task\n\nParse CSV files/);
    assert.equal(req.response_format?.type, "json_schema", "structured output is asked of the model");
    assert.ok(JSON.stringify(req.response_format?.json_schema?.schema).includes('"check"'));
    assert.equal(provider.name, "openai-compatible");
    assert.equal(provider.model, "llama3.2");
    await provider.close();
  });

  test("invalid JSON, then valid on the repair call: the result, two requests, the first text kept", async () => {
    const bad = '{"steps": [{"id": 1, "goal": "Write the parser"}]}';
    fake.answer(bad, PLAN_TEXT);
    const usage: UsageRecord[] = [];
    const provider = claude(
      { SYNAPSE_CLAUDE_PRICE_INPUT_PER_MTOK: "3", SYNAPSE_CLAUDE_PRICE_OUTPUT_PER_MTOK: "15" },
      usage,
    );
    const seen = fake.requests.length;
    const events = await drain(provider.stream(planCall()));
    assert.equal(fake.requests.length - seen, 2, "one call and one repair");
    assert.equal(textOf(events), bad, "what streamed stays the text");
    assert.deepEqual(events.at(-1), {
      type: "done",
      result: PLAN,
      usage: { inputTokens: 200, outputTokens: 40 },
    });
    const repair = fake.requests.at(-1)!;
    assert.notEqual(repair.stream, true, "the repair is one whole answer");
    const repairText = repair.messages.at(-1)?.content ?? "";
    assert.match(repairText, /Your previous answer[\s\S]*Write the parser/);
    assert.match(repairText, /answer\.steps\.0\.check/, "the validation error is given back");
    assert.equal(usage.length, 2, "both model calls are recorded");
    assert.deepEqual(usage[0], {
      agent: "claude",
      action: "plan",
      provider: "openai-compatible",
      model: "llama3.2",
      inputTokens: 100,
      outputTokens: 20,
      costUsd: (100 * 3 + 20 * 15) / 1_000_000,
    });
    await provider.close();
  });

  test("broken JSON, then valid on the repair call: the result", async () => {
    fake.answer('{"steps": [{"id": 1, "goal": "Write the parser"', PLAN_TEXT);
    const provider = claude();
    const seen = fake.requests.length;
    const got = await provider.complete(planCall());
    assert.deepEqual(got.result, PLAN);
    assert.equal(fake.requests.length - seen, 2);
    assert.match(fake.requests.at(-1)?.messages.at(-1)?.content ?? "", /the answer holds no JSON object/);
    await provider.close();
  });

  test("invalid twice fails with a clear INTERNAL error naming the schema and the problem", async () => {
    fake.answer("I would rather not answer in JSON.");
    const provider = claude();
    const seen = fake.requests.length;
    const err = await failure(drain(provider.stream(planCall())));
    assert.equal(err.code, "INTERNAL");
    assert.match(
      err.message,
      /^The model's answer did not match the plan schema: the answer holds no JSON object/,
    );
    assert.match(err.message, /SYNAPSE_CLAUDE_MODEL/);
    assert.equal(fake.requests.length - seen, 2);
    await provider.close();
  });

  test("unary calls use the non-streaming API, and a fenced JSON answer is accepted", async () => {
    fake.answer(`Here is the plan:\n\`\`\`json\n${PLAN_TEXT}\n\`\`\``);
    const provider = claude();
    const got = await provider.complete(planCall());
    assert.deepEqual(got.result, PLAN);
    assert.match(got.text, /^Here is the plan/);
    assert.notEqual(fake.requests.at(-1)?.stream, true);
    await provider.close();
  });

  test("every action renders its input for the model", async () => {
    fake.answer(JSON.stringify({ files: [{ path: "a.ts", content: "x" }], explanation: "done" }));
    const provider = claude();
    const call = {
      ...planCall(),
      action: "code",
      input: {
        task: "Fix it",
        files: [{ path: "a.ts", content: "const a = ```;" }],
        comments: [{ location: "a.ts line 1", message: "broken" }],
      },
    } as ProviderCall;
    const got = await provider.complete(call);
    assert.deepEqual(got.result, { files: [{ path: "a.ts", content: "x" }], explanation: "done" });
    const user = fake.requests.at(-1)?.messages.at(-1)?.content ?? "";
    assert.match(
      user,
      /## Current files\n\n### a\.ts\n\n````\nconst a = ```;\n````/,
      "a fence the code cannot close",
    );
    assert.match(user, /## Review comments to address\n\n- a\.ts line 1: broken/);
    assert.match(fake.requests.at(-1)?.messages[0]?.content ?? "", /You are the coder/);
    await provider.close();
  });

  test("prompts are read from SYNAPSE_PROMPTS_DIR when it has a file of the same name", async () => {
    writeFileSync(join(promptsDir, "claude-plan.md"), "You are a CUSTOM planner for this team.\n");
    fake.answer(PLAN_TEXT);
    const provider = claude({ SYNAPSE_PROMPTS_DIR: promptsDir });
    await provider.complete(planCall());
    const system = fake.requests.at(-1)?.messages[0]?.content ?? "";
    assert.match(system, /^You are a CUSTOM planner for this team\./);
    assert.doesNotMatch(system, /You are the planner/);
    assert.match(system, /## Answer format/, "the answer format is still given");
    fake.answer(JSON.stringify({ files: [], explanation: "nothing" }));
    await provider.complete({ ...planCall(), action: "code", input: { task: "x" } } as ProviderCall);
    assert.match(
      fake.requests.at(-1)?.messages[0]?.content ?? "",
      /You are the coder/,
      "other prompts stay shipped",
    );
    await provider.close();
    const missing = await failure(
      Promise.resolve().then(() => claude({ SYNAPSE_PROMPTS_DIR: join(promptsDir, "nope") })),
    );
    assert.equal(missing.code, "FAILED_PRECONDITION");
    assert.match(missing.message, /SYNAPSE_PROMPTS_DIR/);
  });

  test("a model's stream cannot be continued on another replica", async () => {
    const provider = claude();
    const err = await failure(drain(provider.stream(planCall({ continuation: { text: "{", afterSeq: 1 } }))));
    assert.equal(err.code, "FAILED_PRECONDITION");
    await provider.close();
  });
});
