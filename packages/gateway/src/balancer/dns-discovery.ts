/**
 * Replica discovery by DNS, for Kubernetes headless Services (one A record per ready pod): every
 * interval, resolve all A records of a name and turn each address into an endpoint
 * "<address>:<port>" on the agent's port. A changed set is handed to `onUpdate` (the balancer keeps
 * the state of endpoints that stay, since their ids are their addresses). When a lookup fails, or
 * returns no address, the last good set is kept — a DNS hiccup must not empty the pool — and the
 * error is reported through `onError`.
 */
import { resolve4 } from "node:dns/promises";
import { type Clock, SynapseError, systemClock } from "@synapse/core";
import type { Endpoint } from "./endpoint.js";
import { positive } from "./option-checks.js";

/** Resolves the IPv4 addresses of a host name (node's `dns.promises.resolve4` by default). */
export type Resolve4 = (hostname: string) => Promise<string[]>;

export interface DnsDiscoveryOptions {
  /** The name to resolve, e.g. "synapse-claude.synapse.svc.cluster.local". */
  hostname: string;
  /** The port every address is dialled on (the agent's transport port). */
  port: number;
  /** Called with the new endpoint list (sorted by id) whenever it changes, including the first time. */
  onUpdate: (endpoints: readonly Endpoint[]) => void;
  /** Called when a lookup fails or finds nothing; the last good set stays in use. */
  onError?: (error: SynapseError) => void;
  /** Time between lookups, in milliseconds. Defaults to 10 s. */
  intervalMs?: number;
  resolve?: Resolve4;
  clock?: Clock;
}

export class DnsDiscovery {
  readonly #options: DnsDiscoveryOptions;
  readonly #resolve: Resolve4;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  #endpoints: readonly Endpoint[] = [];
  #key = "";
  #cancelTimer: (() => void) | undefined;
  #inFlight: Promise<boolean> | undefined;
  #stopped = false;
  #started = false;

  constructor(options: DnsDiscoveryOptions) {
    this.#options = options;
    this.#resolve = options.resolve ?? resolve4;
    this.#clock = options.clock ?? systemClock;
    this.#intervalMs = positive(options.intervalMs ?? 10_000, "The DNS refresh interval");
  }

  /** The last good endpoint list (empty before the first successful lookup). */
  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }

  /** Looks up now, then every interval until `stop`; resolves after the first lookup. Calling it again does nothing. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopped = false;
    const tick = () => {
      this.#cancelTimer = this.#clock.setTimeout(tick, this.#intervalMs);
      void this.refresh();
    };
    this.#cancelTimer = this.#clock.setTimeout(tick, this.#intervalMs);
    await this.refresh();
  }

  /** Stops the periodic lookups; a lookup in flight is ignored when it ends. */
  stop(): void {
    this.#stopped = true;
    this.#started = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  /**
   * Looks up once (joining a lookup already in flight). Resolves to true when the set changed;
   * never rejects — failures go to `onError`.
   */
  refresh(): Promise<boolean> {
    this.#inFlight ??= this.#lookup().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #lookup(): Promise<boolean> {
    const { hostname, port } = this.#options;
    let addresses: string[];
    try {
      addresses = await this.#resolve(hostname);
    } catch (err) {
      const reason = (err as { code?: unknown }).code;
      this.#fail(`DNS lookup of ${hostname} failed${typeof reason === "string" ? ` (${reason})` : ""}`, err);
      return false;
    }
    if (addresses.length === 0) {
      this.#fail(`DNS lookup of ${hostname} returned no addresses`, undefined);
      return false;
    }
    const endpoints = [...new Set(addresses)]
      .sort()
      .map((address): Endpoint => ({ id: `${address}:${port}`, host: address, port }));
    const key = endpoints.map((e) => e.id).join(",");
    if (key === this.#key || this.#stopped) return false;
    this.#key = key;
    this.#endpoints = Object.freeze(endpoints);
    try {
      this.#options.onUpdate(this.#endpoints);
    } catch (err) {
      // A lookup runs from a timer: a throwing consumer must not become an unhandled rejection.
      this.#report(SynapseError.from(err));
    }
    return true;
  }

  #fail(what: string, cause: unknown): void {
    if (this.#stopped) return;
    const kept = this.#endpoints.length;
    const error = new SynapseError(
      "UNAVAILABLE",
      `${what}; keeping the last ${kept} known replica${kept === 1 ? "" : "s"}. Check the service name and the cluster DNS.`,
      { cause },
    );
    this.#report(error);
  }

  #report(error: SynapseError): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // Reporting is for logs and metrics; it must not break discovery.
    }
  }
}
