/** One running method call on a server connection; it is the method's JsonRpcMethodContext. */
import type { SynapseError } from "@synapse/core";
import type { JsonRpcMethodContext } from "./method.js";
import type { JsonRpcId, JsonRpcResponse } from "./protocol.js";
import type { ServerConnection } from "./server-connection.js";

export class ServerCall implements JsonRpcMethodContext {
  /** Node makes a controller's signal on first use, so a call that never reads `signal` pays nothing for it. */
  readonly controller = new AbortController();
  /** Set (once) by the connection as it aborts `controller`. */
  aborted = false;
  /** Answered (or, for a notification, finished); later outcomes are ignored. */
  done = false;
  cancelTimer: (() => void) | undefined;

  constructor(
    private readonly connection: ServerConnection,
    readonly id: JsonRpcId | undefined,
    readonly respond: (response: JsonRpcResponse) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  setTimeout(timeoutMs: number): number {
    return this.connection.armDeadline(this, timeoutMs);
  }

  abort(reason: SynapseError): void {
    this.connection.abort(this, reason);
  }

  notify(method: string, params: unknown, options?: { flush?: boolean }): Promise<void> | undefined {
    // Once answered (or aborted), nothing more goes out for this call.
    return this.done ? undefined : this.connection.notify(method, params, options?.flush === true);
  }
}
