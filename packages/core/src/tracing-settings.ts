/** The tracing settings: where spans go over OTLP/HTTP, if anywhere (off by default). */
import { z } from "zod";
import { type Setting, str } from "./settings.js";

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

const otlpEndpoint: Setting<string> = {
  ...str(
    "",
    "SYNAPSE_OTLP_ENDPOINT",
    "OTLP/HTTP collector that receives OpenTelemetry spans, e.g. http://otel-collector:4318 (/v1/traces is added unless given); empty turns tracing off.",
  ),
  schema: z
    .string()
    .trim()
    .refine(
      (v) => v === "" || isHttpUrl(v),
      "expected an http(s) URL like http://otel-collector:4318, or empty",
    ),
};

export const TRACING_SETTINGS = { otlpEndpoint };
