/** Raw TCP peers for the fault proxy's own tests: what each side received and how it ended. */
import { connect, createServer, type Socket } from "node:net";

export interface Peer {
  socket: Socket;
  /** Everything received so far, as UTF-8. */
  text: string;
  /** The peer's FIN arrived. */
  ended: boolean;
  closed: boolean;
  /** The code of the error the socket ended with (e.g. ECONNRESET), if any. */
  error: string | undefined;
}

export function track(socket: Socket): Peer {
  const peer: Peer = { socket, text: "", ended: false, closed: false, error: undefined };
  socket.setEncoding("utf8");
  socket.on("data", (data: string) => {
    peer.text += data;
  });
  socket.on("end", () => {
    peer.ended = true;
  });
  socket.on("error", (err: NodeJS.ErrnoException) => {
    peer.error = err.code ?? err.message;
  });
  socket.on("close", () => {
    peer.closed = true;
  });
  return peer;
}

/** Starts connecting to 127.0.0.1:`port` and tracks the socket from the start (errors included). */
export function dial(port: number): Peer {
  return track(connect({ port, host: "127.0.0.1" }));
}

/** Connects to 127.0.0.1:`port`; resolves once connected. Closes when the other side does. */
export function connectTo(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(track(socket));
    });
  });
}

export interface Upstream {
  port: number;
  /** The connections it accepted, in order. */
  peers: Peer[];
  close(): Promise<void>;
}

/**
 * A TCP server on a free port that records what each connection sends. Its sockets allow half
 * open connections: a FIN from the proxy shows as `ended`, and they can still answer after it.
 */
export async function startUpstream(): Promise<Upstream> {
  const peers: Peer[] = [];
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    peers.push(track(socket));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
  return {
    port,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const peer of peers) peer.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
