/** Pages of the run list: an opaque cursor naming the last run of the previous page. */
import { SynapseError } from "@synapse/core";
import type { RunRecord } from "./run-store.js";

export function encodeCursor(run: RunRecord): string {
  return Buffer.from(`${run.createdAt}:${run.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, "base64url").toString();
  const at = text.indexOf(":");
  const createdAt = Number(text.slice(0, at));
  if (at <= 0 || !Number.isSafeInteger(createdAt)) {
    throw new SynapseError("INVALID_ARGUMENT", "Invalid cursor; pass the nextCursor of the previous page.");
  }
  return { createdAt, id: text.slice(at + 1) };
}
