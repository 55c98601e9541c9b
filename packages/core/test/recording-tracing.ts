/**
 * A Tracing that records spans in memory, with the same parenting rules as the real one (a
 * carrier's traceparent first, then the active span), so the wrappers' spans can be asserted
 * exactly without the SDK.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { SynapseError } from "../src/errors.js";
import type { SpanAttributes, SpanKindName, SpanOptions, TraceSpan, Tracing } from "../src/tracing.js";

export interface RecordedSpan {
  name: string;
  kind: SpanKindName;
  attributes: SpanAttributes;
  /** The traceparent this span writes for the next hop. */
  traceparent: string;
  /** The active span it was started under, if any. */
  parent: RecordedSpan | undefined;
  /** The traceparent it continued from a carrier, if any. */
  remoteParent: string | undefined;
  ended: boolean;
  /** The code it ended with; undefined when it succeeded or has not ended. */
  errorCode: string | undefined;
}

export class RecordingTracing implements Tracing {
  readonly enabled = true;
  readonly spans: RecordedSpan[] = [];
  readonly #active = new AsyncLocalStorage<RecordedSpan>();

  startSpan(name: string, options: SpanOptions = {}): TraceSpan {
    const header = options.carrier?.traceparent;
    const remoteParent = typeof header === "string" ? header : header?.[0];
    const span: RecordedSpan = {
      name,
      kind: options.kind ?? "internal",
      attributes: { ...options.attributes },
      traceparent: `00-${"1".repeat(32)}-${String(this.spans.length + 1).padStart(16, "0")}-01`,
      parent: remoteParent === undefined ? this.#active.getStore() : undefined,
      remoteParent,
      ended: false,
      errorCode: undefined,
    };
    this.spans.push(span);
    return {
      setAttributes: (attributes) => Object.assign(span.attributes, attributes),
      run: (fn) => this.#active.run(span, fn),
      inject: (carrier) => {
        carrier.traceparent = span.traceparent;
      },
      end: (error) => {
        if (span.ended) return;
        span.ended = true;
        if (error !== undefined) span.errorCode = SynapseError.from(error).code;
      },
    };
  }

  async shutdown(): Promise<void> {}

  /** The one span named `name`; fails when there is not exactly one. */
  only(name: string): RecordedSpan {
    const found = this.spans.filter((s) => s.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one span "${name}", got ${found.length}: ${this.spans.map((s) => s.name)}`);
    }
    return found[0] as RecordedSpan;
  }
}
