import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getChannelzHandlers } from "@grpc/grpc-js";
import { GrpcAgentClient } from "../src/grpc/index.js";
import { FakeHandler, plan, startServer } from "./grpc-fixtures.js";

type Listing = (call: { request: Record<string, string> }, cb: (err: unknown, res: unknown) => void) => void;

/** How many top-level channels grpc-js's channelz registry holds now. */
function channels(): number {
  const handlers = getChannelzHandlers() as unknown as Record<string, Listing>;
  let n = -1;
  handlers.GetTopChannels!({ request: { max_results: "100000", start_channel_id: "0" } }, (_err, res) => {
    n = ((res as { channel?: unknown[] }).channel ?? []).length;
  });
  return n;
}

describe("gRPC channelz", () => {
  // Channelz bookkeeping costs every call and we serve no channelz admin service. (Servers keep
  // it: grpc-js's forceShutdown only cuts the connections channelz tracks; see options.ts.)
  test("clients are not tracked by channelz", async () => {
    const before = channels();
    const started = await startServer(new FakeHandler());
    const client = new GrpcAgentClient(started.address);
    try {
      await client.invoke(plan());
      assert.equal(channels(), before);
    } finally {
      client.close();
      await started.server.close(0);
    }
  });
});
