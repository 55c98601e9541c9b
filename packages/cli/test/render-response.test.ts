import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { AgentResponse } from "@synapse/core";
import { formatFooter, renderResponse, useColor } from "../src/call/render-response.js";

const response: AgentResponse = {
  agent: "claude",
  action: "plan",
  result: {},
  text: "1. Do it",
  usage: { inputTokens: 3, outputTokens: 40 },
  provider: "sim",
  model: "sim-1",
  latencyMs: 84.6,
};

describe("render-response", () => {
  test("the footer names provider, model, tokens and latency", () => {
    assert.equal(formatFooter(response), "sim · sim-1 · 3 in / 40 out tokens · 85 ms");
  });

  test("the footer says when a fallback answered", () => {
    assert.equal(
      formatFooter({ ...response, fallback: { kind: "cache", ageMs: 3_250 } }),
      "sim · sim-1 · 3 in / 40 out tokens · 85 ms · fallback: cache (3.3 s old)",
    );
    assert.match(formatFooter({ ...response, fallback: { kind: "rule", ageMs: 0 } }), / · fallback: rule$/);
  });

  test("the text comes first, then the footer on its own line, dim only in colour", () => {
    assert.equal(renderResponse(response, false), "1. Do it\nsim · sim-1 · 3 in / 40 out tokens · 85 ms\n");
    assert.equal(
      renderResponse({ ...response, text: "done\n" }, true),
      "done\n\u001b[2msim · sim-1 · 3 in / 40 out tokens · 85 ms\u001b[22m\n",
    );
  });

  test("colour only on a terminal without NO_COLOR", () => {
    assert.equal(useColor({ isTTY: true }, {}), true);
    assert.equal(useColor({ isTTY: false }, {}), false);
    assert.equal(useColor({}, {}), false);
    assert.equal(useColor({ isTTY: true }, { NO_COLOR: "1" }), false);
    assert.equal(useColor({ isTTY: true }, { TERM: "dumb" }), false);
  });
});
