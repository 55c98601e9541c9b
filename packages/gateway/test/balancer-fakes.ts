/** Test doubles for the balancer tests: a fake clock, a seeded random source, endpoints. */
import type { Clock } from "@synapse/core";
import type { Endpoint } from "../src/balancer/index.js";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that moves only when told; timers fire in time order (then in order of creation). */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { at: this.#now + Math.max(ms, 0), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones set meanwhile). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.fn();
    }
    this.#now = target;
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.length;
  }
}

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Lets pending promise callbacks run (not a wait for time: the fake clock does not move). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Endpoints "a", "b", … on 127.0.0.1, with the given weights (undefined = unset). */
export function endpoints(...weights: (number | undefined)[]): Endpoint[] {
  return weights.map((weight, i) => ({
    id: String.fromCharCode(97 + i),
    host: "127.0.0.1",
    port: 5011 + 100 * i,
    ...(weight === undefined ? {} : { weight }),
  }));
}

/** How many times each id occurs. */
export function tally(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}
