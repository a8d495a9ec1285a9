/**
 * The baseline of the ingest benchmark: a bare node:http server doing the least a ballot endpoint can do — read
 * the body, JSON.parse it, answer 201 with a receipt-sized JSON body — and nothing else (no framework, no
 * validation, no token check, no Redis). ingest.ts starts it as a child process with PORT and HOST and waits for
 * the `listening on` line, exactly as it does for the real backend.
 */
import { createServer } from "node:http";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? "0");
let received = 0;

const server = createServer((req, res) => {
  // The wrk script's filler request once every ballot is sent (GET /healthz), answered like the backend does.
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": 11 });
    res.end('{"ok":true}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let choices: unknown;
    try {
      choices = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { choices?: unknown }).choices;
    } catch {
      res.writeHead(400, { "content-type": "application/json; charset=utf-8" });
      res.end('{"error":{"code":"INVALID_BODY","message":"body is not JSON"}}');
      return;
    }
    received += 1;
    // Shaped like the service's BallotReceipt so that both answer with about the same number of bytes.
    const body = JSON.stringify({
      ballotId: `bare-${received}`,
      roundId: "bare",
      epoch: 1,
      choices,
      receivedAt: new Date().toISOString(),
    });
    res.writeHead(201, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
});

server.listen(port, host, () => {
  const address = server.address();
  const actualPort = typeof address === "object" && address ? address.port : port;
  console.log(`listening on http://${host}:${actualPort}`);
});

function shutdown(): void {
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
