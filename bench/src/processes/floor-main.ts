/**
 * The floor of any two-hop design on this machine: a bare HTTP proxy (role `proxy`) that hands
 * each request body as one JSON line over a single TCP connection to a bare relay (role `relay`),
 * which sends it to the upstream over a pooled undici client and sends the answer back as lines —
 * the head, then each body chunk as it arrives (so streams stream), then the end. No validation,
 * retries, timeouts, metrics, checkpoints or logging: what is left is two more processes, their
 * HTTP/JSON parsing and the extra loopback hops, which Synapse's path cannot avoid either. It
 * separates what the architecture costs here from what our code adds.
 *
 * `floor-main.js relay <upstream origin>` or `floor-main.js proxy <relay port>`; listens on
 * 127.0.0.1:0 and reports `{ type: "ready", ports: { http } }` over IPC.
 */
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import { connect, createServer, type Socket } from "node:net";
import { Pool } from "undici";

type Line =
  | { id: number; body: string }
  | { id: number; status: number; type: string }
  | { id: number; chunk: string }
  | { id: number; end: true };

/** Calls `onLine` with each newline-terminated JSON line the socket receives. */
function readLines(socket: Socket, onLine: (line: Line) => void): void {
  let rest = "";
  socket.setEncoding("utf8");
  socket.on("data", (data: string) => {
    rest += data;
    let nl = rest.indexOf("\n");
    while (nl >= 0) {
      onLine(JSON.parse(rest.slice(0, nl)) as Line);
      rest = rest.slice(nl + 1);
      nl = rest.indexOf("\n");
    }
  });
}

const send = (socket: Socket, line: Line) => socket.write(`${JSON.stringify(line)}\n`);

function relay(upstreamOrigin: string): Promise<number> {
  const pool = new Pool(upstreamOrigin, { connections: 64 });
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    readLines(socket, (line) => {
      if (!("body" in line)) return;
      void pool
        .request({
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json" },
          body: line.body,
        })
        .then(async (res) => {
          send(socket, { id: line.id, status: res.statusCode, type: String(res.headers["content-type"]) });
          for await (const chunk of res.body) send(socket, { id: line.id, chunk: String(chunk) });
          send(socket, { id: line.id, end: true });
        })
        .catch(() => send(socket, { id: line.id, status: 502, type: "text/plain" }));
    });
  });
  return listen(server);
}

function proxy(relayPort: number): Promise<number> {
  const upstream = connect(relayPort, "127.0.0.1");
  upstream.setNoDelay(true);
  const waiting = new Map<number, ServerResponse>();
  let nextId = 0;
  readLines(upstream, (line) => {
    const res = waiting.get(line.id);
    if (res === undefined) return;
    if ("status" in line) res.writeHead(line.status, { "content-type": line.type });
    else if ("chunk" in line) res.write(line.chunk);
    else if ("end" in line) {
      waiting.delete(line.id);
      res.end();
    }
  });
  const server = createHttpServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => {
      body += d;
    });
    req.on("end", () => {
      const id = nextId++;
      waiting.set(id, res);
      send(upstream, { id, body });
    });
  });
  return listen(server);
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }) {
  return new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
}

const [role, arg] = process.argv.slice(2);
const port = role === "relay" ? await relay(String(arg)) : await proxy(Number(arg));
process.send?.({ type: "ready", ports: { http: port } });
process.on("disconnect", () => process.exit(0));
