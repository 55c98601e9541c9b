// The benchmark harness (bench/) in its smoke mode, so it cannot rot: the real code path — every
// process, every scenario, the report — in a tiny configuration. Its numbers mean nothing here.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = new URL("../../../../", import.meta.url).pathname;
const MAIN = join(ROOT, "bench", "dist", "src", "main.js");

interface Results {
  mode: string;
  overhead: { rows: { name: string; rps: { median: number }; latency: { count: number } }[] };
  transports: { rows: { name: string; kind: string; rps: { median: number }; ofLimitPct?: number }[] };
  resilience: { rows: { resilience: string; rps: { median: number } }[] };
  failover: { sent: number; fallbacks: number } | null;
  memory: { idleMb: Record<string, number>; loadMb: Record<string, number> } | null;
  scale: { replicas: { rps: number }[]; streams: { streamsPerSecond: number; fallbacks: number }[] } | null;
  targets: { name: string; pass: boolean | null }[];
  pids: number[];
  notes: string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("bench: the harness runs every scenario end to end and stops what it started (smoke mode)", async () => {
  assert.ok(existsSync(MAIN), `${MAIN} is missing: build it with \`npm run build\``);
  const out = mkdtempSync(join(tmpdir(), "synapse-bench-smoke-"));
  try {
    const markdown = join(out, "BENCHMARKS.md");
    const child = spawn(process.execPath, [MAIN, "--smoke", "--out", out, "--markdown", markdown], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 0, `the harness failed:\n${stderr.slice(-3_000)}`);

    const files = readdirSync(out).filter((f) => f.endsWith(".json"));
    assert.equal(files.length, 1, "one JSON results file");
    const r = JSON.parse(readFileSync(join(out, files[0]!), "utf8")) as Results;
    assert.equal(r.mode, "smoke");

    const overhead = new Map(r.overhead.rows.map((x) => [x.name, x]));
    for (const name of ["direct", "floor", "synapse-sim"]) {
      assert.ok((overhead.get(name)?.rps.median ?? 0) > 0, `overhead row ${name} has a throughput`);
      assert.ok((overhead.get(name)?.latency.count ?? 0) > 0, `overhead row ${name} has latencies`);
    }
    assert.equal(r.transports.rows.length, 6, "gRPC, JSON-RPC and the echo limit, unary and stream");
    for (const row of r.transports.rows) assert.ok(row.rps.median > 0, `${row.name} ${row.kind} ran`);
    assert.ok(r.transports.rows.every((x) => x.ofLimitPct !== undefined));
    assert.deepEqual(
      r.resilience.rows.map((x) => [x.resilience, x.rps.median > 0]),
      [
        ["on", true],
        ["off", true],
      ],
    );
    // How soon the killed replica is out depends on timing; in smoke mode only the run is checked.
    assert.equal(r.failover?.sent, 300, "the failover run sent 200 req/s for 1.5 s");
    // Answers from the fallback are counted from the gateway's /metrics, beside failed requests.
    assert.equal(typeof r.failover?.fallbacks, "number");
    assert.ok(r.scale?.streams.every((x) => Number.isInteger(x.fallbacks) && x.fallbacks >= 0));
    assert.ok(r.memory && r.memory.idleMb.gateway! > 0 && r.memory.loadMb.gateway! > 0);
    assert.ok(r.scale && r.scale.replicas[0]!.rps > 0 && r.scale.streams[0]!.streamsPerSecond > 0);
    assert.equal(r.targets.length, 6, "every target is judged");

    const md = readFileSync(markdown, "utf8");
    assert.match(md, /<!-- bench:start/);
    assert.match(md, /### Targets/);
    assert.match(stdout, /^Targets$/m);
    assert.deepEqual(r.pids.filter(alive), [], "every process the harness started has exited");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
