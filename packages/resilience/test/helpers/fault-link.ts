/**
 * One proxied connection of the FaultProxy: a client socket, its upstream socket (none when the
 * connection was blackholed or stalled from the start), and one ordered queue per direction.
 * Data is counted on arrival and then either dropped (blackholed, stalled, after a cut) or queued
 * for its direction's current latency; the queue keeps arrival order even when the latency
 * changes, and carries the end of a direction (FIN) and the close behind the data.
 */
import type { Socket } from "node:net";
import type { Clock } from "@synapse/core";

/** "up" is client → upstream (requests); "down" is upstream → client (responses). */
export type Direction = "up" | "down";

export type LinkState = "forwarding" | "blackholed" | "stalled" | "cutting" | "closed";

/** What a link needs from its proxy: the clock, the current latency, and counters to bump. */
export interface LinkHost {
  clock: Clock;
  latencyMs(direction: Direction): number;
  count(what: "received" | "forwarded", direction: Direction, bytes: number): void;
  cut(): void;
  closed(link: FaultLink): void;
}

/** Actions run in order, each no earlier than its due time. */
class DelayQueue {
  #items: { due: number; run: () => void }[] = [];
  #cancel: (() => void) | undefined;

  constructor(readonly clock: Clock) {}

  push(delayMs: number, run: () => void): void {
    const now = this.clock.now();
    if (this.#items.length === 0 && delayMs <= 0) {
      run();
      return;
    }
    const last = this.#items.at(-1)?.due ?? now;
    // Never before what is already queued: a lowered latency must not reorder the bytes.
    this.#items.push({ due: Math.max(now + delayMs, last), run });
    this.#schedule();
  }

  clear(): void {
    this.#items = [];
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #schedule(): void {
    const head = this.#items[0];
    if (head === undefined || this.#cancel !== undefined) return;
    this.#cancel = this.clock.setTimeout(() => {
      this.#cancel = undefined;
      this.#flush();
    }, head.due - this.clock.now());
  }

  #flush(): void {
    const now = this.clock.now();
    for (let head = this.#items[0]; head !== undefined && head.due <= now; head = this.#items[0]) {
      this.#items.shift();
      head.run();
    }
    this.#schedule();
  }
}

export class FaultLink {
  state: LinkState = "forwarding";
  upstream: Socket | undefined;
  /** Response bytes still forwarded before the cut; undefined when no cut is armed. */
  cutLeft: number | undefined;
  readonly #queues: Record<Direction, DelayQueue>;
  #stopClose: (() => void) | undefined;

  constructor(
    readonly host: LinkHost,
    readonly client: Socket,
  ) {
    this.#queues = { up: new DelayQueue(host.clock), down: new DelayQueue(host.clock) };
    this.#attach(client, "up");
  }

  /** Forwards to `upstream` (a socket still connecting); failing to connect resets the client. */
  connect(upstream: Socket): void {
    this.upstream = upstream;
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
    });
    // A refused connection looks to the client like the RST a dead server would send.
    upstream.on("error", () => {
      if (!connected) this.reset();
    });
    this.#attach(upstream, "down");
  }

  /** Stops forwarding for good; the sockets stay open (reading and dropping) until closed. */
  blackhole(): void {
    if (this.state !== "forwarding") return;
    this.state = "blackholed";
    this.#clearQueues();
  }

  /** Stops forwarding, keeps both sockets open, and closes them (FIN) after `afterMs`. */
  stall(afterMs: number): void {
    if (this.state !== "forwarding") return;
    this.state = "stalled";
    this.#clearQueues();
    this.#stopClose = this.host.clock.setTimeout(() => this.close(), afterMs);
  }

  /** Destroys both sockets with a TCP RST. */
  reset(): void {
    this.#end((socket) => {
      if (!socket.destroyed) socket.resetAndDestroy();
    });
  }

  /** Closes both sockets normally (FIN), dropping whatever is still queued. */
  close(): void {
    this.#end((socket) => socket.destroy());
  }

  #end(how: (socket: Socket) => void): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.#clearQueues();
    this.#stopClose?.();
    how(this.client);
    if (this.upstream !== undefined) how(this.upstream);
    this.host.closed(this);
  }

  #clearQueues(): void {
    this.#queues.up.clear();
    this.#queues.down.clear();
  }

  /** `direction` is the direction of the bytes this socket receives. */
  #attach(socket: Socket, direction: Direction): void {
    socket.on("data", (data: Buffer) => this.#onData(direction, data));
    socket.on("end", () => {
      if (this.state === "forwarding") this.#forward(direction, 0, (target) => target.end());
    });
    socket.on("error", () => {}); // every error also closes the socket: handled there
    socket.on("close", () => {
      // Forwarding, closing one side closes the other behind what is still queued for it.
      // Otherwise only the client's close counts: a blackholed or stalled path delivers no FIN,
      // and after a cut the upstream goes before the cut bytes are out.
      if (this.state === "forwarding") {
        this.#queues[direction].push(this.host.latencyMs(direction), () => this.close());
      } else if (socket === this.client) this.close();
    });
  }

  #onData(direction: Direction, data: Buffer): void {
    this.host.count("received", direction, data.length);
    if (this.state !== "forwarding") return; // blackholed, stalled or cut: read and drop
    if (direction === "down" && this.cutLeft !== undefined) {
      if (data.length > this.cutLeft) {
        this.#cut(data.subarray(0, this.cutLeft));
        return;
      }
      this.cutLeft -= data.length;
    }
    this.#forward(direction, data.length, (target) => target.write(data));
  }

  /** Forwards `head`, then ends the client's side and destroys both sockets. */
  #cut(head: Buffer): void {
    this.state = "cutting";
    this.host.cut();
    this.#forward("down", head.length, (client) => {
      this.upstream?.destroy();
      // end() before destroy: exactly `head` reaches the client, then its connection goes.
      client.end(head, () => this.close());
    });
  }

  /** Queues `run` behind the direction's data with its current latency; `bytes` count when it runs. */
  #forward(direction: Direction, bytes: number, run: (target: Socket) => void): void {
    this.#queues[direction].push(this.host.latencyMs(direction), () => {
      const target = direction === "up" ? this.upstream : this.client;
      if (target === undefined || target.destroyed) return;
      this.host.count("forwarded", direction, bytes);
      run(target);
    });
  }
}
