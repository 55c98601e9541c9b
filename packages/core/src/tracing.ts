/**
 * Tracing: OpenTelemetry spans across gateway → service, exported over OTLP/HTTP when
 * `SYNAPSE_OTLP_ENDPOINT` is set. Off by default, and then free: `startTracing` returns
 * NO_TRACING without loading the OpenTelemetry SDK (it is imported only when tracing is on), and
 * the wrappers in trace-wrappers.ts hand back exactly what they were given.
 *
 * Trace context crosses processes as W3C `traceparent`/`tracestate`: in HTTP headers into the
 * gateway, and in the call metadata the transports carry (gRPC metadata, JSON-RPC params.metadata)
 * into the services. Inside a process the active span follows async calls (AsyncLocalStorage).
 */

/** How a span relates to the process: it answers a call, makes one, or is work inside one. */
export type SpanKindName = "server" | "client" | "internal";

export type SpanAttributes = Record<string, string | number | boolean>;

/** Where incoming trace context may be: HTTP headers, or a call's metadata. Keys are lower-case. */
export type TraceCarrier = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface SpanOptions {
  /** Defaults to "internal". */
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /**
   * Incoming trace context. When it holds a valid `traceparent`, the span continues that trace;
   * otherwise its parent is the active span (see TraceSpan.run), or it starts a new trace.
   */
  carrier?: TraceCarrier;
}

export interface TraceSpan {
  setAttributes(attributes: SpanAttributes): void;
  /** Runs `fn` with this span active: spans started inside it (also after awaits) are its children. */
  run<T>(fn: () => T): T;
  /** Writes this span's trace context (`traceparent`, and `tracestate` when there is one) into `carrier`. */
  inject(carrier: Record<string, string>): void;
  /**
   * Ends the span. With an error it is marked failed, with the error's code (SynapseError.from)
   * as `error.type` and its message as the status. Only the first call counts.
   */
  end(error?: unknown): void;
}

export interface Tracing {
  /** False for NO_TRACING: callers may skip building what only spans would use. */
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): TraceSpan;
  /** Exports the spans still buffered, then stops exporting. Resolves even if the collector is gone. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /**
   * The OTLP/HTTP collector: a base URL such as `http://otel-collector:4318` (`/v1/traces` is
   * added) or the full traces URL. Empty or blank turns tracing off.
   */
  endpoint: string;
  /** The `service.name` of every span, e.g. "synapse-gateway" or "synapse-claude". */
  serviceName: string;
  /** More resource attributes, e.g. `service.instance.id`. */
  resource?: SpanAttributes;
  /**
   * Milliseconds spans wait in the batch before they are sent. Defaults to OTEL_BSP_SCHEDULE_DELAY,
   * else 5 seconds. The standard OTEL_* variables (sampler, batch sizes, exporter headers) apply too.
   */
  scheduleDelayMs?: number;
  /**
   * Milliseconds one export may take, retries included, before its spans are dropped; shutdown
   * waits at most this long for a collector that is gone. Defaults to OTEL_EXPORTER_OTLP_TIMEOUT,
   * else 10 seconds.
   */
  exportTimeoutMs?: number;
}

const NO_SPAN: TraceSpan = {
  setAttributes() {},
  run: (fn) => fn(),
  inject() {},
  end() {},
};

/** Tracing switched off: spans are no-ops, and the wrappers return what they wrap. */
export const NO_TRACING: Tracing = {
  enabled: false,
  startSpan: () => NO_SPAN,
  shutdown: async () => {},
};

/**
 * Starts tracing for one process. With an empty endpoint this is NO_TRACING and nothing of
 * OpenTelemetry is loaded; otherwise the SDK is loaded here, once, and spans are batched and
 * exported over OTLP/HTTP (JSON) to the endpoint.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  const endpoint = options.endpoint.trim();
  if (endpoint === "") return NO_TRACING;
  // Imported on demand so a process with tracing off never loads the SDK.
  const { createOtelTracing } = await import("./otel-tracing.js");
  return createOtelTracing({ ...options, endpoint: otlpTracesUrl(endpoint) });
}

/** The traces URL for an OTLP/HTTP endpoint: `…/v1/traces` appended unless already there. */
export function otlpTracesUrl(endpoint: string): string {
  const trimmed = endpoint.trim().replace(/\/+$/, "");
  return trimmed.endsWith("/v1/traces") ? trimmed : `${trimmed}/v1/traces`;
}
