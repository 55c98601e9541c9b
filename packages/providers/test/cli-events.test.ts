import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ClaudeEvents, type CliEvent, type CliEventReader, CodexEvents, GeminiEvents } from "../src/index.js";
import { sampleLines } from "./cli-fixtures.js";

function readAll(reader: CliEventReader, lines: Record<string, unknown>[]): CliEvent[] {
  return lines.flatMap((l) => reader.read(l));
}

describe("CLI event readers on the real captured samples", () => {
  test("Claude Code stream-json: the model, the assistant text once, the result's usage", () => {
    assert.deepEqual(readAll(new ClaudeEvents(), sampleLines("claude-stream.jsonl")), [
      { type: "model", model: "claude-sonnet-4-5" },
      { type: "text", text: "FAKE-OK" },
      { type: "result", usage: { inputTokens: 10, outputTokens: 3 }, final: "FAKE-OK" },
    ]);
  });

  test("Claude Code with partial messages: token deltas, and the whole message is not repeated", () => {
    assert.deepEqual(readAll(new ClaudeEvents(), sampleLines("claude-partial.jsonl")), [
      { type: "model", model: "claude-opus-4-8[1m]" },
      { type: "text", text: "FAKE" },
      { type: "text", text: "-OK" },
      { type: "result", usage: { inputTokens: 10, outputTokens: 3 }, final: "FAKE-OK" },
    ]);
  });

  test("Claude Code: a second message is set apart; an error result is a failure with the API status", () => {
    const reader = new ClaudeEvents();
    const message = (id: string, text: string) => ({
      type: "assistant",
      message: { id, content: [{ type: "text", text }] },
    });
    assert.deepEqual(readAll(reader, [message("a", "Looking."), message("b", "{}")]), [
      { type: "text", text: "Looking." },
      { type: "text", text: "\n\n{}" },
    ]);
    assert.deepEqual(
      reader.read({
        type: "result",
        subtype: "success",
        is_error: true,
        api_error_status: 429,
        result: "Rate limited",
      }),
      [{ type: "failure", message: "Rate limited", status: 429 }],
    );
  });

  test("Gemini CLI stream-json: the model, the deltas, the usage; warnings are not failures", () => {
    const events = readAll(new GeminiEvents(), sampleLines("gemini-stream.jsonl"));
    assert.deepEqual(events, [
      { type: "model", model: "gemini-2.5-flash" },
      { type: "text", text: "FAKE" },
      { type: "text", text: "-OK" },
      { type: "result", usage: { inputTokens: 10, outputTokens: 3 } },
    ]);
    const reader = new GeminiEvents();
    assert.deepEqual(reader.read({ type: "error", severity: "warning", message: "slow" }), []);
    assert.deepEqual(
      reader.read({ type: "result", status: "error", error: { type: "Error", message: "quota" } }),
      [{ type: "failure", message: "quota" }],
    );
  });

  test("Codex CLI exec --json: the agent message, the usage; an error item is only a warning", () => {
    assert.deepEqual(readAll(new CodexEvents(), sampleLines("codex.jsonl")), [
      { type: "text", text: "FAKE-OK" },
      { type: "result", usage: { inputTokens: 10, outputTokens: 3 }, final: "FAKE-OK" },
    ]);
    assert.deepEqual(new CodexEvents().read({ type: "turn.failed", error: { message: "boom" } }), [
      { type: "failure", message: "boom" },
    ]);
  });
});
