import { randomUUID } from "node:crypto";

/** A new request id: a UUID without dashes (short enough for logs, unique enough for tracing). */
export function newRequestId(): string {
  return randomUUID().replaceAll("-", "");
}

/** A new stream id: "s_" + 24 hex characters. */
export function newStreamId(): string {
  return `s_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
