import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FakeClock, type StreamEvent, SynapseError } from "@synapse/core";
import { type RedisServer, startRedisServer } from "@synapse/testkit";
import type { Redis } from "ioredis";
import {
  connectRedis,
  openTail,
  RedisCheckpointStore,
  ResilienceEvents,
  resolveOptions,
  StreamCheckpointer,
  type StreamLogEvent,
} from "../src/index.js";
import { assertWhole, checkpointStoreSuite, N } from "./helpers/checkpoint-suite.js";
import {
  chunkText,
  collect,
  fakeNext,
  request,
  response,
  seeded,
  simStream,
  streaming,
} from "./helpers/fakes.js";

let server: RedisServer;
/** Two command connections: two gateways' worth of clients on one Redis. */
let redisA: Redis;
let redisB: Redis;
let prefixes = 0;
/** A key prefix no other test uses, so every store starts empty. */
const freshPrefix = () => `t${++prefixes}:`;

before(async () => {
  server = await startRedisServer();
  redisA = await connectRedis(server.url);
  redisB = await connectRedis(server.url);
});
after(async () => {
  redisA?.disconnect();
  redisB?.disconnect();
  await server?.stop();
});

checkpointStoreSuite(
  "redis",
  (clock) => new RedisCheckpointStore({ redis: redisA, clock, keyPrefix: freshPrefix() }),
);

/** Stores A and B on one Redis through their own connections, as two gateways have them. */
function twoStores(options: { blockMs?: number } = {}) {
  const clock = new FakeClock();
  const keyPrefix = freshPrefix();
  const a = new RedisCheckpointStore({ redis: redisA, clock, keyPrefix, ...options });
  const b = new RedisCheckpointStore({ redis: redisB, clock, keyPrefix, ...options });
  return { clock, a, b, prefix: keyPrefix, close: () => Promise.all([a.close(), b.close()]) };
}

const chunk = (streamId: string, seq: number, text = chunkText(seq)) => ({
  type: "chunk" as const,
  streamId,
  seq,
  text,
});

const isCode = (code: string) => (e: unknown) => e instanceof SynapseError && e.code === code;

