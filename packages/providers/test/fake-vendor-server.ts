/**
 * A local HTTP server that plays a model vendor: each test scripts the answer, the server
 * records what it was asked and notices when a client goes away before the answer ended.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Record<string, unknown>;
}

export type Script = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeVendor {
  readonly baseUrl: string;
  readonly requests: SeenRequest[];
  /** What the next requests get (the last script repeats). */
  script(...scripts: Script[]): void;
  /** Resolves when a response is closed by the client before it ended. */
  aborted(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeVendor(path = ""): Promise<FakeVendor> {
  let scripts: Script[] = [];
  const requests: SeenRequest[] = [];
  let onAbort: (() => void) | undefined;
  let abortCount = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const seen: SeenRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      };
      requests.push(seen);
      res.on("close", () => {
        if (!res.writableEnded) {
          abortCount++;
          onAbort?.();
        }
      });
      const script = scripts.length > 1 ? scripts.shift() : scripts[0];
      if (!script) {
        res.writeHead(500).end("no script");
        return;
      }
      Promise.resolve(script(seen, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${path}`,
    requests,
    script(...s) {
      scripts = s;
    },
    aborted() {
      if (abortCount > 0) return Promise.resolve();
      return new Promise((resolve) => {
        onAbort = resolve;
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes Server-Sent Events: `[event name or undefined, data]` pairs. */
export function sse(res: ServerResponse, events: [string | undefined, unknown][], end = true): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const [event, data] of events) {
    const payload = typeof data === "string" ? data : JSON.stringify(data);
    res.write(`${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`);
  }
  if (end) res.end();
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
