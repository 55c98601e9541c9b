import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { newRequestId, newStreamId, randomHex } from "../src/ids.js";

describe("ids", () => {
  test("request and stream ids keep their formats", () => {
    assert.match(newRequestId(), /^[0-9a-f]{32}$/);
    assert.match(newStreamId(), /^s_[0-9a-f]{24}$/);
  });

  test("ids cut from the random pool never repeat, across many refills", () => {
    // 4 KiB a refill: 3,000 ids of 16 bytes cross about a dozen refills, and sizes that do not
    // divide the pool (7 bytes) take the refill path with bytes left over.
    const seen = new Set<string>();
    for (let i = 0; i < 3_000; i++) seen.add(newRequestId());
    for (let i = 0; i < 3_000; i++) seen.add(randomHex(7));
    assert.equal(seen.size, 6_000);
    assert.equal(randomHex(7).length, 14);
  });

  test("a request for more bytes than the pool holds is served whole", () => {
    const hex = randomHex(5_000);
    assert.match(hex, /^[0-9a-f]{10000}$/);
    assert.notEqual(hex.slice(0, 32), hex.slice(32, 64));
  });
});
