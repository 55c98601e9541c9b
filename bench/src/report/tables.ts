/** The results as titled tables of text cells, rendered both on stdout and in BENCHMARKS.md. */
import type { BenchResults, Repeated } from "../results.js";
import { round } from "../stats.js";

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

const n = (v: number | undefined | null, unit = "") =>
  v === undefined || v === null || Number.isNaN(v) ? "–" : `${round(v)}${unit}`;
const rep = (r: Repeated) => (r.min === r.max ? n(r.median) : `${n(r.median)} (±${n(r.spread * 50)} %)`);
const cpu = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(", ");

export function resultTables(r: BenchResults): Table[] {
  const tables: Table[] = [];
  tables.push({
    title: `1–2. Overhead and streaming (throughput at ${r.mode === "smoke" ? "smoke" : "fixed"} concurrency; latency at a low fixed rate)`,
    header: [
      "path",
      "req/s",
      "p50 ms",
      "p99 ms",
      "added p50 ms",
      "first content p50 ms",
      "added ms",
      "CPU µs/req",
      "failed",
    ],
    rows: r.overhead.rows.map((x) => [
      `${x.name}: ${x.path}`,
      rep(x.rps),
      n(x.p50Ms.median),
      n(x.latency.p99),
      n(x.addedP50Ms),
      n(x.firstP50Ms?.median ?? x.firstContent?.p50),
      n(x.addedFirstContentMs),
      cpu(x.cpuUsPerRequest),
      `${x.failed}${x.streamError ? ` (${x.streamError})` : ""}`,
    ]),
  });
  tables.push({
    title:
      "3. Transports (in-process clients of @synapse/transport, one connection each; sim with no latency)",
    header: ["path", "kind", "calls/s", "of limit", "p50 ms", "p99 ms", "CPU µs/call", "failed"],
    rows: r.transports.rows.map((x) => [
      x.name,
      x.kind,
      rep(x.rps),
      n(x.ofLimitPct, " %"),
      n(x.latency.p50),
      n(x.latency.p99),
      cpu(x.cpuUsPerRequest),
      String(x.failed),
    ]),
  });
  tables.push({
    title: "4. Resilience chain on vs off (gateway → one sim service)",
    header: ["resilience", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "failed"],
    rows: r.resilience.rows.map((x) => [
      x.resilience,
      rep(x.rps),
      n(x.latency.p50),
      n(x.latency.p99),
      cpu(x.cpuUsPerRequest),
      String(x.failed),
    ]),
  });
  const f = r.failover;
  tables.push({
    title: `5. Failover (fixed ${f?.rate ?? "–"} req/s, SIGKILL 1 of ${f?.replicas ?? "–"} replicas, restarted once out)`,
    header: [
      "sent",
      "failed",
      "by fallback",
      "p99 all ms",
      "p99 during ms",
      "out after ms",
      "restarted after ms",
      "serving after restart ms",
    ],
    rows: f
      ? [
          [
            String(f.sent),
            `${f.failed}${f.firstErrors.length ? ` (${f.firstErrors.join("; ")})` : ""}`,
            String(f.fallbacks ?? "–"),
            n(f.p99AllMs),
            n(f.p99DuringMs),
            n(f.ejectedAfterMs),
            n(f.restartedAfterMs),
            f.servingAfterRestartMs === null
              ? `not within the ${f.durationMs / 1000} s run`
              : n(f.servingAfterRestartMs),
          ],
        ]
      : [],
  });
  const m = r.memory;
  tables.push({
    title: "6. Memory (VmRSS, MiB)",
    header: ["process", "idle", "under mixed load"],
    rows: m
      ? [
          ...Object.keys(m.idleMb).map((k) => [k, n(m.idleMb[k]), n(m.loadMb[k])]),
          ["gateway, highest in any load of the run", "", n(m.gatewayPeakMb)],
        ]
      : [],
  });
  const s = r.scale;
  tables.push({
    title: "7a. Scale: replicas (gateway → N sim replicas, no latency)",
    header: ["replicas", "req/s", "p50 ms", "p99 ms", "failed"],
    rows: (s?.replicas ?? []).map((x) => [
      String(x.replicas),
      n(x.rps),
      n(x.latency.p50),
      n(x.latency.p99),
      String(x.failed),
    ]),
  });
  tables.push({
    title: `7b. Scale: concurrent streams (${s?.streamPacing ?? "–"})`,
    header: [
      "streams",
      "streams/s",
      "first content p50 ms",
      "first content p99 ms",
      "stream p99 ms",
      "failed",
      "by fallback",
    ],
    rows: (s?.streams ?? []).map((x) => [
      String(x.concurrency),
      n(x.streamsPerSecond),
      n(x.firstContent.p50),
      n(x.firstContent.p99),
      n(x.total.p99),
      `${x.failed}${x.firstError ? ` (${x.firstError})` : ""}`,
      String(x.fallbacks ?? "–"),
    ]),
  });
  tables.push({
    title: "Targets",
    header: ["target", "wanted", "measured", "result"],
    rows: r.targets.map((t) => [
      t.name,
      t.target,
      t.value,
      t.pass === null ? "not measured" : t.pass ? "pass" : "FAIL",
    ]),
  });
  return tables;
}
