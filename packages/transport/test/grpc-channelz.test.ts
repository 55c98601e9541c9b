import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getChannelzHandlers } from "@grpc/grpc-js";
import { GrpcAgentClient } from "../src/grpc/index.js";
import { FakeHandler, plan, startServer } from "./grpc-fixtures.js";

type Listing = (call: { request: Record<string, string> }, cb: (err: unknown, res: unknown) => void) => void;

/** How many servers and top-level channels grpc-js's channelz registry holds now. */
function registered(): { servers: number; channels: number } {
  const handlers = getChannelzHandlers() as unknown as Record<string, Listing>;
  const count = (method: string, field: string): number => {
    let n = -1;
    const request = { max_results: "100000", start_server_id: "0", start_channel_id: "0" };
    handlers[method]!({ request }, (_err, res) => {
      n = ((res as Record<string, unknown[]>)[field] ?? []).length;
    });
    return n;
  };
  return { servers: count("GetServers", "server"), channels: count("GetTopChannels", "channel") };
}

describe("gRPC channelz", () => {
  // Channelz bookkeeping costs every call and we serve no channelz admin service.
  test("servers and clients are not tracked by channelz", async () => {
    const before = registered();
    const started = await startServer(new FakeHandler());
    const client = new GrpcAgentClient(started.address);
    try {
      await client.invoke(plan());
      assert.deepEqual(registered(), before);
    } finally {
      client.close();
      await started.server.close(0);
    }
  });
});
