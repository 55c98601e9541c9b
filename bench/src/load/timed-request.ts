/**
 * One HTTP request with its timings, over an undici pool (keep-alive connections): total
 * latency, and for a stream the time to the first chunk with content. Errors and non-2xx answers
 * are recorded, never thrown.
 */
import type { Pool } from "undici";
import { type HttpTarget, hasContent } from "./http-target.js";

export interface RequestRecord {
  /** When it was sent, in ms since the run started. */
  at: number;
  /** Until the whole answer was read, in ms. */
  latencyMs: number;
  /** Until the first content chunk of a stream, in ms; undefined when none came. */
  firstContentMs?: number;
  ok: boolean;
  status?: number;
  error?: string;
}

export async function timedRequest(
  pool: Pool,
  target: HttpTarget,
  runStart: number,
  timeoutMs: number,
  stream: boolean,
): Promise<RequestRecord> {
  const started = performance.now();
  const at = started - runStart;
  try {
    const res = await pool.request({
      method: "POST",
      path: target.path,
      headers: target.headers,
      body: target.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    let firstContentMs: number | undefined;
    if (stream) {
      let seen = "";
      for await (const chunk of res.body) {
        if (firstContentMs === undefined) {
          seen += (chunk as Buffer).toString("utf8");
          if (hasContent(seen)) firstContentMs = performance.now() - started;
        }
      }
    } else {
      await res.body.dump({ limit: Number.MAX_SAFE_INTEGER });
    }
    const latencyMs = performance.now() - started;
    const ok = res.statusCode >= 200 && res.statusCode < 300 && (!stream || firstContentMs !== undefined);
    return {
      at,
      latencyMs,
      ok,
      status: res.statusCode,
      ...(firstContentMs === undefined ? {} : { firstContentMs }),
    };
  } catch (err) {
    return { at, latencyMs: performance.now() - started, ok: false, error: (err as Error).message };
  }
}
