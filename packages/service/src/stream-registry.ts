/**
 * The streams a service holds for resume: every stream while it runs, and for `retainMs` after it
 * ends, at most `maxStreams` of them (the least recently used go first). Expiry is checked when a
 * stream is looked up, and expired streams are swept out as new ones are added — at most once per
 * SWEEP_EVERY_MS, because a sweep visits every stream held: run on each new stream, with the
 * registry full (1,000 streams), it was about a tenth of a provider stream's CPU in the service.
 * The registry holds no timers.
 */
import type { ActionName, Clock } from "@synapse/core";
import { systemClock } from "@synapse/core";
import { LRUCache } from "lru-cache";
import { StreamLog } from "./stream-log.js";

/** Least time between two sweeps of expired streams, in milliseconds. */
export const SWEEP_EVERY_MS = 1_000;

export interface StreamRegistryOptions {
  /** How long a finished stream stays resumable, in milliseconds (`service.streamRetainMs`, 5 minutes by default). */
  retainMs: number;
  /** Most streams held; beyond it the least recently used is dropped, even a running one. Defaults to 1000. */
  maxStreams?: number;
  /** Defaults to the system clock. */
  clock?: Clock;
}

export class StreamRegistry {
  readonly #retainMs: number;
  readonly #logs: LRUCache<string, StreamLog>;
  readonly #clock: Clock;
  #swept = Number.NEGATIVE_INFINITY;

  constructor(options: StreamRegistryOptions) {
    const clock = options.clock ?? systemClock;
    this.#clock = clock;
    this.#retainMs = options.retainMs;
    this.#logs = new LRUCache<string, StreamLog>({
      max: options.maxStreams ?? 1000,
      // The clock decides expiry (tests move it); no cached "now", so no timer behind the cache.
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
  }

  /** Starts holding a stream (replacing any stream of the same id). Held without expiry while it runs. */
  open(streamId: string, action: ActionName, baseSeq: number): StreamLog {
    const log = new StreamLog(streamId, action, baseSeq);
    this.#logs.set(streamId, log);
    const now = this.#clock.now();
    if (now - this.#swept >= SWEEP_EVERY_MS) {
      this.#swept = now;
      this.#logs.purgeStale();
    }
    return log;
  }

  /** Starts the retention period of a stream that ended; a no-op when it was replaced or dropped. */
  retain(log: StreamLog): void {
    if (this.#logs.peek(log.streamId) !== log) return;
    if (this.#retainMs <= 0) this.#logs.delete(log.streamId);
    else this.#logs.set(log.streamId, log, { ttl: this.#retainMs });
  }

  /** The stream `streamId`, unless unknown, expired or dropped. */
  get(streamId: string): StreamLog | undefined {
    return this.#logs.get(streamId);
  }

  /** Streams held (expired ones may count until they are looked up or swept). */
  get size(): number {
    return this.#logs.size;
  }
}
