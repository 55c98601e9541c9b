/**
 * The standard grpc.health.v1.Health service (grpc-health-check's HealthImplementation) kept in
 * step with the handler: the overall status ("") and synapse.v1.AgentService's both reflect
 * `handler.health()`, re-read on every Check, List and Watch and, while a Watch stream is open,
 * every `pollMs`; once the server drains they are pinned to NOT_SERVING.
 */
import type {
  Server,
  ServiceDefinition,
  UntypedHandleCall,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Clock, HealthStatus, Logger } from "@synapse/core";
import { HealthImplementation } from "grpc-health-check";

/** The fully-qualified name of the agent service, as health checks and reflection name it. */
export const AGENT_SERVICE_NAME = "synapse.v1.AgentService";

const SERVICES = ["", AGENT_SERVICE_NAME] as const;

interface WatchCall {
  end(): void;
  once(event: "cancelled", listener: () => void): unknown;
}

export class HealthReporter {
  private readonly impl: HealthImplementation;
  private status: HealthStatus;
  private draining = false;
  private readonly watches = new Set<WatchCall>();
  private cancelPoll: (() => void) | undefined;

  /**
   * @param read the handler's current health; a throw counts as NOT_SERVING.
   * @param pollMs how often open Watch streams re-read it, in milliseconds.
   */
  constructor(
    private readonly read: () => HealthStatus,
    private readonly clock: Clock,
    private readonly pollMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.status = this.current();
    this.impl = new HealthImplementation(Object.fromEntries(SERVICES.map((s) => [s, this.status])));
  }

  addToServer(server: Server): void {
    // Re-reads the status before each RPC of the stock implementation, and tracks Watch streams
    // so draining can end them (an open Watch would otherwise hold the drain to its timeout).
    this.impl.addToServer({
      addService: (definition, impl) => {
        const wrapped: UntypedServiceImplementation = {};
        for (const [name, fn] of Object.entries(impl)) {
          // The two packages type calls differently; both are grpc-js server calls at run time.
          const handle = fn as unknown as (call: WatchCall, callback: unknown) => void;
          wrapped[name] = ((call: WatchCall, callback: unknown) => {
            this.refresh();
            if (name === "watch") this.track(call);
            handle(call, callback);
          }) as unknown as UntypedHandleCall;
        }
        server.addService(definition as unknown as ServiceDefinition, wrapped);
      },
    });
  }

  /** NOT_SERVING from now on; open Watch streams see it and are then ended. */
  drain(): void {
    this.draining = true;
    this.refresh();
    for (const call of this.watches) call.end();
    this.watches.clear();
    this.stopPolling();
  }

  /** Reads the handler's health and publishes it when it changed. */
  refresh(): void {
    const status = this.current();
    if (status === this.status) return;
    this.status = status;
    for (const service of SERVICES) this.impl.setStatus(service, status);
  }

  private current(): HealthStatus {
    if (this.draining) return "NOT_SERVING";
    try {
      return this.read() === "SERVING" ? "SERVING" : "NOT_SERVING";
    } catch (err) {
      this.logger?.error({ err }, "health check of the agent handler failed");
      return "NOT_SERVING";
    }
  }

  private track(call: WatchCall): void {
    if (this.draining) {
      // Let the stock implementation write NOT_SERVING first, then end the stream.
      queueMicrotask(() => call.end());
      return;
    }
    this.watches.add(call);
    call.once("cancelled", () => {
      this.watches.delete(call);
      if (this.watches.size === 0) this.stopPolling();
    });
    // Only a Watch needs news without asking, so the handler is polled only while one is open.
    const tick = () => {
      this.refresh();
      this.cancelPoll = this.clock.setTimeout(tick, this.pollMs);
    };
    this.cancelPoll ??= this.clock.setTimeout(tick, this.pollMs);
  }

  private stopPolling(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }
}
