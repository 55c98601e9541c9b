/** freePortBlock: below the ephemeral range, every offset free, an occupied block skipped. */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { test } from "node:test";
import { freePort, freePortBlock, isFree } from "../src/free-port.js";

const ephemeralStart = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").split(/\s+/)[0]);

test("a block is below the kernel's ephemeral range and every port in it is free", async () => {
  const offsets = [0, 1, 2, 100, 101, 102];
  const base = await freePortBlock(offsets);
  assert.ok(base >= 10_000 && base + 102 < ephemeralStart, `${base} below ${ephemeralStart}`);
  for (const o of offsets) assert.equal(await isFree(base + o), true);
  const one = await freePort();
  assert.ok(one >= 10_000 && one < ephemeralStart);
});

test("a block with a port in use is passed over for the next draw", async (t) => {
  const taken = await freePortBlock([0]);
  const server = createServer().listen(taken + 1, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  // The first draw lands on `taken` (whose +1 is in use), the second anywhere else.
  const top = ephemeralStart - 1 - 1;
  const draws = [(taken - 10_000 + 0.5) / (top - 10_000), 0.5];
  const base = await freePortBlock([0, 1], () => draws.shift() ?? 0.5);
  assert.notEqual(base, taken);
  assert.equal(draws.length, 0, "it drew twice");
});
