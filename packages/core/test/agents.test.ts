import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACTIONS, assertAgentAction, parseInput } from "../src/agents.js";
import { hashText } from "../src/contract.js";
import { isSynapseError } from "../src/errors.js";
import { chain, type Interceptor, type Next } from "../src/interceptor.js";

describe("agent contract", () => {
  test("each agent serves its actions and nothing else", () => {
    assert.deepEqual(assertAgentAction("claude", "plan"), { agent: "claude", action: "plan" });
    assert.deepEqual(ACTIONS, ["plan", "code", "analyze", "review", "execute"]);
    assert.throws(
      () => assertAgentAction("gpt", "plan"),
      (e) => isSynapseError(e, "NOT_FOUND") && /gpt/.test(e.message),
    );
    assert.throws(
      () => assertAgentAction("claude", "execute"),
      (e) => isSynapseError(e, "NOT_FOUND") && /plan, code/.test(e.message),
    );
  });

  test("inputs are validated with every problem named", () => {
    assert.deepEqual(parseInput("plan", { task: "Build a todo CLI" }), { task: "Build a todo CLI" });
    assert.throws(
      () => parseInput("plan", { task: "", extra: 1 }),
      (e) =>
        isSynapseError(e, "INVALID_ARGUMENT") && /input\.task/.test(e.message) && /extra/.test(e.message),
    );
    assert.throws(() => parseInput("review", {}), /code, diff or files/);
    assert.throws(() => parseInput("execute", {}), /command or a task/);
    assert.deepEqual(parseInput("execute", { command: ["ls", "-la"] }), { command: ["ls", "-la"] });
  });

  test("the stream hash is sha256 of the text", () => {
    assert.equal(hashText(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("chain() makes the first interceptor the outermost", async () => {
    const seen: string[] = [];
    const tag =
      (name: string): Interceptor =>
      (next) =>
      async (call) => {
        seen.push(`${name}>`);
        const out = await next(call);
        seen.push(`<${name}`);
        return out;
      };
    const transport: Next = async (call) => {
      seen.push("transport");
      return { stream: false, response: { agent: call.request.agent } } as never;
    };
    const next = chain([tag("metrics"), tag("retry")], transport);
    await next({
      stream: false,
      request: { agent: "claude", action: "plan", input: { task: "x" } },
      signal: new AbortController().signal,
      deadline: undefined,
      metadata: {},
    });
    assert.deepEqual(seen, ["metrics>", "retry>", "transport", "<retry", "<metrics"]);
  });
});
