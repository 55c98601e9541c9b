/**
 * The provider interface: what answers an agent's action. The embedded simulator (`sim`) and the
 * real providers (vendor APIs, coding CLIs) all implement it, so the service does not care which
 * one it runs.
 */
import type { ActionInput, ActionName, AgentName, Usage } from "@synapse/core";
import { SynapseError } from "@synapse/core";

/** A stream being continued: the text already delivered and the seq of its last chunk. */
export interface Continuation {
  text: string;
  afterSeq: number;
}

interface CallOf<A extends ActionName> {
  agent: AgentName;
  action: A;
  /** Already validated against the action's input schema (the service validates, providers trust). */
  input: ActionInput[A];
  /** When set, the provider streams only what follows `text`. */
  continuation?: Continuation;
  /**
   * Aborting it ends the stream promptly with CANCELLED (or the SynapseError given as the reason).
   * The service's calls make it on first read (a getter on a class), so a wrapper that copies a
   * call with `{ ...call }` loses it and `aborted`: pass the call itself, or copy them by name.
   */
  signal: AbortSignal;
  /**
   * `signal.aborted` without making `signal` (see CallContext.aborted): the service's calls carry
   * it and a signal made on first read. Undefined: read `signal.aborted`.
   */
  aborted?: () => boolean;
}

/** One call to a provider, discriminated by `action` so `input` narrows to that action's input. */
export type ProviderCall = { [A in ActionName]: CallOf<A> }[ActionName];

/** A piece of the answer's text, or the end of the answer with its structured result. */
export type ProviderEvent =
  | { type: "text"; text: string }
  | { type: "done"; result: Record<string, unknown>; usage: Usage };

export interface Provider {
  /** The provider's name as responses show it, e.g. "sim". */
  readonly name: string;
  /** The model answering, e.g. "sim-1". */
  readonly model: string;
  /**
   * Answers one call: text events in order, then exactly one `done` event. Throws SynapseError
   * (before or between events).
   */
  stream(call: ProviderCall): AsyncIterable<ProviderEvent>;
  /**
   * Answers one call whole, when the provider has a cheaper way than streaming (a vendor API's
   * non-streaming call). Optional: `complete()` drains `stream` when it is absent.
   */
  complete?(call: ProviderCall): Promise<Completion>;
}

/** A whole answer: the concatenated text, the result and the usage. */
export interface Completion {
  text: string;
  result: Record<string, unknown>;
  usage: Usage;
}

/** Runs a call to the end: the provider's own `complete` when it has one, else its stream gathered. */
export async function complete(provider: Provider, call: ProviderCall): Promise<Completion> {
  if (provider.complete) return provider.complete(call);
  let text = "";
  for await (const event of provider.stream(call)) {
    if (event.type === "text") text += event.text;
    else return { text, result: event.result, usage: event.usage };
  }
  throw new SynapseError("INTERNAL", `Provider "${provider.name}" ended its answer without a result.`);
}
