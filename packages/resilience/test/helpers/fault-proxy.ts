/**
 * A TCP proxy for chaos tests: listens on 127.0.0.1 (a free port) in front of one upstream port
 * and injects one fault at a time, switchable while connections are open:
 *
 * - `latency`: each direction's bytes are held `upMs` / `downMs` before they are forwarded, in order.
 * - `reset`: open connections are destroyed with a TCP RST on both sides; new ones are reset on accept.
 * - `blackhole`: bytes are read and dropped, never forwarded, never answered; connections stay
 *   open. New connections are accepted and never reach the upstream.
 * - `slow-close`: like blackhole, then both sides are closed (FIN) `afterMs` later.
 * - `cut`: `afterBytes` more response bytes are forwarded, then the connection is closed.
 * - `none`: forward as is (latency and an armed cut are cleared).
 *
 * A connection that was blackholed, stalled, cut or reset never forwards again (its protocol
 * state is lost): switching back to `none` heals the proxy for new connections. Time comes from
 * a Clock (latency and slow close only), so unit tests drive it with a FakeClock. Test payloads
 * are small, so the proxy buffers rather than applying backpressure. Hand-written: the fault
 * tools that exist (toxiproxy, tc netem) are separate daemons or need root, and this one must run
 * inside `node --test` and stop with it.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { type Clock, systemClock } from "@synapse/core";
import { type Direction, FaultLink, type LinkHost } from "./fault-link.js";

export type Fault =
  | { kind: "none" }
  | { kind: "latency"; upMs?: number; downMs?: number }
  | { kind: "reset" }
  | { kind: "blackhole" }
  | { kind: "slow-close"; afterMs: number }
  | { kind: "cut"; afterBytes: number };

export interface FaultProxyStats {
  /** Connections accepted so far. */
  accepted: number;
  /** Connections open now. */
  open: number;
  /** Bytes read from clients / from the upstream. */
  receivedUp: number;
  receivedDown: number;
  /** Bytes written to the upstream / to clients. */
  forwardedUp: number;
  forwardedDown: number;
  /** Connections reset, cut after N bytes, and stalled for a slow close. */
  resets: number;
  cuts: number;
  slowCloses: number;
}

export interface FaultProxyOptions {
  /** The upstream's host. Defaults to 127.0.0.1. */
  upstreamHost?: string;
  /** Drives latency and slow close. Defaults to the system clock. */
  clock?: Clock;
}

export class FaultProxy {
  readonly stats: FaultProxyStats = {
    accepted: 0,
    open: 0,
    receivedUp: 0,
    receivedDown: 0,
    forwardedUp: 0,
    forwardedDown: 0,
    resets: 0,
    cuts: 0,
    slowCloses: 0,
  };
  readonly #links = new Set<FaultLink>();
  readonly #host: LinkHost;
  #fault: Fault = { kind: "none" };

  private constructor(
    readonly server: Server,
    readonly port: number,
    readonly upstreamPort: number,
    readonly upstreamHost: string,
    clock: Clock,
  ) {
    const stats = this.stats;
    this.#host = {
      clock,
      latencyMs: (direction: Direction) => {
        const fault = this.#fault;
        if (fault.kind !== "latency") return 0;
        return (direction === "up" ? fault.upMs : fault.downMs) ?? 0;
      },
      count(what, direction, bytes) {
        if (what === "received" && direction === "up") stats.receivedUp += bytes;
        else if (what === "received") stats.receivedDown += bytes;
        else if (direction === "up") stats.forwardedUp += bytes;
        else stats.forwardedDown += bytes;
      },
      cut: () => {
        stats.cuts++;
      },
      closed: (link) => {
        if (this.#links.delete(link)) stats.open--;
      },
    };
    server.on("connection", (client) => this.#accept(client));
  }

  /** Starts a proxy on 127.0.0.1 and a free port in front of `upstreamPort`. */
  static async start(upstreamPort: number, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      });
    });
    return new FaultProxy(
      server,
      port,
      upstreamPort,
      options.upstreamHost ?? "127.0.0.1",
      options.clock ?? systemClock,
    );
  }

  /** "127.0.0.1:port" of the proxy, as a client's endpoint. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get fault(): Fault {
    return this.#fault;
  }

  /** Switches the fault; it applies to open connections at once and to every new one. */
  setFault(fault: Fault): void {
    this.#fault = fault;
    for (const link of [...this.#links]) this.#apply(link, fault);
  }

  /** Stops listening and closes every connection and timer it opened. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of [...this.#links]) link.close();
    await closed;
  }

  #accept(client: Socket): void {
    this.stats.accepted++;
    this.stats.open++;
    const link = new FaultLink(this.#host, client);
    this.#links.add(link);
    const fault = this.#fault;
    if (fault.kind === "none" || fault.kind === "latency" || fault.kind === "cut") {
      link.connect(
        createConnection({ port: this.upstreamPort, host: this.upstreamHost, allowHalfOpen: true }),
      );
    }
    this.#apply(link, fault);
  }

  #apply(link: FaultLink, fault: Fault): void {
    if (fault.kind === "reset" && link.state !== "closed") {
      this.stats.resets++;
      link.reset();
      return;
    }
    if (link.state !== "forwarding") return;
    link.cutLeft = fault.kind === "cut" ? Math.max(0, fault.afterBytes) : undefined;
    if (fault.kind === "blackhole") link.blackhole();
    else if (fault.kind === "slow-close") {
      this.stats.slowCloses++;
      link.stall(fault.afterMs);
    }
  }
}
