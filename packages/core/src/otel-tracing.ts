/**
 * Tracing on the OpenTelemetry SDK: a tracer provider of this process's own (nothing is registered
 * globally, so two in one process — tests — do not meet), a batch processor exporting OTLP/HTTP,
 * W3C trace-context propagation, and an AsyncLocalStorage holding the active span. Loaded only by
 * `startTracing` when an endpoint is configured; import nothing from here elsewhere.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { SynapseError } from "./errors.js";
import type {
  SpanKindName,
  SpanOptions,
  TraceCarrier,
  TraceSpan,
  Tracing,
  TracingOptions,
} from "./tracing.js";

const KINDS: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
};

const carrierGetter: TextMapGetter<TraceCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === "string" ? value : value?.[0];
  },
};

/** `options.endpoint` is the full traces URL here (startTracing completes it). */
export function createOtelTracing(options: TracingOptions): Tracing {
  const exporter = new OTLPTraceExporter({
    url: options.endpoint,
    ...(options.exportTimeoutMs === undefined ? {} : { timeoutMillis: options.exportTimeoutMs }),
  });
  const processor = new BatchSpanProcessor(
    exporter,
    options.scheduleDelayMs === undefined ? {} : { scheduledDelayMillis: options.scheduleDelayMs },
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...options.resource, "service.name": options.serviceName }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer("synapse");
  const propagator = new W3CTraceContextPropagator();
  const active = new AsyncLocalStorage<Context>();

  const parentOf = (carrier: TraceCarrier | undefined): Context => {
    if (carrier !== undefined && carrier.traceparent !== undefined) {
      const extracted = propagator.extract(ROOT_CONTEXT, carrier, carrierGetter);
      if (trace.getSpanContext(extracted) !== undefined) return extracted;
    }
    return active.getStore() ?? ROOT_CONTEXT;
  };

  const wrap = (span: Span): TraceSpan => {
    const context = trace.setSpan(ROOT_CONTEXT, span);
    let ended = false;
    return {
      setAttributes: (attributes) => {
        span.setAttributes(attributes);
      },
      run: (fn) => active.run(context, fn),
      inject: (carrier) => {
        propagator.inject(context, carrier, {
          set: (c, key, value) => {
            c[key] = value;
          },
        });
      },
      end: (error) => {
        if (ended) return;
        ended = true;
        if (error !== undefined) {
          const e = SynapseError.from(error);
          span.setAttribute("error.type", e.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        }
        span.end();
      },
    };
  };

  return {
    enabled: true,
    startSpan(name: string, spanOptions: SpanOptions = {}): TraceSpan {
      const span = tracer.startSpan(
        name,
        { kind: KINDS[spanOptions.kind ?? "internal"], attributes: spanOptions.attributes ?? {} },
        parentOf(spanOptions.carrier),
      );
      return wrap(span);
    },
    async shutdown() {
      try {
        await provider.shutdown();
      } catch {
        // A collector that is gone must not fail a shutdown; the spans are lost either way.
      }
    },
  };
}
