/** Whether anything accepts TCP connections at host:port, to tell "not running" from other failures. */
import { connect } from "node:net";

/** Resolves true when a connection opens within `timeoutMs` (defaults to 1 000 ms), false otherwise. */
export function isListening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
