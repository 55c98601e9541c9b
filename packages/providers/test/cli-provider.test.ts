import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type AgentName, FakeClock, loadConfig, type SynapseError } from "@synapse/core";
import { createLlmClient, type LlmEvent, type LlmRequest } from "../src/index.js";
import { fixtureClis, isGone, waitForPids } from "./cli-fixtures.js";

const KEYS = {
  ANTHROPIC_API_KEY: "sk-ant-own-0123456789",
  OPENAI_API_KEY: "sk-openai-0123456789",
  GEMINI_API_KEY: "gem-0123456789",
};
const OWN_KEY: Record<AgentName, keyof typeof KEYS> = {
  claude: "ANTHROPIC_API_KEY",
  gemini: "GEMINI_API_KEY",
  codex: "OPENAI_API_KEY",
};
const AGENTS: AgentName[] = ["claude", "gemini", "codex"];

let fixtures: { dir: string; cleanup: () => void };
let env: Record<string, string | undefined>;
before(() => {
  fixtures = fixtureClis();
  env = {
    ...KEYS,
    PATH: `${fixtures.dir}:${process.env.PATH}`,
    HOME: process.env.HOME,
    SYNAPSE_API_KEYS: "gateway-secret",
    SYNAPSE_CLAUDE_MODEL: "x",
    AWS_SECRET_ACCESS_KEY: "aws-secret",
  };
});
after(() => fixtures.cleanup());

function client(agent: AgentName, extra: Record<string, string> = {}, clock?: FakeClock) {
  const config = loadConfig({ ...KEYS, [`SYNAPSE_${agent.toUpperCase()}_PROVIDER`]: "cli", ...extra });
  return createLlmClient("cli", agent, config, { env, ...(clock ? { clock } : {}) });
}

function request(prompt = "Say hi.", signal = new AbortController().signal): LlmRequest {
  return { system: "You are a test.", prompt, signal };
}

async function drain(events: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
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

describe("the cli provider against fixture CLIs printing the real captured events", () => {
  test("Claude Code streams its token deltas, then the usage and the final message", async () => {
    assert.deepEqual(await drain(client("claude").stream(request())), [
      { type: "text", text: "FAKE" },
      { type: "text", text: "-OK" },
      { type: "done", usage: { inputTokens: 10, outputTokens: 3 }, final: "FAKE-OK" },
    ]);
  });

  test("Gemini CLI and Codex CLI stream their answers; complete gathers them", async () => {
    assert.deepEqual(await drain(client("gemini").stream(request())), [
      { type: "text", text: "FAKE" },
      { type: "text", text: "-OK" },
      { type: "done", usage: { inputTokens: 10, outputTokens: 3 } },
    ]);
    assert.deepEqual(await client("codex").complete(request()), {
      text: "FAKE-OK",
      usage: { inputTokens: 10, outputTokens: 3 },
      final: "FAKE-OK",
    });
    const c = client("codex", { SYNAPSE_CODEX_MODEL: "gpt-x" });
    assert.equal(c.provider, "cli");
    assert.equal(c.model, "gpt-x");
    assert.equal(client("claude").model, "default");
  });

  test("a logged-out CLI is UNAUTHENTICATED with the CLI's own words and how to log in", async () => {
    const claude = await failure(drain(client("claude").stream(request("[fixture:auth]"))));
    assert.equal(claude.code, "UNAUTHENTICATED");
    assert.match(claude.message, /Invalid API key · Please run \/login/);
    assert.match(claude.message, /ANTHROPIC_API_KEY/);
    const gemini = await failure(drain(client("gemini").stream(request("[fixture:auth]"))));
    assert.equal(gemini.code, "UNAUTHENTICATED");
    assert.match(gemini.message, /Please set an Auth method/);
    const codex = await failure(client("codex").complete(request("[fixture:auth]")));
    assert.equal(codex.code, "UNAUTHENTICATED");
    assert.match(codex.message, /401 Unauthorized/);
    assert.match(codex.message, /codex login/);
  });

  test("a CLI missing from PATH, or from its configured path, is FAILED_PRECONDITION saying what to do", async () => {
    const config = loadConfig({});
    const bare = createLlmClient("cli", "claude", config, { env: { PATH: "/nonexistent" } });
    const err = await failure(drain(bare.stream(request())));
    assert.equal(err.code, "FAILED_PRECONDITION");
    assert.equal(err.message, "claude CLI not found on PATH; install it or set SYNAPSE_CLAUDE_CLI_PATH");
    const pinned = client("gemini", { SYNAPSE_GEMINI_CLI_PATH: "/nonexistent/gemini" });
    const pinnedErr = await failure(drain(pinned.stream(request())));
    assert.equal(pinnedErr.code, "FAILED_PRECONDITION");
    assert.match(pinnedErr.message, /not found at \/nonexistent\/gemini.*SYNAPSE_GEMINI_CLI_PATH/);
    const byPath = client("gemini", { SYNAPSE_GEMINI_CLI_PATH: join(fixtures.dir, "gemini") });
    assert.equal((await byPath.complete(request())).text, "FAKE-OK", "a configured path is run");
  });

  for (const agent of AGENTS) {
    test(`${agent}'s CLI sees a reduced environment: its own key, no SYNAPSE_* and no other secret`, async () => {
      const answer = await client(agent).complete(request("[fixture:env]"));
      const seen = JSON.parse(answer.text) as Record<string, string>;
      assert.deepEqual(
        Object.keys(seen).filter((k) => k.startsWith("SYNAPSE_")),
        [],
      );
      for (const [name, value] of Object.entries(KEYS)) {
        if (name === OWN_KEY[agent]) assert.equal(seen[name], value, `${agent} gets ${name}`);
        else assert.equal(seen[name], undefined, `${agent} must not see ${name}`);
      }
      assert.equal(seen.AWS_SECRET_ACCESS_KEY, undefined);
      assert.ok(!answer.text.includes("gateway-secret"));
      assert.equal(seen.PATH, env.PATH);
      if (agent === "gemini") assert.equal(seen.GEMINI_CLI_TRUST_WORKSPACE, "true");
    });
  }

  test("cancelling kills the CLI's whole process group and ends CANCELLED", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synapse-hang-"));
    try {
      const controller = new AbortController();
      const run = drain(client("claude").stream(request(`[fixture:hang=${dir}]`, controller.signal)));
      const pids = await waitForPids(dir);
      assert.ok(
        pids.every((pid) => !isGone(pid)),
        "the CLI and its grandchild run",
      );
      controller.abort();
      const err = await failure(run);
      assert.equal(err.code, "CANCELLED");
      assert.deepEqual(
        pids.filter((pid) => !isGone(pid)),
        [],
        "no process of the group is left",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a run past its timeout is killed with its group and ends DEADLINE_EXCEEDED", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synapse-hang-"));
    const clock = new FakeClock();
    try {
      const run = drain(
        client("codex", { SYNAPSE_CODEX_CLI_TIMEOUT_MS: "5000" }, clock).stream(
          request(`[fixture:hang=${dir}]`),
        ),
      );
      const pids = await waitForPids(dir);
      clock.advance(4999);
      assert.ok(
        pids.every((pid) => !isGone(pid)),
        "still running before the timeout",
      );
      clock.advance(1);
      const err = await failure(run);
      assert.equal(err.code, "DEADLINE_EXCEEDED");
      assert.match(err.message, /SYNAPSE_CODEX_CLI_TIMEOUT_MS/);
      assert.deepEqual(
        pids.filter((pid) => !isGone(pid)),
        [],
      );
      assert.equal(clock.pending(), 0, "the timer is released");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
