/** TickCork: the writes of one turn leave in one batch, in the check phase, over a real socket. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { type TestContext, test } from "node:test";
import { setImmediate as nextCheck } from "node:timers/promises";
import { TickCork } from "../src/jsonrpc/tick-cork.js";

/** A connected client socket to a server on 127.0.0.1; `received()` is all the server read so far. */
async function connectedPair(t: TestContext): Promise<{ socket: Socket; received: () => string }> {
  let all = "";
  const server = createServer((s) => s.on("data", (d: Buffer) => (all += d.toString())));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const socket = connect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1" });
  t.after(() => {
    socket.destroy();
    server.close();
  });
  await once(socket, "connect");
  return { socket, received: () => all };
}

test("writes of one turn are held until the check phase, then sent together and in order", async (t) => {
  const { socket, received } = await connectedPair(t);
  const cork = new TickCork(socket);

  for (const line of ["a\n", "b\n", "c\n"]) {
    cork.hold();
    assert.equal(socket.write(line), true, "backpressure is reported as without the cork");
  }
  // Nothing has left yet: all three wait in the socket's buffer.
  assert.equal(socket.writableCorked, 1);
  assert.equal(socket.writableLength, 6);

  await nextCheck();
  assert.equal(socket.writableCorked, 0);
  assert.equal(socket.writableLength, 0, "the check phase sent everything");
  while (received().length < 6) await nextCheck();
  assert.equal(received(), "a\nb\nc\n");

  // A later turn corks afresh.
  cork.hold();
  socket.write("d\n");
  assert.equal(socket.writableCorked, 1);
  await nextCheck();
  assert.equal(socket.writableCorked, 0);
});

test("ending a corked socket still sends what was written", async (t) => {
  const { socket, received } = await connectedPair(t);
  const cork = new TickCork(socket);
  cork.hold();
  socket.write("last words\n");
  socket.end();
  await once(socket, "close");
  while (received().length < 11) await nextCheck();
  assert.equal(received(), "last words\n");
});

test("flush sends what the turn holds at once; a later write of the turn corks afresh", async (t) => {
  const { socket, received } = await connectedPair(t);
  const cork = new TickCork(socket);

  cork.hold();
  socket.write("first\n");
  cork.flush();
  assert.equal(socket.writableCorked, 0, "flushed in the same turn");
  assert.equal(socket.writableLength, 0, "handed to the kernel, not waiting for the check phase");
  cork.hold();
  socket.write("rest\n");
  assert.equal(socket.writableCorked, 1, "what follows is batched again");
  await nextCheck();
  assert.equal(socket.writableCorked, 0);
  while (received().length < 11) await nextCheck();
  assert.equal(received(), "first\nrest\n");
  cork.flush(); // nothing held: a no-op
  assert.equal(socket.writableCorked, 0);
});
