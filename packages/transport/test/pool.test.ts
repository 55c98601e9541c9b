import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeClock, flushMicrotasks, isSynapseError } from "@synapse/core";
import { ConnectionPool, type Connector } from "../src/pool/connection-pool.js";

interface FakeConn {
  id: number;
  healthy: boolean;
  closed: boolean;
}

function connector(): Connector<FakeConn> & { opened: FakeConn[] } {
  const opened: FakeConn[] = [];
  return {
    opened,
    async connect() {
      const conn = { id: opened.length + 1, healthy: true, closed: false };
      opened.push(conn);
      return conn;
    },
    async close(conn) {
      conn.closed = true;
    },
    isHealthy: (conn) => conn.healthy && !conn.closed,
  };
}

describe("connection pool", () => {
  test("shares a connection up to its concurrency, then opens another, up to max", async () => {
    const c = connector();
    const pool = new ConnectionPool(
      "claude#0",
      c,
      { min: 0, max: 2, maxConcurrentPerConnection: 2 },
      new FakeClock(),
    );
    const leases = [await pool.acquire(), await pool.acquire(), await pool.acquire(), await pool.acquire()];
    assert.equal(c.opened.length, 2);
    assert.deepEqual(
      leases.map((l) => l.connection.id),
      [1, 1, 2, 2],
    );
    assert.deepEqual(pool.stats(), { connecting: 0, idle: 0, busy: 2, waiters: 0, activeCalls: 4 });
    for (const l of leases) l.release();
    assert.equal(pool.stats().idle, 2);
    await pool.close();
  });

  test("tryAcquire leases an open connection with room at once, and leaves every wait to acquire", async () => {
    const c = connector();
    const pool = new ConnectionPool(
      "claude#0",
      c,
      { min: 0, max: 1, maxConcurrentPerConnection: 2 },
      new FakeClock(),
    );
    assert.equal(pool.tryAcquire(), undefined, "no connection yet: opening one is acquire's job");
    assert.equal(c.opened.length, 0);
    const first = await pool.acquire();
    const second = pool.tryAcquire();
    assert.equal(second?.connection, first.connection);
    assert.equal(pool.stats().activeCalls, 2);
    assert.equal(pool.tryAcquire(), undefined, "full: waiting is acquire's job");
    second?.release();
    second?.release();
    assert.equal(pool.stats().activeCalls, 1, "a second release gives nothing back");
    first.release();
    assert.deepEqual(
      { idle: pool.stats().idle, busy: pool.stats().busy },
      { idle: 1, busy: 0 },
      "idle again once every lease is back",
    );
    await pool.close();
    assert.equal(pool.tryAcquire(), undefined, "closed");
  });

  test("a full pool queues callers and fails them RESOURCE_EXHAUSTED after the acquire timeout", async () => {
    const clock = new FakeClock();
    const pool = new ConnectionPool(
      "gemini#0",
      connector(),
      { min: 0, max: 1, maxConcurrentPerConnection: 1, acquireTimeoutMs: 1000 },
      clock,
    );
    const first = await pool.acquire();
    const waiting = pool.acquire();
    const failing = pool.acquire();
    await flushMicrotasks();
    assert.equal(pool.stats().waiters, 2);
    first.release();
    const second = await waiting;
    assert.equal(second.connection.id, 1);
    clock.advance(999);
    await flushMicrotasks();
    assert.equal(pool.stats().waiters, 1);
    clock.advance(1);
    await assert.rejects(
      failing,
      (e) => isSynapseError(e, "RESOURCE_EXHAUSTED") && /gemini#0 is exhausted/.test(e.message),
    );
    second.release();
    await pool.close();
  });

  test("too many waiters fail at once", async () => {
    const pool = new ConnectionPool(
      "codex#0",
      connector(),
      { min: 0, max: 1, maxConcurrentPerConnection: 1, maxWaiters: 1 },
      new FakeClock(),
    );
    const held = await pool.acquire();
    const queued = pool.acquire();
    await assert.rejects(pool.acquire(), (e) => isSynapseError(e, "RESOURCE_EXHAUSTED"));
    held.release();
    (await queued).release();
    await pool.close();
  });

  test("idle connections above min are evicted; broken ones are replaced", async () => {
    const clock = new FakeClock();
    const c = connector();
    const pool = new ConnectionPool(
      "claude#1",
      c,
      { min: 1, max: 3, maxConcurrentPerConnection: 1, idleTimeoutMs: 10_000 },
      clock,
    );
    await pool.warm();
    const a = await pool.acquire();
    const b = await pool.acquire();
    a.release();
    b.release();
    assert.equal(c.opened.length, 2);
    clock.advance(10_000);
    assert.equal(pool.stats().idle, 1, "evicted down to min");
    const survivor = c.opened.find((x) => !x.closed)!;
    survivor.healthy = false;
    const lease = await pool.acquire();
    assert.notEqual(lease.connection.id, survivor.id, "an unhealthy connection is not handed out");
    assert.equal(survivor.closed, true);
    lease.release();
    await pool.close();
    assert.ok(
      c.opened.every((x) => x.closed),
      "close() closes every connection",
    );
  });

  test("a failed connect rejects the callers with UNAVAILABLE and frees the slot", async () => {
    let fail = true;
    const pool = new ConnectionPool(
      "codex#1",
      {
        connect: async () => {
          if (fail) throw new Error("ECONNREFUSED");
          return { id: 1, healthy: true, closed: false };
        },
        close: async () => {},
        isHealthy: () => true,
      },
      { min: 0, max: 1 },
      new FakeClock(),
    );
    await assert.rejects(pool.acquire(), (e) => isSynapseError(e, "UNAVAILABLE"));
    fail = false;
    const lease = await pool.acquire();
    assert.equal(lease.connection.id, 1);
    lease.release();
    await pool.close();
  });
});
