/** The shape of a run's results: what is written to bench/results/<timestamp>.json and rendered. */
import type { LatencySummary } from "./stats.js";

/** A value measured `repeats` times: the median, and the spread (max − min) / median. */
export interface Repeated {
  median: number;
  min: number;
  max: number;
  spread: number;
}

export interface HttpRow {
  name: string;
  /** What the row measures, e.g. "client → gateway → service → upstream". */
  path: string;
  rps: Repeated;
  /** Latency at the fixed (low) rate: p50 repeated; the rest from the last repeat. */
  p50Ms: Repeated;
  latency: LatencySummary;
  /** p50 minus the direct path's p50, in ms. */
  addedP50Ms?: number;
  /** Time to the first content chunk of a stream at a low fixed rate (the last repeat's). */
  firstContent?: LatencySummary;
  /** Its p50, repeated (the added figure is the difference of medians). */
  firstP50Ms?: Repeated;
  addedFirstContentMs?: number;
  /** Why streamed requests failed, when some did (e.g. "HTTP 500"). */
  streamError?: string;
  /** CPU µs per request of each process during the throughput run (client = the load generator). */
  cpuUsPerRequest: Record<string, number>;
  failed: number;
}

export interface TransportRow {
  name: string;
  kind: "unary" | "stream";
  rps: Repeated;
  latency: LatencySummary;
  /** rps as a share of the echo limit of the same kind, in percent. */
  ofLimitPct?: number;
  cpuUsPerRequest: Record<string, number>;
  failed: number;
}

export interface ResilienceRow {
  resilience: "on" | "off";
  rps: Repeated;
  latency: LatencySummary;
  cpuUsPerRequest: Record<string, number>;
  failed: number;
}

export interface FailoverResult {
  rate: number;
  replicas: number;
  sent: number;
  failed: number;
  /** Answered by the gateway's fallback (a 200 with a cached or rule answer), not by a replica. */
  fallbacks: number;
  firstErrors: string[];
  p99AllMs: number;
  /** p99 of requests sent between the kill and the replica serving again (or the end). */
  p99DuringMs: number;
  /** From SIGKILL until /health shows the replica unhealthy or ejected. */
  ejectedAfterMs: number | null;
  /** From the restart until /health shows it healthy and not ejected; null when not within the run. */
  servingAfterRestartMs: number | null;
  /** How long after the kill the replica was restarted. */
  restartedAfterMs: number | null;
  durationMs: number;
}

export interface ScaleResult {
  replicas: { replicas: number; rps: number; latency: LatencySummary; failed: number }[];
  streams: {
    concurrency: number;
    streamsPerSecond: number;
    firstContent: LatencySummary;
    total: LatencySummary;
    failed: number;
    /** Streams answered by the gateway's fallback (a 200 with a cached or rule answer). */
    fallbacks: number;
    firstError?: string;
  }[];
  /** The sim pacing used for the concurrent streams. */
  streamPacing: string;
}

export interface MemoryResult {
  /** RSS in MiB of each process when idle (started, warmed by one request). */
  idleMb: Record<string, number>;
  /** Peak RSS in MiB of each process under the mixed load. */
  loadMb: Record<string, number>;
  /** Highest gateway RSS seen in any load of the run (e.g. 1,000 streams), in MiB. */
  gatewayPeakMb: number;
}

export interface TargetResult {
  name: string;
  target: string;
  value: string;
  /** null when it could not be measured in this run. */
  pass: boolean | null;
}

export interface BenchResults {
  version: 1;
  mode: string;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  /** 1-minute load average before and after the run (a shared machine is noisy). */
  loadAverage: { before: number; after: number };
  overhead: { rows: HttpRow[]; unavailable?: string };
  transports: { rows: TransportRow[]; echoStreamEvents: number };
  resilience: { rows: ResilienceRow[] };
  failover: FailoverResult | null;
  memory: MemoryResult | null;
  scale: ScaleResult | null;
  targets: TargetResult[];
  /** Pids of every process the run started (all stopped when it ends). */
  pids: number[];
  notes: string[];
}
