/**
 * Ports for servers a test starts in another process (services, Redis, PostgreSQL), which can only
 * be told a port, not bind 0 and report it. Listening on port 0 to find one hands out a port from
 * the kernel's ephemeral range — the same range every outgoing connection takes its source port
 * from, so under the load tests' connection churn another socket could take it before the child
 * binds (seen as EADDRINUSE). These are drawn at random from below that range instead, where no
 * outgoing connection lands, and checked free with a bind.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
function ephemeralStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** True when `port` on 127.0.0.1 can be bound right now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A base port such that `base + offset` is free for every offset, below the ephemeral range.
 * `random` returns [0, 1).
 */
export async function freePortBlock(offsets: readonly number[], random = Math.random): Promise<number> {
  const top = ephemeralStart() - Math.max(0, ...offsets) - 1;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = LOWEST + Math.floor(random() * (top - LOWEST));
    const free = await Promise.all(offsets.map((o) => isFree(base + o)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no free block of ports found below ${ephemeralStart()}`);
}

/** One free port below the ephemeral range. */
export function freePort(): Promise<number> {
  return freePortBlock([0]);
}
