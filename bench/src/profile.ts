/**
 * `node bench/dist/src/profile.js [--path sim|provider] [--transport grpc|tcp] [--stream]
 * [--seconds N] [--connections N] [--rate N] [--set KEY=VALUE]… [--out DIR] [--no-profile] [--repeat N]`: runs one Synapse
 * path under load with its gateway and service started under `node --cpu-prof`, then prints where
 * their CPU time went (see profile-summary). The load is N connections as fast as they go, or with
 * `--rate` a fixed rate (requests per second; CPU per request depends on the rate, so comparing two
 * builds at one rate is fairer). With `--no-profile` it only measures (the profiler itself costs
 * CPU), `--repeat N` times: the quick way to compare two builds by CPU per request.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "@synapse/core";
import { chatTarget, type HttpTarget } from "./load/http-target.js";
import { httpThroughput } from "./load/http-throughput.js";
import { openLoop } from "./load/open-loop.js";
import { cpuPerRequest, cpuSnapshot, ioCalls } from "./proc-stats.js";
import { stopAll } from "./processes/child.js";
import { formatSummary, summarizeProfile } from "./profile-summary.js";
import { settingsOf } from "./settings-arg.js";
import { summarize } from "./stats.js";
import { baseEnv, profileInto, startGateway, startService, startUpstream } from "./system/processes.js";

const { values } = parseArgs({
  options: {
    path: { type: "string", default: "sim" },
    transport: { type: "string", default: loadConfig({}).gateway.transport },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    stream: { type: "boolean", default: false },
    out: { type: "string", default: join(tmpdir(), "synapse-profiles") },
    "no-profile": { type: "boolean", default: false },
    repeat: { type: "string", default: "1" },
    rate: { type: "string" },
    /** `KEY=VALUE` settings for the gateway and service (repeatable), e.g. to compare two values. */
    set: { type: "string", multiple: true, default: [] },
  },
});
const out = values.out;
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith(".cpuprofile")) rmSync(join(out, f));
const dataDir = mkdtempSync(join(tmpdir(), "synapse-profile-"));
const settings = settingsOf(values.set);
const env = { ...baseEnv(dataDir), SYNAPSE_GATEWAY_TRANSPORT: values.transport, ...settings };
try {
  let serviceEnv: Record<string, string> = env;
  if (values.path === "provider") {
    const upstream = await startUpstream();
    serviceEnv = {
      ...env,
      SYNAPSE_CLAUDE_PROVIDER: "openai-compatible",
      SYNAPSE_CLAUDE_BASE_URL: `${upstream.origin}/v1`,
      SYNAPSE_CLAUDE_MODEL: "bench-model",
    };
  }
  const others = await Promise.all([startService("gemini", 0, env), startService("codex", 0, env)]);
  if (!values["no-profile"]) profileInto(out);
  const service = await startService("claude", 0, serviceEnv);
  const gateway = await startGateway("gateway", env, [service, ...others]);
  const target = chatTarget("profile", gateway.url, "claude:plan", values.stream);
  await httpThroughput(target, Number(values.connections), 2_000);
  const pids = { gateway: gateway.pid, service: service.pid };
  for (let i = 0; i < Number(values.repeat); i++) {
    const before = cpuSnapshot(pids);
    const ioBefore = { gateway: ioCalls(gateway.pid), service: ioCalls(service.pid) };
    const ms = Number(values.seconds) * 1000;
    const t =
      values.rate === undefined
        ? await httpThroughput(target, Number(values.connections), ms)
        : await fixedRate(target, Number(values.rate), ms, values.stream);
    const cpu = cpuPerRequest(before, cpuSnapshot(pids), t.ok);
    const io = (name: "gateway" | "service", pid: number) => {
      const [a, b] = [ioBefore[name], ioCalls(pid)];
      if (a === undefined || b === undefined || t.ok === 0) return "";
      return ` ${name} ${((b.reads - a.reads) / t.ok).toFixed(2)}/${((b.writes - a.writes) / t.ok).toFixed(2)}`;
    };
    process.stdout.write(
      `${values.path}${values.stream ? " (streams)" : ""} over ${values.transport}: ${Math.round(t.rps)} req/s, CPU µs/request: gateway ${Math.round(cpu.gateway ?? 0)}, service ${Math.round(cpu.service ?? 0)}${"latencyText" in t ? t.latencyText : ""}; reads/writes per request:${io("gateway", gateway.pid)}${io("service", service.pid)}\n`,
    );
  }
  process.stdout.write("\n");
  await gateway.stop(10_000);
  await service.stop(10_000);
} finally {
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}
for (const f of readdirSync(out).filter((x) => x.endsWith(".cpuprofile"))) {
  process.stdout.write(`${formatSummary(f, summarizeProfile(join(out, f)))}\n\n`);
}

/** `rate` requests per second for `ms`; a throughput result with its latencies (ms) as text. */
async function fixedRate(target: HttpTarget, rate: number, ms: number, stream: boolean) {
  const started = performance.now();
  const records = await openLoop(target, { rate, durationMs: ms, stream });
  const ok = records.filter((r) => r.ok);
  const whole = summarize(ok.map((r) => r.latencyMs));
  const first = summarize(ok.flatMap((r) => (r.firstContentMs === undefined ? [] : [r.firstContentMs])));
  const ms3 = (n: number) => n.toFixed(3);
  const latencyText =
    `; latency ms p50 ${ms3(whole.p50)} p99 ${ms3(whole.p99)}` +
    (stream ? `; first content ms p50 ${ms3(first.p50)} p99 ${ms3(first.p99)}` : "");
  return { ok: ok.length, rps: (ok.length * 1000) / (performance.now() - started), latencyText };
}
