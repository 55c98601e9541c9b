/** The targets, judged from one run's results. A target that was not measured is `pass: null`. */
import type { BenchResults, TargetResult } from "../results.js";
import { round } from "../stats.js";

const fmt = (n: number, unit = "") => `${round(n)}${unit}`;

/** The "100 MB" in the MiB that RSS is measured in: 100 × 10⁶ bytes = 95.37 MiB. */
export const RSS_TARGET_MIB = 100e6 / 2 ** 20;

export function judgeTargets(r: BenchResults): TargetResult[] {
  const synapse = r.overhead.rows.find((x) => x.name === "synapse");
  const portkey = r.overhead.rows.find((x) => x.name === "portkey");
  const grpc = r.transports.rows.find((x) => x.name === "Synapse gRPC" && x.kind === "unary");
  const grpcStream = r.transports.rows.find((x) => x.name === "Synapse gRPC" && x.kind === "stream");
  const gatewayMb = Math.max(r.memory?.loadMb.gateway ?? 0, r.memory?.gatewayPeakMb ?? 0);
  const ratio =
    synapse && portkey && portkey.rps.median > 0 ? synapse.rps.median / portkey.rps.median : undefined;
  return [
    {
      name: "Two-hop throughput vs the peer gateway",
      target: "≥ 5×",
      value:
        ratio === undefined
          ? "not measured"
          : `${fmt(ratio)}× (${fmt(synapse!.rps.median)} vs ${fmt(portkey!.rps.median)} req/s)`,
      pass: ratio === undefined ? null : ratio >= 5,
    },
    {
      name: "Added latency at p50, unloaded",
      target: "≤ 0.5 ms",
      value: synapse?.addedP50Ms === undefined ? "not measured" : fmt(synapse.addedP50Ms, " ms"),
      pass: synapse?.addedP50Ms === undefined ? null : synapse.addedP50Ms <= 0.5,
    },
    {
      name: "Added time to first streamed content",
      target: "≤ 1 ms",
      value:
        synapse?.addedFirstContentMs === undefined ? "not measured" : fmt(synapse.addedFirstContentMs, " ms"),
      pass: synapse?.addedFirstContentMs === undefined ? null : synapse.addedFirstContentMs <= 1,
    },
    {
      name: "Gateway RSS under load",
      target: "≤ 100 MB",
      value:
        r.memory === null
          ? "not measured"
          : `${fmt(gatewayMb, " MiB")} (${fmt((gatewayMb * 2 ** 20) / 1e6, " MB")})`,
      pass: r.memory === null ? null : gatewayMb <= RSS_TARGET_MIB,
    },
    {
      name: "gRPC path vs the grpc-js echo limit (unary)",
      target: "≥ 80 %",
      value:
        grpc?.ofLimitPct === undefined
          ? "not measured"
          : `${fmt(grpc.ofLimitPct, " %")} (stream: ${fmt(grpcStream?.ofLimitPct ?? Number.NaN, " %")})`,
      pass: grpc?.ofLimitPct === undefined ? null : grpc.ofLimitPct >= 80,
    },
    {
      name: "Failed requests in the failover run",
      target: "0",
      value:
        r.failover === null
          ? "not measured"
          : `${r.failover.failed} of ${r.failover.sent} (answered by fallback: ${r.failover.fallbacks ?? "not counted"})`,
      // An answer from the fallback is not a replica's answer: it counts against the target too.
      pass: r.failover === null ? null : r.failover.failed === 0 && (r.failover.fallbacks ?? 0) === 0,
    },
  ];
}
