// The fault proxy itself, observed on raw socket pairs: a client on one side, a recording TCP
// server upstream. Latency and slow close run on a FakeClock; the proxy's counters say what it
// forwarded, so "nothing got through" is an exact check rather than a wait.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, test } from "node:test";
import { FakeClock } from "@synapse/core";
import { FaultProxy } from "../helpers/fault-proxy.js";
import { connectTo, dial, type Peer, startUpstream, type Upstream } from "../helpers/raw-sockets.js";
import { waitFor } from "../helpers/wait.js";

describe("FaultProxy", () => {
  let upstream: Upstream;
  let proxy: FaultProxy;
  let clock: FakeClock;
  let clients: Peer[];

  beforeEach(async () => {
    upstream = await startUpstream();
    clock = new FakeClock();
    proxy = await FaultProxy.start(upstream.port, { clock });
    clients = [];
  });

  afterEach(async () => {
    for (const client of clients) client.socket.destroy();
    await proxy.close();
    await upstream.close();
  });

  async function client(): Promise<Peer> {
    const peer = await connectTo(proxy.port);
    clients.push(peer);
    return peer;
  }

  /** A client and the upstream's side of its connection, after one round trip. */
  async function pair(): Promise<{ client: Peer; server: Peer }> {
    const before = upstream.peers.length;
    const c = await client();
    await waitFor("the upstream to accept", () => upstream.peers.length > before);
    const server = upstream.peers.at(-1)!;
    c.socket.write("hi");
    await waitFor("hi upstream", () => server.text === "hi");
    server.socket.write("ho");
    await waitFor("ho back", () => c.text === "ho");
    return { client: c, server };
  }

  test("with no fault it forwards both ways unchanged, half-closes included", async () => {
    const { client: c, server } = await pair();
    const big = "x".repeat(256 * 1024);
    server.socket.write(big);
    await waitFor("the large answer", () => c.text.length === 2 + big.length);
    assert.equal(c.text, `ho${big}`);
    c.socket.end();
    await waitFor("the client's FIN upstream", () => server.ended);
    server.socket.end("bye"); // a half-closed connection still answers
    await waitFor("both sides closed", () => c.closed && server.closed);
    assert.equal(c.text.slice(-3), "bye");
    assert.equal(c.error, undefined);
    await waitFor("the proxy to let go", () => proxy.stats.open === 0);
  });

  test("latency holds each direction for its own delay and never reorders bytes", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "latency", upMs: 100, downMs: 300 });
    const up = proxy.stats.forwardedUp;
    c.socket.write("ping");
    await waitFor("ping at the proxy", () => proxy.stats.receivedUp === 2 + 4);
    clock.advance(99);
    assert.equal(proxy.stats.forwardedUp, up);
    clock.advance(1);
    assert.equal(proxy.stats.forwardedUp, up + 4);
    await waitFor("ping upstream", () => server.text === "hiping");

    const down = proxy.stats.forwardedDown;
    server.socket.write("a");
    await waitFor("a at the proxy", () => proxy.stats.receivedDown === 2 + 1);
    clock.advance(150);
    // Lowering the latency must not let "b" overtake "a".
    proxy.setFault({ kind: "latency", downMs: 0 });
    server.socket.write("b");
    await waitFor("b at the proxy", () => proxy.stats.receivedDown === 2 + 2);
    assert.equal(proxy.stats.forwardedDown, down);
    clock.advance(150);
    assert.equal(proxy.stats.forwardedDown, down + 2);
    await waitFor("ab at the client", () => c.text === "hoab");
  });

  test("reset destroys open connections with an RST on both sides and resets new ones on accept", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "reset" });
    await waitFor("both sides closed", () => c.closed && server.closed);
    assert.equal(c.error, "ECONNRESET");
    assert.equal(server.error, "ECONNRESET");

    const late = dial(proxy.port);
    clients.push(late);
    await waitFor("the new connection closed", () => late.closed);
    assert.equal(late.error, "ECONNRESET");
    assert.equal(upstream.peers.length, 1, "a reset connection never reaches the upstream");
    assert.equal(proxy.stats.resets, 2);
  });

  test("blackhole reads and drops both ways, answers nothing and keeps connections open", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "blackhole" });
    const forwarded = { up: proxy.stats.forwardedUp, down: proxy.stats.forwardedDown };
    c.socket.write("lost");
    server.socket.write("lost too");
    await waitFor(
      "both read by the proxy",
      () => proxy.stats.receivedUp === 6 && proxy.stats.receivedDown === 10,
    );
    assert.deepEqual({ up: proxy.stats.forwardedUp, down: proxy.stats.forwardedDown }, forwarded);

    const fresh = await client();
    fresh.socket.write("anyone?");
    await waitFor("read by the proxy", () => proxy.stats.receivedUp === 6 + 7);
    assert.equal(upstream.peers.length, 1, "a blackholed connection never reaches the upstream");
    assert.equal(proxy.stats.open, 2);
    assert.deepEqual(
      [c.closed, fresh.closed, c.text, fresh.text, server.text],
      [false, false, "ho", "", "hi"],
    );

    // Back to normal: new connections forward; the blackholed ones stay dead.
    proxy.setFault({ kind: "none" });
    const healed = await pair();
    assert.equal(healed.server.text, "hi");
    c.socket.write("still lost");
    await waitFor("read by the proxy", () => proxy.stats.receivedUp === 6 + 7 + 2 + 10);
    assert.equal(server.text, "hi");
  });

  test("slow close stops forwarding, keeps both sides open, and closes them (FIN) after afterMs", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "slow-close", afterMs: 1_000 });
    const fresh = await client();
    c.socket.write("x");
    await waitFor("x at the proxy", () => proxy.stats.receivedUp === 3);
    assert.equal(proxy.stats.forwardedUp, 2);
    clock.advance(999);
    assert.equal(proxy.stats.open, 2);
    assert.deepEqual([c.closed, server.closed, fresh.closed], [false, false, false]);
    clock.advance(1);
    await waitFor("every side closed", () => c.closed && server.ended && fresh.closed);
    assert.deepEqual(
      [c.ended, fresh.ended, c.error, fresh.error, server.error],
      [true, true, undefined, undefined, undefined],
    );
    assert.equal(upstream.peers.length, 1, "a connection stalled on accept never reaches the upstream");
    assert.equal(proxy.stats.slowCloses, 2);
  });

  test("cut forwards exactly N more response bytes, then closes both sides", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "cut", afterBytes: 10 });
    c.socket.write("request");
    await waitFor("the request upstream", () => server.text === "hirequest");
    server.socket.write("01234");
    await waitFor("five bytes through", () => c.text === "ho01234");
    server.socket.write("56789ABCDEF");
    await waitFor("both sides closed", () => c.closed && server.ended);
    assert.equal(c.text, "ho0123456789");
    assert.equal(c.ended, true);
    assert.equal(c.error, undefined);
    assert.equal(proxy.stats.cuts, 1);
  });

  test("an upstream that refuses connections resets the client", async () => {
    await upstream.close();
    const c = await client();
    await waitFor("the client closed", () => c.closed);
    assert.equal(c.error, "ECONNRESET");
    await waitFor("the proxy to let go", () => proxy.stats.open === 0);
  });

  test("close() closes every connection, cancels its timers and stops listening", async () => {
    const { client: c, server } = await pair();
    proxy.setFault({ kind: "latency", upMs: 5_000 });
    c.socket.write("held");
    await waitFor("held at the proxy", () => proxy.stats.receivedUp === 6);
    assert.equal(clock.pending(), 1);
    await proxy.close();
    assert.equal(clock.pending(), 0);
    await waitFor("both sides closed", () => c.closed && server.ended);
    const refused = await new Promise<string | undefined>((resolve) => {
      const socket = connect({ port: proxy.port, host: "127.0.0.1" });
      socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code));
      socket.on("connect", () => {
        socket.destroy();
        resolve(undefined);
      });
    });
    assert.equal(refused, "ECONNREFUSED");
  });
});
