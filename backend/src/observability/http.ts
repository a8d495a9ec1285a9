import { randomUUID } from "node:crypto";
import { type IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

export const REQUEST_ID_HEADER = "X-Request-Id";

/**
 * An incoming X-Request-Id (a load balancer's or a client's) is kept when it is short and plain: 1 to 64 of
 * letters, digits and `._:-` (a UUID, a W3C trace id, nginx's $request_id). Anything else is replaced, so a
 * client cannot put line breaks, markup or kilobytes into every log line about its request.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFor(incoming: string | string[] | undefined): string {
  return typeof incoming === "string" && WELL_FORMED_ID.test(incoming) ? incoming : randomUUID();
}

/** Each response's request id, given by `observeHttp` and written with the response's head. */
const requestIds = new WeakMap<ServerResponse, string>();

/** The request id this response carries (chosen first thing by `observeHttp`), for log lines about it. */
export function requestIdOf(res: ServerResponse): string | undefined {
  return requestIds.get(res);
}

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;
const writeHead = ServerResponse.prototype.writeHead as unknown as WriteHead;

/**
 * Every response's `writeHead` (Node calls it for implicit heads too): adds the request id first. Set per response
 * instead of calling `setHeader` on arrival, so that a head written in one call (the ballot fast path's, below)
 * is not made to go through `setHeader` header by header.
 */
const writeHeadWithRequestId: WriteHead = function (...args) {
  const id = requestIds.get(this);
  if (id !== undefined) this.setHeader(REQUEST_ID_HEADER, id);
  return writeHead.apply(this, args);
};

/**
 * Writes a head from a flat `[name, value, ...]` list and the request id in one pass (the ballot fast path's
 * 201): with headers set one by one beforehand, node:http validates and copies each header twice, which cost
 * about as much as the rest of the answer (issue 8).
 */
export function writeHeadAtOnce(res: ServerResponse, status: number, headers: string[]): void {
  const id = requestIds.get(res);
  writeHead.call(res, status, id === undefined ? headers : headers.concat(REQUEST_ID_HEADER, id));
}

/** The error code each refused answer carries, noted by the error middleware (app-error.ts) for the metrics. */
const errorCodes = new WeakMap<ServerResponse, string>();

export function noteErrorCode(res: ServerResponse, code: string): void {
  errorCodes.set(res, code);
}

/** Characters of a path a debug line keeps. */
const MAX_LOGGED_PATH = 200;

/** The ballot route, as the fast path (ballot-fast-path.ts) and Express match it. */
const BALLOT_ROUTE = /^\/api\/rounds\/[^/?]+\/ballots\/?(?:\?|$)/;

/**
 * Wraps the server's request handler: every HTTP request gets an id (`X-Request-Id`, on the answer too), every
 * ballot answer is counted once by outcome and timed (here, where both the fast path's and Express's answers
 * pass: one call per outcome in one place), and with LOG_LEVEL=debug each request is logged when it ends
 * (method, path without its query, which may hold screen keys or ticket codes, status, milliseconds).
 * Socket.IO's own requests (/socket.io/) are taken by engine.io before this handler sees them.
 */
export function observeHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  deps: { logger: Logger; metrics: Metrics },
): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger, metrics } = deps;
  return (req, res) => {
    const reqId = requestIdFor(req.headers["x-request-id"]);
    requestIds.set(res, reqId);
    res.writeHead = writeHeadWithRequestId as ServerResponse["writeHead"];
    const ballot = req.method === "POST" && BALLOT_ROUTE.test(req.url ?? "");
    const debug = logger.isLevelEnabled("debug");
    if (ballot || debug) {
      const started = performance.now();
      res.once("close", () => {
        const ms = performance.now() - started;
        // A client gone before its answer was complete: its ballot may or may not have counted.
        const status = res.writableFinished ? res.statusCode : 0;
        const code = status === 0 ? "CLIENT_GONE" : errorCodes.get(res);
        if (ballot) metrics.ballotAnswered(status, code, ms / 1000);
        if (debug) {
          // Without the query; a client's 16 kB path is cut to its first 200 characters.
          const path = (req.url ?? "").split("?")[0]?.slice(0, MAX_LOGGED_PATH);
          const rounded = Math.round(ms * 1000) / 1000;
          logger.debug({ reqId, method: req.method, path, status, ...(code ? { code } : {}), ms: rounded }, "request");
        }
      });
    }
    handler(req, res);
  };
}
