/**
 * Several workflow engines — "gateways" — on one run store, for exact tests of run ownership: one
 * SQLite persistence shared as if it were Postgres (not exclusive), each gateway with its own fake
 * upstream and its own FakeClock. Clocks start equal; a gateway whose clock is not advanced is a
 * stalled or dead process (its timers never fire: no renewals, no scans), and advancing it later
 * is that process waking up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, FakeClock, loadConfig } from "@synapse/core";
import { MemoryCheckpointStore } from "@synapse/resilience";
import { GatewayMetrics } from "../../src/metrics.js";
import { openPersistence, type WorkflowPersistence } from "../../src/workflow/persistence.js";
import type { WorkflowEvent } from "../../src/workflow/run-events.js";
import type { RunStore } from "../../src/workflow/run-store.js";
import { WorkflowEngine } from "../../src/workflow/workflow-engine.js";
import { FakeUpstream } from "./fake-workflow-engine.js";

export interface FakeGateway {
  name: string;
  engine: WorkflowEngine;
  upstream: FakeUpstream;
  clock: FakeClock;
  /** Every event this gateway emitted, by run. */
  events: WorkflowEvent[];
  /** Resolves with this gateway's first event of `type` for run `runId` (already seen or to come). */
  until(runId: string, type: WorkflowEvent["type"], step?: string): Promise<WorkflowEvent>;
  stop(): Promise<void>;
}

export interface SharedStore {
  persistence: WorkflowPersistence;
  runs: RunStore;
  /** Starts a gateway on the store; `runs` replaces the store it uses (to make it fail). */
  gateway(
    name: string,
    options?: {
      env?: Record<string, string>;
      upstream?: FakeUpstream;
      runs?: RunStore;
      exclusive?: boolean;
      /** Milliseconds this gateway's clock is ahead of the others' start. */
      startAfterMs?: number;
    },
  ): Promise<FakeGateway>;
  close(): Promise<void>;
}

/** Every gateway's clock starts here (FakeClock's default). */
export const START = new FakeClock().now();

/** Lease 15 s (renewed every 5 s), scans every 5 s: the defaults. */
export async function sharedStore(env: Record<string, string> = {}): Promise<SharedStore> {
  const dataDir = mkdtempSync(join(tmpdir(), "synapse-shared-"));
  const baseEnv = { SYNAPSE_DATA_DIR: dataDir, ...env };
  const persistence = await openPersistence(loadConfig(baseEnv));
  const gateways: FakeGateway[] = [];
  return {
    persistence,
    runs: persistence.runs,
    async gateway(name, options = {}) {
      const clock = new FakeClock(START + (options.startAfterMs ?? 0));
      const upstream = options.upstream ?? new FakeUpstream();
      const engine = new WorkflowEngine({
        config: loadConfig({ ...baseEnv, ...options.env }),
        upstream,
        streams: new MemoryCheckpointStore(),
        persistence: {
          ...persistence,
          runs: options.runs ?? persistence.runs,
          exclusive: options.exclusive ?? false,
        },
        metrics: new GatewayMetrics(),
        logger: createLogger({ name, level: "silent", format: "json" }),
        clock,
        instanceId: name,
      });
      const events: WorkflowEvent[] = [];
      const waiters: { match(e: WorkflowEvent): boolean; resolve(e: WorkflowEvent): void }[] = [];
      // Runs this gateway takes over appear later, so every event is recorded where it is emitted.
      const emit = engine.events.emit.bind(engine.events);
      engine.events.emit = (event) => {
        events.push(event);
        for (const w of waiters.filter((w) => w.match(event))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(event);
        }
        emit(event);
      };
      await engine.start();
      let stopped = false;
      const gateway: FakeGateway = {
        name,
        engine,
        upstream,
        clock,
        events,
        until: (runId, type, step) =>
          new Promise((resolve) => {
            const match = (e: WorkflowEvent) =>
              e.runId === runId &&
              e.type === type &&
              (step === undefined || ("step" in e && e.step === step));
            const seen = events.find(match);
            if (seen !== undefined) resolve(seen);
            else waiters.push({ match, resolve });
          }),
        async stop() {
          if (stopped) return;
          stopped = true;
          await engine.close();
        },
      };
      gateways.push(gateway);
      return gateway;
    },
    async close() {
      for (const g of gateways) await g.stop();
      await persistence.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
