import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { createLogger, loadConfig, type SynapseError } from "@synapse/core";
import type { ProviderCall, ProviderEvent } from "@synapse/providers";
import { AgentProvider, createAgentProvider, type UsageRecord } from "../src/index.js";
import { tempRoot } from "./executor-fixtures.js";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.js";

let fake: FakeOpenAi;
let root: { dir: string; cleanup: () => void };
before(async () => {
  fake = await startFakeOpenAi();
  root = tempRoot();
});
after(async () => {
  await fake.close();
  root.cleanup();
});

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name: "test", level: "info", format: "json", destination });
  return {
    logger,
    messages: () =>
      lines
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => String(JSON.parse(l).msg)),
  };
}

function execute(input: Record<string, unknown>, signal = new AbortController().signal): ProviderCall {
  return { agent: "codex", action: "execute", input, signal } as ProviderCall;
}

/** claude:plan of a fixed task. */
function plan(): ProviderCall {
  return {
    agent: "claude",
    action: "plan",
    input: { task: "Build a CLI" },
    signal: new AbortController().signal,
  };
}

async function drain(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const textOf = (events: ProviderEvent[]) => events.map((e) => (e.type === "text" ? e.text : "")).join("");
const doneOf = (events: ProviderEvent[]) => events.at(-1) as Extract<ProviderEvent, { type: "done" }>;

function codexConfig(extra: Record<string, string> = {}) {
  return loadConfig({ SYNAPSE_DATA_DIR: root.dir, SYNAPSE_CODEX_ISOLATION: "process", ...extra });
}

describe("createAgentProvider", () => {
  test("auto picks the vendor API when its key is set, sim otherwise, and logs the choice once", async () => {
    const withKey = capture();
    const keyed = createAgentProvider(
      "claude",
      loadConfig({ SYNAPSE_CLAUDE_PROVIDER: "auto", ANTHROPIC_API_KEY: "sk-ant-test" }),
      { logger: withKey.logger, env: {} },
    );
    assert.equal(keyed.name, "anthropic");
    assert.equal(keyed.model, "claude-sonnet-4-5");
    assert.equal(keyed.isolation, "none");
    assert.deepEqual(withKey.messages(), [
      "claude answers with anthropic (model claude-sonnet-4-5): auto: ANTHROPIC_API_KEY is set",
    ]);
    await keyed.close();
    const without = capture();
    const plain = createAgentProvider("gemini", loadConfig({ SYNAPSE_GEMINI_PROVIDER: "auto" }), {
      logger: without.logger,
      env: {},
    });
    assert.equal(plain.name, "sim");
    assert.equal(plain.model, "sim-1");
    assert.deepEqual(without.messages(), [
      "gemini answers with sim (model sim-1): auto: GEMINI_API_KEY is not set",
    ]);
    const openai = createAgentProvider(
      "codex",
      codexConfig({ SYNAPSE_CODEX_PROVIDER: "auto", OPENAI_API_KEY: "sk-o" }),
      { env: {} },
    );
    assert.equal(openai.name, "openai");
    await openai.close();
  });

  test("sim answers the model actions as before and reports its usage", async () => {
    const usage: UsageRecord[] = [];
    const provider = createAgentProvider(
      "claude",
      loadConfig({ SYNAPSE_CLAUDE_SIM_TTFT_MS: "0", SYNAPSE_CLAUDE_SIM_TOKENS_PER_SECOND: "0" }),
      {
        env: {},
        onUsage: (r) => usage.push(r),
      },
    );
    const events = await drain(provider.stream(plan()));
    assert.ok(Array.isArray(doneOf(events).result.steps));
    assert.equal(usage.length, 1);
    assert.equal(usage[0]?.provider, "sim");
    assert.equal(usage[0]?.costUsd, undefined, "no price configured, no cost");
  });

  test("a unary call on sim takes sim's whole answer (no token stream) and reports its usage", async () => {
    const answer = { text: "1. Do it\n", result: { steps: [] }, usage: { inputTokens: 3, outputTokens: 2 } };
    const sim = {
      name: "sim",
      model: "sim-1",
      stream: (): AsyncIterable<ProviderEvent> => {
        throw new Error("a unary call must not stream");
      },
      complete: async () => answer,
    };
    const usage: unknown[] = [];
    const provider = new AgentProvider({
      name: "sim",
      model: "sim-1",
      sim,
      onSimUsage: (action, u) => usage.push([action, u]),
    });
    const call = plan();
    assert.deepEqual(await provider.complete(call), answer);
    assert.deepEqual(usage, [["plan", answer.usage]]);
  });

  test("a sim stream reports its usage once, at the done event; a consumer that stops early stops sim", async () => {
    const usage = { inputTokens: 3, outputTokens: 2 };
    let stopped = false;
    const sim = {
      name: "sim",
      model: "sim-1",
      async *stream(): AsyncGenerator<ProviderEvent> {
        try {
          yield { type: "text", text: "1. " };
          yield { type: "text", text: "Do it\n" };
          yield { type: "done", result: { steps: [] }, usage };
        } finally {
          stopped = true;
        }
      },
    };
    const seen: unknown[] = [];
    const provider = new AgentProvider({
      name: "sim",
      model: "sim-1",
      sim,
      onSimUsage: (action, u) => seen.push([action, u]),
    });
    const call = plan();
    const events = await drain(provider.stream(call));
    assert.deepEqual(
      events.map((e) => e.type),
      ["text", "text", "done"],
    );
    assert.deepEqual(seen, [["plan", usage]]);
    stopped = false;
    for await (const event of provider.stream(call)) {
      assert.equal(event.type, "text");
      break;
    }
    assert.equal(stopped, true, "sim's generator was closed");
    assert.equal(seen.length, 1, "no usage from a stream that never finished");
  });

  test("codex on sim really runs a given command through the executor", async () => {
    const provider = createAgentProvider("codex", codexConfig(), { env: { PATH: process.env.PATH } });
    try {
      assert.equal(provider.name, "sim");
      assert.equal(provider.isolation, "process");
      const events = await drain(provider.stream(execute({ command: "echo 'hello world'" })));
      const { result, usage } = doneOf(events);
      assert.equal(result.executed, true);
      assert.equal(result.isolation, "process");
      const [report] = result.commands as { argv: string[]; exitCode: number; stdout: string }[];
      assert.deepEqual(report?.argv, ["echo", "hello world"]);
      assert.equal(report?.exitCode, 0);
      assert.equal(report?.stdout, "hello world\n");
      assert.equal(textOf(events), "$ echo 'hello world'\nhello world\n→ exit 0\n\n");
      assert.deepEqual(usage, { inputTokens: 0, outputTokens: 0 }, "no model was asked");
      const failed = doneOf(await drain(provider.stream(execute({ command: ["ls", "no-such-file"] }))));
      const [ls] = failed.result.commands as { exitCode: number; stderr: string }[];
      assert.notEqual(ls?.exitCode, 0);
      assert.match(ls?.stderr ?? "", /no-such-file/);
    } finally {
      await provider.close();
    }
  });

  test("codex on sim turns a task into allowlisted commands and runs them", async () => {
    const provider = createAgentProvider(
      "codex",
      codexConfig({ SYNAPSE_CODEX_SIM_TTFT_MS: "0", SYNAPSE_CODEX_SIM_TOKENS_PER_SECOND: "0" }),
      {
        env: { PATH: process.env.PATH },
      },
    );
    try {
      const listed = await drain(provider.stream(execute({ task: "list the files here" })));
      const [ls] = doneOf(listed).result.commands as { argv: string[]; exitCode: number }[];
      assert.deepEqual(ls?.argv, ["ls", "-la"]);
      assert.equal(ls?.exitCode, 0);
      assert.match(textOf(listed), /^Commands sim derived from the task[^\n]*\n\n\$ ls -la\n/);
      const tests = doneOf(await drain(provider.stream(execute({ task: "run the tests" }))));
      const [echo] = tests.result.commands as { argv: string[]; stdout: string }[];
      assert.equal(echo?.argv[0], "echo", "npm is not allowed, so sim says what it would run");
      assert.match(
        echo?.stdout ?? "",
        /sim would run `npm test`, but npm is not allowed; add it to SYNAPSE_CODEX_ALLOWED_PROGRAMS/,
      );
    } finally {
      await provider.close();
    }
  });

  test("codex on a model: the model's commands run, and it is told the allowed programs", async () => {
    fake.answer(JSON.stringify({ explanation: "Print a greeting.", commands: ["echo hi", "pwd"] }));
    const provider = createAgentProvider(
      "codex",
      codexConfig({
        SYNAPSE_CODEX_PROVIDER: "openai-compatible",
        SYNAPSE_CODEX_BASE_URL: fake.baseUrl,
        SYNAPSE_CODEX_MODEL: "m",
      }),
      { env: { PATH: process.env.PATH } },
    );
    try {
      const events = await drain(provider.stream(execute({ task: "greet" })));
      const { result, usage } = doneOf(events);
      const commands = result.commands as { argv: string[]; exitCode: number; stdout: string }[];
      assert.deepEqual(
        commands.map((c) => [c.argv, c.exitCode]),
        [
          [["echo", "hi"], 0],
          [["pwd"], 0],
        ],
      );
      assert.match(textOf(events), /^Print a greeting\.\n\n\$ echo hi\nhi\n/);
      assert.deepEqual(usage, { inputTokens: 100, outputTokens: 20 });
      const system = fake.requests.at(-1)?.messages[0]?.content ?? "";
      assert.match(system, /Only these programs are allowed: ls, cat, echo/);
      fake.answer(JSON.stringify({ explanation: "Remove everything.", commands: ["rm -rf ."] }));
      const err = await drain(provider.stream(execute({ task: "clean up" }))).then(
        () => undefined,
        (e: SynapseError) => e,
      );
      assert.equal(err?.code, "PERMISSION_DENIED");
      assert.match(err?.message ?? "", /SYNAPSE_CODEX_ALLOWED_PROGRAMS/);
    } finally {
      await provider.close();
    }
  });

  test("cancelling an execute call ends it CANCELLED, whatever stage it is in", async () => {
    const provider = createAgentProvider("codex", codexConfig({ SYNAPSE_CODEX_ALLOWED_PROGRAMS: "sleep" }), {
      env: { PATH: process.env.PATH },
    });
    try {
      const controller = new AbortController();
      const run = drain(provider.stream(execute({ command: "sleep 100" }, controller.signal)));
      setImmediate(() => controller.abort());
      const err = await run.then(
        () => undefined,
        (e: SynapseError) => e,
      );
      assert.equal(err?.code, "CANCELLED");
    } finally {
      await provider.close();
    }
  });
});
