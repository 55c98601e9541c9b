import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSynapseError } from "@synapse/core";
import { buildInput } from "../src/call/call-input.js";

const invalid = (pattern: RegExp) => (err: unknown) =>
  isSynapseError(err, "INVALID_ARGUMENT") && pattern.test(err.message);

describe("buildInput", () => {
  test("puts the text in each action's main field", () => {
    assert.deepEqual(buildInput("plan", "ship it"), { task: "ship it" });
    assert.deepEqual(buildInput("code", "a parser"), { task: "a parser" });
    assert.deepEqual(buildInput("analyze", "x = 1"), { text: "x = 1" });
    assert.deepEqual(buildInput("review", "fn()"), { code: "fn()" });
    assert.deepEqual(buildInput("execute", "ls -la"), { command: "ls -la" });
  });

  test("--command gives execute's command; the text is then its task", () => {
    assert.deepEqual(buildInput("execute", undefined, { command: "npm test" }), { command: "npm test" });
    assert.deepEqual(buildInput("execute", "run the tests", { command: "npm test" }), {
      command: "npm test",
      task: "run the tests",
    });
    assert.throws(() => buildInput("plan", "x", { command: "ls" }), invalid(/only for codex execute/));
  });

  test("--input gives the whole input as a JSON object", () => {
    assert.deepEqual(buildInput("review", undefined, { input: '{"diff":"+a","task":"t"}' }), {
      diff: "+a",
      task: "t",
    });
    assert.throws(
      () => buildInput("plan", undefined, { input: "{nope" }),
      invalid(/^--input is not valid JSON/),
    );
    assert.throws(() => buildInput("plan", undefined, { input: "[1]" }), invalid(/must be a JSON object/));
    assert.throws(
      () => buildInput("plan", "text", { input: "{}" }),
      invalid(/not both|instead of giving both/),
    );
  });

  test("no text and no --input says what to give", () => {
    assert.throws(() => buildInput("analyze", undefined), invalid(/^Give the text as the text argument/));
  });
});
