import type { ActionName, AgentName } from "@synapse/core";
import type { ProviderCall, ProviderEvent } from "../src/index.js";

/** A call with a fresh, never-aborted signal unless one is given. */
export function call(
  agent: AgentName,
  action: ActionName,
  input: Record<string, unknown>,
  extra: { signal?: AbortSignal; continuation?: { text: string; afterSeq: number } } = {},
): ProviderCall {
  return { agent, action, input, signal: new AbortController().signal, ...extra } as ProviderCall;
}

/** Every event of a stream. */
export async function drain(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The text events' texts. */
export function texts(events: readonly ProviderEvent[]): string[] {
  return events.flatMap((e) => (e.type === "text" ? [e.text] : []));
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}
