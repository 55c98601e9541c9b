/**
 * Summarizes V8 CPU profiles (`node --cpu-prof` output): self time by package (node internals,
 * each npm package, each of our packages) and the hottest functions, so a profile of a bench
 * run can be read in a terminal and quoted in BENCHMARKS.md.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  byPackage: [string, number][];
  /** Self time of node internals and natives charged to the nearest package that called them. */
  byCaller: [string, number][];
  byFunction: [string, number][];
}

/** Where a script URL belongs: "node:internal", "npm:<pkg>", "synapse:<pkg>", "(program)" … */
export function packageOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return `npm:${npm[1]}`;
  const ours = /\/packages\/([^/]+)\//.exec(url);
  if (ours) return `synapse:${ours[1]}`;
  return url.includes("/bench/") ? "bench" : "other";
}

export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The nearest frame (this one or a caller) that belongs to a package rather than to Node itself.
  const callerPackage = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)?.callFrame;
      if (f === undefined) break;
      const pkg = packageOf(f.url, f.functionName);
      if (pkg.startsWith("npm:") || pkg.startsWith("synapse:") || pkg === "bench") return pkg;
    }
    return packageOf(byId.get(id)?.callFrame.url ?? "", byId.get(id)?.callFrame.functionName ?? "");
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const pkgs = new Map<string, number>();
  const callers = new Map<string, number>();
  const fns = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    totalMs += ms;
    const pkg = packageOf(frame.url, frame.functionName);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms);
    const caller = callerPackage(id);
    callers.set(caller, (callers.get(caller) ?? 0) + ms);
    const file = frame.url.split("/").slice(-2).join("/");
    const fn = `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { totalMs, byPackage: sorted(pkgs), byCaller: sorted(callers), byFunction: sorted(fns) };
}

/** The summary as text: shares of self time. */
export function formatSummary(name: string, s: ProfileSummary): string {
  const pct = (ms: number) => `${((100 * ms) / (s.totalMs || 1)).toFixed(1).padStart(5)} %`;
  return [
    `${name}: ${Math.round(s.totalMs)} ms sampled`,
    "  by package (self time):",
    ...s.byPackage.slice(0, 12).map(([k, ms]) => `    ${pct(ms)}  ${k}`),
    "  by package, with the Node internals each one called:",
    ...s.byCaller.map(([k, ms]) => `    ${pct(ms)}  ${k}`),
    "  hottest functions (self time):",
    ...s.byFunction.map(([k, ms]) => `    ${pct(ms)}  ${k}`),
  ].join("\n");
}
