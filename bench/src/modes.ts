/**
 * How big a run is. `full` is the real benchmark (a few minutes), `quick` a short run for a
 * first look (`npm run bench -- --quick`), `smoke` the tiny run the test suite makes so the
 * harness cannot rot (seconds; its numbers mean nothing).
 */

export type ModeName = "full" | "quick" | "smoke";

export interface Sizes {
  mode: ModeName;
  /** Warm-up load before each measured run, in ms (JIT, pools, connections). */
  warmupMs: number;
  /** Length of a throughput run, in ms. */
  throughputMs: number;
  /** Requests in flight in throughput runs. */
  connections: number;
  /** Offered rate of the fixed-rate latency runs, in requests per second (low: "unloaded"). */
  latencyRate: number;
  latencyMs: number;
  /** Offered rate and length of the streaming time-to-first-content runs. */
  ttfbRate: number;
  ttfbMs: number;
  /** Length and concurrency of each in-process transport run. */
  transportMs: number;
  transportConcurrency: number;
  /** Measure the two-hop path over both transports (the default one is the targets' row). */
  compareTransports: boolean;
  /** Key measurements are repeated this many times (interleaved); the median is reported with the spread. */
  repeats: number;
  failover: {
    /** Fixed offered rate in requests per second. */
    rate: number;
    replicas: number;
    /** Total length of the run, in ms; the killed replica must be back within it to be timed. */
    durationMs: number;
    /** When the replica is SIGKILLed, in ms after the start. */
    killAtMs: number;
  };
  scaleReplicas: number[];
  scaleStreams: number[];
  /** Stream against a sim paced like a model (its own service); smoke uses the unpaced one. */
  pacedStreams: boolean;
  /** Length of each concurrent-streams run, in ms. */
  streamsMs: number;
}

export const MODES: Record<ModeName, Sizes> = {
  full: {
    mode: "full",
    warmupMs: 1_000,
    throughputMs: 5_000,
    connections: 32,
    latencyRate: 200,
    latencyMs: 5_000,
    ttfbRate: 50,
    ttfbMs: 4_000,
    transportMs: 4_000,
    transportConcurrency: 32,
    compareTransports: true,
    repeats: 3,
    failover: { rate: 200, replicas: 3, durationMs: 45_000, killAtMs: 3_000 },
    scaleReplicas: [1, 2, 4],
    scaleStreams: [10, 100, 1_000],
    pacedStreams: true,
    streamsMs: 5_000,
  },
  quick: {
    mode: "quick",
    warmupMs: 500,
    throughputMs: 2_000,
    connections: 32,
    latencyRate: 200,
    latencyMs: 2_000,
    ttfbRate: 50,
    ttfbMs: 2_000,
    transportMs: 2_000,
    transportConcurrency: 32,
    compareTransports: true,
    repeats: 1,
    failover: { rate: 200, replicas: 3, durationMs: 8_000, killAtMs: 2_000 },
    scaleReplicas: [1, 2, 4],
    scaleStreams: [10, 100, 1_000],
    pacedStreams: true,
    streamsMs: 2_000,
  },
  smoke: {
    mode: "smoke",
    // Long enough that a just-started gateway answers something under a loaded CI machine (at 100
    // and 300 ms a run once completed no request at load 15).
    warmupMs: 300,
    throughputMs: 500,
    connections: 8,
    latencyRate: 100,
    latencyMs: 300,
    ttfbRate: 50,
    ttfbMs: 300,
    transportMs: 300,
    transportConcurrency: 8,
    compareTransports: false,
    repeats: 1,
    failover: { rate: 200, replicas: 2, durationMs: 1_500, killAtMs: 500 },
    scaleReplicas: [1],
    scaleStreams: [10],
    pacedStreams: false,
    streamsMs: 500,
  },
};
