import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { ApiError } from "@lb/common";
import type { ProcessRole } from "../config.js";

/**
 * ROLE splits one entry point in two so an operator can run the fan-out in processes of its own:
 * - `all`: everything (the default);
 * - `ingest`: the HTTP API (ballots, reads, organiser routes) and pages, but no Socket.IO (handshakes are
 *   refused) and no live ticks: its event loop only answers requests;
 * - `live`: Socket.IO with the live ticks, pages, reads and the organiser API, but no ballots (503 UNAVAILABLE):
 *   a load balancer sends `POST /api/rounds/:id/ballots` to ingest processes and `/socket.io/` to live ones.
 * Every process reads and writes the same Redis, so the split changes nothing else.
 */
export const servesSockets = (role: ProcessRole) => role !== "ingest";
export const takesBallots = (role: ProcessRole) => role !== "live";

const BALLOT_PATH = /^\/api\/rounds\/[^/?]+\/ballots\/?(?:\?|$)/;

/** Wraps the request handler of a `live` process: ballots are answered 503 before any work. */
export function withoutBallots(handler: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !BALLOT_PATH.test(req.url ?? "")) {
      handler(req, res);
      return;
    }
    const error: ApiError = {
      code: "UNAVAILABLE",
      message: "This process (ROLE=live) takes no ballots: send them to a process with ROLE=all or ingest.",
    };
    // The body is not read: close the connection after the answer rather than parse what we refuse.
    res.writeHead(503, { "content-type": "application/json; charset=utf-8", connection: "close" });
    res.end(JSON.stringify({ error }));
  };
}