describe("Redis checkpoint store across two instances", () => {
  test("create is atomic: of two gateways creating one id, exactly one wins", async () => {
    const s = twoStores();
    for (let i = 0; i < 20; i++) {
      const results = await Promise.allSettled([s.a.create(`s_race${i}`), s.b.create(`s_race${i}`)]);
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, `round ${i}`);
      const lost = results.find((r) => r.status === "rejected");
      assert.ok(lost?.status === "rejected" && isCode("ALREADY_EXISTS")(lost.reason));
    }
    await s.close();
  });

  test("append is atomic: racing writers of one seq, one wins; the log has no gap or repeat", async () => {
    const s = twoStores();
    await s.a.create("s_append");
    const winners: string[] = [];
    for (let seq = 1; seq <= 100; seq++) {
      const results = await Promise.allSettled([
        s.a.append("s_append", chunk("s_append", seq, `a${seq} `)),
        s.b.append("s_append", chunk("s_append", seq, `b${seq} `)),
      ]);
      const won = results.map((r) => r.status === "fulfilled");
      assert.equal(won.filter(Boolean).length, 1, `seq ${seq}`);
      winners.push(won[0] ? `a${seq} ` : `b${seq} `);
      const lost = results.find((r) => r.status === "rejected");
      assert.ok(lost?.status === "rejected" && /does not follow/.test(String(lost.reason)));
    }
    const snapshot = await s.b.read("s_append", 0);
    assert.deepEqual(
      snapshot.chunks.map((c) => c.seq),
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      snapshot.chunks.map((c) => c.text),
      winners,
    );
    await s.close();
  });

  test("a stream produced through A resumes through B at random points, byte-identical", async () => {
    const s = twoStores();
    const options = resolveOptions().checkpoint;
    const producer = new StreamCheckpointer({
      store: s.a,
      options,
      clock: s.clock,
      events: new ResilienceEvents(),
    });
    const resumer = new StreamCheckpointer({
      store: s.b,
      options,
      clock: s.clock,
      events: new ResilienceEvents(),
    });
    const next = producer.interceptor(fakeNext({ stream: (call) => simStream(call, N) }));
    const out = await next(streaming({ ...request(), streamId: "s_ab" }));
    const whole = await collect(out.events);
    assertWhole(whole, N);
    await producer.idle();
    const random = seeded(11);
    for (let round = 0; round < 5; round++) {
      const cut = Math.floor(random() * N);
      const head = whole.filter((e) => e.type === "chunk" && e.seq <= cut);
      assertWhole([...head, ...(await collect(await resumer.resume("s_ab", cut)))], N);
    }
    await s.close();
  });

  test("B's reader gets A's chunks live, as A writes them", async () => {
    const s = twoStores();
    await s.a.create("s_live");
    for (let seq = 1; seq <= 3; seq++) await s.a.append("s_live", chunk("s_live", seq));
    const reader = (await openTail(s.b, "s_live", 1))[Symbol.asyncIterator]();
    const got: StreamEvent[] = [];
    for (let i = 0; i < 2; i++) got.push((await reader.next()).value as StreamEvent);
    // Nothing more is stored: each of the next chunks can only reach B through the live tail.
    for (let seq = 4; seq <= 50; seq++) {
      await s.a.append("s_live", chunk("s_live", seq));
      const next = await reader.next();
      assert.ok(!next.done && next.value.type === "chunk" && next.value.seq === seq, `live seq ${seq}`);
      got.push(next.value);
    }
    await s.a.finish("s_live", {
      type: "final",
      streamId: "s_live",
      lastSeq: 50,
      hash: "h",
      response: response(request(), "whatever"),
    });
    const end = await reader.next();
    assert.ok(!end.done && end.value.type === "final" && end.value.lastSeq === 50);
    assert.equal((await reader.next()).done, true);
    assert.deepEqual(
      got.map((e) => (e.type === "chunk" ? e.seq : 0)),
      Array.from({ length: 49 }, (_, i) => i + 2),
    );
    await s.close();
  });

  test("many tails share one blocking connection", async () => {
    const s = twoStores();
    const ids = Array.from({ length: 40 }, (_, i) => `s_many${i}`);
    for (const id of ids) await s.a.create(id);
    const received = ids.map(() => [] as StreamLogEvent[]);
    const seen = ids.map(
      (id, i) =>
        new Promise<void>((resolve) => {
          s.b.subscribe(id, (e) => {
            received[i]?.push(e);
            resolve();
          });
        }),
    );
    // The tails' start positions are read on B's connection; once it answers, they are set.
    await redisB.ping();
    for (const id of ids) await s.a.append(id, chunk(id, 1, id));
    await Promise.all(seen);
    const list = String(await redisA.client("LIST"));
    const readers = list.split("\n").filter((line) => line.includes(` name=${s.prefix}tail `));
    assert.equal(readers.length, 1, "one reader connection for all the tails");
    for (const [i, events] of received.entries()) {
      assert.deepEqual(events, [{ type: "chunk", chunk: chunk(ids[i] ?? "", 1, ids[i]) }]);
    }
    await s.close();
  });

  test("a tail whose stream expires (its producer gone) ends with NOT_FOUND", async () => {
    const s = twoStores({ blockMs: 20 });
    await s.a.create("s_orphan");
    await s.a.append("s_orphan", chunk("s_orphan", 1));
    const reader = await openTail(s.b, "s_orphan", 1);
    const ended = collect(reader);
    s.clock.advance(resolveOptions().checkpoint.ttlMs + 1);
    await assert.rejects(
      ended,
      (e: unknown) => isCode("NOT_FOUND")(e) && /unknown or expired/.test(String(e)),
    );
    await s.close();
  });

  test("Redis also expires the keys a TTL after the last write", async () => {
    const clock = new FakeClock();
    const keyPrefix = freshPrefix();
    const store = new RedisCheckpointStore({ redis: redisA, clock, keyPrefix, ttlMs: 60_000 });
    await store.create("s_ttl");
    await store.append("s_ttl", chunk("s_ttl", 1));
    for (const key of [`${keyPrefix}stream:s_ttl`, `${keyPrefix}stream-meta:s_ttl`]) {
      const ttl = await redisA.pttl(key);
      assert.ok(ttl > 55_000 && ttl <= 60_000, `${key}: ${ttl} ms`);
    }
    await store.close();
  });

  test("a Redis that cannot be reached is UNAVAILABLE, naming host and port but no password", async () => {
    const down = await startRedisServer();
    const url = `redis://:sekrit-pass@127.0.0.1:${down.port}`;
    const redis = await connectRedis(url);
    const store = new RedisCheckpointStore({ redis, clock: new FakeClock() });
    await down.stop();
    await assert.rejects(store.create("s_down"), (e: unknown) => {
      assert.ok(isCode("UNAVAILABLE")(e));
      assert.doesNotMatch(String(e), /sekrit/);
      return true;
    });
    await store.close();
    redis.disconnect();
    await assert.rejects(connectRedis(url, { connectTimeoutMs: 2_000 }), (e: unknown) => {
      assert.ok(isCode("UNAVAILABLE")(e));
      const message = (e as Error).message;
      assert.match(message, new RegExp(`Cannot reach Redis at 127\\.0\\.0\\.1:${down.port}`));
      assert.doesNotMatch(message, /sekrit/);
      return true;
    });
    await assert.rejects(connectRedis("http://127.0.0.1:1"), /expected redis:\/\/ or rediss:\/\//);
  });
});
