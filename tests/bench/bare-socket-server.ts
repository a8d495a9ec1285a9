/**
 * The baseline of the fan-out benchmark: a node:http + Socket.IO server that does the least a live board can do —
 * on `POST /emit` it broadcasts the request's JSON body, as it is, to every connected client at once
 * (`io.emit`), then answers 200 with `{ seq, clients, emitMs }` (`emitMs`: how long the synchronous `io.emit`
 * call took, i.e. encoding once and writing to every socket). No rooms, no Redis, no tick, no validation beyond
 * JSON.parse. Socket.IO options are the backend's (`serveClient: false`, 16 KiB messages from clients).
 * fanout.ts starts it as a child process with PORT and HOST and waits for the `listening on` line, exactly as it
 * does for the real backend.
 */
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Server } from "socket.io";

/** The event to broadcast: fanout.ts names it (BARE_EVENT) and listens for it. */
const event = process.env.BARE_EVENT ?? "bench:message";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "0");
let seq = 0;

const httpServer = createServer((req, res) => {
  const answer = (status: number, body: string) => {
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  if (req.method !== "POST" || req.url !== "/emit") {
    req.resume();
    answer(404, '{"error":{"code":"NOT_FOUND","message":"only POST /emit"}}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let message: unknown;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      answer(400, '{"error":{"code":"INVALID_BODY","message":"body is not JSON"}}');
      return;
    }
    seq += 1;
    const started = performance.now();
    io.emit(event, message);
    const emitMs = performance.now() - started;
    answer(200, JSON.stringify({ seq, clients: io.engine.clientsCount, emitMs }));
  });
});

const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 16 * 1024 });

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  console.log(`listening on http://${host}:${actualPort}`);
});

function shutdown(): void {
  // io.close() disconnects every socket and closes the http server.
  io.close(() => process.exit(0));
  httpServer.closeAllConnections();
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
