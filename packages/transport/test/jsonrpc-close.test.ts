/** Graceful close of the JSON-RPC server: drain within the time given, then cancel what is left. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type AgentRequest, FakeClock, isSynapseError } from "@synapse/core";
import { JsonRpcClient } from "../src/jsonrpc/index.js";
import { RawClient, startServer, T } from "./jsonrpc-fixtures.js";

const plan = (input: Record<string, unknown>, requestId: string): AgentRequest => ({
  agent: "claude",
  action: "plan",
  input,
  requestId,
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (err) {
    return isSynapseError(err) ? err.code : String(err);
  }
}

describe("JSON-RPC server: graceful close", () => {
  test(
    "in-flight calls finish within the drain time; one still running after it is cancelled",
    T,
    async (t) => {
      const clock = new FakeClock();
      const { server, port, handler } = await startServer({ clock });
      const client = new JsonRpcClient({ port });
      const other = await RawClient.connect(port);
      t.after(async () => {
        await client.close();
        await other.close();
        await server.close(0);
      });
      const quick = client.invoke(plan({ wait: "quick" }, "quick"));
      const stuck = codeOf(client.invoke(plan({ block: true }, "stuck")));
      const [, stuckCtx] = await Promise.all([handler.started("quick"), handler.started("stuck")]);
      await other.assertServing();

      const closed = server.close(1000);
      // The idle connection is closed at once; new calls on a draining one are refused.
      await other.closed;
      assert.equal(await codeOf(client.health()), "UNAVAILABLE");

      handler.release("quick");
      assert.equal((await quick).text, "");
      assert.equal(stuckCtx.signal.aborted, false);

      clock.advance(1000);
      assert.equal(stuckCtx.signal.aborted, true);
      assert.equal(await stuck, "UNAVAILABLE");
      await closed;
      assert.equal(server.connections(), 0);
      const late = new JsonRpcClient({ port });
      assert.equal(await codeOf(late.health()), "UNAVAILABLE"); // no longer listening
      await late.close();
    },
  );

  test("close with nothing in flight resolves without waiting for the drain time", T, async () => {
    const clock = new FakeClock(); // never advanced: a wait on the drain timer would hang
    const { server, port } = await startServer({ clock });
    const client = await RawClient.connect(port);
    await client.assertServing();
    await server.close(60_000);
    await client.closed;
    assert.equal(server.connections(), 0);
  });
});
