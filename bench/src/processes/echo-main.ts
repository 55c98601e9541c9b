/**
 * The limit for the transport benchmark: a bare grpc-js server for synapse.v1.AgentService that
 * answers every Invoke and Stream at once with messages recorded from a real service (so the
 * bytes on the wire are the same as on our path), and nothing else — no validation, no provider,
 * no call scopes. `node echo-main.js <service host:port>`; reports `{ type: "ready", ports: { grpc } }`.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import {
  type AgentServiceServer,
  generated,
  type InvokeRequest,
  type InvokeResponse,
  rawClient,
  rawInvoke,
  rawStream,
  type StreamEvent,
} from "./raw-grpc.js";

const source = process.argv[2] ?? "";
const request: InvokeRequest = JSON.parse(process.argv[3] ?? "{}");

const client = rawClient(source);
const unary: InvokeResponse = await rawInvoke(client, request);
const events: StreamEvent[] = await rawStream(client, request);
client.close();

const handlers: AgentServiceServer = {
  invoke: (_call, callback) => callback(null, unary),
  stream: (call) => {
    for (const event of events) call.write(event);
    call.end();
  },
  resume: (call) => call.end(),
  describe: (_call, callback) => callback(new Error("not served by the echo server")),
};
const server = new Server();
server.addService(generated.AgentServiceService, handlers);
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, grpc) => {
  if (err) throw err;
  process.send?.({ type: "ready", ports: { grpc }, streamEvents: events.length });
});
process.on("disconnect", () => process.exit(0));
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
