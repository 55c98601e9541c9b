/**
 * Server-Sent Events: `id: streamId:seq` on every chunk, `retry:` once, heartbeat comments so
 * proxies keep the connection, and backpressure (a slow client is waited for, not buffered).
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { type StreamEvent, SynapseError } from "@synapse/core";

export interface SseOptions {
  /** Interval of `: ping` comments in milliseconds. */
  heartbeatMs: number;
  /** Reconnection delay suggested to the client in milliseconds. Defaults to 1 second. */
  retryMs?: number;
}

/**
 * Sends what has been written to `raw` so far at once. A ServerResponse corks its socket on each
 * write and uncorks on the next tick, and the next tick waits until the microtask queue is empty:
 * behind a whole burst of chunks being checkpointed, several milliseconds in the bench. Flushing
 * the first frames puts the time to first byte back where it belongs; later frames stay batched.
 */
export function flushNow(raw: ServerResponse): void {
  raw.socket?.uncork();
}

export class SseWriter {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private flushed = false;

  constructor(
    private readonly raw: ServerResponse,
    options: SseOptions,
    headers: Record<string, string> = {},
  ) {
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...headers,
    });
    raw.write(`retry: ${options.retryMs ?? 1000}\n\n`);
    flushNow(raw);
    this.heartbeat = setInterval(() => this.raw.write(": ping\n\n"), options.heartbeatMs);
    this.heartbeat.unref();
    raw.on("close", () => this.stop());
  }

  get isClosed(): boolean {
    return this.closed || this.raw.destroyed;
  }

  /** Writes one event; waits for the socket to drain when its buffer is full. */
  async send(event: string, data: unknown, id?: string): Promise<void> {
    if (!this.write(event, data, id)) await this.drained();
  }

  /**
   * Writes one event without waiting (nothing once closed); false when the socket's buffer is
   * full and the caller should wait for `drained()` before the next. A stream writes every chunk
   * this way: `send` would cost each one a promise.
   */
  write(event: string, data: unknown, id?: string): boolean {
    if (this.isClosed) return true;
    const frame = `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    const written = this.raw.write(frame);
    if (!this.flushed) {
      this.flushed = true;
      flushNow(this.raw);
    }
    return written;
  }

  /** Resolves when the socket can take more, or has closed. */
  async drained(): Promise<void> {
    if (this.isClosed) return;
    await Promise.race([once(this.raw, "drain"), once(this.raw, "close")]);
  }

  end(): void {
    this.stop();
    if (!this.raw.writableEnded) this.raw.end();
  }

  private stop(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
  }
}

/**
 * Writes a stream's events as SSE until the final event, an error, or the client leaving.
 * `first`, when given, is the result already taken from `events`.
 */
export async function pipeEvents(
  events: AsyncIterator<StreamEvent>,
  sse: SseWriter,
  first?: IteratorResult<StreamEvent>,
): Promise<void> {
  try {
    for (let r = first ?? (await events.next()); r.done !== true; r = await events.next()) {
      if (sse.isClosed) {
        await events.return?.();
        return;
      }
      const event = r.value;
      const open =
        event.type === "chunk"
          ? sse.write("chunk", event, `${event.streamId}:${event.seq}`)
          : sse.write("final", event, `${event.streamId}:${event.lastSeq}`);
      if (!open) await sse.drained();
    }
  } catch (err) {
    const error = SynapseError.from(err);
    await sse.send("error", { code: error.code, message: error.message });
  } finally {
    sse.end();
  }
}

/** Parses a Last-Event-ID of the form `streamId:seq`; undefined when absent or malformed. */
export function parseLastEventId(value: unknown): { streamId: string; afterSeq: number } | undefined {
  if (typeof value !== "string") return undefined;
  const at = value.lastIndexOf(":");
  if (at <= 0) return undefined;
  const seq = Number(value.slice(at + 1));
  if (!Number.isInteger(seq) || seq < 0) return undefined;
  return { streamId: value.slice(0, at), afterSeq: seq };
}
