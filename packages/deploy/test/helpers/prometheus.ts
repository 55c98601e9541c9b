/**
 * A real Prometheus (Debian's package) for tests: the shipped monitoring/prometheus.yml with its
 * jobs pointed at the test's ports, its rules loaded, a 1 s scrape and evaluation interval, a
 * throwaway TSDB, and its HTTP API on a free port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@synapse/testkit";
import { stringify } from "yaml";
import { requireBinary } from "./binaries.js";
import { readYamlDocuments, repoPath } from "./repo.js";

export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

export class TestPrometheus {
  readonly #dir = mkdtempSync(join(tmpdir(), "synapse-prometheus-"));
  #child: ChildProcess | undefined;
  #output = "";
  url = "";

  /**
   * Starts Prometheus with the shipped configuration, each job's targets replaced by
   * `targets[job]` (a job missing from `targets` fails: the test must say where each job is).
   */
  async start(targets: Record<string, string[]>): Promise<void> {
    const binary = requireBinary("prometheus", "prometheus");
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    targets.prometheus ??= [`127.0.0.1:${port}`];
    const [shipped] = readYamlDocuments("monitoring", "prometheus.yml") as [
      { rule_files: string[]; scrape_configs: { job_name: string }[] },
    ];
    const config = {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: shipped.rule_files.map((f) => repoPath("monitoring", f)),
      scrape_configs: shipped.scrape_configs.map(({ job_name }) => {
        const jobTargets = targets[job_name];
        if (jobTargets === undefined) throw new Error(`no test targets for job ${job_name}`);
        return { job_name, scrape_interval: "1s", static_configs: [{ targets: jobTargets }] };
      }),
    };
    const file = join(this.#dir, "prometheus.yml");
    writeFileSync(file, stringify(config));
    this.#child = spawn(
      binary,
      [
        `--config.file=${file}`,
        `--storage.tsdb.path=${join(this.#dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.#child.stderr?.on("data", (d: Buffer) => {
      this.#output += d.toString();
    });
    await this.until("Prometheus to be ready", async () => (await fetch(`${this.url}/-/ready`)).ok);
  }

  /** Polls `check` every 200 ms until it returns true; fails after `timeoutMs` naming `what`. */
  async until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (this.#child?.exitCode !== null && this.#child?.exitCode !== undefined) {
        throw new Error(`prometheus exited with ${this.#child.exitCode}: ${this.#output}`);
      }
      try {
        if (await check()) return;
      } catch (err) {
        last = err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `timed out waiting for ${what} (${String(last ?? "")}); prometheus said: ${this.#output}`,
    );
  }

  /** An instant query through the HTTP API; throws with Prometheus' error when it fails. */
  async query(promql: string): Promise<QueryResult[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: QueryResult[] };
    };
    if (body.status !== "success") throw new Error(`${promql}: ${body.error}`);
    return body.data?.result ?? [];
  }

  /** GET an API path and return its `data`. */
  async api<T>(path: string): Promise<T> {
    const body = (await (await fetch(`${this.url}${path}`)).json()) as { data: T };
    return body.data;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      });
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
