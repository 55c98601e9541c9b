import { Writable } from "node:stream";
import type { AgentRequest, CallContext, StreamEvent } from "@synapse/core";
import { createLogger, type Logger } from "@synapse/core";
import type { Provider, ProviderCall, ProviderEvent } from "@synapse/providers";

/** A call context with a fresh signal (or the one given) and no deadline. */
export function ctx(extra: Partial<CallContext> = {}): CallContext {
  return { signal: new AbortController().signal, deadline: undefined, metadata: {}, ...extra };
}

export function req(
  agent: string,
  action: string,
  input: Record<string, unknown>,
  extra: Partial<AgentRequest> = {},
) {
  return { agent, action, input, ...extra } as AgentRequest;
}

export async function drain(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

/** Wraps a provider and remembers each call it got. */
export class SpyProvider implements Provider {
  readonly calls: ProviderCall[] = [];
  constructor(readonly inner: Provider) {}
  get name() {
    return this.inner.name;
  }
  get model() {
    return this.inner.model;
  }
  stream(call: ProviderCall): AsyncIterable<ProviderEvent> {
    this.calls.push(call);
    return this.inner.stream(call);
  }
}

/** A JSON logger whose lines a test can read. */
export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      out.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ name: "test", level: "debug", format: "json", destination });
  return {
    logger,
    lines: () =>
      out
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
