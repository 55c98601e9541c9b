import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { loadConfig, type SynapseError } from "@synapse/core";
import { createLlmClient, createProvider, resolveProvider } from "../src/index.js";

function thrown(fn: () => unknown): SynapseError {
  try {
    fn();
  } catch (err) {
    return err as SynapseError;
  }
  throw new Error("expected a throw");
}

describe("provider choice and LLM clients from configuration", () => {
  test("auto picks each agent's vendor API when its key is set, sim otherwise, and says why", () => {
    const none = loadConfig({
      SYNAPSE_CLAUDE_PROVIDER: "auto",
      SYNAPSE_GEMINI_PROVIDER: "auto",
      SYNAPSE_CODEX_PROVIDER: "auto",
    });
    assert.deepEqual(resolveProvider("claude", none, {}), {
      name: "sim",
      reason: "auto: ANTHROPIC_API_KEY is not set",
    });
    assert.equal(resolveProvider("gemini", none, {}).name, "sim");
    assert.equal(resolveProvider("codex", none, {}).name, "sim");
    const keys = loadConfig({
      SYNAPSE_CLAUDE_PROVIDER: "auto",
      SYNAPSE_GEMINI_PROVIDER: "auto",
      SYNAPSE_CODEX_PROVIDER: "auto",
      ANTHROPIC_API_KEY: "a",
      GOOGLE_API_KEY: "g",
      OPENAI_API_KEY: "o",
    });
    assert.deepEqual(resolveProvider("claude", keys, {}), {
      name: "anthropic",
      reason: "auto: ANTHROPIC_API_KEY is set",
    });
    assert.deepEqual(resolveProvider("gemini", keys, {}), {
      name: "google",
      reason: "auto: GOOGLE_API_KEY is set",
    });
    assert.equal(resolveProvider("codex", keys, {}).name, "openai");
    const named = loadConfig({ SYNAPSE_CODEX_PROVIDER: "auto", SYNAPSE_CODEX_API_KEY_ENV: "MY_KEY" });
    assert.equal(resolveProvider("codex", named, { MY_KEY: "k" }).name, "openai");
    assert.equal(resolveProvider("claude", loadConfig({ SYNAPSE_CLAUDE_PROVIDER: "cli" }), {}).name, "cli");
  });

  test("a real provider without what it needs fails at start with the setting to set", () => {
    const config = loadConfig({
      SYNAPSE_CLAUDE_PROVIDER: "anthropic",
      SYNAPSE_GEMINI_PROVIDER: "openai-compatible",
    });
    const noKey = thrown(() => createLlmClient("anthropic", "claude", config, { env: {} }));
    assert.equal(noKey.code, "FAILED_PRECONDITION");
    assert.match(noKey.message, /ANTHROPIC_API_KEY is not set.*SYNAPSE_CLAUDE_PROVIDER/);
    const noUrl = thrown(() => createLlmClient("openai-compatible", "gemini", config, { env: {} }));
    assert.match(noUrl.message, /SYNAPSE_GEMINI_BASE_URL/);
    const withUrl = loadConfig({ SYNAPSE_GEMINI_BASE_URL: "http://127.0.0.1:1/v1" });
    assert.match(
      thrown(() => createLlmClient("openai-compatible", "gemini", withUrl, { env: {} })).message,
      /SYNAPSE_GEMINI_MODEL/,
    );
  });

  test("clients name their provider and model; the vendor's default model when none is set", async () => {
    const config = loadConfig({
      ANTHROPIC_API_KEY: "a",
      OPENAI_API_KEY: "o",
      SYNAPSE_CODEX_MODEL: "gpt-test",
      SYNAPSE_GEMINI_BASE_URL: "http://127.0.0.1:1/v1",
      SYNAPSE_GEMINI_MODEL: "llama3.2",
    });
    const clients = [
      createLlmClient("anthropic", "claude", config, { env: {} }),
      createLlmClient("openai", "codex", config, { env: {} }),
      createLlmClient("openai-compatible", "gemini", config, { env: {} }),
    ];
    assert.deepEqual(
      clients.map((c) => [c.provider, c.model]),
      [
        ["anthropic", "claude-sonnet-4-5"],
        ["openai", "gpt-test"],
        ["openai-compatible", "llama3.2"],
      ],
    );
    await Promise.all(clients.map((c) => c.close()));
  });

  test("createProvider still builds sim, and points real providers at createAgentProvider", () => {
    const config = loadConfig({});
    assert.equal(createProvider("sim", config.claude).name, "sim");
    const err = thrown(() => createProvider("anthropic", config.claude));
    assert.match(err.message, /createAgentProvider/);
    assert.match(thrown(() => createProvider("nope", config.claude)).message, /Unknown provider "nope"/);
  });
});
